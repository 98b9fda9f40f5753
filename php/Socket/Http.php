<?php

namespace LaravelS\Socket;

use Swoole\Http\Request;
use Swoole\Http\Response;
use Swoole\Server\Port;

/**
 * An HTTP port's handler (Hhxsv5\LaravelS\Swoole\Socket\Http): Swoole-style request and
 * response objects, outside Laravel's kernel. The response is sent when onRequest
 * returns (end() is implied).
 */
abstract class Http implements PortHandler
{
    /** @var Port */
    protected $swoolePort;

    public function __construct(Port $port)
    {
        $this->swoolePort = $port;
    }

    abstract public function onRequest(Request $request, Response $response);
}
