<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** `processes.*.queue`: a System V message queue for a custom process. */
final class ProcessQueue
{
    public function __construct(
        public readonly int $msgKey,
        public readonly int $mode,
        public readonly int $capacity,
    ) {
    }

    public static function fromArray(array $queue): self
    {
        return new self($queue['msg_key'], $queue['mode'], $queue['capacity']);
    }
}
