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

    /** Pids of the processes whose parent is $parent (from /proc). */
    public static function children(int $parent): array
    {
        $children = [];
        foreach (glob('/proc/[0-9]*/stat') ?: [] as $stat) {
            $fields = @file_get_contents($stat);
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            if ($fields !== false && preg_match('/^(\d+) \(.*\) \S+ (\d+) /s', $fields, $m) && (int) $m[2] === $parent) {
                $children[] = (int) $m[1];
            }
        }

        return $children;
    }

    /** Pids of every process under $ancestor: its children, theirs, and so on. */
    public static function descendants(int $ancestor): array
    {
        $found = [];
        for ($level = [$ancestor]; $level !== [];) {
            $next = [];
            foreach ($level as $pid) {
                $next = array_merge($next, self::children($pid));
            }
            $found = array_merge($found, $next);
            $level = $next;
        }

        return $found;
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
