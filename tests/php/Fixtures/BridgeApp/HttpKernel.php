<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

use Illuminate\Foundation\Bootstrap;

/**
 * The fixture app's HTTP kernel: Laravel's, with a 'web' group for the session and
 * queued cookies. It skips the bootstrappers that would change the test process itself
 * (.env loading, PHP's error and exception handlers).
 */
class HttpKernel extends \Illuminate\Foundation\Http\Kernel
{
    protected $bootstrappers = [
        Bootstrap\LoadConfiguration::class,
        Bootstrap\RegisterFacades::class,
        Bootstrap\RegisterProviders::class,
        Bootstrap\BootProviders::class,
    ];

    protected $middleware = [];

    protected $middlewareGroups = [
        'web' => [
            \Illuminate\Cookie\Middleware\AddQueuedCookiesToResponse::class,
            \Illuminate\Session\Middleware\StartSession::class,
        ],
    ];
}
