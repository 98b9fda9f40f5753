<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;
use Illuminate\Support\Facades\Facade;

/**
 * Returns the container to its booted state after each request:
 * - shared instances created during the request are forgotten (and their facade
 *   caches cleared), so the next request builds its own; a booted instance that the
 *   request replaced is put back;
 * - scoped instances are forgotten (Laravel's own per-request mechanism);
 * - which abstracts count as resolved, and the rebinding callbacks, go back to their
 *   booted lists: services rebuilt per request register rebinding callbacks each time,
 *   which would otherwise pile up for the life of the worker;
 * - Lumen's current route is reset, so a request that matches no route does not
 *   see the previous request's route.
 *
 * After an HTTP request (cleanAfterRequest), the booted 'request' goes back without
 * running its rebinding callbacks (the URL generator's and Auth's, about 2.5 µs): the
 * next HTTP request rebinds 'request' in the kernel and runs them with itself. Anything
 * else a worker runs (a task, a finish(), a WebSocket or port event, the request
 * listeners) calls settle() first, which runs them with the booted request, so nothing
 * of the previous request is in reach there either.
 *
 * Bindings registered during a request are kept: Laravel's deferred providers and
 * Lumen's lazy bindings register them on first use, once per worker.
 */
class ContainerCleaner extends BaseCleaner
{
    /** @var array<string, mixed> abstract => instance, as booted */
    private $bootInstances;
    /** @var array<string, bool> */
    private $bootResolved;
    /** @var array<string, \Closure[]> */
    private $bootReboundCallbacks;
    /** @var bool the app is Lumen's, which keeps its current route itself */
    private $hasCurrentRoute;
    /** @var mixed */
    private $bootCurrentRoute;
    /** @var \Closure|null */
    private $restore;
    /** @var bool the booted 'request' is back but its rebinding callbacks have not run */
    private $requestUnsettled = false;

    public function __construct(Container $currentApp, Container $snapshotApp)
    {
        parent::__construct($currentApp, $snapshotApp);
        // Built right after the snapshot was taken, so the live instances are the booted
        // ones. They are not read from the snapshot, whose 'config' is a copy.
        $this->bootInstances = ContainerState::get($currentApp, 'instances');
        $this->bootResolved = ContainerState::get($snapshotApp, 'resolved');
        $this->bootReboundCallbacks = ContainerState::get($snapshotApp, 'reboundCallbacks');
        $this->hasCurrentRoute = ContainerState::has($snapshotApp, 'currentRoute');
        $this->bootCurrentRoute = $this->hasCurrentRoute ? ContainerState::get($snapshotApp, 'currentRoute') : null;
    }

    public function clean(): void
    {
        $this->restore(false);
        $this->settle();
    }

    /** The reset after an HTTP request: the 'request' rebinding callbacks wait for settle(). */
    public function cleanAfterRequest(): void
    {
        $this->restore(true);
    }

    /** Runs the 'request' rebinding callbacks a cleanAfterRequest() left for later. */
    public function settle(): void
    {
        if ($this->requestUnsettled) {
            $this->requestUnsettled = false;
            (fn () => $this->rebound('request'))->call($this->currentApp);
        }
    }

    private function restore(bool $deferRequestRebinding): void
    {
        $app = $this->currentApp;
        if (method_exists($app, 'forgetScopedInstances')) {
            $app->forgetScopedInstances();
        }
        $request = ($this->restore ??= $this->restorer())($deferRequestRebinding);
        if ($request !== null) {
            $this->requestUnsettled = $request;
        }
    }

    /**
     * The reset itself, as one closure bound to the application's class: it reads and
     * writes the container's protected lists directly (one bound call per request, where
     * going through ContainerState took four). When it put the booted 'request' back,
     * returns whether its rebinding callbacks are still to run; else null.
     */
    private function restorer(): \Closure
    {
        $bootInstances = $this->bootInstances;
        $bootResolved = $this->bootResolved;
        $bootRebound = $this->bootReboundCallbacks;
        $restoreRoute = $this->hasCurrentRoute;
        $bootRoute = $this->bootCurrentRoute;

        return \Closure::bind(function (bool $deferRequest) use ($bootInstances, $bootResolved, $bootRebound, $restoreRoute, $bootRoute): ?bool {
            $requestUnsettled = null;
            // First, so that putting a booted instance back fires only the booted callbacks.
            $this->reboundCallbacks = $bootRebound;
            foreach ($this->instances as $abstract => $instance) {
                if (!array_key_exists($abstract, $bootInstances)) {
                    $this->forgetInstance($abstract);
                    Facade::clearResolvedInstance($abstract);
                } elseif ($bootInstances[$abstract] !== $instance) {
                    if ($deferRequest && $abstract === 'request') {
                        $this->instances['request'] = $bootInstances['request'];
                        $requestUnsettled = true;
                    } else {
                        $this->instance($abstract, $bootInstances[$abstract]);
                        $requestUnsettled = $abstract === 'request' ? false : $requestUnsettled;
                    }
                    Facade::clearResolvedInstance($abstract);
                }
            }
            $this->resolved = $bootResolved;
            if ($restoreRoute) {
                $this->currentRoute = $bootRoute;
            }

            return $requestUnsettled;
        }, $this->currentApp, get_class($this->currentApp));
    }
}
