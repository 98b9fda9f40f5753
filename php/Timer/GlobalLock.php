<?php

namespace LaravelS\Timer;

/**
 * `timer.global_lock`: with several servers sharing one Redis, only the timer holding the
 * lock runs the jobs. The holder renews the lock every third of its lifetime; when the
 * holder dies, the lock expires and another timer takes it within `global_lock_ttl`
 * seconds (60 by default, as LaravelS). A graceful stop releases it at once.
 */
final class GlobalLock
{
    private const RENEW_IF_OURS = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) else return 0 end";
    private const RELEASE_IF_OURS = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private string $key;
    private string $owner;
    private bool $held = false;
    private float $checkedAt = 0.0;

    public function __construct(string $name, private int $ttl, private $redis)
    {
        $this->key = 'laravels:timer:' . strtolower($name);
        $this->owner = sprintf('%s:%d:%d', gethostname(), getmypid(), random_int(0, PHP_INT_MAX));
    }

    /** Seconds between two maintenance steps. */
    public function period(): float
    {
        return max(0.2, $this->ttl / 3);
    }

    /** Takes or renews the lock; true while this timer holds it. */
    public function maintain(): bool
    {
        try {
            $this->held = $this->held
                ? (int) $this->redis->eval(self::RENEW_IF_OURS, 1, $this->key, $this->owner, $this->ttl) === 1
                : $this->redis->set($this->key, $this->owner, 'EX', $this->ttl, 'NX') == true;
        } catch (\Throwable $e) {
            // Redis unreachable: not knowing who holds the lock, run nothing.
            fwrite(STDERR, sprintf("[%s] [timer] global lock: %s\n", gmdate('Y-m-d H:i:s'), $e->getMessage()));
            $this->held = false;
        }
        $this->checkedAt = microtime(true);

        return $this->held;
    }

    public function held(): bool
    {
        return $this->held;
    }

    public function release(): void
    {
        if ($this->held) {
            try {
                $this->redis->eval(self::RELEASE_IF_OURS, 1, $this->key, $this->owner);
            } catch (\Throwable $e) {
                // Unreachable Redis: the lock expires by itself within the TTL.
                fwrite(STDERR, sprintf("[%s] [timer] global lock not released (%s); it expires in %ds\n", gmdate('Y-m-d H:i:s'), $e->getMessage(), $this->ttl));
            }
            $this->held = false;
        }
    }
}
