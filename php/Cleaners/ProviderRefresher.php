<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;
use Illuminate\Support\ServiceProvider;

/**
 * `register_providers`: service providers registered and booted again
 * before each request, so the singletons they bind are rebuilt for every request.
 *
 * A fresh provider instance is registered and booted directly instead of through
 * $app->register($class, true): Laravel's register() records every instance it is
 * given (one more per request, for the life of the worker), and Lumen's refuses a
 * provider it has already loaded.
 */
final class ProviderRefresher
{
    /** @var Container */
    private $app;
    /** @var class-string<ServiceProvider>[] */
    private $providers = [];

    /**
     * @param list<string> $providers class names (a list of strings: checked by the extension)
     * @throws \InvalidArgumentException for an entry that is not a service provider
     */
    public function __construct(Container $app, array $providers)
    {
        $this->app = $app;
        foreach ($providers as $class) {
            // As in LaravelS, a class that does not exist is skipped: the list may name
            // providers of packages installed in some environments only (require-dev).
            if (!class_exists($class)) {
                continue;
            }
            if (!is_subclass_of($class, ServiceProvider::class)) {
                throw new \InvalidArgumentException(sprintf(
                    "laravels.register_providers: %s is not a service provider. Fix: list only subclasses of %s in 'register_providers' in config/laravels.php",
                    $class,
                    ServiceProvider::class
                ));
            }
            $this->providers[] = $class;
        }
        $this->providers = array_values(array_unique($this->providers));
    }

    public function isEmpty(): bool
    {
        return $this->providers === [];
    }

    public function refresh(): void
    {
        foreach ($this->providers as $class) {
            $provider = new $class($this->app);
            $provider->register();
            // Laravel's $bindings / $singletons provider properties, as register() applies them.
            foreach (['bindings' => 'bind', 'singletons' => 'singleton'] as $property => $method) {
                if (property_exists($provider, $property)) {
                    foreach ($provider->{$property} as $abstract => $concrete) {
                        $this->app->{$method}($abstract, $concrete);
                    }
                }
            }
            $this->boot($provider);
        }
    }

    /** What the application does to boot a provider (booting callbacks exist on Laravel only). */
    private function boot(ServiceProvider $provider): void
    {
        if (method_exists($provider, 'callBootingCallbacks')) {
            $provider->callBootingCallbacks();
        }
        if (method_exists($provider, 'boot')) {
            $this->app->call([$provider, 'boot']);
        }
        if (method_exists($provider, 'callBootedCallbacks')) {
            $provider->callBootedCallbacks();
        }
    }
}
