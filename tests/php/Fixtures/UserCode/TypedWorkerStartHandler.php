<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use LaravelS\Contracts\Events\WorkerStart;
use LaravelS\Server\HttpServer;

/**
 * Spells the server type with this package's class name: PHP must load Swoole\Http\Server
 * when linking the class to compare the two, which the alias map answers.
 */
class TypedWorkerStartHandler implements WorkerStart
{
    public function handle(HttpServer $server, $workerId): void
    {
    }
}
