<?php

namespace LaravelS\Server;

use LaravelS\Runtime\Clients;
use LaravelS\Transport\CurrentTransport;

/**
 * app('swoole') when `websocket.enable` is true: `Swoole\WebSocket\Server`. Pushes go
 * from any process straight to the master, without waiting for it: a broadcast loop
 * costs one message per connection, not one round trip.
 */
class WebSocketServer extends HttpServer
{
    private const FLAG_FIN = 1;

    /**
     * Sends $data to WebSocket connection $fd. $data may be a Frame. False when $fd is
     * not an established WebSocket connection.
     *
     * @param int|bool $flags Swoole's finish flag or SWOOLE_WEBSOCKET_FLAG_* bits: messages
     *                        go whole (FIN) and uncompressed; a flag asking otherwise warns
     */
    public function push($fd, $data, $opcode = 1, $flags = 1): bool
    {
        if ($data instanceof Frame) {
            $opcode = $data->opcode;
            $flags = $data->finish ? $data->flags | self::FLAG_FIN : $data->flags & ~self::FLAG_FIN;
            $data = $data->data;
        }
        $flags = (int) $flags; // true: Swoole's older "finish" argument
        if (($flags & self::FLAG_FIN) === 0) {
            return self::unhonoured('push', '$flags', 'a message without SWOOLE_WEBSOCKET_FLAG_FIN (a fragment) cannot be sent: messages go whole');
        }
        if (($flags & ~self::FLAG_FIN) !== 0) {
            // Compression and the RSV bits change how a frame is encoded, not what it says.
            trigger_error(
                sprintf('push(): $flags: %d has bits other than SWOOLE_WEBSOCKET_FLAG_FIN, which are not implemented: the message goes uncompressed', $flags),
                E_USER_WARNING
            );
        }
        if (!in_array((int) $opcode, [1, 2, 9, 10], true)) {
            return self::unhonoured('push', '$opcode', "$opcode is not an opcode a server pushes; use 1 (text), 2 (binary), 9 (ping) or 10 (pong)");
        }

        return ($this->transport ?? CurrentTransport::get())->push((int) $fd, (string) $data, (int) $opcode);
    }

    /**
     * Sends $data to every established WebSocket connection: on every instance with
     * `websocket.cluster`, on this one without. One message to the master, however many
     * connections; true once it is sent (false for a bad $opcode, with a warning).
     */
    public function pushAll($data, $opcode = 1): bool
    {
        return $this->fanout(null, $data, $opcode);
    }

    /**
     * Sends $data to every established WebSocket connection bind() tied to $uid, on every
     * instance with `websocket.cluster`. False for a $uid that is not positive.
     */
    public function pushToUid($uid, $data, $opcode = 1): bool
    {
        if ((int) $uid <= 0) {
            return self::unhonoured('pushToUid', '$uid', "$uid is not a uid bind() gives: use a positive number");
        }

        return $this->fanout((int) $uid, $data, $opcode);
    }

    private function fanout(?int $uid, $data, $opcode): bool
    {
        if ($data instanceof Frame) {
            $opcode = $data->opcode;
            $data = $data->data;
        }
        $name = $uid === null ? 'pushAll' : 'pushToUid';
        if (!in_array((int) $opcode, [1, 2, 9, 10], true)) {
            return self::unhonoured($name, '$opcode', "$opcode is not an opcode a server pushes; use 1 (text), 2 (binary), 9 (ping) or 10 (pong)");
        }

        return ($this->transport ?? CurrentTransport::get())->fanout($uid, (string) $data, (int) $opcode);
    }

    public function isEstablished($fd): bool
    {
        return Clients::isEstablished((int) $fd);
    }

    /** Closes $fd with a close frame carrying $code and $reason. */
    public function disconnect($fd, $code = 1000, $reason = ''): bool
    {
        return ($this->transport ?? CurrentTransport::get())->disconnect((int) $fd, (int) $code, (string) $reason);
    }
}
