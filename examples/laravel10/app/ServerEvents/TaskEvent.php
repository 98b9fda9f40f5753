<?php

namespace App\ServerEvents;

use LaravelS\Contracts\Events\Task;
use Swoole\Http\Server;

/**
 * onTask for app('swoole')->task() data (App\Http\Controllers\SwooleTaskController): sleeps
 * 'sleep_ms', sends a message when asked ('send_to'), and gives back what it ran with,
 * returned or through $server->finish() ('finish_via' => 'call', 'finish_times' times, then
 * sleeping 'sleep_after_ms').
 */
class TaskEvent implements Task
{
    public function handle(Server $server, $taskId, $srcWorkerId, $data)
    {
        usleep(($data['sleep_ms'] ?? 0) * 1000);
        if (isset($data['send_to'])) {
            $server->sendMessage(['tag' => 'from-task-' . $data['echo']], $data['send_to']);
        }
        $result = [
            'echo' => $data['echo'] ?? null,
            'task_id' => $taskId,
            'src_worker_id' => $srcWorkerId,
            'pid' => getmypid(),
            'worker_id' => $server->worker_id,
            'taskworker' => $server->taskworker,
        ];
        if (($data['finish_via'] ?? null) === 'call') {
            // Each finish() is a result of its own (the sender's onFinish runs once per
            // call); the task goes on after it.
            for ($i = 0; $i < ($data['finish_times'] ?? 1); $i++) {
                $server->finish(['echo' => $result['echo'] . ($i > 0 ? "-$i" : ''), 'via' => 'finish()', 'at' => microtime(true)] + $result);
            }
            usleep(($data['sleep_after_ms'] ?? 0) * 1000);

            return null;
        }

        return $result;
    }
}
