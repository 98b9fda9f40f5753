<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;

/**
 * encore/laravel-admin: its Admin class collects a page's scripts, styles and boot
 * callbacks in static properties, so without a reset every page would carry all
 * previous pages' assets. Puts those properties back to their declared defaults and
 * forgets the Admin instance. Does nothing when the package is not installed.
 */
class LaravelAdminCleaner extends BaseCleaner
{
    private const ADMIN = 'Encore\Admin\Admin';

    /** The static properties a page fills (those present in the installed version are reset). */
    private const PAGE_STATE = [
        'script', 'deferredScript', 'style', 'css', 'js', 'html', 'headerJs',
        'manifest', 'manifestData', 'extensions', 'minifyIgnores',
        'metaTitle', 'favicon', 'bootingCallbacks', 'bootedCallbacks',
    ];

    /** @var bool */
    private $installed;
    /** @var array<string, array{0: \ReflectionProperty, 1: mixed}> name => [property, default] */
    private $properties = [];

    public function __construct(Container $currentApp, Container $snapshotApp)
    {
        parent::__construct($currentApp, $snapshotApp);
        $this->installed = class_exists(self::ADMIN);
        if (!$this->installed) {
            return;
        }
        // Some of these are protected and have no public reset, hence reflection.
        $class = new \ReflectionClass(self::ADMIN);
        $defaults = $class->getDefaultProperties();
        foreach (self::PAGE_STATE as $name) {
            if ($class->hasProperty($name) && $class->getProperty($name)->isStatic()) {
                $this->properties[$name] = [$class->getProperty($name), $defaults[$name] ?? null];
            }
        }
    }

    public function clean(): void
    {
        if (!$this->installed) {
            return;
        }
        foreach ($this->properties as [$property, $default]) {
            $property->setValue(null, $default);
        }
        $this->forgetResolved(self::ADMIN);
    }
}
