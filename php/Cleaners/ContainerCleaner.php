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
        $app = $this->currentApp;
        if (method_exists($app, 'forgetScopedInstances')) {
            $app->forgetScopedInstances();
        }
        ($this->restore ??= $this->restorer())();
    }

    /**
     * The reset itself, as one closure bound to the application's class: it reads and
     * writes the container's protected lists directly (one bound call per request, where
     * going through ContainerState took four).
     */
    private function restorer(): \Closure
    {
        $bootInstances = $this->bootInstances;
        $bootResolved = $this->bootResolved;
        $bootRebound = $this->bootReboundCallbacks;
        $restoreRoute = $this->hasCurrentRoute;
        $bootRoute = $this->bootCurrentRoute;

        return \Closure::bind(function () use ($bootInstances, $bootResolved, $bootRebound, $restoreRoute, $bootRoute): void {
            // First, so that putting a booted instance back fires only the booted callbacks.
            $this->reboundCallbacks = $bootRebound;
            foreach ($this->instances as $abstract => $instance) {
                if (!array_key_exists($abstract, $bootInstances)) {
                    $this->forgetInstance($abstract);
                    Facade::clearResolvedInstance($abstract);
                } elseif ($bootInstances[$abstract] !== $instance) {
                    $this->instance($abstract, $bootInstances[$abstract]);
                    Facade::clearResolvedInstance($abstract);
                }
            }
            $this->resolved = $bootResolved;
            if ($restoreRoute) {
                $this->currentRoute = $bootRoute;
            }
        }, $this->currentApp, get_class($this->currentApp));
    }
}
