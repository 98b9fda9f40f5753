<?php

/*
 * The application's service providers. Laravel appends them to config('app.providers')
 * when it boots (Illuminate\Foundation\Bootstrap\RegisterProviders). The laravels-rs
 * provider is not listed: Laravel discovers it from vendor/composer/installed.json (its
 * composer.json extra.laravel.providers).
 */

return [
    App\Providers\AppServiceProvider::class,
    App\Providers\BroadcastServiceProvider::class,
];
