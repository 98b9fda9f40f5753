<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;
use Illuminate\Support\Facades\Facade;

/**
 * Returns the container to its booted state after each request, keeping what the
 * request first resolved:
 * - shared instances first created during a request stay for the worker's life, as
 *   under LaravelS (a singleton bound in a provider, a lazily built Redis connection);
 *   they then count as booted, so a later request that replaces one gets it put back.
 *   Only the PER_REQUEST abstracts, which hold the visitor's request, session or
 *   logged-in user, are forgotten when a request created them;
 *   RequestInstancesCleaner forgets every instance the request created instead;
 * - a booted instance that the request replaced is put back;
 * - scoped instances are forgotten (Laravel's own per-request mechanism);
 * - which abstracts count as resolved, and the rebinding callbacks, go back to their
 *   booted lists: services rebuilt per request (guards, for one) register rebinding
 *   callbacks each time, which would otherwise pile up for the life of the worker. A
 *   request that created a resident instance has its callbacks kept with it (a service
 *   registers them when built, and the list does not say whose a callback is);
 * - Lumen's current route is reset, so a request that matches no route does not
 *   see the previous request's route.
 *
 * After an HTTP request (cleanAfterRequest), the booted 'request' (on Lumen, the request
 * under its class) goes back without running its rebinding callbacks (the URL generator's
 * and Auth's, about 2.5 µs): the next HTTP request rebinds it in the kernel (Lumen: in
 * dispatch()) and runs them with itself. Anything
 * else a worker runs (a task, a finish(), a WebSocket or port event, the request
 * listeners) calls settle() first, which runs them with the booted request, so nothing
 * of the previous request is in reach there either.
 *
 * Bindings registered during a request are kept: Laravel's deferred providers and
 * Lumen's lazy bindings register them on first use, once per worker.
 */
class ContainerCleaner extends BaseCleaner
{
    /**
     * Abstracts forgotten when a request created them, resident mode or not: the request
     * (Lumen keeps it under its class), the session manager and store and the middleware
     * holding the manager, the auth manager and its default guard (the logged-in user),
     * and the redirector and response factory, which hold the session store. A booted
     * one is kept; the Session and Auth cleaners reset its state.
     */
    public const PER_REQUEST = [
        'request',
        \Illuminate\Http\Request::class,
        'session',
        'session.store',
        \Illuminate\Session\Middleware\StartSession::class,
        'auth',
        'auth.driver',
        'redirect',
        \Illuminate\Contracts\Routing\ResponseFactory::class,
    ];

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
    /** @var string where the app keeps the request: 'request', or its class on Lumen ('request' is an alias there) */
    private $requestKey = 'request';

    /** Whether instances a request created stay (RequestInstancesCleaner: no). */
    protected function keepsRequestInstances(): bool
    {
        return true;
    }

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
        if (!array_key_exists('request', $this->bootInstances) && array_key_exists(\Illuminate\Http\Request::class, $this->bootInstances)) {
            $this->requestKey = \Illuminate\Http\Request::class;
        }
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
            $key = $this->requestKey;
            (fn () => $this->rebound($key))->call($this->currentApp);
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
        // By reference: a resident instance joins the booted lists for later requests.
        $bootInstances = &$this->bootInstances;
        $bootRebound = &$this->bootReboundCallbacks;
        $bootResolved = $this->bootResolved;
        $restoreRoute = $this->hasCurrentRoute;
        $bootRoute = $this->bootCurrentRoute;
        $keep = $this->keepsRequestInstances();
        $perRequest = array_fill_keys(self::PER_REQUEST, true);
        $key = $this->requestKey;

        $state = [$bootResolved, $restoreRoute, $bootRoute, $keep, $perRequest];
        // The instances as the last full pass left them.
        $settled = null;

        return \Closure::bind(function (bool $deferRequest) use (&$bootInstances, &$bootRebound, &$settled, $state, $key): ?bool {
            [$bootResolved, $restoreRoute, $bootRoute, $keep, $perRequest] = $state;
            // Most HTTP requests change one instance: the kernel binds the request as
            // 'request'. With the booted request back in place, an instance list identical
            // to what the last full pass left (one comparison, in C) has nothing for that
            // pass to adopt, forget or put back: the rest is as the full pass ends.
            if ($deferRequest && $settled !== null) {
                $request = $this->instances[$key] ?? null;
                $replaced = $request !== null && $request !== ($bootInstances[$key] ?? null);
                if ($replaced) {
                    $this->instances[$key] = $bootInstances[$key];
                }
                if ($this->instances === $settled) {
                    $this->reboundCallbacks = $bootRebound;
                    if ($replaced) {
                        Facade::clearResolvedInstance($key);
                    }
                    $this->resolved = $bootResolved;
                    if ($restoreRoute) {
                        $this->currentRoute = $bootRoute;
                    }

                    return $replaced ? true : null;
                }
                if ($replaced) {
                    $this->instances[$key] = $request;
                }
            }
            $requestUnsettled = null;
            if ($keep) {
                $adopted = false;
                foreach ($this->instances as $abstract => $instance) {
                    if (!array_key_exists($abstract, $bootInstances) && !isset($perRequest[$abstract])) {
                        $bootInstances[$abstract] = $instance;
                        $adopted = true;
                    }
                }
                if ($adopted) {
                    $bootRebound = $this->reboundCallbacks;
                }
            }
            // First, so that putting a booted instance back fires only the booted callbacks.
            $this->reboundCallbacks = $bootRebound;
            foreach ($this->instances as $abstract => $instance) {
                if (!array_key_exists($abstract, $bootInstances)) {
                    $this->forgetInstance($abstract);
                    Facade::clearResolvedInstance($abstract);
                } elseif ($bootInstances[$abstract] !== $instance) {
                    if ($deferRequest && $abstract === $key) {
                        $this->instances[$key] = $bootInstances[$key];
                        $requestUnsettled = true;
                    } else {
                        $this->instance($abstract, $bootInstances[$abstract]);
                        $requestUnsettled = $abstract === $key ? false : $requestUnsettled;
                    }
                    Facade::clearResolvedInstance($abstract);
                }
            }
            $this->resolved = $bootResolved;
            if ($restoreRoute) {
                $this->currentRoute = $bootRoute;
            }
            $settled = $this->instances;

            return $requestUnsettled;
        }, $this->currentApp, get_class($this->currentApp));
    }
}
