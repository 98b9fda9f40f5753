<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** An enabled entry of `processes`: a custom process, started `num` times. */
final class ProcessConfig
{
    public function __construct(
        public readonly string $name,
        /** @var class-string */
        public readonly string $class,
        public readonly int $num,
        /** 0: no pipe, 1: a stream pipe, 2: a datagram pipe. */
        public readonly int $pipe,
        public readonly bool $redirect,
        /** Seconds before the manager starts an ended process again. */
        public readonly int $restartInterval,
        public readonly ?ProcessQueue $queue,
    ) {
    }

    public static function fromArray(array $process): self
    {
        return new self(
            $process['name'],
            $process['class'],
            $process['num'],
            $process['pipe'],
            $process['redirect'],
            $process['restart_interval'],
            $process['queue'] === null ? null : ProcessQueue::fromArray($process['queue']),
        );
    }
}
