<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use Hhxsv5\LaravelS\Swoole\Process\CustomProcessInterface;
use Swoole\Http\Server;
use Swoole\Process;

/** A custom process as the LaravelS README writes it, onStop included. */
class TestProcess implements CustomProcessInterface
{
    public static function callback(Server $swoole, Process $process)
    {
    }

    public static function onReload(Server $swoole, Process $process)
    {
    }

    public static function onStop(Server $swoole, Process $process)
    {
    }
}
