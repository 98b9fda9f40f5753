<?php

namespace LaravelS\Concurrency;

/** LaravelS\Concurrently could not queue its closures: no task workers, or a full queue. */
final class TasksRefused extends \RuntimeException
{
}
