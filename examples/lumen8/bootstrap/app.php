<?php

/*
 * Creates the application. Shared by public/index.php (php-fpm, `php -S`), artisan and
 * the laravels-rs workers, which boot it once and serve many requests with it.
 */

// Composer's autoloader also loads Debian's system-wide Lumen (see composer.json "files").
require_once __DIR__.'/../vendor/autoload.php';

// `bin/laravels start --env=staging` sets APP_ENV; as Laravel does, .env.staging is then
// read instead of .env (when it exists).
$environment = $_SERVER['APP_ENV'] ?? $_ENV['APP_ENV'] ?? (getenv('APP_ENV') ?: null);
(new Laravel\Lumen\Bootstrap\LoadEnvironmentVariables(
    dirname(__DIR__),
    $environment !== null && is_file(dirname(__DIR__).'/.env.'.$environment) ? '.env.'.$environment : null
))->bootstrap();

date_default_timezone_set(env('APP_TIMEZONE', 'UTC'));

$app = new Laravel\Lumen\Application(
    dirname(__DIR__)
);

// Facades (Log, DB, ...) and Eloquent (App\Models\User travels in a task).
$app->withFacades();
$app->withEloquent();

$app->singleton(
    Illuminate\Contracts\Debug\ExceptionHandler::class,
    App\Exceptions\Handler::class
);

$app->singleton(
    Illuminate\Contracts\Console\Kernel::class,
    App\Console\Kernel::class
);

// Debian's Lumen ships no default config/ of its own: these come from this app's config/
// (filesystems and view are read when first used; database here, for Redis too).
$app->configure('app');
$app->configure('logging');
$app->configure('database');

$app->register(App\Providers\AppServiceProvider::class);
// app('redis'), for timer.global_lock: illuminate/redis, as Lumen's documentation adds it.
$app->register(Illuminate\Redis\RedisServiceProvider::class);
$app->register(App\Providers\EventServiceProvider::class);
// Lumen has no package discovery: LaravelS's provider is registered by hand.
$app->register(Hhxsv5\LaravelS\Illuminate\LaravelSServiceProvider::class);

$app->router->group([
    'namespace' => 'App\Http\Controllers',
], function ($router) {
    require __DIR__.'/../routes/web.php';
});

return $app;
