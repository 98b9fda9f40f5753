<?php

/*
 * Swoole's global constants, with Swoole's values, for configs written for LaravelS
 * ('socket_type' => SWOOLE_SOCK_TCP, a socket's 'type' => SWOOLE_SOCK_UDP, ...).
 * Each one is defined only if missing, so ext-swoole's own definitions win where it is
 * loaded. SWOOLE_VERSION is deliberately absent: libraries test it to detect Swoole.
 */

foreach (
    [
    // Server modes.
    'SWOOLE_BASE' => 1,
    // getWorkerStatus().
    'SWOOLE_WORKER_BUSY' => 1,
    'SWOOLE_WORKER_IDLE' => 2,
    'SWOOLE_WORKER_EXIT' => 3,
    'SWOOLE_PROCESS' => 2,
    // Socket types; a type may be OR-ed with SWOOLE_SSL.
    'SWOOLE_SOCK_TCP' => 1,
    'SWOOLE_SOCK_UDP' => 2,
    'SWOOLE_SOCK_TCP6' => 3,
    'SWOOLE_SOCK_UDP6' => 4,
    'SWOOLE_SOCK_UNIX_DGRAM' => 6,
    'SWOOLE_SOCK_UNIX_STREAM' => 5,
    'SWOOLE_TCP' => 1,
    'SWOOLE_UDP' => 2,
    'SWOOLE_TCP6' => 3,
    'SWOOLE_UDP6' => 4,
    'SWOOLE_UNIX_DGRAM' => 6,
    'SWOOLE_UNIX_STREAM' => 5,
    'SWOOLE_SSL' => 512,
    // Swoole\Lock's types.
    'SWOOLE_RWLOCK' => 1,
    'SWOOLE_FILELOCK' => 2,
    'SWOOLE_MUTEX' => 3,
    'SWOOLE_SEM' => 4,
    'SWOOLE_SPINLOCK' => 5,
    // Swoole\Coroutine\Channel's errCode.
    'SWOOLE_CHANNEL_OK' => 0,
    'SWOOLE_CHANNEL_TIMEOUT' => -1,
    'SWOOLE_CHANNEL_CLOSED' => -2,
    'SWOOLE_CHANNEL_CANCELED' => -3,
    // WebSocket frame opcodes.
    'SWOOLE_WEBSOCKET_OPCODE_CONTINUATION' => 0,
    'SWOOLE_WEBSOCKET_OPCODE_TEXT' => 1,
    'SWOOLE_WEBSOCKET_OPCODE_BINARY' => 2,
    'SWOOLE_WEBSOCKET_OPCODE_CLOSE' => 8,
    'SWOOLE_WEBSOCKET_OPCODE_PING' => 9,
    'SWOOLE_WEBSOCKET_OPCODE_PONG' => 10,
    'WEBSOCKET_OPCODE_CONTINUATION' => 0,
    'WEBSOCKET_OPCODE_TEXT' => 1,
    'WEBSOCKET_OPCODE_BINARY' => 2,
    'WEBSOCKET_OPCODE_CLOSE' => 8,
    'WEBSOCKET_OPCODE_PING' => 9,
    'WEBSOCKET_OPCODE_PONG' => 10,
    'SWOOLE_WEBSOCKET_FLAG_FIN' => 1,
    // A connection's getClientInfo()['websocket_status'].
    'WEBSOCKET_STATUS_CONNECTION' => 1,
    'WEBSOCKET_STATUS_HANDSHAKE' => 2,
    'WEBSOCKET_STATUS_ACTIVE' => 3,
    'WEBSOCKET_STATUS_FRAME' => 3,
    'WEBSOCKET_STATUS_CLOSING' => 4,
    'SWOOLE_WEBSOCKET_STATUS_CONNECTION' => 1,
    'SWOOLE_WEBSOCKET_STATUS_HANDSHAKE' => 2,
    'SWOOLE_WEBSOCKET_STATUS_ACTIVE' => 3,
    'SWOOLE_WEBSOCKET_STATUS_CLOSING' => 4,
    // Close codes (RFC 6455 7.4.1).
    'WEBSOCKET_CLOSE_NORMAL' => 1000,
    'WEBSOCKET_CLOSE_GOING_AWAY' => 1001,
    'WEBSOCKET_CLOSE_PROTOCOL_ERROR' => 1002,
    'WEBSOCKET_CLOSE_DATA_ERROR' => 1003,
    'WEBSOCKET_CLOSE_STATUS_ERROR' => 1005,
    'WEBSOCKET_CLOSE_ABNORMAL' => 1006,
    'WEBSOCKET_CLOSE_MESSAGE_ERROR' => 1007,
    'WEBSOCKET_CLOSE_POLICY_ERROR' => 1008,
    'WEBSOCKET_CLOSE_MESSAGE_TOO_BIG' => 1009,
    'WEBSOCKET_CLOSE_EXTENSION_MISSING' => 1010,
    'WEBSOCKET_CLOSE_SERVER_ERROR' => 1011,
    'WEBSOCKET_CLOSE_TLS' => 1015,
    ] as $laravelsConstant => $laravelsValue
) {
    if (!defined($laravelsConstant)) {
        define($laravelsConstant, $laravelsValue);
    }
}
unset($laravelsConstant, $laravelsValue);
