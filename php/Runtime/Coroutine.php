<?php

namespace LaravelS\Runtime;

/**
 * `Swoole\Coroutine` as the README's timer jobs and custom processes use it. Those run in
 * processes of their own here, so a coroutine sleep is a plain sleep of that process.
 */
final class Coroutine
{
    public static function sleep($seconds): bool
    {
        usleep((int) round(max(0, $seconds) * 1e6));

        return true;
    }

    /** There are no coroutines: the id Swoole returns outside one. */
    public static function getCid(): int
    {
        return -1;
    }
}
