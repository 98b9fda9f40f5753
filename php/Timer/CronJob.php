<?php

namespace LaravelS\Timer;

/**
 * A job the timer process runs every `interval()` milliseconds
 * (`Hhxsv5\LaravelS\Swoole\Timer\CronJob`). Interval and immediacy come from the methods,
 * or from the config entry `[JobClass::class, [interval_ms, isImmediate]]`.
 */
abstract class CronJob
{
    /** @var int|null milliseconds */
    protected $interval;
    /** @var bool|null run once at start instead of after the first interval */
    protected $isImmediate;
    /** @var bool */
    private $stopped = false;

    public function __construct()
    {
        $config = func_get_args()[0] ?? [];
        if (is_array($config)) {
            $this->interval = $config[0] ?? $this->interval;
            $this->isImmediate = $config[1] ?? $this->isImmediate;
        }
    }

    public function interval()
    {
        return $this->interval;
    }

    public function isImmediate()
    {
        return $this->isImmediate;
    }

    /** The job's work; exceptions are logged and the job keeps its schedule. */
    abstract public function run();

    /** Stops this job until the next reload or restart. */
    public function stop()
    {
        $this->stopped = true;
    }

    public function isStopped(): bool
    {
        return $this->stopped;
    }
}
