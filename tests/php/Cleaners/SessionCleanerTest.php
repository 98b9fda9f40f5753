<?php

namespace LaravelS\Tests\Cleaners;

use Illuminate\Foundation\Application;
use Illuminate\Session\ArraySessionHandler;
use Illuminate\Session\Store;
use LaravelS\Cleaners\CleanerManager;
use LaravelS\Cleaners\SessionCleaner;
use LaravelS\Tests\Support\ConfigView;
use LaravelS\Tests\Support\TestApp;
use PHPUnit\Framework\TestCase;

final class SessionCleanerTest extends TestCase
{
    public function testWithoutItTheNextRequestSeesThePreviousVisitorsSession(): void
    {
        // The control for the test below, and the reason SessionCleaner is in the
        // published config: the booted session manager keeps its store.
        $app = $this->bootWithSession();
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $app->make('session.store')->put('user_id', 42);
        $cleaners->clean();

        $this->assertSame(42, $app->make('session.store')->get('user_id'));
    }

    public function testTheNextRequestGetsANewSessionStore(): void
    {
        $app = $this->bootWithSession();
        $manager = $app->make('session');
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => [SessionCleaner::class]]));

        $used = $app->make('session.store');
        $used->put('user_id', 42);
        $cleaners->clean();

        $store = $app->make('session.store');
        $this->assertNotSame($used, $store);
        $this->assertNull($store->get('user_id'));
        $this->assertSame($store, $manager->driver(), 'the manager hands out the new store too');
        $this->assertSame($manager, $app->make('session'), 'the manager and its extensions stay');
        $this->assertInstanceOf(Store::class, $manager->driver('memory'));
        $this->assertSame($store, $app->make('redirect')->to('/')->getSession(), 'redirect()->with() writes to the new store');
    }

    public function testAStoreNoRequestTouchedIsKeptAndAnyUseReplacesIt(): void
    {
        $app = $this->bootWithSession();
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => [SessionCleaner::class]]));
        $cleaners->clean();
        $fresh = $app->make('session.store');

        // An API request: the session is never touched.
        $cleaners->clean();
        $this->assertSame($fresh, $app->make('session.store'), 'an untouched store is kept (building one is costly)');

        // Each way a request can use the store makes the next request get a new one.
        foreach ([fn (Store $s) => $s->put('user_id', 7), fn (Store $s) => $s->setId(str_repeat('a', 40)), fn (Store $s) => $s->start()] as $i => $use) {
            $store = $app->make('session.store');
            $use($store);
            $cleaners->clean();
            $next = $app->make('session.store');
            $this->assertNotSame($store, $next, "use #$i");
            $this->assertSame([], $next->all(), "use #$i");
        }
    }

    public function testDoesNothingWhenTheSessionWasNeverResolved(): void
    {
        $app = TestApp::boot();
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => [SessionCleaner::class]]));

        $cleaners->clean();

        $this->assertFalse($app->resolved('session'));
    }

    private function bootWithSession(): Application
    {
        return TestApp::boot(function (Application $app) {
            TestApp::request($app);
            $app->make('session')->extend('memory', fn () => new ArraySessionHandler(10));
            $app->make('redirect');
        });
    }
}
