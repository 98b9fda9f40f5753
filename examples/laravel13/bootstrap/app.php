<?php

/*
 * Creates the application, Laravel 11+ style: no HTTP or console kernel of the app's own;
 * routing, middleware and exception handling are configured here. Shared by
 * public/index.php (php-fpm, `php -S`), artisan and the laravels-rs workers, which boot
 * it once and serve many requests with it.
 */

use App\Http\Middleware\RecordsTermination;
use Illuminate\Foundation\Application;
use Illuminate\Foundation\Bootstrap\LoadConfiguration;
use Illuminate\Foundation\Configuration\Exceptions;
use Illuminate\Foundation\Configuration\Middleware;

$app = Application::configure(basePath: $_ENV['APP_BASE_PATH'] ?? dirname(__DIR__))
    ->withRouting(
        web: __DIR__.'/../routes/web.php',
        api: __DIR__.'/../routes/api.php',
        commands: __DIR__.'/../routes/console.php',
        health: '/up',
    )
    ->withMiddleware(function (Middleware $middleware): void {
        // The framework's global stack and `web`/`api` groups, as a Laravel 13 app has
        // them (no `throttle:api`: /api/hello is the benchmark route, and a rate limit
        // would turn the measurement into a count of 429s). No proxy is trusted, so
        // $request->ip() and isSecure() reflect the direct peer, as the tests expect.
        $middleware->encryptCookies(except: [
            // GET /cookies sets `plain` to show a clear cookie beside an encrypted one.
            'plain',
        ]);
        $middleware->preventRequestForgery(except: [
            // The routes the end-to-end tests POST to without a form token.
            'echo',
            'upload',
        ]);
        $middleware->alias([
            'records.termination' => RecordsTermination::class,
        ]);
    })
    ->withExceptions(function (Exceptions $exceptions): void {
        // The stock reporting (storage/logs/laravel.log) is what the tests look for.
    })
    ->create();

/*
 * Laravel 11+ loads its own config/ directory (next to src/ in laravel/framework) under
 * the application's, so an app needs to carry only the files and keys it changes. Debian's
 * php-laravel-framework installs the framework under /usr/share/php/Illuminate and its
 * config files in /usr/share/php/Illuminate/config, but LoadConfiguration still looks
 * four levels above itself (/usr/share/config): booting fails with "The
 * .../config directory does not exist". Where that directory is missing, this app does
 * without the framework's configuration and carries every file it needs (config/app.php
 * then lists the default providers and aliases itself). With a Composer-installed
 * framework the directory is there and the configuration is merged as usual.
 */
// The directory LoadConfiguration reads: four levels above its own (src/Illuminate/Foundation/Bootstrap).
$frameworkConfig = dirname((new ReflectionClass(LoadConfiguration::class))->getFileName(), 5).'/config';
if (! is_dir($frameworkConfig)) {
    $app->dontMergeFrameworkConfiguration();
}

return $app;
