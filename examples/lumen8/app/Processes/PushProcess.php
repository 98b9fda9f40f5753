<?php

namespace App\Processes;

use Hhxsv5\LaravelS\Swoole\Process\CustomProcessInterface;
use Swoole\Http\Server;
use Swoole\Process;

/** Pushes "tick from process" to every established WebSocket connection every 100 ms. */
class PushProcess implements CustomProcessInterface
{
    private static $quit = false;

    public static function callback(Server $swoole, Process $process)
    {
        while (!self::$quit) {
            foreach ($swoole->connections as $fd) {
                if ($swoole->isEstablished($fd)) {
                    $swoole->push($fd, 'tick from process');
                }
            }
            usleep(100000);
        }
    }

    public static function onReload(Server $swoole, Process $process)
    {
        self::$quit = true;
    }

    public static function onStop(Server $swoole, Process $process)
    {
        self::$quit = true;
    }
}
