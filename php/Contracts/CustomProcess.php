<?php

namespace LaravelS\Contracts;

/**
 * A long-running process started beside the workers (config 'processes'), also known as
 * Hhxsv5\LaravelS\Swoole\Process\CustomProcessInterface. Parameter types are Swoole's
 * names, as in LaravelS (see WebSocketHandler for why).
 *
 * A class may also define `public static function onStop(Server $swoole, Process $process)`,
 * called when the server stops. It is not declared here because LaravelS does not
 * require it, and declaring it would reject processes written without it.
 */
interface CustomProcess
{
    /** The body of the process; it is restarted if it returns or dies. */
    public static function callback(\Swoole\Http\Server $swoole, \Swoole\Process $process);

    /** Called when the server reloads (SIGUSR1 to the master). */
    public static function onReload(\Swoole\Http\Server $swoole, \Swoole\Process $process);
}
