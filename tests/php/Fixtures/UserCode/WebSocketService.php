<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use Hhxsv5\LaravelS\Swoole\WebSocketHandlerInterface;
use Swoole\Http\Request;
use Swoole\WebSocket\Frame;
use Swoole\WebSocket\Server;

/** A WebSocket handler as the LaravelS README writes it. */
class WebSocketService implements WebSocketHandlerInterface
{
    public function __construct()
    {
    }

    public function onOpen(Server $server, Request $request)
    {
    }

    public function onMessage(Server $server, Frame $frame)
    {
    }

    public function onClose(Server $server, $fd, $reactorId)
    {
    }
}
