<?php

namespace LaravelS\Socket;

use Swoole\Server\Port;

/**
 * What every handler of an extra port (`sockets`) has: the port it serves, as
 * `$this->swoolePort` (Hhxsv5\LaravelS\Swoole\Socket\PortInterface).
 */
interface PortHandler
{
    public function __construct(Port $port);
}
