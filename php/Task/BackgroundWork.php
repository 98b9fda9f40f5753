<?php

namespace LaravelS\Task;

use Illuminate\Queue\SerializesModels;
use Laravel\SerializableClosure\SerializableClosure;
use LaravelS\Transport\CurrentTransport;

/**
 * What Task and Event share: delivery to a task worker, delay() and setTries().
 * Work crosses processes with PHP's serialize(), Eloquent models by identity through
 * SerializesModels (as Laravel's queued jobs do) and closures through Laravel's
 * SerializableClosure. Delivery goes through the current process's transport
 * (CurrentTransport), as deliver() and fire() are static.
 */
abstract class BackgroundWork
{
    use SerializesModels {
        __serialize as private serializeModels;
        __unserialize as private unserializeModels;
    }

    /** @var int seconds to wait before the work is queued */
    protected $delay = 0;
    /** @var int attempts when the work throws */
    protected $tries = 1;

    /**
     * Properties holding closures travel as Laravel's SerializableClosure (plain
     * serialize() refuses closures); models travel by identity through SerializesModels.
     */
    public function __serialize(): array
    {
        $values = $this->serializeModels();
        foreach ($values as $name => $value) {
            if ($value instanceof \Closure) {
                $values[$name] = new SerializableClosure($value);
            }
        }

        return $values;
    }

    public function __unserialize(array $values): void
    {
        foreach ($values as $name => $value) {
            if ($value instanceof SerializableClosure) {
                $values[$name] = $value->getClosure();
            }
        }
        $this->unserializeModels($values);
    }

    /** What the task worker runs. */
    abstract public function runInTaskWorker(): void;

    /**
     * Queues $work for a task worker: true when queued, false when it could not be (no task
     * workers, queue full, not inside a server process); the reason is logged.
     */
    protected static function queue(self $work): bool
    {
        $transport = CurrentTransport::get();
        if ($transport->id() < 0) {
            self::log(sprintf('%s outside a laravels-rs worker: it was not queued', get_class($work)));

            return false;
        }
        try {
            $queued = $transport->deliverTask(serialize($work), method_exists($work, 'finish'), $work->getDelay() * 1000);
        } catch (\Throwable $e) {
            self::log(sprintf('delivering %s failed: %s: %s', get_class($work), get_class($e), $e->getMessage()));

            return false;
        }
        if (!$queued) {
            self::log(sprintf('%s was not queued: no task workers (swoole.task_worker_num) or the task queue is full', get_class($work)));
        }

        return $queued;
    }

    /** Waits $delay seconds before the work is queued. */
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

    /** Runs the work up to $tries times while it throws. */
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
        fwrite(STDERR, sprintf("[%s] [worker #%d] %s\n", gmdate('Y-m-d H:i:s'), CurrentTransport::get()->id(), $message));
    }
}
