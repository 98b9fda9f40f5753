<?php

namespace LaravelS\Console;

/** The master's pid file (swoole.pid_file): which process to signal, if it still lives. */
final class PidFile
{
    /** The pid in $path when that process is alive, else null (a stale file is ignored). */
    public static function runningPid(string $path): ?int
    {
        if (!is_file($path)) {
            return null;
        }
        $pid = (int) trim((string) @file_get_contents($path));

        return $pid > 0 && self::isAlive($pid) ? $pid : null;
    }

    public static function isAlive(int $pid): bool
    {
        if (!posix_kill($pid, 0)) {
            return false;
        }
        // A zombie still answers signal 0; it is not running.
        $stat = @file_get_contents("/proc/$pid/stat");

        return $stat === false || !preg_match('/^\d+ \(.*\) Z /s', $stat);
    }
}
