<?php

namespace LaravelS\Task;

use Illuminate\Queue\SerializesModels;
use LaravelS\Runtime\Worker;

/**
 * A unit of background work (`Hhxsv5\LaravelS\Swoole\Task\Task`): `deliver()` hands it to a
 * task worker and returns at once; `handle()` runs there; the optional `finish()` runs
 * afterwards in the worker that delivered it.
 *
 * Tasks cross processes with PHP's serialize(), Eloquent models by identity through
 * SerializesModels, as Laravel's queued jobs do.
 */
abstract class Task
{
    use SerializesModels;

    /** @var int seconds to wait before the task is queued */
    protected $delay = 0;
    /** @var int attempts of handle() when it throws */
    protected $tries = 1;

    /** The work; runs in a task worker. */
    abstract public function handle();

    /**
     * Queues $task for a task worker: true when queued, false when it could not be (no task
     * workers, queue full, not inside a server process); the reason is logged.
     */
    public static function deliver(self $task): bool
    {
        if (Worker::id() < 0) {
            self::log('Task::deliver() outside a laravels-rs worker: the task was not queued');

            return false;
        }
        try {
            $queued = Worker::deliverTask(serialize($task), method_exists($task, 'finish'), $task->getDelay() * 1000);
        } catch (\Throwable $e) {
            self::log(sprintf('Task::deliver() failed: %s: %s', get_class($e), $e->getMessage()));

            return false;
        }
        if (!$queued) {
            self::log(sprintf('Task %s was not queued: no task workers (swoole.task_worker_num) or the task queue is full', get_class($task)));
        }

        return $queued;
    }

    /** Waits $delay seconds before the task is queued. */
    public function delay($delay)
    {
        if ($delay < 0) {
            throw new \InvalidArgumentException('The delay must be greater than or equal to 0');
        }
        $this->delay = (int) $delay;

        return $this;
    }

    public function getDelay()
    {
        return $this->delay;
    }

    /** Runs handle() up to $tries times while it throws. */
    public function setTries($tries)
    {
        if ($tries < 1) {
            throw new \InvalidArgumentException('The number of attempts must be greater than or equal to 1');
        }
        $this->tries = (int) $tries;

        return $this;
    }

    public function getTries()
    {
        return $this->tries;
    }

    private static function log(string $message): void
    {
        fwrite(STDERR, sprintf("[%s] [worker #%d] %s\n", gmdate('Y-m-d H:i:s'), Worker::id(), $message));
    }
}
