<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** `timer`: the cron jobs of the timer process. */
final class TimerConfig
{
    public function __construct(
        public readonly bool $enable,
        /** @var list<TimerJob> */
        public readonly array $jobs,
        /** Seconds a reload or stop waits for the running job. */
        public readonly int $maxWaitTime,
        public readonly GlobalLockConfig $globalLock,
    ) {
    }

    public static function fromArray(array $timer): self
    {
        return new self(
            $timer['enable'],
            array_map([TimerJob::class, 'fromArray'], $timer['jobs']),
            $timer['max_wait_time'],
            GlobalLockConfig::fromArray($timer['global_lock'])
        );
    }
}
