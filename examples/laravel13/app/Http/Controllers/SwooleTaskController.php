<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use LaravelS\Concurrently;

/**
 * Routes that call app('swoole')'s task API in Swoole's documented call forms
 * (task, taskwait, taskWaitMulti, sendMessage) and LaravelS\Concurrently. The task data
 * is an array the example's onTask handler (App\ServerEvents\TaskEvent) understands:
 * 'echo' (returned), 'sleep_ms', 'finish_via' => 'call' ($server->finish() instead of a
 * return), 'send_to' (sendMessage() from the task worker). Warnings the calls raise are
 * collected and returned, not turned into exceptions.
 */
class SwooleTaskController extends Controller
{
    /** GET /swoole/task?echo=&dst=&callback=1: task(), with a finish callback or onFinish. */
    public function task(Request $request): JsonResponse
    {
        $data = $this->data($request);
        $dst = (int) $request->query('dst', -1);
        $warnings = [];
        $id = $this->collecting($warnings, function () use ($request, $data, $dst) {
            if (!$request->boolean('callback')) {
                return app('swoole')->task($data, $dst);
            }

            return app('swoole')->task($data, $dst, function ($server, $taskId, $result) {
                self::record('callback-' . $result['echo'], ['task_id' => $taskId, 'result' => $result, 'pid' => getmypid()]);
            });
        });

        return response()->json(['id' => $id, 'pid' => getmypid(), 'worker_id' => app('swoole')->worker_id, 'warnings' => $warnings]);
    }

    /** GET /swoole/taskwait?echo=&sleep_ms=&timeout=&dst=: taskwait(). */
    public function taskwait(Request $request): JsonResponse
    {
        $data = $this->data($request);
        $warnings = [];
        $started = microtime(true);
        $result = $this->collecting($warnings, fn () => $request->has('timeout')
            ? app('swoole')->taskwait($data, (float) $request->query('timeout'), (int) $request->query('dst', -1))
            : app('swoole')->taskwait($data));

        return response()->json([
            'result' => $result,
            'elapsed' => microtime(true) - $started,
            'pid' => getmypid(),
            'warnings' => $warnings,
        ]);
    }

    /** GET /swoole/multi?sleeps=100,100,900&timeout=: taskWaitMulti() of tasks keyed a, b, c... */
    public function multi(Request $request): JsonResponse
    {
        $tasks = [];
        foreach (explode(',', (string) $request->query('sleeps', '0')) as $i => $ms) {
            $tasks[chr(ord('a') + $i)] = ['echo' => "t$i", 'sleep_ms' => (int) $ms];
        }
        $warnings = [];
        $started = microtime(true);
        $results = $this->collecting($warnings, fn () => app('swoole')->taskWaitMulti($tasks, (float) $request->query('timeout', 0.5)));

        return response()->json(['results' => $results, 'elapsed' => microtime(true) - $started, 'warnings' => $warnings]);
    }

    /** GET /swoole/send-message/{dst}?tag=: sendMessage() to worker or task worker $dst. */
    public function sendMessage(int $dst, Request $request): JsonResponse
    {
        $warnings = [];
        $sent = $this->collecting($warnings, fn () => app('swoole')->sendMessage(['tag' => $request->query('tag', 'm')], $dst));

        return response()->json(['sent' => $sent, 'worker_id' => app('swoole')->worker_id, 'warnings' => $warnings]);
    }

    /** GET /swoole/concurrently?n=3&sleep_ms=100&throw=i&timeout=: LaravelS\Concurrently::run(). */
    public function concurrently(Request $request): JsonResponse
    {
        $sleep = (int) $request->query('sleep_ms', 0);
        $throw = $request->query('throw');
        $closures = [];
        for ($i = 0; $i < (int) $request->query('n', 3); $i++) {
            $closures[] = function () use ($i, $sleep, $throw) {
                usleep($sleep * 1000);
                if ($throw !== null && (int) $throw === $i) {
                    throw new \DomainException("closure $i failed");
                }

                return ['i' => $i, 'pid' => getmypid()];
            };
        }
        $started = microtime(true);
        try {
            $results = Concurrently::run($closures, (float) $request->query('timeout', 5));
        } catch (\Throwable $e) {
            return response()->json(['exception' => get_class($e), 'message' => $e->getMessage(), 'elapsed' => microtime(true) - $started]);
        }

        return response()->json(['results' => $results, 'elapsed' => microtime(true) - $started, 'pid' => getmypid()]);
    }

    /** GET /swoole/concurrency?n=3&sleep_ms=100: Laravel's Concurrency facade (11+), default driver. */
    public function concurrency(Request $request): JsonResponse
    {
        $sleep = (int) $request->query('sleep_ms', 0);
        $tasks = [];
        for ($i = 0; $i < (int) $request->query('n', 3); $i++) {
            $tasks[] = function () use ($i, $sleep) {
                usleep($sleep * 1000);

                return ['i' => $i, 'pid' => getmypid()];
            };
        }
        $driver = $request->query('driver');
        $started = microtime(true);
        $results = \Illuminate\Support\Facades\Concurrency::driver($driver)->run($tasks);

        return response()->json(['results' => $results, 'elapsed' => microtime(true) - $started, 'pid' => getmypid()]);
    }

    /** Writes $values as JSON to storage/app/swoole/$name.json (read by the tests). */
    public static function record(string $name, array $values): void
    {
        @mkdir(storage_path('app/swoole'), 0777, true);
        file_put_contents(storage_path("app/swoole/$name.json"), json_encode($values));
    }

    private function data(Request $request): array
    {
        return array_filter([
            'echo' => $request->query('echo', 'hi'),
            'sleep_ms' => (int) $request->query('sleep_ms', 0),
            'finish_via' => $request->query('finish_via'),
            'finish_times' => $request->has('finish_times') ? (int) $request->query('finish_times') : null,
            'sleep_after_ms' => $request->has('sleep_after_ms') ? (int) $request->query('sleep_after_ms') : null,
            'send_to' => $request->has('send_to') ? (int) $request->query('send_to') : null,
        ], fn ($v) => $v !== null);
    }

    /** GET /swoole/worker-status: getWorkerStatus() of the caller, the other worker and one that does not exist. */
    public function workerStatus(): JsonResponse
    {
        $server = app('swoole');

        return response()->json([
            'self' => $server->getWorkerStatus(),
            'other' => $server->getWorkerStatus(1 - $server->getWorkerId()),
            'none' => $server->getWorkerStatus(99),
            'worker_id' => $server->getWorkerId(),
        ]);
    }

    /** GET /swoole/stop?worker=: stop() (the caller by default), with its warnings. */
    public function stop(Request $request): JsonResponse
    {
        $warnings = [];
        $stopped = $this->collecting($warnings, fn () => app('swoole')->stop((int) $request->query('worker', -1)));

        return response()->json(['stopped' => $stopped, 'pid' => getmypid(), 'warnings' => $warnings]);
    }

    /** GET /swoole/heartbeat: heartbeat(false), the silent connections without closing them. */
    public function heartbeat(): JsonResponse
    {
        $warnings = [];
        $silent = $this->collecting($warnings, fn () => app('swoole')->heartbeat(false));

        return response()->json(['silent' => $silent, 'warnings' => $warnings]);
    }

    /** GET /swoole/shutdown: shutdown(). */
    public function shutdown(): JsonResponse
    {
        return response()->json(['shutdown' => app('swoole')->shutdown()]);
    }

    /** GET /swoole/taskco?sleeps=100,900&timeout=: taskCo() of tasks keyed a, b, c... */
    public function taskCo(Request $request): JsonResponse
    {
        $tasks = [];
        foreach (explode(',', (string) $request->query('sleeps', '0')) as $i => $ms) {
            $tasks[chr(ord('a') + $i)] = ['echo' => "t$i", 'sleep_ms' => (int) $ms];
        }
        $warnings = [];
        $started = microtime(true);
        $results = $this->collecting($warnings, fn () => $request->has('timeout')
            ? app('swoole')->taskCo($tasks, (float) $request->query('timeout'))
            : app('swoole')->taskCo($tasks));

        return response()->json(['results' => $results, 'elapsed' => microtime(true) - $started, 'warnings' => $warnings]);
    }

    /** GET /swoole/reload?tasks=1: reload(), of the task workers alone with tasks=1. */
    public function reload(Request $request): JsonResponse
    {
        return response()->json(['reloaded' => app('swoole')->reload($request->boolean('tasks')), 'pid' => getmypid()]);
    }

    /** Runs $call with E_USER_WARNINGs collected into $warnings instead of thrown. */
    private function collecting(array &$warnings, callable $call)
    {
        set_error_handler(function ($type, $message) use (&$warnings) {
            $warnings[] = $message;

            return true;
        }, E_USER_WARNING);
        try {
            return $call();
        } finally {
            restore_error_handler();
        }
    }
}
