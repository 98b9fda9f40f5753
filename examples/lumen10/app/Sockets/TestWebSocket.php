<?php

namespace App\Sockets;

use Hhxsv5\LaravelS\Swoole\Socket\WebSocket;
use Swoole\Http\Request;
use Swoole\WebSocket\Frame;
use Swoole\WebSocket\Server;

/** A WebSocket port with its own handler: greets with the port, echoes in upper case. */
class TestWebSocket extends WebSocket
{
    public function onOpen(Server $server, Request $request)
    {
        $server->push($request->fd, 'port ' . $this->swoolePort->port);
    }

    public function onMessage(Server $server, Frame $frame)
    {
        $server->push($frame->fd, strtoupper($frame->data));
    }

    public function onClose(Server $server, $fd, $reactorId)
    {
    }
}
