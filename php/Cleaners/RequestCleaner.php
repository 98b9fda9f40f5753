<?php

namespace LaravelS\Cleaners;

use Illuminate\Support\Facades\Facade;

/**
 * Makes sure the finished request is not reachable by the next one.
 *
 * ContainerCleaner (which runs first) already puts the request instance back to what the
 * app booted with: none, or a placeholder request bound before boot. The latter is what
 * lets booted services follow each new request: binding a request over a bound one fires
 * the 'request' rebinding callbacks (the URL generator's setRequest() among them), so this
 * cleaner does not forget a booted request. What remains is the Request facade's cache:
 * Lumen keeps the request under its class name, with 'request' only an alias, so the
 * facade's entry is not cleared with the instance.
 *
 * Unlike LaravelS, the URL generator is not forgotten: a booted one keeps what the app set
 * at boot (URL::forceScheme('https')), and rebuilding it would re-enter its own 'routes'
 * rebinding callback. One first built during a request is dropped by ContainerCleaner.
 */
class RequestCleaner extends BaseCleaner
{
    public function clean(): void
    {
        Facade::clearResolvedInstance('request');
    }
}
