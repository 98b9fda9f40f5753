<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

/**
 * Which classes, properties, bindings and config keys the leak detector looks at. The
 * framework's own state is left out: Laravel, Lumen, Symfony and this package reset it
 * themselves (the cleaners, Laravel's rebinding callbacks and scoped instances), and its
 * caches (Str's, the facades') are meant to grow. What is left is the app's code and the
 * vendor packages built on the framework, which is where leaks come from. `ignore`
 * (`leak_detector.ignore`) removes more: a class name, `Class::$property`, a container
 * binding, or `config:` followed by a config key prefix.
 */
final class OffenderFilter
{
    /** Namespaces whose classes' state the framework or this package manages. */
    public const FRAMEWORK = [
        'Illuminate\\',
        'Laravel\\Lumen\\',
        'Symfony\\',
        'LaravelS\\',
        'Hhxsv5\\LaravelS\\',
        'Swoole\\',
        'Composer\\',
        'Monolog\\',
        'Carbon\\',
        'Psr\\',
        'Doctrine\\Inflector\\',
        'League\\CommonMark\\',
        'PHPUnit\\',
        'SebastianBergmann\\',
    ];

    /** @var array<string, true> */
    private array $exact = [];
    /** @var list<string> */
    private array $configPrefixes = [];

    /** @param list<string> $ignore `leak_detector.ignore` */
    public function __construct(array $ignore)
    {
        foreach ($ignore as $entry) {
            if (str_starts_with($entry, 'config:')) {
                $this->configPrefixes[] = substr($entry, 7);
            } else {
                $this->exact[ltrim($entry, '\\')] = true;
            }
        }
    }

    /** Whether a class's state is looked at: not the framework's, not ignored. */
    public function watchesClass(string $class): bool
    {
        if (isset($this->exact[$class]) || str_contains($class, '@anonymous')) {
            return false;
        }
        foreach (self::FRAMEWORK as $prefix) {
            if (str_starts_with($class, $prefix)) {
                return false;
            }
        }

        return true;
    }

    /** Whether a static property (`Class::$name`) or a binding is looked at. */
    public function watches(string $name): bool
    {
        return !isset($this->exact[$name]);
    }

    /** Whether a changed config key is reported. */
    public function watchesConfig(string $key): bool
    {
        foreach ($this->configPrefixes as $prefix) {
            if ($key === $prefix || str_starts_with($key, $prefix . '.')) {
                return false;
            }
        }

        return true;
    }
}
