<?php

namespace LaravelS\Contracts;

/**
 * The handler of the WebSocket server (config 'websocket.handler'), also known as
 * Hhxsv5\LaravelS\Swoole\WebSocketHandlerInterface.
 *
 * The parameter types are Swoole's class names, exactly as LaravelS declares them: PHP
 * accepts an implementation whose types are spelled the same without loading them, and
 * the Swoole\ names resolve to this package's classes when a call is made. Unlike
 * LaravelS, no constructor is imposed; a handler with `__construct()` is still fine.
 */
interface WebSocketHandler
{
    /** A client finished the handshake. */
    public function onOpen(\Swoole\WebSocket\Server $server, \Swoole\Http\Request $request);

    /** A complete message (frame) arrived from a client. */
    public function onMessage(\Swoole\WebSocket\Server $server, \Swoole\WebSocket\Frame $frame);

    /** A connection closed; $fd is the client's connection id. */
    public function onClose(\Swoole\WebSocket\Server $server, $fd, $reactorId);
}
