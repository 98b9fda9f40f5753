<?php

/*
 * Swoole's global constants, with Swoole's values, for configs written for LaravelS
 * ('socket_type' => SWOOLE_SOCK_TCP, a socket's 'type' => SWOOLE_SOCK_UDP, ...).
 * Each one is defined only if missing, so ext-swoole's own definitions win where it is
 * loaded. SWOOLE_VERSION is deliberately absent: libraries test it to detect Swoole.
 */

foreach ([
    // Server modes.
    'SWOOLE_BASE' => 1,
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
    // WebSocket frame opcodes.
    'SWOOLE_WEBSOCKET_OPCODE_CONTINUATION' => 0,
    'SWOOLE_WEBSOCKET_OPCODE_TEXT' => 1,
    'SWOOLE_WEBSOCKET_OPCODE_BINARY' => 2,
    'SWOOLE_WEBSOCKET_OPCODE_CLOSE' => 8,
    'SWOOLE_WEBSOCKET_OPCODE_PING' => 9,
    'SWOOLE_WEBSOCKET_OPCODE_PONG' => 10,
] as $laravelsConstant => $laravelsValue) {
    if (!defined($laravelsConstant)) {
        define($laravelsConstant, $laravelsValue);
    }
}
unset($laravelsConstant, $laravelsValue);
