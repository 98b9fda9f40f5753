<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

use Illuminate\Support\ServiceProvider;

/**
 * A provider whose singleton is built while the app boots, so the Container cleaner
 * keeps it: only `register_providers` gives each request a new one.
 */
class PerRequestProvider extends ServiceProvider
{
    public function register()
    {
        $this->app->singleton('probe.per-request', fn () => new \ArrayObject());
    }

    public function boot()
    {
        $this->app->make('probe.per-request');
    }
}
