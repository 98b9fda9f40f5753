<?php

namespace LaravelS\Bridge;

use Illuminate\Contracts\Container\Container;
use Illuminate\Contracts\Debug\ExceptionHandler;
use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Http\Request;
use LaravelS\Cleaners\CleanerManager;
use LaravelS\Config\CleanerConfig;
use LaravelS\Diagnostics\LeakDetector;
use Symfony\Component\HttpFoundation\Response;

/**
 * The application gateway: boots a Laravel or Lumen app once per worker, runs each
 * request through its kernel, and puts the app back in its booted state afterwards.
 */
final class Gateway
{
    /** @var Container */
    private $app;
    /** @var HttpKernel|null null for Lumen, whose Application is its own kernel */
    private $kernel;
    /** @var CleanerManager */
    private $cleaners;
    /** @var string the real path of the release booted (Release::enter) */
    private $basePath = '';
    /** @var KernelTerminator|null the kernel's terminate() without rebuilding every middleware */
    private $terminator;
    /** @var bool `register_providers` lists providers to register again before each request */
    private $refreshesProviders;
    /** @var bool */
    private $hasRequestListeners;
    /** @var bool */
    private $hasResponseListeners;
    private ?LeakDetector $leakDetector = null;
    /** @var \Closure|null Lumen: reads the app's global middleware list */
    private $lumenMiddleware;
    /** @var array|null Lumen: the global middleware list last looked at */
    private $lumenListSeen;
    /** @var bool Lumen: whether a middleware of that list has terminate() */
    private $lumenTerminable = false;

    private function __construct(Container $app, ?HttpKernel $kernel)
    {
        $this->app = $app;
        $this->kernel = $kernel;
    }

    /**
     * Boots the application at $basePath: the release it is (or a link to it) points to
     * now, from its real path, with its own vendor/. $bindings are instances bound before
     * the snapshot the cleaners restore to (app('swoole') among them).
     */
    public static function boot(string $basePath, CleanerConfig $cleaners, array $bindings = []): self
    {
        $basePath = Release::enter($basePath);
        StaleScripts::drop();
        // Laravel registers a provider once by `instanceof`, which never autoloads: the
        // LaravelS name config/app.php may list must be an alias already, or the package's
        // provider registers twice (once as discovered, once under that name).
        class_exists(\Hhxsv5\LaravelS\Illuminate\LaravelSServiceProvider::class);
        $app = require $basePath . '/bootstrap/app.php';
        Request::enableHttpMethodParameterOverride();
        if (self::isLumen($app)) {
            $gateway = new self($app, null);
            // Outside a request (a task's finish(), a WebSocket message, a timer job) URLs
            // are built from APP_URL, as under Laravel and Lumen's artisan, not from a
            // request Lumen would capture from the CLI's globals ("http://:").
            $app->instance(Request::class, Request::create((string) ($_ENV['APP_URL'] ?? 'http://localhost')));
            if (method_exists($app, 'boot')) {
                $app->boot();
            }
        } else {
            $kernel = $app->make(HttpKernel::class);
            // Providers that build URLs while booting need a request; each real request
            // replaces this one, and services built from it follow (as under Octane).
            $app->instance('request', Request::create((string) ($_ENV['APP_URL'] ?? 'http://localhost')));
            $kernel->bootstrap();
            $gateway = new self($app, $kernel);
            $gateway->terminator = KernelTerminator::for($app, $kernel);
        }
        foreach ($bindings as $abstract => $instance) {
            $app->instance($abstract, $instance);
        }
        self::warm($app, $cleaners);
        $gateway->cleaners = new CleanerManager($app, $cleaners);
        $gateway->refreshesProviders = $gateway->cleaners->refreshesProviders();
        $gateway->basePath = $basePath;
        $events = $app['events'];
        $gateway->hasRequestListeners = $events->hasListeners('laravels.received_request');
        $gateway->hasResponseListeners = $events->hasListeners('laravels.generated_response');

        return $gateway;
    }

    /**
     * Builds, once per worker, services nearly every request builds and whose state the
     * cleaners or Laravel itself reset per request, so the cleaners keep them: the view
     * factory, the URL generator (it follows each new request through its rebinding
     * callback), the encrypter and the cookie jar (its queue is flushed per request).
     * The redirector and the response factory hold the session store: they are built
     * here only when the Session cleaner gives them a fresh store after every request.
     * None of them is needed to boot: one that cannot be built here (no APP_KEY for the
     * encrypter, no config/session.php for the cookie jar) is left for the requests that
     * use it, which then fail on their own as under php-fpm.
     */
    private static function warm(Container $app, CleanerConfig $config): void
    {
        // The controller dispatcher is stateless (it holds the container): built here so the
        // first request does not pay for it.
        $warm = ['view', 'url', 'encrypter', 'cookie', \Illuminate\Routing\Contracts\ControllerDispatcher::class];
        $cleaners = array_map(fn ($c) => is_string($c) && class_exists($c) ? (new \ReflectionClass($c))->getName() : $c, $config->cleaners);
        if (in_array(\LaravelS\Cleaners\SessionCleaner::class, $cleaners, true)) {
            array_push($warm, 'redirect', \Illuminate\Contracts\Routing\ResponseFactory::class);
        }
        foreach ($warm as $abstract) {
            try {
                if ($app->bound($abstract)) {
                    $app->make($abstract);
                }
            } catch (\Throwable) {
                // Not built: see above.
            }
        }
    }

    public static function isLumen($app): bool
    {
        return class_exists(\Laravel\Lumen\Application::class, false) && $app instanceof \Laravel\Lumen\Application;
    }

    /** The real path of the release this process booted. */
    public function basePath(): string
    {
        return $this->basePath;
    }

    public function app(): Container
    {
        return $this->app;
    }

    /** Turns on `leak_detector`: it looks at the app around every request from now on. */
    public function detectLeaks(LeakDetector $detector): void
    {
        $this->leakDetector = $detector;
    }

    /** Runs the request through the application; never throws. */
    public function handle(Request $request): Response
    {
        if ($this->leakDetector !== null) {
            $this->watchLeaks(fn (LeakDetector $d) => $d->before());
        }
        try {
            if ($this->refreshesProviders) {
                $this->cleaners->cleanProviders();
            }
            if ($this->hasRequestListeners) {
                $this->cleaners->settle();
                $this->app['events']->dispatch('laravels.received_request', [$request, $this->app]);
            }
            if ($this->kernel !== null) {
                $response = $this->kernel->handle($request);
            } else {
                // dispatch(), as Lumen's run() does: its handle() would also run the
                // terminable middleware here, before the response is sent, and terminate()
                // runs them again after it (terminateLumen()).
                $response = $this->app->dispatch($request);
            }
            if (!$response instanceof Response) {
                $response = new \Illuminate\Http\Response((string) $response);
            }
            if ($this->hasResponseListeners) {
                $this->app['events']->dispatch('laravels.generated_response', [$request, $response, $this->app]);
            }

            return $response;
        } catch (\Throwable $e) {
            return $this->renderBridgeFailure($request, $e);
        }
    }

    /** Terminable middleware and the kernel's terminate hooks, then the state reset. */
    public function terminate(Request $request, Response $response): void
    {
        try {
            if ($this->terminator !== null) {
                $this->terminator->terminate($request, $response);
            } elseif ($this->kernel !== null) {
                $this->kernel->terminate($request, $response);
            } else {
                $this->terminateLumen($response);
            }
        } catch (\Throwable $e) {
            $this->report($e);
        }
        // The closures only when a detector is on: this runs after every request.
        if ($this->leakDetector !== null) {
            $this->watchLeaks(fn (LeakDetector $d) => $d->afterRequest($request));
        }
        $this->cleaners->destroyControllers();
        $this->cleaners->cleanAfterRequest();
        if ($this->leakDetector !== null) {
            $this->watchLeaks(fn (LeakDetector $d) => $d->afterReset());
        }
    }

    /** A leak detector step; a failure of the detector is reported and never fails the request. */
    private function watchLeaks(\Closure $step): void
    {
        if ($this->leakDetector === null) {
            return;
        }
        try {
            $step($this->leakDetector);
        } catch (\Throwable $e) {
            $this->report($e);
        }
    }

    /** Puts the app back in its booted state (after a task, a finish() or an event). */
    public function resetState(): void
    {
        $this->cleaners->clean();
    }

    /**
     * Completes the reset after an HTTP request; called before the worker runs anything
     * but the next HTTP request, whose kernel does the same itself.
     */
    public function settle(): void
    {
        $this->cleaners->settle();
    }

    /** Reports an error through the application's exception handler, or to stderr. */
    public function report(\Throwable $e): void
    {
        try {
            $this->app->make(ExceptionHandler::class)->report($e);
        } catch (\Throwable $inner) {
            fwrite(STDERR, sprintf("[laravels] %s: %s\n", get_class($e), $e->getMessage()));
        }
    }

    private function renderBridgeFailure(Request $request, \Throwable $e): Response
    {
        $this->report($e);
        try {
            return $this->app->make(ExceptionHandler::class)->render($request, $e);
        } catch (\Throwable $inner) {
            return new Response('Internal Server Error', 500, ['Content-Type' => 'text/plain']);
        }
    }

    private function terminateLumen(Response $response): void
    {
        // Lumen runs terminable middleware from run(), after it sent the response (and
        // from handle(), before; see handle()); its method for them alone is protected.
        $app = $this->app;
        if (!method_exists($app, 'callTerminableMiddleware')) {
            return;
        }
        if (property_exists($app, 'middleware')) {
            // That method prepares the response (already sent) and builds every global
            // middleware to find those with terminate(): learnt here once per list, it is
            // skipped where none has one (about 2.5 µs a request).
            $list = ($this->lumenMiddleware ??= \Closure::bind(fn () => $this->middleware, $app, get_class($app)))();
            if ($list !== $this->lumenListSeen) {
                $this->lumenListSeen = $list;
                $this->lumenTerminable = false;
                foreach ($list as $middleware) {
                    if (is_string($middleware) && method_exists($app->make(explode(':', $middleware)[0]), 'terminate')) {
                        $this->lumenTerminable = true;
                        break;
                    }
                }
            }
            if (!$this->lumenTerminable) {
                return;
            }
        }
        (fn ($r) => $this->callTerminableMiddleware($r))->call($app, $response);
    }
}
