<?php

namespace LaravelS\Coroutine;

/**
 * `Swoole\Coroutine\Channel`: a queue of at most `capacity` values between coroutines of
 * one process. push() waits while it is full, pop() while it is empty, each up to
 * $timeout seconds (-1, or 0: as long as it takes); a failed call answers false and says
 * why in errCode (SWOOLE_CHANNEL_TIMEOUT, SWOOLE_CHANNEL_CLOSED). close() wakes every
 * waiter. Waiting needs a coroutine: outside one, a call that would wait throws.
 */
class Channel
{
    private const OK = 0;
    private const TIMEOUT = -1;
    private const CLOSED = -2;

    /** @var int */
    public $capacity;
    /** @var int why the last push() or pop() failed; 0 after a success */
    public $errCode = 0;

    /** @var \SplQueue */
    private $queue;
    /** @var array<int, true> coroutines waiting to pop */
    private $consumers = [];
    /** @var array<int, true> coroutines waiting to push */
    private $producers = [];
    /** @var bool */
    private $closed = false;

    public function __construct($size = 1)
    {
        $this->capacity = max(1, (int) $size);
        $this->queue = new \SplQueue();
    }

    /** Adds $data, waiting while the channel is full; false on timeout or once closed. */
    public function push($data, $timeout = -1): bool
    {
        $until = self::until($timeout);
        while (true) {
            if ($this->closed) {
                return $this->fail(self::CLOSED);
            }
            if ($this->queue->count() < $this->capacity) {
                $this->queue->enqueue($data);
                self::wakeOne($this->consumers);
                $this->errCode = self::OK;

                return true;
            }
            if (!$this->await($this->producers, $until)) {
                return $this->fail(self::TIMEOUT);
            }
        }
    }

    /** Takes the oldest value, waiting while the channel is empty; false on timeout or once closed and empty. */
    public function pop($timeout = -1): mixed
    {
        $until = self::until($timeout);
        while (true) {
            if (!$this->queue->isEmpty()) {
                $data = $this->queue->dequeue();
                self::wakeOne($this->producers);
                $this->errCode = self::OK;

                return $data;
            }
            if ($this->closed) {
                return $this->fail(self::CLOSED);
            }
            if (!$this->await($this->consumers, $until)) {
                return $this->fail(self::TIMEOUT);
            }
        }
    }

    /** Closes the channel: every waiting push() and pop() returns false. */
    public function close(): bool
    {
        if ($this->closed) {
            return false;
        }
        $this->closed = true;
        $scheduler = Scheduler::current();
        foreach (array_keys($this->consumers + $this->producers) as $cid) {
            $scheduler->wake($cid);
        }

        return true;
    }

    public function length(): int
    {
        return $this->queue->count();
    }

    public function isEmpty(): bool
    {
        return $this->queue->isEmpty();
    }

    public function isFull(): bool
    {
        return $this->queue->count() >= $this->capacity;
    }

    /** consumer_num, producer_num, queue_num. */
    public function stats(): array
    {
        return ['consumer_num' => count($this->consumers), 'producer_num' => count($this->producers), 'queue_num' => $this->queue->count()];
    }

    /** When a wait of $timeout seconds ends (INF: never). */
    private static function until($timeout): float
    {
        return (float) $timeout > 0 ? microtime(true) + (float) $timeout : INF;
    }

    /**
     * Waits in $waiters until woken (the channel changed: check again) or $until passed.
     *
     * @param array<int, true> $waiters
     */
    private function await(array &$waiters, float $until): bool
    {
        $scheduler = Scheduler::current();
        $cid = $scheduler->cid();
        if ($cid === -1) {
            throw new \Error('API must be called in the coroutine');
        }
        $left = $until - microtime(true);
        if ($left <= 0) {
            return false;
        }
        $waiters[$cid] = true;
        try {
            [$woken] = $scheduler->wait($until === INF ? null : $left);
        } finally {
            unset($waiters[$cid]);
        }

        return $woken;
    }

    /** @param array<int, true> $waiters */
    private static function wakeOne(array &$waiters): void
    {
        $scheduler = Scheduler::current();
        foreach (array_keys($waiters) as $cid) {
            unset($waiters[$cid]);
            if ($scheduler->wake($cid)) {
                return;
            }
        }
    }

    private function fail(int $code): bool
    {
        $this->errCode = $code;

        return false;
    }
}
