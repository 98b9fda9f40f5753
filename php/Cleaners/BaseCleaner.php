<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;
use Illuminate\Support\Facades\Facade;
use LaravelS\Contracts\Cleaner;

/**
 * The base of every cleaner, ours and the application's (also known as
 * Hhxsv5\LaravelS\Illuminate\Cleaners\BaseCleaner). A cleaner is built once per worker,
 * after the application booted, and its clean() runs after every request.
 *
 * $currentApp is the live application. $snapshotApp is a copy of the container taken
 * right after boot: its bindings and instance lists are as booted, its 'config' is a
 * copy of the booted configuration; other objects in it are the live ones, shared.
 *
 * The properties stay untyped so that subclasses written for LaravelS, which redeclare
 * them without a type, still load.
 */
abstract class BaseCleaner implements Cleaner
{
    /** @var Container */
    protected $currentApp;
    /** @var Container */
    protected $snapshotApp;

    public function __construct(Container $currentApp, Container $snapshotApp)
    {
        $this->currentApp = $currentApp;
        $this->snapshotApp = $snapshotApp;
    }

    /**
     * Forgets the shared instances of $abstracts, and what facades remembered of them,
     * so the next use builds fresh ones from their bindings.
     */
    protected function forgetResolved(string ...$abstracts): void
    {
        foreach ($abstracts as $abstract) {
            $this->currentApp->forgetInstance($abstract);
            Facade::clearResolvedInstance($abstract);
        }
    }
}
