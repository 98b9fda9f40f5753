<?php

namespace LaravelS\Components\Prometheus;

use Illuminate\Support\ServiceProvider as BaseServiceProvider;

/**
 * The seed's step 4 (Hhxsv5\LaravelS\Components\Prometheus\ServiceProvider): the
 * `prometheus` config with its defaults, and the shared store, the middleware and the
 * exporter. The store itself is made by the master before the fork (each process here
 * finds it made); outside a server (artisan, tests) the first register() makes one.
 */
class ServiceProvider extends BaseServiceProvider
{
    public function register(): void
    {
        if ($this->app instanceof \Laravel\Lumen\Application) {
            $this->app->configure('prometheus');
        }
        $this->mergeConfigFrom(self::defaults(), 'prometheus');
        $config = (array) $this->app['config']->get('prometheus', []);
        $store = MetricStore::shared((int) ($config['max_series'] ?? 4096));
        $this->app->instance(MetricStore::class, $store);
        $this->app->singleton(Metrics::class, fn ($app) => new Metrics($store, (array) $app['config']->get('prometheus')));
        $this->app->singleton(RequestMiddleware::class, fn ($app) => new RequestMiddleware($app->make(Metrics::class)));
        $this->app->singleton(Exporter::class, fn ($app) => new Exporter($store, (array) $app['config']->get('prometheus')));
        // app(Exporter::class) in an app that imports LaravelS's names asks for those.
        $this->app->alias(Exporter::class, 'Hhxsv5\\LaravelS\\Components\\Prometheus\\Exporter');
        $this->app->alias(RequestMiddleware::class, 'Hhxsv5\\LaravelS\\Components\\Prometheus\\RequestMiddleware');
    }

    public function boot(): void
    {
        if (method_exists($this->app, 'configPath')) {
            $this->publishes([self::defaults() => $this->app->configPath('prometheus.php')], 'prometheus');
        }
    }

    private static function defaults(): string
    {
        return dirname(__DIR__, 3) . '/config/prometheus.php';
    }
}
