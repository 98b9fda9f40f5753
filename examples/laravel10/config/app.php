<?php

use Illuminate\Support\Facades\Facade;
use Illuminate\Support\ServiceProvider;

/*
 * The laravels-rs service provider is not listed here: Laravel discovers it from
 * vendor/composer/installed.json (its composer.json extra.laravel.providers).
 */

return [

    'name' => env('APP_NAME', 'Laravel'),

    'env' => env('APP_ENV', 'production'),

    'debug' => (bool) env('APP_DEBUG', false),

    'url' => env('APP_URL', 'http://localhost'),

    'asset_url' => env('ASSET_URL'),

    'timezone' => 'UTC',

    'locale' => 'en',

    'fallback_locale' => 'en',

    'faker_locale' => 'en_US',

    'key' => env('APP_KEY'),

    'cipher' => 'AES-256-CBC',

    // `php artisan down` writes storage/framework/down; every worker reads it per request.
    'maintenance' => [
        'driver' => 'file',
    ],

    // The framework's own providers (Laravel 10 lists them in one place), then the app's.
    'providers' => ServiceProvider::defaultProviders()->merge([
        App\Providers\AppServiceProvider::class,
        App\Providers\AuthServiceProvider::class,
        App\Providers\BroadcastServiceProvider::class,
        App\Providers\EventServiceProvider::class,
        App\Providers\RouteServiceProvider::class,
    ])->toArray(),

    'aliases' => Facade::defaultAliases()->merge([
        // 'Example' => App\Facades\Example::class,
    ])->toArray(),

];
