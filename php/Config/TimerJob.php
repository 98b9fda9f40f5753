<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** An entry of `timer.jobs`: the job class and its constructor argument. */
final class TimerJob
{
    public function __construct(
        /** @var class-string */
        public readonly string $class,
        /** `[interval_ms, isImmediate]` or whatever the entry gave; empty without one. */
        public readonly array $args,
    ) {
    }

    public static function fromArray(array $job): self
    {
        return new self($job['class'], $job['args']);
    }
}
