<?php

namespace LaravelS\Tests\Cleaners;

use Illuminate\Auth\GenericUser;
use Illuminate\Auth\RequestGuard;
use Illuminate\Foundation\Application;
use LaravelS\Cleaners\AuthCleaner;
use LaravelS\Cleaners\CleanerManager;
use LaravelS\Cleaners\SessionCleaner;
use LaravelS\Tests\Support\ConfigView;
use LaravelS\Tests\Support\TestApp;
use PHPUnit\Framework\TestCase;

final class AuthCleanerTest extends TestCase
{
    public function testWithoutItTheNextRequestIsStillLoggedIn(): void
    {
        // The control for the test below: the booted auth manager keeps its guards.
        $app = $this->bootWithAuth();
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $app->make('auth')->guard('web')->setUser(new GenericUser(['id' => 7]));
        $cleaners->clean();

        $this->assertSame(7, $app->make('auth')->guard('web')->user()->getAuthIdentifier());
    }

    public function testTheNextRequestStartsWithNoAuthenticatedUser(): void
    {
        $app = $this->bootWithAuth();
        $auth = $app->make('auth');
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => [SessionCleaner::class, AuthCleaner::class]]));

        $auth->guard('web')->setUser(new GenericUser(['id' => 7]));
        $cleaners->clean();

        $this->assertFalse($auth->hasResolvedGuards());
        $this->assertFalse($auth->guard('web')->hasUser());
        $this->assertSame($auth, $app->make('auth'), 'the manager stays');
        $this->assertInstanceOf(RequestGuard::class, $auth->guard('custom'), 'guards registered at boot still work');
    }

    private function bootWithAuth(): Application
    {
        return TestApp::boot(function (Application $app) {
            TestApp::request($app);
            $app->make('auth')->extend('custom', fn ($app) => new RequestGuard(fn () => null, $app['request']));
        });
    }
}
