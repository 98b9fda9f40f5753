<?php

namespace LaravelS\Concurrency;

/**
 * A closure of LaravelS\Concurrently threw an exception whose class cannot be made again
 * from its message and code alone; $exceptionClass names it.
 */
final class TaskFailed extends \RuntimeException
{
    public function __construct(public readonly string $exceptionClass, string $message)
    {
        parent::__construct(sprintf('%s: %s', $exceptionClass, $message));
    }
}
