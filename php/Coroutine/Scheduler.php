<?php

namespace LaravelS\Coroutine;

/**
 * One process's coroutines (PHP Fibers) and timers: the small event loop behind
 * Swoole\Coroutine, Swoole\Timer, go(), Channel and WaitGroup.
 *
 * A coroutine runs from go() until it waits (sleep, a channel, a wait group), then the
 * code that started or resumed it goes on. The process's loop resumes it when its wait
 * ends: a custom process runs its callback inside run(); the timer process and the HTTP
 * workers call waitFor() while they wait for the master, so timers and sleeping
 * coroutines run between requests, never inside one. Nothing hooks blocking calls (PDO,
 * Redis, curl, files, sleep()): they block the whole process, as without coroutines.
 */
final class Scheduler
{
    /** What a sleep cut short by leave() resumes with. */
    private const INTERRUPTED = 'interrupted';

    /** @var self|null this process's scheduler */
    private static $instance = null;

    /** @var int */
    private $lastCid = 0;
    /** @var array<int, \Fiber> the coroutines that have not ended, by id */
    private $fibers = [];
    /** @var array<int, int> cid => the coroutine it was started from (-1: none) */
    private $parents = [];
    /** @var array<int, callable[]> cid => defer()red callables */
    private $defers = [];
    /** @var \WeakMap<\Fiber, int> */
    private $cids;
    /** @var list<array{0: int, 1: array{0: bool, 1: mixed}}> coroutines to resume, with what their wait returns */
    private $ready = [];
    /** @var array<int, float> cid => when its wait times out (INF: never) */
    private $waiting = [];
    /** @var array<int, true> the waits that are sleeps */
    private $sleeping = [];
    /** @var array<int, resource> cid => the stream it waits to read (run() only) */
    private $readers = [];
    /** @var Timers */
    private $timers;
    /** @var \Closure|null reports an exception no coroutine caught */
    private $reporter = null;
    /** @var bool run() is on */
    private $running = false;
    /** @var bool the process was asked to leave: run() ends once its main coroutine has */
    private $leaving = false;

    public function __construct()
    {
        $this->cids = new \WeakMap();
        $this->timers = new Timers();
    }

    /** This process's scheduler (a forked child starts with its parent's; see reset()). */
    public static function current(): self
    {
        return self::$instance ??= new self();
    }

    /** Drops the scheduler inherited from the parent: a forked process starts empty. */
    public static function reset(): void
    {
        self::$instance = null;
    }

    public function timers(): Timers
    {
        return $this->timers;
    }

    /** Who hears of an exception that ended a coroutine or a timer's callback. */
    public function reportWith(\Closure $reporter): void
    {
        $this->reporter = $reporter;
    }

    /** Starts $fn in a new coroutine, which runs until it first waits; its id. */
    public function spawn(callable $fn, array $args = []): int
    {
        $cid = ++$this->lastCid;
        $fiber = new \Fiber(function () use ($fn, $args, $cid): void {
            try {
                $fn(...$args);
            } catch (\Throwable $e) {
                $this->report($e);
            } finally {
                $this->end($cid);
            }
        });
        $this->parents[$cid] = $this->cid();
        $this->fibers[$cid] = $fiber;
        $this->cids[$fiber] = $cid;
        $fiber->start();

        return $cid;
    }

    /** The running coroutine's id; -1 outside one. */
    public function cid(): int
    {
        $fiber = \Fiber::getCurrent();

        return $fiber === null ? -1 : ($this->cids[$fiber] ?? -1);
    }

    /** The coroutine $cid was started from (-1: from none); false when $cid does not run. */
    public function parent(int $cid): int|false
    {
        return $this->parents[$cid] ?? false;
    }

    public function exists(int $cid): bool
    {
        return isset($this->fibers[$cid]);
    }

    /** @return int[] the ids of the coroutines that have not ended */
    public function ids(): array
    {
        return array_keys($this->fibers);
    }

    /** The id of the last coroutine started (0 before the first). */
    public function lastCid(): int
    {
        return $this->lastCid;
    }

    /** Runs $fn when the current coroutine ends, the last deferred first. */
    public function defer(callable $fn): void
    {
        $this->defers[$this->requireCid()][] = $fn;
    }

    /**
     * Suspends the current coroutine until wake() or, with $timeout (seconds), until it
     * passed. [true, what wake() gave] or [false, null] on timeout.
     *
     * @return array{0: bool, 1: mixed}
     */
    public function wait(?float $timeout): array
    {
        $cid = $this->requireCid();
        $this->waiting[$cid] = $timeout === null ? INF : microtime(true) + max(0.0, $timeout);

        return \Fiber::suspend();
    }

    /** Lets coroutine $cid, waiting, go on with $value; false when it was not waiting. */
    public function wake(int $cid, mixed $value = null): bool
    {
        if (!isset($this->waiting[$cid])) {
            return false;
        }
        unset($this->waiting[$cid], $this->sleeping[$cid]);
        $this->ready[] = [$cid, [true, $value]];

        return true;
    }

    /** Sleeps the current coroutine; false when leave() cut the sleep short. */
    public function sleep(float $seconds): bool
    {
        $cid = $this->requireCid();
        $this->sleeping[$cid] = true;
        [$woken, $value] = $this->wait($seconds);

        return !($woken && $value === self::INTERRUPTED);
    }

    /** Whether run() drives this process, so waitReadable() can be used. */
    public function runs(): bool
    {
        return $this->running;
    }

    /**
     * Suspends the current coroutine until $stream can be read (data, or its end): true;
     * false when $timeout seconds passed first or leave() came. For run()'s loop, which
     * selects on these streams.
     *
     * @param resource $stream
     */
    public function waitReadable($stream, ?float $timeout = null): bool
    {
        $cid = $this->requireCid();
        $this->readers[$cid] = $stream;
        try {
            [$woken, $ready] = $this->wait($timeout);
        } finally {
            unset($this->readers[$cid]);
        }

        return $woken && $ready === true;
    }

    /**
     * The process is asked to leave (reload, stop): every sleep ends now, so a loop like
     * `while (!self::$quit) { Coroutine::sleep(1); }` sees its flag at once (and a pipe's
     * read() in a coroutine returns false, ending `while ($data = $process->read())`); run() ends once
     * its main coroutine has, whatever timers are left.
     */
    public function leave(): void
    {
        $this->leaving = true;
        foreach (array_keys($this->sleeping) as $cid) {
            $this->wake($cid, self::INTERRUPTED);
        }
        foreach (array_keys($this->readers) as $cid) {
            $this->wake($cid, false);
        }
    }

    /** Runs what is due now: timers, timed-out waits, then every coroutine ready to go on. */
    public function runDue(): void
    {
        $now = microtime(true);
        while (($due = $this->timers->popDue($now)) !== null) {
            $this->spawn($due[0], $due[1]);
        }
        $expired = array_filter($this->waiting, fn (float $until) => $until <= $now);
        asort($expired);
        foreach (array_keys($expired) as $cid) {
            unset($this->waiting[$cid], $this->sleeping[$cid]);
            $this->ready[] = [$cid, [false, null]];
        }
        while ($this->ready !== []) {
            [$cid, $value] = array_shift($this->ready);
            $fiber = $this->fibers[$cid] ?? null;
            if ($fiber !== null && $fiber->isSuspended()) {
                $fiber->resume($value);
            }
        }
    }

    /** When something is due next (a timer, a wait's timeout); null when nothing is timed. */
    public function nextDue(): ?float
    {
        if ($this->ready !== []) {
            return microtime(true);
        }
        $next = min($this->waiting === [] ? INF : min($this->waiting), $this->timers->nextDue() ?? INF);

        return $next === INF ? null : $next;
    }

    /**
     * Runs what comes due while the process waits for something outside (a message from
     * the master, a stop): $wait(int $ms) waits up to $ms milliseconds (-1: as long as it
     * takes) and says whether it came. True once it came; false when $until passed first.
     */
    public function waitFor(callable $wait, float $until = INF): bool
    {
        while (true) {
            if ($this->ready === [] && $this->waiting === [] && $this->timers->isEmpty()) {
                // Nothing to run or time (a worker without timers or coroutines, between
                // requests): what runDue() and nextDue() would find, without the calls.
                $next = $until;
            } else {
                $this->runDue();
                $next = min($this->nextDue() ?? INF, $until);
            }
            $ms = $next === INF ? -1 : (int) max(0, ceil(($next - microtime(true)) * 1000));
            if ($wait($ms)) {
                return true;
            }
            if (microtime(true) >= $until) {
                return false;
            }
        }
    }

    /**
     * The loop of a process that does nothing else (a custom process, Coroutine\run()):
     * runs $main in a coroutine, then whatever it started, until no coroutine is left and,
     * with $untilTimersEnd, no timer either. Sleeps between, in usleep(), which a signal
     * cuts short so its handler runs at once. $main's exception is thrown from here.
     * False (with a warning, as Swoole) when a loop already runs.
     */
    public function run(callable $main, array $args = [], bool $untilTimersEnd = true): bool
    {
        if ($this->running || $this->cid() !== -1) {
            trigger_error('Swoole\Coroutine\run(): eventLoop has already been created, unable to start another scheduler in this process', E_USER_WARNING);

            return false;
        }
        $this->running = true;
        $failure = null;
        $done = false;
        try {
            $this->spawn(function () use ($main, $args, &$failure, &$done): void {
                try {
                    $main(...$args);
                } catch (\Throwable $e) {
                    $failure = $e;
                }
                $done = true;
            });
            while (true) {
                $this->runDue();
                $timersLeft = $untilTimersEnd && !$this->leaving && !$this->timers->isEmpty();
                if ($done && ($this->fibers === [] || $this->leaving) && !$timersLeft) {
                    break;
                }
                $next = $this->nextDue();
                if ($this->readers !== []) {
                    $this->select($next);
                    continue;
                }
                if ($next === null) {
                    fwrite(STDERR, sprintf("[%s] all coroutines (count: %d) are asleep - deadlock!\n", gmdate('Y-m-d H:i:s'), count($this->fibers)));
                    break;
                }
                $us = (int) (($next - microtime(true)) * 1e6);
                if ($us > 0) {
                    usleep($us);
                }
            }
        } finally {
            $this->running = false;
        }
        if ($failure !== null) {
            throw $failure;
        }

        return true;
    }

    /**
     * Waits until a stream a coroutine reads has something, or until $next (null: no
     * limit); a signal ends the wait too. Wakes the readers whose stream is ready.
     */
    private function select(?float $next): void
    {
        $read = array_values($this->readers);
        $none = [];
        $seconds = $next === null ? null : max(0.0, $next - microtime(true));
        $ready = @stream_select($read, $none, $none, $seconds === null ? null : (int) $seconds, $seconds === null ? null : (int) (fmod($seconds, 1.0) * 1e6));
        if (!$ready) {
            return;
        }
        foreach ($this->readers as $cid => $stream) {
            if (in_array($stream, $read, true)) {
                $this->wake($cid, true);
            }
        }
    }

    /** Ends coroutine $cid: its deferred callables, the last first, then its records. */
    private function end(int $cid): void
    {
        try {
            while (!empty($this->defers[$cid])) {
                $fn = array_pop($this->defers[$cid]);
                try {
                    $fn();
                } catch (\Throwable $e) {
                    $this->report($e);
                }
            }
        } finally {
            unset($this->fibers[$cid], $this->parents[$cid], $this->defers[$cid], $this->waiting[$cid], $this->sleeping[$cid], $this->readers[$cid]);
        }
    }

    private function requireCid(): int
    {
        $cid = $this->cid();
        if ($cid === -1) {
            throw new \Error('API must be called in the coroutine');
        }

        return $cid;
    }

    private function report(\Throwable $e): void
    {
        if ($this->reporter !== null) {
            ($this->reporter)($e);

            return;
        }
        $where = sprintf('%s:%d', $e->getFile(), $e->getLine());
        fwrite(STDERR, sprintf("[%s] uncaught in a coroutine: %s: %s in %s\n", gmdate('Y-m-d H:i:s'), get_class($e), $e->getMessage(), $where));
    }
}
