<?php

namespace LaravelS\Coroutine;

/**
 * One process's timers (Swoole\Timer, $server->tick()/after()): ids from 1 up, and when
 * each is due. A tick is fixed-rate, as Swoole's: a slow callback does not shift the next
 * run, and runs missed meanwhile are dropped, not repeated. The Scheduler fires what is
 * due, each callback in a coroutine of its own.
 */
final class Timers
{
    /** @var int */
    private $lastId = 0;
    /**
     * @var array<int, array{kind: TimerKind, interval: int, due: float, callback: callable,
     *      params: array, count: int, round: int}>
     */
    private $timers = [];
    /** @var float|null when the first timer was made: exec_msec counts from here */
    private $start = null;
    /** @var int loop rounds that fired a timer */
    private $round = 0;

    /** A new timer; its id. */
    public function add(TimerKind $kind, int $ms, callable $callback, array $params): int
    {
        $now = microtime(true);
        $this->start ??= $now;
        $id = ++$this->lastId;
        $this->timers[$id] = [
            'kind' => $kind,
            'interval' => $ms,
            'due' => $now + $ms / 1000,
            'callback' => $callback,
            'params' => $params,
            'count' => 0,
            'round' => $this->round,
        ];

        return $id;
    }

    public function exists(int $id): bool
    {
        return isset($this->timers[$id]);
    }

    public function clear(int $id): bool
    {
        if (!isset($this->timers[$id])) {
            return false;
        }
        unset($this->timers[$id]);

        return true;
    }

    public function clearAll(): void
    {
        $this->timers = [];
    }

    public function isEmpty(): bool
    {
        return $this->timers === [];
    }

    /** @return int[] */
    public function ids(): array
    {
        return array_keys($this->timers);
    }

    /** When the earliest timer is due; null without timers. */
    public function nextDue(): ?float
    {
        return $this->timers === [] ? null : min(array_column($this->timers, 'due'));
    }

    /**
     * The earliest timer due at $now, as [callable, arguments], moved to its next run (a
     * tick) or removed (after); null when none is due.
     *
     * @return array{0: callable, 1: array}|null
     */
    public function popDue(float $now): ?array
    {
        $id = null;
        foreach ($this->timers as $candidate => $timer) {
            if ($timer['due'] <= $now && ($id === null || $timer['due'] < $this->timers[$id]['due'])) {
                $id = $candidate;
            }
        }
        if ($id === null) {
            return null;
        }
        $timer = $this->timers[$id];
        $this->round++;
        if ($timer['kind'] === TimerKind::After) {
            unset($this->timers[$id]);

            return [$timer['callback'], $timer['params']];
        }
        $interval = $timer['interval'] / 1000;
        $next = $timer['due'] + $interval;
        if ($next <= $now) {
            $next += $interval * (floor(($now - $next) / $interval) + 1);
        }
        $this->timers[$id]['due'] = $next;
        $this->timers[$id]['count']++;

        return [$timer['callback'], [$id, ...$timer['params']]];
    }

    /** Swoole's Timer::info(): null for a timer that is not (or no longer) there. */
    public function info(int $id): ?array
    {
        $timer = $this->timers[$id] ?? null;
        if ($timer === null) {
            return null;
        }

        return [
            'exec_msec' => (int) round(($timer['due'] - (float) $this->start) * 1000),
            'exec_count' => $timer['count'],
            'interval' => $timer['interval'],
            'round' => $timer['round'],
            'removed' => false,
        ];
    }

    /** Swoole's Timer::stats(). */
    public function stats(): array
    {
        return ['initialized' => $this->start !== null, 'num' => count($this->timers), 'round' => $this->round];
    }
}
