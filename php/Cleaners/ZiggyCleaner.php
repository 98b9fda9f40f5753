<?php

namespace LaravelS\Cleaners;

/**
 * tightenco/ziggy: its @routes Blade directive prints the routes only once per process
 * (a static flag), so every page after the first would miss them ("Ziggy is not
 * defined"). Resets the flag. Does nothing when the package is not installed.
 */
class ZiggyCleaner extends BaseCleaner
{
    /** Ziggy 1.x, then 2.x. */
    private const GENERATORS = [
        'Tightenco\Ziggy\BladeRouteGenerator',
        'Tighten\Ziggy\BladeRouteGenerator',
    ];

    public function clean(): void
    {
        foreach (self::GENERATORS as $generator) {
            if (class_exists($generator) && property_exists($generator, 'generated')) {
                $generator::$generated = false;
            }
        }
    }
}
