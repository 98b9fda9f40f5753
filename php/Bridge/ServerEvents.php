<?php

namespace LaravelS\Bridge;

use LaravelS\Contracts\Events;

/**
 * `event_handlers`: the classes run on ServerStart (in the master, before any fork, so
 * what they attach to the server object reaches every process), WorkerStart and WorkerStop
 * (in each worker and task worker), and ServerStop (in the master, after the stop), in
 * array order; Task, Finish and PipeMessage are Swoole's onTask, onFinish and
 * onPipeMessage (TaskEvents runs them).
 */
final class ServerEvents
{
    private const INTERFACES = [
        'ServerStart' => Events\ServerStart::class,
        'ServerStop' => Events\ServerStop::class,
        'WorkerStart' => Events\WorkerStart::class,
        'WorkerStop' => Events\WorkerStop::class,
        'WorkerError' => Events\WorkerError::class,
        'Task' => Events\Task::class,
        'Finish' => Events\Finish::class,
        'PipeMessage' => Events\PipeMessage::class,
    ];

    /** The events LaravelS has no interface for (Swoole's onTask, onFinish, onPipeMessage). */
    private const SWOOLE_ONLY = [
        'Task' => Events\Task::class,
        'Finish' => Events\Finish::class,
        'PipeMessage' => Events\PipeMessage::class,
    ];

    /** @var array<string, class-string[]> */
    private $handlers = [];

    /**
     * @param array<string, list<string>> $handlers ServerConfig::$eventHandlers: the event
     *        names and the list shapes are checked by the extension, the classes here
     * @param bool $check whether to look at the classes now (the master leaves that to the
     *        child that read the config, so it loads none of the app's classes)
     * @throws \InvalidArgumentException naming the `event_handlers` entry that is wrong
     */
    public function __construct(array $handlers, bool $check = true)
    {
        foreach ($handlers as $event => $classes) {
            foreach ($classes as $i => $class) {
                if ($check && (!class_exists($class) || !is_subclass_of($class, self::INTERFACES[$event]))) {
                    throw new \InvalidArgumentException(sprintf(
                        'laravels.event_handlers.%s.%d: %s is not a class implementing %s.'
                        . ' Fix: correct the class name, or implement %s',
                        $event,
                        $i,
                        $class,
                        self::INTERFACES[$event],
                        self::SWOOLE_ONLY[$event] ?? sprintf('Hhxsv5\LaravelS\Swoole\Events\%sInterface', $event)
                    ));
                }
                $this->handlers[$event][] = $class;
            }
        }
    }

    /** Whether $event has handlers. */
    public function has(string $event): bool
    {
        return ($this->handlers[$event] ?? []) !== [];
    }

    /**
     * Runs the handlers of $event with $args until one returns a value other than null, and
     * gives that value (Swoole's onTask result); one that throws is logged, the next runs.
     */
    public function first(string $event, ...$args)
    {
        foreach ($this->handlers[$event] ?? [] as $class) {
            try {
                $result = (new $class())->handle(...$args);
            } catch (\Throwable $e) {
                self::failed($event, $class, $e);
                continue;
            }
            if ($result !== null) {
                return $result;
            }
        }

        return null;
    }

    /** Runs the handlers of $event with $args; one that throws is logged, the rest still run. */
    public function fire(string $event, ...$args): void
    {
        foreach ($this->handlers[$event] ?? [] as $class) {
            try {
                (new $class())->handle(...$args);
            } catch (\Throwable $e) {
                self::failed($event, $class, $e);
            }
        }
    }

    private static function failed(string $event, string $class, \Throwable $e): void
    {
        fwrite(STDERR, sprintf(
            "[%s] [laravels] %s handler %s failed: %s: %s\n",
            gmdate('Y-m-d H:i:s'),
            $event,
            $class,
            get_class($e),
            $e->getMessage()
        ));
    }
}
