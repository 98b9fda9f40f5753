<?php

namespace LaravelS\Tests\Support;

use Illuminate\Config\Repository;
use Illuminate\Foundation\Application;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\Facade;

/**
 * A real, booted Laravel application for the cleaner tests: Laravel's own session,
 * auth, cookie, hashing and encryption services on an in-memory configuration.
 */
final class TestApp
{
    /**
     * @param callable|null $atBoot runs before boot() returns, so what it resolves is
     *                              part of the booted state the cleaners restore
     */
    public static function boot(?callable $atBoot = null, array $config = []): Application
    {
        $app = new Application(sys_get_temp_dir() . '/laravels-test-app');
        $app->instance('config', new Repository(array_replace_recursive(self::config(), $config)));
        foreach (
            [
            \Illuminate\Auth\AuthServiceProvider::class,
            \Illuminate\Cookie\CookieServiceProvider::class,
            \Illuminate\Encryption\EncryptionServiceProvider::class,
            \Illuminate\Hashing\HashServiceProvider::class,
            \Illuminate\Session\SessionServiceProvider::class,
            ] as $provider
        ) {
            $app->register($provider);
        }
        $app->boot();
        Facade::clearResolvedInstances();
        Facade::setFacadeApplication($app);
        if ($atBoot !== null) {
            $atBoot($app);
        }

        return $app;
    }

    /** Binds a request as the HTTP kernel does at the start of a request. */
    public static function request(Application $app, string $uri = '/'): Request
    {
        $request = Request::create($uri);
        $app->instance('request', $request);
        Facade::clearResolvedInstance('request');

        return $request;
    }

    private static function config(): array
    {
        return [
            'app' => [
                'name' => 'Test',
                'env' => 'testing',
                'url' => 'http://localhost',
                'key' => 'base64:' . base64_encode(str_repeat('k', 32)),
                'cipher' => 'AES-256-CBC',
                'locale' => 'en',
            ],
            'auth' => [
                'defaults' => ['guard' => 'web'],
                'guards' => [
                    'web' => ['driver' => 'session', 'provider' => 'users'],
                    'custom' => ['driver' => 'custom', 'provider' => 'users'],
                ],
                'providers' => ['users' => ['driver' => 'eloquent', 'model' => 'App\User']],
            ],
            'hashing' => ['driver' => 'bcrypt'],
            'session' => [
                'driver' => 'array',
                'lifetime' => 120,
                'expire_on_close' => false,
                'encrypt' => false,
                'cookie' => 'test_session',
                'path' => '/',
                'domain' => null,
                'secure' => false,
                'http_only' => true,
                'same_site' => 'lax',
                'lottery' => [0, 100],
            ],
        ];
    }
}
