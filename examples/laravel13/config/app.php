<?php

use Illuminate\Support\Facades\Facade;
use Illuminate\Support\ServiceProvider;

/*
 * The whole application configuration: this app may run without the framework's own
 * config/ merged underneath (see bootstrap/app.php), so the keys Laravel 11+ would take
 * from there are set here, the provider and alias lists included.
 */

return [

    'name' => env('APP_NAME', 'Laravel'),

    'env' => env('APP_ENV', 'production'),

    'debug' => (bool) env('APP_DEBUG', false),

    'url' => env('APP_URL', 'http://localhost'),

    'asset_url' => env('ASSET_URL'),

    'timezone' => 'UTC',

    'locale' => env('APP_LOCALE', 'en'),

    'fallback_locale' => env('APP_FALLBACK_LOCALE', 'en'),

    'faker_locale' => env('APP_FAKER_LOCALE', 'en_US'),

    'cipher' => 'AES-256-CBC',

    'key' => env('APP_KEY'),

    'previous_keys' => array_filter(explode(',', (string) env('APP_PREVIOUS_KEYS', ''))),

    'maintenance' => [
        'driver' => env('APP_MAINTENANCE_DRIVER', 'file'),
        'store' => env('APP_MAINTENANCE_STORE', 'database'),
    ],

    // The framework's providers. The application's own are in bootstrap/providers.php,
    // which Laravel appends to this list; the laravels-rs provider is discovered from
    // vendor/composer/installed.json (its composer.json extra.laravel.providers).
    'providers' => ServiceProvider::defaultProviders()->toArray(),

    'aliases' => Facade::defaultAliases()->toArray(),

];
