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
    /**
     * Sends $data to WebSocket connection $fd. $data may be a Frame. False when $fd is
     * not an established WebSocket connection.
     *
     * @param int|bool $flags Swoole's finish flag or SWOOLE_WEBSOCKET_FLAG_* bits; messages
     *                        always go whole
     */
    public function push($fd, $data, $opcode = 1, $flags = 1): bool
    {
        if ($data instanceof Frame) {
            $opcode = $data->opcode;
            $data = $data->data;
        }

        return ($this->transport ?? CurrentTransport::get())->push((int) $fd, (string) $data, (int) $opcode);
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
