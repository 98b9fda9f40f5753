<?php

namespace LaravelS\Bridge;

use Illuminate\Contracts\Container\Container;
use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Foundation\Http\Kernel as FoundationKernel;
use Illuminate\Http\Request;
use Illuminate\Routing\Route;
use Symfony\Component\HttpFoundation\Response;

/**
 * The HTTP kernel's terminate(), without building every middleware again.
 *
 * Laravel's kernel, to find terminable middleware, makes a new instance of each
 * middleware of the route and of the global stack after every request, and asks it
 * whether it has terminate(): about 10 µs for a plain API route, where typically none
 * has. In a resident worker the answer is learnt once per middleware name; only the
 * middleware that have terminate() are made and called, in the kernel's order, with
 * the kernel's own list of the request's middleware. The kernel's terminate() then runs
 * as the framework wrote it (the application's terminating callbacks and, from Laravel
 * 10, the request-duration handlers) with its middleware step switched off through the
 * framework's own 'middleware.disable' switch; before Laravel 10, where that rest is the
 * application's terminate() alone, that is called directly.
 *
 * The terminable middleware of a route are remembered with the route's own memo of its
 * middleware (Route::$computedMiddleware), so a route whose list Laravel recomputes (its
 * controller flushed, say) is looked at again; middleware aliases, groups and priorities
 * are taken as fixed after boot, as Laravel's route cache takes them.
 *
 * Used only where that is exactly the framework's behaviour: a kernel that overrides
 * terminate(), terminateMiddleware() or gatherRouteMiddleware(), an application that
 * binds 'middleware.disable' itself, and Laravel 11 and later (whose terminate() fires
 * an event before the middleware) go through the kernel's own terminate().
 */
final class KernelTerminator
{
    /** @var array<string, bool> middleware name => whether it has terminate() */
    private $terminable = [];
    /** @var \WeakMap<Route, array{0: array, 1: string[]}> route => [its computedMiddleware, its terminable middleware] */
    private $byRoute;

    /**
     * @param \Closure(Request): array $middlewareOf the request's middleware, route then global
     * @param bool $appTerminateOnly the kernel's terminate() is its middleware step and the
     *        application's terminate(), nothing else (before Laravel 10's duration handlers)
     */
    private function __construct(
        private Container $app,
        private HttpKernel $kernel,
        private \Closure $middlewareOf,
        private bool $appTerminateOnly
    ) {
        $this->byRoute = new \WeakMap();
    }

    /** A terminator for $kernel, or null where only the kernel's own terminate() is exact. */
    public static function for(Container $app, HttpKernel $kernel): ?self
    {
        if (!$kernel instanceof FoundationKernel || class_exists(\Illuminate\Foundation\Events\Terminating::class)) {
            return null;
        }
        foreach (['terminate', 'terminateMiddleware', 'gatherRouteMiddleware'] as $method) {
            if ((new \ReflectionMethod($kernel, $method))->getDeclaringClass()->getName() !== FoundationKernel::class) {
                return null;
            }
        }
        $middlewareOf = \Closure::bind(
            fn (Request $request): array => array_merge($this->gatherRouteMiddleware($request), $this->middleware),
            $kernel,
            FoundationKernel::class
        );

        // Laravel 10 added request-duration handlers to terminate(), with this property;
        // before it, terminate() was terminateMiddleware() then $app->terminate().
        return new self($app, $kernel, $middlewareOf, !property_exists(FoundationKernel::class, 'requestStartedAt'));
    }

    public function terminate(Request $request, Response $response): void
    {
        $app = $this->app;
        if ($app->bound('middleware.disable')) {
            $this->kernel->terminate($request, $response);

            return;
        }
        $route = $request->route();
        $known = $route instanceof Route ? ($this->byRoute[$route] ?? null) : null;
        if ($known !== null && $known[0] === $route->computedMiddleware) {
            foreach ($known[1] as $name) {
                $app->make($name)->terminate($request, $response);
            }
        } else {
            $names = $this->terminateListed(($this->middlewareOf)($request), $request, $response);
            if ($route instanceof Route && $route->computedMiddleware !== null) {
                $this->byRoute[$route] = [$route->computedMiddleware, $names];
            }
        }
        if ($this->appTerminateOnly) {
            // What the kernel's terminate() would do with its middleware step off.
            $app->terminate();

            return;
        }
        $app->instance('middleware.disable', true);
        try {
            $this->kernel->terminate($request, $response);
        } finally {
            $app->forgetInstance('middleware.disable');
        }
    }

    /**
     * Builds and terminates the terminable ones of $middlewares, in order, learning which
     * names are terminable on first sight; returns their names.
     *
     * @return string[]
     */
    private function terminateListed(array $middlewares, Request $request, Response $response): array
    {
        $names = [];
        foreach ($middlewares as $middleware) {
            if (!is_string($middleware)) {
                continue;
            }
            $name = explode(':', $middleware, 2)[0];
            $known = $this->terminable[$name] ?? null;
            if ($known === false) {
                continue;
            }
            $instance = $this->app->make($name);
            if ($known === null && !($this->terminable[$name] = method_exists($instance, 'terminate'))) {
                continue;
            }
            $names[] = $name;
            $instance->terminate($request, $response);
        }

        return $names;
    }
}
