<?php

namespace LaravelS\Tests\Cleaners;

use Illuminate\Foundation\Application;
use Illuminate\Support\Facades\Facade;
use LaravelS\Cleaners\CleanerManager;
use LaravelS\Cleaners\ContainerCleaner;
use LaravelS\Cleaners\ContainerState;
use LaravelS\Cleaners\RequestInstancesCleaner;
use LaravelS\Tests\Support\ConfigView;
use LaravelS\Tests\Support\TestApp;
use PHPUnit\Framework\TestCase;

final class ContainerCleanerTest extends TestCase
{
    public function testASingletonFirstResolvedInARequestIsResident(): void
    {
        $app = TestApp::boot(function (Application $app) {
            $app->singleton('counter', fn () => new \ArrayObject());
        });
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $app->instance('per-request', new \stdClass());
        $duringRequest = $app->make('counter');
        $cleaners->clean();

        $this->assertSame($duringRequest, $app->make('counter'), 'the same object for the next request, as under LaravelS');
        $this->assertTrue($app->bound('per-request'));
        $app->instance('counter', new \ArrayObject());
        $cleaners->clean();
        $this->assertSame($duringRequest, $app->make('counter'), 'a later request that replaces it gets it back');
    }

    public function testRequestInstancesCleanerForgetsWhatTheRequestCreated(): void
    {
        $app = TestApp::boot(function (Application $app) {
            $app->singleton('counter', fn () => new \ArrayObject());
        });
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => [RequestInstancesCleaner::class]]));

        $app->instance('per-request', new \stdClass());
        $duringRequest = $app->make('counter');
        $duringRequest['hits'] = 1;
        $first = CounterFacade::getFacadeRoot();
        $cleaners->clean();

        $this->assertFalse($app->bound('per-request'));
        $this->assertNotSame($duringRequest, $app->make('counter'), 'a singleton first resolved in a request is rebuilt');
        $this->assertArrayNotHasKey('hits', $app->make('counter'));
        $this->assertNotSame($first, CounterFacade::getFacadeRoot(), 'and its facade forgets it');
    }

    public function testThePerRequestAbstractsAreForgottenWhenTheRequestMadeThem(): void
    {
        $app = TestApp::boot(function (Application $app) {
            foreach (ContainerCleaner::PER_REQUEST as $abstract) {
                $app->singleton($abstract, fn () => new \stdClass());
            }
        });
        $cleaners = new CleanerManager($app, ConfigView::cleaners());
        $made = [];
        foreach (['auth', 'auth.driver', 'session', 'session.store', 'redirect'] as $abstract) {
            $made[$abstract] = $app->make($abstract);
        }
        $cleaners->clean();

        foreach ($made as $abstract => $instance) {
            $this->assertNotSame($instance, $app->make($abstract), "$abstract holds the visitor's state");
        }
    }

    public function testRebindingCallbacksOfAResidentServiceKeepWorking(): void
    {
        $seen = new \ArrayObject();
        $app = TestApp::boot(function (Application $app) use ($seen) {
            $app->instance('request', \Illuminate\Http\Request::create('http://booted.test/'));
            $app->singleton('follower', function ($app) use ($seen) {
                $app->rebinding('request', fn ($app, $request) => $seen[] = $request->getHost());

                return new \stdClass();
            });
        });
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $app->make('follower');
        $cleaners->clean();
        $app->instance('request', \Illuminate\Http\Request::create('http://second.test/'));

        $this->assertSame(['second.test'], $seen->getArrayCopy(), 'the next request reaches the resident service');
    }

    public function testCallbacksOfRequestsThatAddNoResidentServiceDoNotPileUp(): void
    {
        $app = TestApp::boot(function (Application $app) {
            $app->singleton('follower', fn () => new \stdClass());
        });
        $cleaners = new CleanerManager($app, ConfigView::cleaners());
        $app->make('follower');
        $cleaners->clean();
        $count = fn () => count(ContainerState::get($app, 'reboundCallbacks')['request'] ?? []);
        $afterFirst = $count();

        for ($i = 0; $i < 5; $i++) {
            // What a guard built per request does.
            $app->rebinding('request', fn () => null);
            $cleaners->clean();
        }

        $this->assertSame($afterFirst, $count());
    }

    public function testBootedInstancesSurviveAndReplacedOnesComeBack(): void
    {
        $booted = new \stdClass();
        $app = TestApp::boot(function (Application $app) use ($booted) {
            $app->instance('service', $booted);
            $app->singleton('warm', fn () => new \stdClass());
            $app->make('warm');
        });
        $warm = $app->make('warm');
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $app->instance('service', new \stdClass());
        $this->assertNotSame($booted, ServiceFacade::getFacadeRoot());
        $cleaners->clean();

        $this->assertSame($booted, $app->make('service'));
        $this->assertSame($booted, ServiceFacade::getFacadeRoot(), 'and the facade forgets the replacement');
        $this->assertSame($warm, $app->make('warm'));
    }

    public function testResolvedFlagsGoBackToTheirBootedValues(): void
    {
        $app = TestApp::boot(function (Application $app) {
            $app->bind('thing', fn () => new \stdClass());
        });
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $app->make('thing');
        $this->assertTrue($app->resolved('thing'));
        $cleaners->clean();

        $this->assertFalse($app->resolved('thing'), 'guards such as "only if the session was resolved" see this request only');
    }

    public function testRebindingCallbacksRegisteredDuringARequestAreDropped(): void
    {
        $calls = [];
        $app = TestApp::boot(function (Application $app) use (&$calls) {
            $app->bind('thing', fn () => new \stdClass());
            $app->rebinding('thing', function () use (&$calls) {
                $calls[] = 'boot';
            });
        });
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $app->rebinding('thing', function () use (&$calls) {
            $calls[] = 'request';
        });
        $cleaners->clean();
        $app->instance('thing', new \stdClass());

        $this->assertSame(['boot'], $calls);
    }

    public function testAfterARequestTheBootedRequestIsBackAndItsRebindingWaitsForSettle(): void
    {
        [$app, $cleaners, $seen] = $this->appAfterARequestTo('http://first.test/a');
        $cleaners->cleanAfterRequest();
        $this->assertSame('booted.test', $app->make('request')->getHost(), 'the booted request is back at once');
        $this->assertSame(['first.test'], $seen->getArrayCopy(), 'its rebinding callbacks wait');

        $cleaners->settle();
        $this->assertSame(['first.test', 'booted.test'], $seen->getArrayCopy(), 'settle() runs them with the booted request');
        $cleaners->settle();
        $this->assertSame(['first.test', 'booted.test'], $seen->getArrayCopy(), 'once');
    }

    public function testTheNextRequestRunsTheRebindingItselfAndCleanSettles(): void
    {
        [$app, $cleaners, $seen] = $this->appAfterARequestTo('http://first.test/a');
        $cleaners->cleanAfterRequest();
        $app->instance('request', \Illuminate\Http\Request::create('http://second.test/b'));
        $this->assertSame(['first.test', 'second.test'], $seen->getArrayCopy());

        $cleaners->clean();
        $this->assertSame(['first.test', 'second.test', 'booted.test'], $seen->getArrayCopy(), 'clean() (after a task or an event) runs them at once');
        $cleaners->settle();
        $this->assertCount(3, $seen);
    }

    /**
     * After a full pass, a request that replaced only 'request' takes the short way (one
     * comparison); every other change still gets the full pass, request after request.
     */
    public function testRequestsThatChangeMoreThanTheRequestStillGetTheFullReset(): void
    {
        $booted = new \stdClass();
        [$app, $cleaners] = $this->appAfterARequestTo('http://first.test/a');
        $app->instance('service', $booted);
        $app->singleton('resident', fn () => new \stdClass());
        $app->bind('thing', fn () => new \stdClass());
        $cleaners = new CleanerManager($app, ConfigView::cleaners());
        $bootedRequest = $app->make('request');
        $request = fn (string $host) => $app->instance('request', \Illuminate\Http\Request::create("http://$host/"));

        for ($i = 0; $i < 3; $i++) {
            $request("only$i.test");
            $app->make('thing');
            $cleaners->cleanAfterRequest();
            $this->assertSame($bootedRequest, $app->make('request'));
            $this->assertFalse($app->resolved('thing'), "request $i: resolved flags reset");
        }

        $request('replaces.test');
        $app->instance('service', new \stdClass());
        $cleaners->cleanAfterRequest();
        $this->assertSame($booted, $app->make('service'), 'a replaced booted instance is put back');
        $this->assertSame($booted, ServiceFacade::getFacadeRoot());

        $request('adds.test');
        $resident = $app->make('resident');
        $app->instance('session', new \stdClass());
        $cleaners->cleanAfterRequest();
        $this->assertArrayNotHasKey('session', ContainerState::get($app, 'instances'), 'a per-request abstract the request made is forgotten');
        $this->assertSame($resident, $app->make('resident'), 'a singleton it built stays');

        $request('again.test');
        $app->instance('resident', new \stdClass());
        $cleaners->cleanAfterRequest();
        $this->assertSame($resident, $app->make('resident'), 'and counts as booted from then on');
        $this->assertSame($bootedRequest, $app->make('request'));
    }

    /**
     * An app booted with a request for booted.test whose rebinding callback records each
     * request's host in the returned ArrayObject, then given a request for $url.
     *
     * @return array{Application, CleanerManager, \ArrayObject}
     */
    private function appAfterARequestTo(string $url): array
    {
        $seen = new \ArrayObject();
        $app = TestApp::boot(function (Application $app) use ($seen) {
            $app->instance('request', \Illuminate\Http\Request::create('http://booted.test/'));
            $app->rebinding('request', function ($app, $request) use ($seen) {
                $seen[] = $request->getHost();
            });
        });
        $cleaners = new CleanerManager($app, ConfigView::cleaners());
        $app->instance('request', \Illuminate\Http\Request::create($url));

        return [$app, $cleaners, $seen];
    }

    public function testScopedInstancesAreForgotten(): void
    {
        $app = TestApp::boot(function (Application $app) {
            $app->scoped('scoped', fn () => new \stdClass());
            $app->make('scoped');
        });
        $bootScoped = $app->make('scoped');
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $cleaners->clean();

        $this->assertNotSame($bootScoped, $app->make('scoped'));
    }

    protected function tearDown(): void
    {
        Facade::clearResolvedInstances();
    }
}

final class CounterFacade extends Facade
{
    protected static function getFacadeAccessor()
    {
        return 'counter';
    }
}

final class ServiceFacade extends Facade
{
    protected static function getFacadeAccessor()
    {
        return 'service';
    }
}
