<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;
use LaravelS\Config\CleanerConfig;
use LaravelS\Contracts\Cleaner;

/**
 * Resets a worker's application between requests, so nothing one request leaves behind
 * reaches the next. Built once per worker, right after the application booted: it takes
 * the snapshot that "booted state" means, and checks the configured classes then, so a
 * wrong class name stops the worker at boot instead of failing every request.
 *
 * Per request, the gateway calls cleanProviders() before the kernel, then
 * destroyControllers() and cleanAfterRequest() after the response; before anything
 * else it runs in the worker (a task, an event), settle(). See ContainerCleaner.
 */
final class CleanerManager
{
    /** Always run, first and in this order; the configured `cleaners` run after them. */
    private const ALWAYS = [
        ContainerCleaner::class,
        ConfigCleaner::class,
        CookieCleaner::class,
        RequestCleaner::class,
    ];

    /** @var Cleaner[] */
    private $cleaners = [];
    /** @var ProviderRefresher */
    private $providers;
    /** @var ControllerDestroyer */
    private $controllers;

    /**
     * @param Container $app the booted application
     * @param CleanerConfig $config `cleaners`, `register_providers`, `destroy_controllers`
     * @throws \InvalidArgumentException for a 'cleaners' or 'register_providers' class that
     *         is missing or of the wrong kind, naming the key and the fix
     */
    public function __construct(Container $app, CleanerConfig $config)
    {
        $classes = self::cleanerClasses($config->cleaners);
        $this->providers = new ProviderRefresher($app, $config->registerProviders);
        $this->controllers = new ControllerDestroyer($app, $config->destroyControllers, $config->keptControllers);
        $snapshot = self::snapshot($app);
        foreach ($classes as $class) {
            $this->cleaners[] = new $class($app, $snapshot);
        }
    }

    /**
     * Runs every cleaner. One that throws does not stop the others (the rest of the
     * state still gets reset); the first error is rethrown afterwards, and the caller
     * should then retire the worker, whose state can no longer be trusted.
     */
    public function clean(): void
    {
        $this->runCleaners(false);
    }

    /**
     * clean() after an HTTP request, leaving the 'request' rebinding callbacks to the next
     * request's kernel or to settle().
     */
    public function cleanAfterRequest(): void
    {
        $this->runCleaners(true);
    }

    /** Completes a cleanAfterRequest() before the worker runs anything but a request. */
    public function settle(): void
    {
        foreach ($this->cleaners as $cleaner) {
            if ($cleaner instanceof ContainerCleaner) {
                $cleaner->settle();
            }
        }
    }

    private function runCleaners(bool $afterRequest): void
    {
        $error = null;
        foreach ($this->cleaners as $cleaner) {
            try {
                if ($afterRequest && $cleaner instanceof ContainerCleaner) {
                    $cleaner->cleanAfterRequest();
                } else {
                    $cleaner->clean();
                }
            } catch (\Throwable $e) {
                $error = $error ?? $e;
            }
        }
        if ($error !== null) {
            throw $error;
        }
    }

    /** Whether cleanProviders() has anything to do: 'register_providers' is not empty. */
    public function refreshesProviders(): bool
    {
        return !$this->providers->isEmpty();
    }

    /** Registers and boots the 'register_providers' again, for the coming request. */
    public function cleanProviders(): void
    {
        if ($this->providers->isEmpty()) {
            return;
        }
        $this->settle();
        $this->providers->refresh();
    }

    /** Per 'destroy_controllers': drops the controller instance the current route kept. */
    public function destroyControllers(): void
    {
        $this->controllers->destroy();
    }

    /**
     * The always-on cleaners, then the configured ones in order, each class once (a
     * Hhxsv5\ name and the class it stands for are the same cleaner). A listed
     * RequestInstancesCleaner takes ContainerCleaner's place.
     *
     * @param list<string> $configured
     * @return class-string<Cleaner>[]
     */
    private static function cleanerClasses(array $configured): array
    {
        $classes = self::ALWAYS;
        foreach ($configured as $class) {
            $class = self::cleanerClass($class);
            if ($class === RequestInstancesCleaner::class) {
                // It replaces the container cleaner, which must run first.
                $classes[0] = $class;
                continue;
            }
            $classes[] = $class;
        }

        return array_values(array_unique($classes));
    }

    private static function cleanerClass(string $class): string
    {
        if (!class_exists($class)) {
            throw new \InvalidArgumentException(sprintf(
                "laravels.cleaners: class %s does not exist. Fix: correct or remove it in 'cleaners' in config/laravels.php"
                . " (after adding a class, run composer dump-autoload)",
                $class
            ));
        }
        $reflection = new \ReflectionClass($class);
        if (!$reflection->implementsInterface(Cleaner::class) || !$reflection->isInstantiable()) {
            throw new \InvalidArgumentException(sprintf(
                "laravels.cleaners: %s is not a cleaner. Fix: make it a concrete class implementing %s"
                . " (or Hhxsv5\\LaravelS\\Illuminate\\Cleaners\\CleanerInterface), e.g. by extending %s",
                $class,
                Cleaner::class,
                BaseCleaner::class
            ));
        }

        return $reflection->getName();
    }

    /**
     * A copy of the container as booted. Its bindings and instance lists are arrays, so
     * the copy keeps them as they are now; its 'config' is copied too, because the live
     * repository is changed in place. Other objects are shared with the live app.
     */
    private static function snapshot(Container $app): Container
    {
        $snapshot = clone $app;
        $instances = ContainerState::get($snapshot, 'instances');
        if (isset($instances['config'])) {
            $instances['config'] = clone $instances['config'];
            ContainerState::set($snapshot, 'instances', $instances);
        }

        return $snapshot;
    }
}
