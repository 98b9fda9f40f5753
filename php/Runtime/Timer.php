<?php

namespace LaravelS\Runtime;

use LaravelS\Coroutine\Scheduler;
use LaravelS\Coroutine\TimerKind;

/**
 * `Swoole\Timer`: millisecond timers of the process that sets them. Each callback runs in
 * a coroutine of its own when it is due and the process is free: in an HTTP worker between
 * requests (never inside one), in the timer process and in custom processes whenever they
 * wait. A tick's callback gets the timer id, then the parameters; an after's only the
 * parameters. Ids start at 1 in each process.
 */
final class Timer
{
    /** Runs $callback every $ms milliseconds until cleared; the timer id. */
    public static function tick($ms, callable $callback, ...$params)
    {
        return self::add('tick', TimerKind::Tick, $ms, $callback, $params);
    }

    /** Runs $callback once, in $ms milliseconds; the timer id. */
    public static function after($ms, callable $callback, ...$params)
    {
        return self::add('after', TimerKind::After, $ms, $callback, $params);
    }

    /** Removes a timer of this process; false when there is no such timer. */
    public static function clear($timerId): bool
    {
        return Scheduler::current()->timers()->clear((int) $timerId);
    }

    /** Removes every timer of this process. */
    public static function clearAll(): bool
    {
        Scheduler::current()->timers()->clearAll();

        return true;
    }

    public static function exists($timerId): bool
    {
        return Scheduler::current()->timers()->exists((int) $timerId);
    }

    /** exec_msec, exec_count, interval, round, removed; null for no such timer. */
    public static function info($timerId): ?array
    {
        return Scheduler::current()->timers()->info((int) $timerId);
    }

    /** The ids of this process's timers (Swoole's Timer\Iterator is an ArrayIterator). */
    public static function list(): \ArrayIterator
    {
        return new \ArrayIterator(Scheduler::current()->timers()->ids());
    }

    /** initialized, num, round. */
    public static function stats(): array
    {
        return Scheduler::current()->timers()->stats();
    }

    /**
     * Swoole's timer settings: `enable_coroutine` => true is how timers run here (each
     * callback in a coroutine); false cannot be honoured and warns.
     */
    public static function set(array $settings): void
    {
        if (($settings['enable_coroutine'] ?? true) === false) {
            trigger_error('Swoole\Timer::set(): enable_coroutine: false is not implemented; callbacks run in coroutines', E_USER_WARNING);
        }
    }

    private static function add(string $method, TimerKind $kind, $ms, callable $callback, array $params)
    {
        if (!is_numeric($ms) || (int) $ms < 1) {
            $given = var_export($ms, true);
            trigger_error(sprintf('Swoole\Timer::%s(): $ms: the interval must be at least 1 millisecond, %s given', $method, $given), E_USER_WARNING);

            return false;
        }

        return Scheduler::current()->timers()->add($kind, (int) $ms, $callback, $params);
    }
}
