<?php

namespace LaravelS\Socket;

use LaravelS\Contracts\WebSocketHandler;
use Swoole\Server\Port;

/**
 * A WebSocket port's handler (Hhxsv5\LaravelS\Swoole\Socket\WebSocket): the same events
 * as the main server's handler, with the port at hand.
 */
abstract class WebSocket implements PortHandler, WebSocketHandler
{
    /** @var Port */
    protected $swoolePort;

    public function __construct(Port $port)
    {
        $this->swoolePort = $port;
    }
}
