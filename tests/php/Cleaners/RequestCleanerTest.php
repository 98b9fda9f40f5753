<?php

namespace LaravelS\Tests\Cleaners;

use Illuminate\Support\Facades\Facade;
use Illuminate\Support\Facades\Request as RequestFacade;
use Illuminate\Support\Facades\URL;
use LaravelS\Cleaners\CleanerManager;
use LaravelS\Tests\Support\ConfigView;
use LaravelS\Tests\Support\TestApp;
use PHPUnit\Framework\TestCase;

final class RequestCleanerTest extends TestCase
{
    public function testTheRequestIsForgottenInTheContainerAndTheFacade(): void
    {
        $app = TestApp::boot();
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        TestApp::request($app, '/first');
        $this->assertSame('first', RequestFacade::path());
        $cleaners->clean();

        $this->assertFalse($app->bound('request'));
        $app->instance('request', \Illuminate\Http\Request::create('/second'));
        $this->assertSame('second', RequestFacade::path(), 'the facade must not answer with the previous request');
    }

    public function testABootedPlaceholderRequestComesBackAndBootedServicesFollowEachRequest(): void
    {
        // The app booted with a placeholder request, and a provider called
        // URL::forceScheme('https') at boot.
        $placeholder = null;
        $app = TestApp::boot(function ($app) use (&$placeholder) {
            $placeholder = TestApp::request($app, 'http://localhost/');
            URL::forceScheme('https');
        });
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        TestApp::request($app, 'http://a.test/');
        $this->assertSame('https://a.test/home', url('/home'));
        $cleaners->clean();

        $this->assertSame($placeholder, $app->make('request'));
        TestApp::request($app, 'http://b.test/');
        $this->assertSame('https://b.test/home', url('/home'));
    }

    protected function tearDown(): void
    {
        Facade::clearResolvedInstances();
    }
}
