<?php

namespace LaravelS\Concurrency;

use Laravel\SerializableClosure\SerializableClosure;

/**
 * One closure of LaravelS\Concurrently on its way to a task worker (as Laravel's
 * SerializableClosure), and its outcome on the way back: the value, or the exception's
 * class, message and code, which the caller throws again (an exception object itself may
 * hold what cannot be serialized: closures, resources in its trace).
 *
 * @internal
 */
final class ClosureCall
{
    /** @var SerializableClosure */
    private $closure;

    public function __construct(\Closure $closure)
    {
        $this->closure = new SerializableClosure($closure);
    }

    /**
     * Runs the closure (through the container, so its parameters are resolved, as Laravel's
     * concurrency drivers do): ['value' => ...] or ['exception' => class, 'message',
     * 'code', 'file', 'line'].
     */
    public function invoke(): array
    {
        try {
            $closure = $this->closure->getClosure();
            $value = function_exists('app') ? app()->call($closure) : $closure();
            // Checked here, so a value that cannot travel fails as the closure's exception.
            serialize($value);

            return ['value' => $value];
        } catch (\Throwable $e) {
            if (function_exists('report')) {
                report($e);
            }

            return [
                'exception' => get_class($e),
                'message' => $e->getMessage(),
                'code' => $e->getCode(),
                'file' => $e->getFile(),
                'line' => $e->getLine(),
            ];
        }
    }
}
