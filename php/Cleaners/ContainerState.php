<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;

/**
 * Read and write access to the application's own bookkeeping (the container's instances,
 * which abstracts were resolved, rebinding callbacks; the loaded providers; Lumen's
 * current route and loaded config files). Illuminate keeps these in protected properties
 * and offers no public accessor for listing or restoring them, so a closure bound to the
 * application's class does it. Only the cleaners use this.
 *
 * @internal
 */
final class ContainerState
{
    public static function has(Container $app, string $property): bool
    {
        return property_exists($app, $property);
    }

    /** @return mixed */
    public static function get(Container $app, string $property)
    {
        return \Closure::bind(fn () => $this->{$property}, $app, get_class($app))();
    }

    /** @param mixed $value */
    public static function set(Container $app, string $property, $value): void
    {
        \Closure::bind(function () use ($property, $value): void {
            $this->{$property} = $value;
        }, $app, get_class($app))();
    }
}
