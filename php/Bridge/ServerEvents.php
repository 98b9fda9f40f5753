<?php

namespace LaravelS\Bridge;

use LaravelS\Contracts\Events;

/**
 * `event_handlers`: the classes run on ServerStart (in the master, before any fork, so
 * what they attach to the server object reaches every process), WorkerStart and WorkerStop
 * (in each worker and task worker), and ServerStop (in the master, after the stop), in
 * array order.
 */
final class ServerEvents
{
    private const INTERFACES = [
        'ServerStart' => Events\ServerStart::class,
        'ServerStop' => Events\ServerStop::class,
        'WorkerStart' => Events\WorkerStart::class,
        'WorkerStop' => Events\WorkerStop::class,
        'WorkerError' => Events\WorkerError::class,
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
                        . ' Fix: correct the class name, or implement Hhxsv5\LaravelS\Swoole\Events\%sInterface',
                        $event,
                        $i,
                        $class,
                        self::INTERFACES[$event],
                        $event
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

    /** Runs the handlers of $event with $args; one that throws is logged, the rest still run. */
    public function fire(string $event, ...$args): void
    {
        foreach ($this->handlers[$event] ?? [] as $class) {
            try {
                (new $class())->handle(...$args);
            } catch (\Throwable $e) {
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
    }
}
