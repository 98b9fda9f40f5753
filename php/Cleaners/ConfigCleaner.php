<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;

/**
 * Puts the configuration back to what the application booted with, undoing config([...])
 * calls made during a request. The repository is changed in place, because services
 * keep a reference to it.
 *
 * A top-level key the request added is set to null (the repository cannot remove one),
 * except when the request also loaded a service provider or a config file: Laravel's
 * deferred providers merge their defaults, and Lumen reads config files, on the first use
 * of a service, and register that service only once. Keys added then become part of the
 * booted configuration for the rest of the worker's life.
 */
class ConfigCleaner extends BaseCleaner
{
    /** @var array */
    private $bootItems;
    /** @var int service providers and (Lumen) config files the app had loaded */
    private $loaded;
    /** @var \Closure|null */
    private $countLoaded;
    /** @var \Illuminate\Contracts\Config\Repository the live repository, as booted */
    private $repository;

    public function __construct(Container $currentApp, Container $snapshotApp)
    {
        parent::__construct($currentApp, $snapshotApp);
        $this->bootItems = $snapshotApp->make('config')->all();
        // The Container cleaner, which runs first, puts the booted repository back if a
        // request replaced it: it is the one to restore, without a make() per request.
        $this->repository = $currentApp->make('config');
        $this->loaded = $this->loadedCount();
    }

    public function clean(): void
    {
        $this->restoreLocale();
        $config = $this->repository;
        // Most requests change nothing: the repository then still holds the very array
        // kept below, and this comparison is a pointer check.
        $loaded = $this->loadedCount();
        if ($config->all() === $this->bootItems) {
            $this->loaded = $loaded;

            return;
        }
        // Top-level keys: each is replaced whole, nested changes included.
        $config->set($this->bootItems);
        $adopt = $loaded !== $this->loaded;
        $this->loaded = $loaded;
        foreach (array_diff_key($config->all(), $this->bootItems) as $key => $value) {
            $this->bootItems[$key] = $adopt ? $value : null;
            if (!$adopt) {
                $config->set($key, null);
            }
        }
        // Share the repository's array from now on (copy-on-write keeps it intact).
        $this->bootItems = $config->all();
    }

    /**
     * A resident translator keeps the locale a request set (app()->setLocale('fr')): it
     * goes back to the booted one, as the config's 'app.locale' does.
     */
    private function restoreLocale(): void
    {
        $app = $this->currentApp;
        $locale = $this->bootItems['app']['locale'] ?? null;
        if (!is_string($locale) || !$app->resolved('translator')) {
            return;
        }
        $translator = $app->make('translator');
        if (method_exists($translator, 'getLocale') && $translator->getLocale() !== $locale) {
            $translator->setLocale($locale);
        }
    }

    /** Read from the app's bookkeeping: Lumen has no public accessor for either list. */
    private function loadedCount(): int
    {
        return ($this->countLoaded ??= $this->loadedCounter())();
    }

    /**
     * One closure bound to the application's class that counts its loaded providers and
     * (Lumen) configuration files: built once, as this runs after every request.
     */
    private function loadedCounter(): \Closure
    {
        $app = $this->currentApp;
        $providers = ContainerState::has($app, 'loadedProviders');
        $configurations = ContainerState::has($app, 'loadedConfigurations');

        return \Closure::bind(
            fn (): int => ($providers ? count($this->loadedProviders) : 0) + ($configurations ? count($this->loadedConfigurations) : 0),
            $app,
            get_class($app)
        );
    }
}
