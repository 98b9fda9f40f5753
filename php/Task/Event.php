<?php

namespace LaravelS\Task;

/**
 * An asynchronous event (`Hhxsv5\LaravelS\Swoole\Task\Event`): `fire()` returns at once, and
 * a task worker runs the classes in `$listeners` in order; a listener returning false stops
 * the ones after it.
 */
abstract class Event extends BackgroundWork
{
    /** @var array<class-string<Listener>> */
    protected $listeners = [];

    public function getListeners()
    {
        return $this->listeners;
    }

    /** Queues the event for a task worker; false (with the reason logged) when it could not be. */
    public static function fire(self $event): bool
    {
        return self::queue($event);
    }

    public function runInTaskWorker(): void
    {
        foreach ($this->getListeners() as $class) {
            $listener = app()->make($class);
            if (!$listener instanceof Listener) {
                throw new \InvalidArgumentException(sprintf('%s listens to %s but does not extend %s', $class, static::class, Listener::class));
            }
            if ($listener->handle($this) === false) {
                return;
            }
        }
    }
}
