<?php

/*
 * Creates the application. Shared by public/index.php (php-fpm, `php -S`), artisan and
 * the laravels-rs workers, which boot it once and serve many requests with it.
 */

// Composer's autoloader also loads Debian's system-wide Lumen (see composer.json "files").
require_once __DIR__.'/../vendor/autoload.php';

(new Laravel\Lumen\Bootstrap\LoadEnvironmentVariables(
    dirname(__DIR__)
))->bootstrap();

date_default_timezone_set(env('APP_TIMEZONE', 'UTC'));

$app = new Laravel\Lumen\Application(
    dirname(__DIR__)
);

$app->singleton(
    Illuminate\Contracts\Debug\ExceptionHandler::class,
    App\Exceptions\Handler::class
);

$app->singleton(
    Illuminate\Contracts\Console\Kernel::class,
    App\Console\Kernel::class
);

// Debian's Lumen ships no default config/ of its own: these come from this app's config/.
$app->configure('app');
$app->configure('logging');

// Lumen has no package discovery: LaravelS's provider is registered by hand.
$app->register(Hhxsv5\LaravelS\Illuminate\LaravelSServiceProvider::class);

$app->router->group([
    'namespace' => 'App\Http\Controllers',
], function ($router) {
    require __DIR__.'/../routes/web.php';
});

return $app;
