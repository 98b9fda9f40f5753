<?php

namespace LaravelS;

use Illuminate\Support\ServiceProvider as BaseServiceProvider;
use LaravelS\Broadcasting\LaravelsBroadcaster;
use LaravelS\Concurrency\LaravelsDriver;
use LaravelS\Console\Commands\LaravelSCommand;

/**
 * The package's service provider, discovered by Laravel (composer.json extra.laravel)
 * and registered by hand in Lumen. Also known as
 * Hhxsv5\LaravelS\Illuminate\LaravelSServiceProvider, so existing registrations work.
 */
class ServiceProvider extends BaseServiceProvider
{
    public function register(): void
    {
        // Lumen reads a config file only when asked. The application's own file goes
        // first; the package defaults then fill in the keys it does not set. (Not
        // method_exists(): Laravel 11+ has a static Application::configure(), which would
        // make a new application.)
        if ($this->app instanceof \Laravel\Lumen\Application) {
            $this->app->configure('laravels');
        }
        $this->mergeConfigFrom(self::packagePath('config/laravels.php'), 'laravels');
        $this->commands([LaravelSCommand::class]);
        // BROADCAST_DRIVER / BROADCAST_CONNECTION=laravels: events go to the master's Pusher
        // channels (websocket.pusher) without an HTTP call.
        $this->app->afterResolving(\Illuminate\Broadcasting\BroadcastManager::class, function ($manager): void {
            $manager->extend('laravels', fn ($app, array $config) => LaravelsBroadcaster::fromConfig($config));
        });
        // Laravel 11+: the Concurrency facade's 'laravels' driver runs on the task workers.
        if (class_exists(\Illuminate\Concurrency\ConcurrencyManager::class)) {
            $this->app->afterResolving(\Illuminate\Concurrency\ConcurrencyManager::class, function ($manager): void {
                $manager->extend('laravels', fn ($app, array $config) => new LaravelsDriver((float) ($config['timeout'] ?? 60)));
            });
        }
    }

    public function boot(): void
    {
        if (!$this->app->runningInConsole()) {
            return;
        }
        // For `php artisan vendor:publish --tag=laravels`; `php artisan laravels publish`
        // does the same, on Lumen too.
        $this->publishes([
            self::packagePath('config/laravels.php') => $this->app->configPath('laravels.php'),
            self::packagePath('bin/laravels') => $this->app->basePath('bin/laravels'),
        ], 'laravels');
    }

    /** A path inside this package. */
    public static function packagePath(string $path): string
    {
        return dirname(__DIR__) . '/' . $path;
    }
}
