<?php

namespace LaravelS\Compat;

/**
 * An autoloader that answers for compatibility names (AliasMap) with class_alias, on
 * first use: nothing is loaded for names an application never mentions, except the few
 * Swoole\ names of objects handed to user code, which are aliased at once.
 */
final class AliasLoader
{
    /** @var bool */
    private static $registered = false;

    /** @var array<string, string> lower-cased name => our class (PHP class names ignore case) */
    private $map = [];

    public function __construct(array $map)
    {
        foreach ($map as $name => $target) {
            $this->map[strtolower($name)] = $target;
        }
    }

    /**
     * Registers the loader for this process once, however often the package is loaded,
     * and makes the eager aliases (see AliasMap::eager()). Needs the PSR-4 loader for
     * LaravelS\ registered first, as Composer does before it loads "files".
     */
    public static function register(): void
    {
        if (self::$registered) {
            return;
        }
        self::$registered = true;
        $swooleLoaded = extension_loaded('swoole');
        $loader = new self(AliasMap::forProcess($swooleLoaded));
        spl_autoload_register([$loader, 'load']);
        foreach (AliasMap::eager($swooleLoaded) as $name) {
            $loader->load($name);
        }
    }

    public function load(string $name): void
    {
        $target = $this->map[strtolower($name)] ?? null;
        if ($target === null) {
            return;
        }
        // class_exists() autoloads the target; an interface is declared by that same
        // load. A target that is not written yet leaves the name unknown, as it was.
        if (class_exists($target) || interface_exists($target, false)) {
            // Before PHP 8.3 class_alias() refuses the extension's classes (Swoole\Table
            // is LaravelS\Runtime\Table); the extension then makes the alias itself.
            if (PHP_VERSION_ID < 80300 && function_exists('LaravelS\Runtime\alias_class') && (new \ReflectionClass($target))->isInternal()) {
                \LaravelS\Runtime\alias_class($target, $name);
            } else {
                class_alias($target, $name);
            }
        }
    }
}
