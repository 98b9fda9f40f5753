<?php

namespace LaravelS\Coroutine;

/**
 * `Swoole\Coroutine\WaitGroup`: wait() suspends the current coroutine until as many
 * done() as add() were called, or $timeout seconds passed (false then).
 */
class WaitGroup
{
    /** @var int */
    private $count = 0;
    /** @var int|null the coroutine in wait() */
    private $waiter = null;

    public function __construct($delta = 0)
    {
        if ((int) $delta > 0) {
            $this->add($delta);
        }
    }

    public function add($delta = 1): void
    {
        if ($this->waiter !== null) {
            throw new \BadMethodCallException('WaitGroup misuse: add called concurrently with wait');
        }
        $this->move((int) $delta);
    }

    public function done(): void
    {
        $this->move(-1);
    }

    public function count(): int
    {
        return $this->count;
    }

    /** True once the count is back to 0; false when $timeout (seconds, -1: none) passed first. */
    public function wait($timeout = -1): bool
    {
        if ($this->waiter !== null) {
            throw new \BadMethodCallException('WaitGroup misuse: reused before previous wait has returned');
        }
        if ($this->count === 0) {
            return true;
        }
        $scheduler = Scheduler::current();
        $this->waiter = $scheduler->cid();
        if ($this->waiter === -1) {
            $this->waiter = null;
            throw new \Error('API must be called in the coroutine');
        }
        try {
            [$woken] = $scheduler->wait((float) $timeout > 0 ? (float) $timeout : null);
        } finally {
            $this->waiter = null;
        }

        return $woken;
    }

    private function move(int $delta): void
    {
        $this->count += $delta;
        if ($this->count < 0) {
            $this->count = 0;
            throw new \InvalidArgumentException('WaitGroup misuse: negative counter');
        }
        if ($this->count === 0 && $this->waiter !== null) {
            Scheduler::current()->wake($this->waiter);
        }
    }
}
