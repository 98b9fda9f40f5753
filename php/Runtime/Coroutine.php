<?php

namespace LaravelS\Runtime;

use LaravelS\Coroutine\Scheduler;

/**
 * `Swoole\Coroutine` on PHP Fibers (`LaravelS\Coroutine\Scheduler`), where the seed allows
 * coroutines: custom processes (their callback runs in one), the timer process, timers'
 * callbacks and Coroutine\run(). Only waits made through these classes let other
 * coroutines run: nothing hooks PDO, Redis, curl, file I/O or sleep(), which block the
 * whole process.
 */
final class Coroutine
{
    /** Starts $fn in a new coroutine, which runs until it first waits; its id. */
    public static function create(callable $fn, ...$args)
    {
        return Scheduler::current()->spawn($fn, $args);
    }

    /**
     * Sleeps the current coroutine, letting the others run; false when the process was
     * asked to leave meanwhile (reload, stop), which ends every sleep at once. Outside a
     * coroutine (a request) the whole process sleeps, as usleep() would.
     */
    public static function sleep($seconds): bool
    {
        $seconds = max(0.0, (float) $seconds);
        $scheduler = Scheduler::current();
        if ($scheduler->cid() === -1) {
            usleep((int) round($seconds * 1e6));

            return true;
        }

        return $scheduler->sleep($seconds);
    }

    /** The current coroutine's id; -1 outside one. */
    public static function getCid(): int
    {
        return Scheduler::current()->cid();
    }

    /** The id of the coroutine $cid (default: the current one) was started from: -1 for none, false when $cid does not run. */
    public static function getPcid($cid = 0)
    {
        $scheduler = Scheduler::current();
        $cid = (int) $cid > 0 ? (int) $cid : $scheduler->cid();

        return $cid === -1 ? false : $scheduler->parent($cid);
    }

    /** Runs $fn when the current coroutine ends, the last deferred first. */
    public static function defer(callable $fn): void
    {
        Scheduler::current()->defer($fn);
    }

    public static function exists($cid): bool
    {
        return Scheduler::current()->exists((int) $cid);
    }

    /** The ids of the coroutines that have not ended. */
    public static function list(): \ArrayIterator
    {
        return new \ArrayIterator(Scheduler::current()->ids());
    }

    public static function listCoroutines(): \ArrayIterator
    {
        return self::list();
    }

    /** coroutine_num (those that have not ended) and coroutine_last_cid. */
    public static function stats(): array
    {
        $scheduler = Scheduler::current();

        return ['coroutine_num' => count($scheduler->ids()), 'coroutine_last_cid' => $scheduler->lastCid()];
    }
}
