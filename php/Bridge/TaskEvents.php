<?php

namespace LaravelS\Bridge;

use LaravelS\Concurrency\ClosureCall;
use LaravelS\Server\Server;
use LaravelS\Task\BackgroundWork;
use LaravelS\Task\SwooleTask;
use LaravelS\Task\Task;

/**
 * The worker side of app('swoole')->task() and sendMessage(): Swoole's onTask in a task
 * worker, onFinish in the worker that delivered the task, onPipeMessage in the worker a
 * message was sent to. What the task carries decides who runs it: a closure of
 * LaravelS\Concurrently runs itself (its outcome, exception included, is the result); a
 * LaravelS Task runs handle() (its return value is the result) and an Event its listeners;
 * anything else goes to the `event_handlers.Task` handlers.
 */
final class TaskEvents
{
    public function __construct(private Server $server, private ServerEvents $events, private Gateway $gateway)
    {
    }

    /** Runs $task in this task worker; true when it has a result for its sender still to send. */
    public function run(SwooleTask $task): bool
    {
        $this->server->tasks()->running($task, function () use ($task): void {
            $data = $task->data;
            try {
                $result = match (true) {
                    $data instanceof ClosureCall => $data->invoke(),
                    $data instanceof Task => $data->handle(),
                    $data instanceof BackgroundWork => $data->runInTaskWorker(),
                    default => $this->events->first('Task', $this->server, $task->id, $task->srcWorkerId, $data),
                };
            } catch (\Throwable $e) {
                $this->gateway->report($e);
                $this->log(sprintf('task #%d of worker #%d failed: %s: %s', $task->id, $task->srcWorkerId, get_class($e), $e->getMessage()));

                return;
            }
            // As Swoole's onTask: a value returned is the result, unless finish() gave one.
            if ($result !== null && !$task->done) {
                $task->finish($result);
            }
        });

        return $task->done && !$task->sent;
    }

    /** A task this worker delivered came back: its finish callback, or the Finish handlers. */
    public function finished(SwooleTask $task): void
    {
        $callback = $this->server->tasks()->takeCallback($task->id);
        if ($callback === null) {
            $this->events->fire('Finish', $this->server, $task->id, $task->result);

            return;
        }
        try {
            $callback($this->server, $task->id, $task->result);
        } catch (\Throwable $e) {
            $this->gateway->report($e);
            $this->log(sprintf('the finish callback of task #%d failed: %s: %s', $task->id, get_class($e), $e->getMessage()));
        }
    }

    /** A sendMessage() for this worker: the PipeMessage handlers. */
    public function pipeMessage(string $payload): void
    {
        try {
            [$from, $message] = unserialize($payload);
        } catch (\Throwable $e) {
            $this->gateway->report($e);

            return;
        }
        $this->events->fire('PipeMessage', $this->server, $from, $message);
    }

    private function log(string $message): void
    {
        fwrite(STDERR, sprintf("[%s] [worker #%d] %s\n", gmdate('Y-m-d H:i:s'), $this->server->worker_id, $message));
    }
}
