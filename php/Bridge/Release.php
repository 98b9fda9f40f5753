<?php

namespace LaravelS\Bridge;

use Composer\Autoload\ClassLoader;

/**
 * The release a booting process runs: where `laravel_base_path` (or the directory the
 * server was started from) points now, with that release's Composer autoloader.
 *
 * Every process is forked from the master, which started from the first release: it
 * inherits PHP's realpath cache (the `current` link still resolves to the release of
 * the start for realpath_cache_ttl) and the Composer loader the master registered, whose
 * paths are the first release's real paths (Composer's __DIR__ has the links resolved).
 * Booting release 2 through them runs release 1's classes, and fails once release 1 is
 * deleted. `enter()` resolves the link afresh and swaps the loader, so a reload after
 * `ln -sfn releases/2 current` boots release 2 from its real path, as nginx's
 * $realpath_root does for php-fpm.
 */
final class Release
{
    /**
     * Resolves $path (a link to a release, or the release itself) and makes the release's
     * vendor/ the one classes load from. Returns the release's real path.
     */
    public static function enter(string $path): string
    {
        // The cache was filled by the master, maybe before the link moved.
        clearstatcache(true);
        $real = realpath($path);
        if ($real === false) {
            return $path;
        }
        $vendor = $real . '/vendor';
        if (is_file($vendor . '/composer/autoload_psr4.php') && class_exists(ClassLoader::class, false)) {
            self::useVendor($vendor);
        }

        return $real;
    }

    /**
     * Replaces the Composer loaders of other vendor/ directories by one for $vendor, set
     * up from its autoload_*.php lists as Composer's own autoload_real.php does (which
     * cannot be required again: its class name is the same in every release of one
     * composer.lock). The autoload files already included (same package, same file id)
     * are not included again: their functions are declared.
     */
    private static function useVendor(string $vendor): void
    {
        $loaders = self::registeredLoaders();
        if (isset($loaders[$vendor])) {
            return;
        }
        foreach ($loaders as $loader) {
            $loader->unregister();
        }
        $composer = $vendor . '/composer';
        $loader = new ClassLoader($vendor);
        foreach (require $composer . '/autoload_namespaces.php' as $prefix => $paths) {
            $loader->set($prefix, $paths);
        }
        foreach (require $composer . '/autoload_psr4.php' as $prefix => $paths) {
            $loader->setPsr4($prefix, $paths);
        }
        $classMap = is_file($composer . '/autoload_classmap.php') ? require $composer . '/autoload_classmap.php' : [];
        if ($classMap !== []) {
            $loader->addClassMap($classMap);
        }
        $real = @file_get_contents($composer . '/autoload_real.php');
        if (is_string($real) && str_contains($real, 'setClassMapAuthoritative(true)')) {
            $loader->setClassMapAuthoritative(true);
        }
        $loader->register(true);
        $files = is_file($composer . '/autoload_files.php') ? require $composer . '/autoload_files.php' : [];
        foreach ($files as $id => $file) {
            if (empty($GLOBALS['__composer_autoload_files'][$id])) {
                $GLOBALS['__composer_autoload_files'][$id] = true;
                require $file;
            }
        }
    }

    /** @return array<string, ClassLoader> the registered Composer loaders by vendor dir */
    private static function registeredLoaders(): array
    {
        if (method_exists(ClassLoader::class, 'getRegisteredLoaders')) {
            return ClassLoader::getRegisteredLoaders();
        }
        // Composer 1 keeps no list: its loaders are found among the autoloaders.
        $loaders = [];
        foreach (spl_autoload_functions() ?: [] as $function) {
            if (is_array($function) && $function[0] instanceof ClassLoader) {
                $loaders[spl_object_hash($function[0])] = $function[0];
            }
        }

        return $loaders;
    }

    /**
     * The app's directory as $script (bin/laravels, as the command line named it) reaches
     * it, links kept: `php /srv/app/current/bin/laravels` or, from /srv/app/current (the
     * shell's $PWD), `php bin/laravels` give /srv/app/current. $real when that path does
     * not lead to $real.
     */
    public static function namedPath(string $script, string $real): string
    {
        $cwd = getcwd() ?: '/';
        $pwd = getenv('PWD');
        if (is_string($pwd) && str_starts_with($pwd, '/') && realpath($pwd) === $cwd) {
            $cwd = $pwd;
        }
        $path = str_starts_with($script, '/') ? $script : $cwd . '/' . $script;
        $parts = [];
        foreach (explode('/', $path) as $part) {
            if ($part === '..') {
                array_pop($parts);
            } elseif ($part !== '' && $part !== '.') {
                $parts[] = $part;
            }
        }
        $named = '/' . implode('/', array_slice($parts, 0, -2));

        return realpath($named) === $real ? $named : $real;
    }
}
