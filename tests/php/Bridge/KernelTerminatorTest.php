<?php

namespace LaravelS\Tests\Bridge;

use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Foundation\Application;
use Illuminate\Foundation\Http\Kernel;
use Illuminate\Http\Request;
use Illuminate\Http\Response;
use LaravelS\Bridge\KernelTerminator;
use LaravelS\Tests\Support\TestApp;
use PHPUnit\Framework\TestCase;

final class KernelTerminatorTest extends TestCase
{
    protected function setUp(): void
    {
        Journal::$lines = [];
    }

    public function testTerminableMiddlewareRunInTheKernelsOrderAndTheOthersAreBuiltOnlyOnce(): void
    {
        [$app, $kernel] = $this->kernel(Kernel::class);
        $app['router']->get('/t', fn () => 'ok')->middleware([RouteTerminable::class . ':x', Plain::class]);
        $terminator = KernelTerminator::for($app, $kernel);
        $this->assertNotNull($terminator);
        $terminated = false;
        $app->terminating(function () use (&$terminated) {
            $terminated = true;
        });

        foreach ([1, 2] as $round) {
            $request = $this->routed($app, '/t');
            $response = new Response('ok');
            Journal::$lines = [];
            $terminator->terminate($request, $response);
            // The first time, Plain is built once to learn it has no terminate(); never again.
            $plain = $round === 1 ? ['construct plain'] : [];
            $this->assertSame(
                ['construct route', 'terminate route t 200', ...$plain, 'construct global', 'terminate global t 200'],
                Journal::$lines,
                "round $round"
            );
        }
        $this->assertTrue($terminated, "the application's terminating callbacks still run");
        $this->assertFalse($app->bound('middleware.disable'), 'the switch is off again');
    }

    public function testARouteWhoseMiddlewareLaravelRecomputesIsLookedAtAgain(): void
    {
        [$app, $kernel] = $this->kernel(Kernel::class);
        $route = $app['router']->get('/t', fn () => 'ok')->middleware(Plain::class);
        $terminator = KernelTerminator::for($app, $kernel);
        $terminator->terminate($this->routed($app, '/t'), new Response('ok'));

        $route->middleware(RouteTerminable::class);
        $route->flushController(); // Laravel forgets its computed middleware here
        Journal::$lines = [];
        $terminator->terminate($this->routed($app, '/t'), new Response('ok'));

        $this->assertContains('terminate route t 200', Journal::$lines);
    }

    public function testTheSameAsTheKernelsOwnTerminate(): void
    {
        [$app, $kernel] = $this->kernel(Kernel::class);
        $app['router']->get('/t', fn () => new Response('made', 201))->middleware([RouteTerminable::class, Plain::class]);
        $request = $this->routed($app, '/t');
        $response = new Response('made', 201);
        $terminations = fn () => array_values(array_filter(Journal::$lines, fn ($l) => str_starts_with($l, 'terminate')));

        Journal::$lines = [];
        $kernel->terminate($request, $response);
        $byKernel = $terminations();
        Journal::$lines = [];
        KernelTerminator::for($app, $kernel)->terminate($request, $response);

        $this->assertSame(['terminate route t 201', 'terminate global t 201'], $byKernel);
        $this->assertSame($byKernel, $terminations());
    }

    public function testAnAppThatDisablesMiddlewareGetsTheKernelsTerminate(): void
    {
        [$app, $kernel] = $this->kernel(Kernel::class);
        $app['router']->get('/t', fn () => 'ok')->middleware(RouteTerminable::class);
        $app->instance('middleware.disable', true);
        $request = $this->routed($app, '/t');
        $response = new Response('ok');
        Journal::$lines = [];
        KernelTerminator::for($app, $kernel)->terminate($request, $response);

        $this->assertSame([], Journal::$lines, 'no middleware runs, as in the kernel');
        $this->assertTrue($app->bound('middleware.disable'), "the app's own switch stays");
    }

    /**
     * The duration step the terminator runs itself on Laravel 11+ does what the kernel's
     * terminate() does after its middleware on Laravel 10+: slow-request handlers past
     * their threshold get the start (in the app's timezone), the request and the response.
     */
    public function testTheDurationStepCallsTheSlowRequestHandlersAsTheKernelDoes(): void
    {
        if (!method_exists(Kernel::class, 'whenRequestLifecycleIsLongerThan')) {
            $this->markTestSkipped('the kernel has request-duration handlers from Laravel 10');
        }
        $run = function (bool $byKernel): array {
            [$app, $kernel] = $this->kernel(Kernel::class);
            $app['config']->set('app.timezone', 'Europe/Paris');
            $seen = [];
            foreach ([50, 3600000] as $threshold) {
                $kernel->whenRequestLifecycleIsLongerThan($threshold, function ($start, $request, $response) use (&$seen, $threshold) {
                    $seen[] = [$threshold, $start->getTimezone()->getName(), $request->path(), $response->getStatusCode()];
                });
            }
            $request = Request::create('/d');
            $response = new Response('slow', 203);
            $step = (new \ReflectionMethod(KernelTerminator::class, 'durationStep'))->getClosure();
            foreach ([1, 2] as $round) {
                (fn () => $this->requestStartedAt = \Illuminate\Support\Carbon::now()->subSecond())->call($kernel);
                $byKernel ? $kernel->terminate($request, $response) : $step($kernel)($request, $response);
                $seen[] = (fn () => $this->requestStartedAt)->call($kernel);
            }

            return $seen;
        };

        $this->assertSame([[50, 'Europe/Paris', 'd', 203], null, [50, 'Europe/Paris', 'd', 203], null], $run(false));
        $this->assertSame($run(true), $run(false));
    }

    public function testAKernelThatOverridesTerminateIsLeftAlone(): void
    {
        [$app, $kernel] = $this->kernel(OwnTerminateKernel::class);
        $this->assertNull(KernelTerminator::for($app, $kernel));
        [$app, $kernel] = $this->kernel(OwnGatherKernel::class);
        $this->assertNull(KernelTerminator::for($app, $kernel));
    }

    /** A request for $uri with its route matched, as the kernel leaves it after handle(). */
    private function routed(Application $app, string $uri): Request
    {
        $request = Request::create($uri);
        $route = $app['router']->getRoutes()->match($request);
        $request->setRouteResolver(fn () => $route);

        return $request;
    }

    /** @return array{Application, Kernel} */
    private function kernel(string $class): array
    {
        $app = TestApp::boot();
        $kernel = new $class($app, $app['router']);
        (fn () => $this->middleware = [GlobalTerminable::class])->call($kernel);
        $app->instance(HttpKernel::class, $kernel);

        return [$app, $kernel];
    }
}

final class Journal
{
    /** @var string[] */
    public static $lines = [];
}

/** A terminable middleware that notes its construction and its terminate() in the Journal. */
abstract class Terminable
{
    /** How the journal lines name it. */
    protected const LABEL = '';

    public function __construct()
    {
        Journal::$lines[] = 'construct ' . static::LABEL;
    }

    public function handle($request, \Closure $next, ...$tags)
    {
        return $next($request);
    }

    public function terminate($request, $response): void
    {
        Journal::$lines[] = sprintf('terminate %s %s %d', static::LABEL, $request->path(), $response->getStatusCode());
    }
}

final class RouteTerminable extends Terminable
{
    protected const LABEL = 'route';
}

final class GlobalTerminable extends Terminable
{
    protected const LABEL = 'global';
}

final class Plain
{
    public function __construct()
    {
        Journal::$lines[] = 'construct plain';
    }

    public function handle($request, \Closure $next)
    {
        return $next($request);
    }
}

final class OwnTerminateKernel extends Kernel
{
    public function terminate($request, $response)
    {
        parent::terminate($request, $response);
    }
}

final class OwnGatherKernel extends Kernel
{
    protected function gatherRouteMiddleware($request)
    {
        return parent::gatherRouteMiddleware($request);
    }
}
