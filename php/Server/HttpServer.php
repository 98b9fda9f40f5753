<?php

namespace LaravelS\Server;

/**
 * app('swoole') when WebSocket is off: `Swoole\Http\Server`. Everything it offers is
 * the base server's; the class exists for the type Swoole code checks.
 */
class HttpServer extends Server
{
}
