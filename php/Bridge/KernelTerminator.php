<?php

namespace LaravelS\Bridge;

use Illuminate\Contracts\Container\Container;
use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Foundation\Events\Terminating;
use Illuminate\Foundation\Http\Kernel as FoundationKernel;
use Illuminate\Http\Request;
use Illuminate\Routing\Route;
use Illuminate\Support\Carbon;
use Symfony\Component\HttpFoundation\Response;

/**
 * The HTTP kernel's terminate(), without building every middleware again.
 *
 * Laravel's kernel, to find terminable middleware, makes a new instance of each
 * middleware of the route and of the global stack after every request, and asks it
 * whether it has terminate(): about 10 µs for a plain API route, where typically none
 * has. In a resident worker the answer is learnt once per middleware name; only the
 * middleware that have terminate() are made and called, in the kernel's order, with
 * the kernel's own list of the request's middleware. The rest of the kernel's terminate()
 * follows: the application's terminate() (its terminating callbacks) and, from Laravel 10,
 * the request-duration step (durationStep()); from Laravel 11, which fires the Terminating
 * event before the middleware, the event comes first.
 *
 * The terminable middleware of a route are remembered with the route's own memo of its
 * middleware (Route::$computedMiddleware), so a route whose list Laravel recomputes (its
 * controller flushed, say) is looked at again; middleware aliases, groups and priorities
 * are taken as fixed after boot, as Laravel's route cache takes them.
 *
 * Used only where that is exactly the framework's behaviour: a kernel that overrides
 * terminate(), terminateMiddleware() or gatherRouteMiddleware(), an application that
 * binds 'middleware.disable' itself, and a Laravel 11+ kernel without the duration
 * properties go through the kernel's own terminate().
 */
final class KernelTerminator
{
    /** The middleware, then the application's terminate() and, from Laravel 10, the duration step. */
    private const APP_TERMINATE = 0;
    /** The same, after the Terminating event (Laravel 11+). */
    private const EVENT_FIRST = 1;

    /** @var array<string, bool> middleware name => whether it has terminate() */
    private $terminable = [];
    /** @var \WeakMap<Route, array{0: array, 1: string[]}> route => [its computedMiddleware, its terminable middleware] */
    private $byRoute;

    /**
     * @param \Closure(Request): array $middlewareOf the request's middleware, route then global
     * @param int $rest self::APP_TERMINATE or self::EVENT_FIRST
     * @param \Closure(Request, Response): void|null $durations the kernel's request-duration
     *        step (Laravel 10+)
     */
    private function __construct(
        private Container $app,
        private HttpKernel $kernel,
        private \Closure $middlewareOf,
        private int $rest,
        private ?\Closure $durations = null
    ) {
        $this->byRoute = new \WeakMap();
    }

    /** A terminator for $kernel, or null where only the kernel's own terminate() is exact. */
    public static function for(Container $app, HttpKernel $kernel): ?self
    {
        if (!$kernel instanceof FoundationKernel) {
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
        // Laravel 10 added request-duration handlers to terminate(), with these properties;
        // Laravel 11 the Terminating event, fired first.
        $durations = property_exists(FoundationKernel::class, 'requestStartedAt')
            && property_exists(FoundationKernel::class, 'requestLifecycleDurationHandlers');
        $event = class_exists(Terminating::class);
        if (!$durations) {
            return $event ? null : new self($app, $kernel, $middlewareOf, self::APP_TERMINATE);
        }

        return new self($app, $kernel, $middlewareOf, $event ? self::EVENT_FIRST : self::APP_TERMINATE, self::durationStep($kernel));
    }

    /**
     * The last step of the kernel's terminate() from Laravel 10 on: when handle() noted the
     * request's start, each handler given to whenRequestLifecycleIsLongerThan() whose
     * threshold (ms) the request's duration passed is called with the start (in the app's
     * timezone), the request and the response; then the start is cleared.
     */
    private static function durationStep(FoundationKernel $kernel): \Closure
    {
        return \Closure::bind(function (Request $request, Response $response): void {
            $start = $this->requestStartedAt;
            if ($start === null) {
                return;
            }
            // The timezone is for the handlers: with none (most apps), the start, about to
            // be dropped, is not converted (about 2 µs on Laravel 13).
            if ($this->requestLifecycleDurationHandlers !== []) {
                $start->setTimezone($this->app['config']->get('app.timezone') ?? 'UTC');
                $now = Carbon::now();
                foreach ($this->requestLifecycleDurationHandlers as $entry) {
                    if ($start->diffInMilliseconds($now) > $entry['threshold']) {
                        ($entry['handler'])($start, $request, $response);
                    }
                }
            }
            $this->requestStartedAt = null;
        }, $kernel, FoundationKernel::class);
    }

    public function terminate(Request $request, Response $response): void
    {
        $app = $this->app;
        if ($app->bound('middleware.disable')) {
            $this->kernel->terminate($request, $response);

            return;
        }
        if ($this->rest === self::EVENT_FIRST) {
            $app['events']->dispatch(new Terminating());
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
        // What the kernel's terminate() does after its middleware step.
        $app->terminate();
        if ($this->durations !== null) {
            ($this->durations)($request, $response);
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
