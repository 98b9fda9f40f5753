<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use Hhxsv5\LaravelS\Swoole\Events\ServerStartInterface;
use Hhxsv5\LaravelS\Swoole\Events\ServerStopInterface;
use Swoole\Http\Server;

/** ServerStart and ServerStop share a signature, so one class can handle both. */
class ServerEventsHandler implements ServerStartInterface, ServerStopInterface
{
    public function __construct()
    {
    }

    public function handle(Server $server)
    {
    }
}
