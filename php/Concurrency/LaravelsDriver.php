<?php

namespace LaravelS\Concurrency;

use Carbon\CarbonInterval;
use Illuminate\Contracts\Concurrency\Driver;
use Illuminate\Support\Arr;
use Illuminate\Support\Defer\DeferredCallback;
use LaravelS\Concurrently;

use function Illuminate\Support\defer;

/**
 * Laravel's Concurrency facade (Laravel 11+) on the task workers: `'laravels'` as
 * config('concurrency.default'), registered by the service provider. run() is
 * LaravelS\Concurrently::run(); defer() queues each closure as a task once the response
 * was sent, as Laravel's own drivers defer, without waiting for them. The timeout is run()'s
 * argument, else config('concurrency.driver.laravels.timeout'), else 60 s.
 */
final class LaravelsDriver implements Driver
{
    public function __construct(private float $timeout = 60.0)
    {
    }

    public function run(\Closure|array $tasks, CarbonInterval|int|null $timeout = null): array
    {
        $seconds = match (true) {
            $timeout instanceof CarbonInterval => $timeout->totalSeconds,
            is_int($timeout) => (float) $timeout,
            default => $this->timeout,
        };

        return Concurrently::run(Arr::wrap($tasks), $seconds);
    }

    public function defer(\Closure|array $tasks): DeferredCallback
    {
        return defer(function () use ($tasks): void {
            foreach (Arr::wrap($tasks) as $task) {
                app('swoole')->task(new ClosureCall($task));
            }
        });
    }
}
