<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use Hhxsv5\LaravelS\Swoole\Events\WorkerStartInterface;
use Swoole\Http\Server;

/** An event handler as the LaravelS README writes it. */
class WorkerStartHandler implements WorkerStartInterface
{
    /** @var array */
    public static $calls = [];

    public function __construct()
    {
    }

    public function handle(Server $server, $workerId)
    {
        self::$calls[] = [$server, $workerId];
    }
}
