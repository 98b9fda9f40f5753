<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

use Swoole\Http\Request;
use Swoole\WebSocket\Frame;
use Swoole\WebSocket\Server;

/**
 * Greets with the handshake's query and path and writes to its session; echoes each
 * message with what the config and url() say; records closes.
 */
class ProbeWebSocket implements \LaravelS\Contracts\WebSocketHandler
{
    /** @var int[] */
    public static $closed = [];

    public function onOpen(Server $server, Request $request)
    {
        session()->put('ws.opened', $request->fd);
        $server->push($request->fd, sprintf('welcome %s, path %s', $request->get['name'] ?? '?', request()->path()));
    }

    public function onMessage(Server $server, Frame $frame)
    {
        $server->push($frame->fd, sprintf('echo:%s:%s:%s', $frame->data, config('app.probe') ?? 'booted', url('/home')));
        config(['app.probe' => 'set by a message']);
    }

    public function onClose(Server $server, $fd, $reactorId)
    {
        self::$closed[] = $fd;
    }
}
