<?php

namespace LaravelS;

/**
 * `Hhxsv5\LaravelS\LaravelS`: the static accessors newer LaravelS versions offer.
 */
final class LaravelS
{
    /** The custom processes by name (the README's app('swoole')->customProcesses). */
    public static function getCustomProcesses(): array
    {
        $app = \Illuminate\Container\Container::getInstance();

        return $app->bound('swoole') ? (array) $app->make('swoole')->customProcesses : [];
    }
}
