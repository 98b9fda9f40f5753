<?php

namespace LaravelS;

use LaravelS\Concurrency\ClosureCall;
use LaravelS\Concurrency\ConcurrencyTimeout;
use LaravelS\Concurrency\TaskFailed;
use LaravelS\Concurrency\TasksRefused;
use LaravelS\Server\Server;
use LaravelS\Transport\CurrentTransport;

/**
 * Runs closures at the same time on the task workers and waits for all of them: three
 * closures of 100 ms each take about 100 ms with three task workers free. Each closure
 * travels as Laravel's SerializableClosure (what it `use`s must be serializable) and runs
 * through the container in a task worker; the results come back keyed and ordered like
 * the closures. The first closure (in their order) that threw is thrown again here, as an
 * exception of its class with its message; when a closure gives no result within the
 * timeout, ConcurrencyTimeout. Outside a laravels-rs worker (an artisan command, a test)
 * the closures run here, one after the other, as Laravel's sync driver runs them.
 *
 * Built on app('swoole')->taskWaitMulti()'s path: the results come back on the worker's
 * own connection while it waits inside its request.
 */
final class Concurrently
{
    /**
     * @param array<array-key, \Closure> $closures
     * @param float $timeout seconds to wait for all of them
     * @return array the results, keyed like $closures
     * @throws ConcurrencyTimeout when a closure gave no result in time
     * @throws TasksRefused when no task worker could take them
     * @throws \Throwable what the first failing closure threw
     */
    public static function run(array $closures, float $timeout = 60.0): array
    {
        $server = self::server();
        if ($server === null) {
            return array_map(fn (\Closure $closure) => function_exists('app') ? app()->call($closure) : $closure(), $closures);
        }
        $calls = array_map(fn (\Closure $closure) => new ClosureCall($closure), $closures);
        [$results, $refused] = $server->tasks()->wait('Concurrently::run', $calls, $timeout);
        if ($refused !== []) {
            throw new TasksRefused(sprintf(
                'Concurrently::run(): %d of %d closures were not queued: no task workers (swoole.task_worker_num), the task queue is full, '
                . 'or a closure could not be serialized',
                count($refused),
                count($closures)
            ));
        }
        $missing = array_keys(array_diff_key($closures, $results));
        if ($missing !== []) {
            throw new ConcurrencyTimeout(sprintf(
                'Concurrently::run(): %d of %d closures gave no result within %s s (keys: %s)',
                count($missing),
                count($closures),
                $timeout,
                implode(', ', $missing)
            ));
        }
        $out = [];
        foreach (array_keys($closures) as $key) {
            $outcome = $results[$key];
            if (isset($outcome['exception'])) {
                throw self::rethrown($outcome);
            }
            $out[$key] = $outcome['value'] ?? null;
        }

        return $out;
    }

    /** The server object of this laravels-rs worker, or null outside one. */
    private static function server(): ?Server
    {
        if (CurrentTransport::get()->id() < 0 || !function_exists('app') || !app()->bound('swoole')) {
            return null;
        }
        $server = app('swoole');

        return $server instanceof Server ? $server : null;
    }

    /**
     * The exception a closure threw, made again here: its class with its message and code
     * when that class can be made so, else TaskFailed naming it.
     */
    private static function rethrown(array $outcome): \Throwable
    {
        $class = $outcome['exception'];
        $where = sprintf(' (in a task worker, at %s:%d)', $outcome['file'], $outcome['line']);
        if (is_a($class, \Throwable::class, true)) {
            try {
                return new $class($outcome['message'], (int) $outcome['code']);
            } catch (\Throwable) {
                // A constructor of its own (say a validator first): named below instead.
            }
        }

        return new TaskFailed($class, $outcome['message'] . $where);
    }
}
