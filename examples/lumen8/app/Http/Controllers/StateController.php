<?php

namespace App\Http\Controllers;

use App\Support\Counter;
use Illuminate\Http\JsonResponse;

/**
 * Routes that show which state survives between requests in a resident worker: the
 * process itself, static memory, container bindings and runtime config. (Lumen has no
 * session, so none of the Laravel example's session and login routes.)
 */
class StateController extends Controller
{
    /** @var array<int, string> grown by GET /leak/{kb}; static, so it outlives the request */
    private static $leaked = [];

    public function sleep(int $ms): JsonResponse
    {
        usleep($ms * 1000);

        return response()->json(['slept' => $ms, 'pid' => getmypid()]);
    }

    public function pid(): JsonResponse
    {
        return response()->json([
            'pid' => getmypid(),
            'env' => app()->environment(),
            'server_started_by' => app()->bound('swoole') ? (app('swoole')->startedBy ?? null) : null,
            'app_name' => config('app.name'),
            'worker_id' => app()->bound('swoole') ? (app('swoole')->worker_id ?? null) : null,
            // The README documents app('swoole') as a Swoole\Http\Server in HTTP mode.
            'swoole_http_server' => app()->bound('swoole') && app('swoole') instanceof \Swoole\Http\Server,
        ]);
    }

    /** Delivers App\Tasks\TestTask; ?delay=seconds, ?failures=n with setTries(n + 1). */
    public function task(string $id, \Illuminate\Http\Request $request): JsonResponse
    {
        $failures = (int) $request->query('failures', 0);
        $user = $request->query('user') ? \App\Models\User::find((int) $request->query('user')) : null;
        $task = new \App\Tasks\TestTask($id, $failures, $user);
        $task->delay((int) $request->query('delay', 0));
        $task->setTries($failures + 1);
        $before = microtime(true);
        $delivered = \Hhxsv5\LaravelS\Swoole\Task\Task::deliver($task);

        return response()->json(['delivered' => $delivered, 'pid' => getmypid(), 'before' => $before, 'at' => microtime(true)]);
    }

    /** A task holding a closure (LaravelS cannot deliver one: laravel-s#258). */
    public function closureTask(string $id): JsonResponse
    {
        $dir = storage_path('app/tasks');
        $task = new \App\Tasks\ClosureTask(function () use ($dir, $id) {
            @mkdir($dir, 0777, true);
            file_put_contents("$dir/$id.handled", json_encode(['pid' => getmypid(), 'at' => microtime(true), 'attempts' => 1]));
        });

        return response()->json(['delivered' => \Hhxsv5\LaravelS\Swoole\Task\Task::deliver($task), 'pid' => getmypid()]);
    }

    /** Delivers $n empty tasks (bench/tasks.py); each finish() counts in this worker. */
    public function taskBurst(int $n): JsonResponse
    {
        $delivered = 0;
        for ($i = 0; $i < $n; $i++) {
            $delivered += \Hhxsv5\LaravelS\Swoole\Task\Task::deliver(new \App\Tasks\NoopTask()) ? 1 : 0;
        }

        return response()->json(['delivered' => $delivered]);
    }

    public function tasksFinished(): JsonResponse
    {
        return response()->json(['finished' => \App\Tasks\NoopTask::$finished, 'pid' => getmypid()]);
    }

    /** Fires App\Events\TestEvent as the README does. */
    public function event(string $id): JsonResponse
    {
        $event = new \App\Events\TestEvent($id);
        $success = \Hhxsv5\LaravelS\Swoole\Task\Event::fire($event);

        return response()->json(['fired' => $success, 'pid' => getmypid()]);
    }

    /** The README's controller for TestProcess (the dump is the body), plus a check of LaravelS::getCustomProcesses(). */
    public function testProcessWrite()
    {
        /**@var \Swoole\Process $process */
        $process = app('swoole')->customProcesses['test'];
        // The newer LaravelS accessor names the same process.
        if (\Hhxsv5\LaravelS\LaravelS::getCustomProcesses()['test'] !== $process) {
            abort(500, 'LaravelS::getCustomProcesses() disagrees with app(\'swoole\')->customProcesses');
        }
        $process->write('TestController: write data' . time());
        var_dump($process->read());
    }

    public function leak(int $kb): JsonResponse
    {
        self::$leaked[] = str_repeat('x', $kb * 1024);

        return response()->json([
            'leaked_kb' => intdiv(array_sum(array_map('strlen', self::$leaked)), 1024),
            'memory' => memory_get_usage(),
            'pid' => getmypid(),
        ]);
    }

    public function singleton(Counter $counter): JsonResponse
    {
        return response()->json(['count' => $counter->increment(), 'pid' => getmypid()]);
    }

    public function configSet(string $value): JsonResponse
    {
        config(['demo.v' => $value]);

        return response()->json(['v' => config('demo.v')]);
    }

    public function configGet(): JsonResponse
    {
        return response()->json(['v' => config('demo.v')]);
    }
}
