<?php

namespace App\Processes;

use Hhxsv5\LaravelS\Swoole\Process\CustomProcessInterface;
use Swoole\Http\Server;
use Swoole\Process;

/**
 * The README's custom process: echoes what workers write to its pipe. onReload/onStop
 * record that they ran (storage/app/process-events.log) and end the loop.
 */
class TestProcess implements CustomProcessInterface
{
    /** @var bool exit flag, for reload */
    private static $quit = false;

    public static function callback(Server $swoole, Process $process)
    {
        while (!self::$quit && ($data = $process->read())) {
            \Log::info('TestProcess: read data', [$data]);
            $process->write('TestProcess: ' . $data);
        }
    }

    public static function onReload(Server $swoole, Process $process)
    {
        file_put_contents(storage_path('app/process-events.log'), 'reload ' . getmypid() . "\n", FILE_APPEND);
        self::$quit = true;
        $process->exit(0);
    }

    public static function onStop(Server $swoole, Process $process)
    {
        file_put_contents(storage_path('app/process-events.log'), 'stop ' . getmypid() . "\n", FILE_APPEND);
        self::$quit = true;
        $process->exit(0);
    }
}
