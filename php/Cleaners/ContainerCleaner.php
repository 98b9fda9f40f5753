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
        // First, so that putting a booted instance back fires only the booted callbacks.
        ContainerState::set($app, 'reboundCallbacks', $this->bootReboundCallbacks);
        foreach (ContainerState::get($app, 'instances') as $abstract => $instance) {
            if (!array_key_exists($abstract, $this->bootInstances)) {
                $this->forgetResolved($abstract);
            } elseif ($this->bootInstances[$abstract] !== $instance) {
                $app->instance($abstract, $this->bootInstances[$abstract]);
                Facade::clearResolvedInstance($abstract);
            }
        }
        ContainerState::set($app, 'resolved', $this->bootResolved);
        if ($this->hasCurrentRoute) {
            ContainerState::set($app, 'currentRoute', $this->bootCurrentRoute);
        }
    }
}
