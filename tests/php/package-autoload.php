<?php

/*
 * The package's autoloading without Composer (vendor/autoload.php may not exist here):
 * PSR-4 LaravelS\ => php/, and composer.json's "files". Used by the PHPUnit bootstrap
 * and by the throwaway applications the command tests create.
 */

spl_autoload_register(static function (string $class): void {
    if (!str_starts_with($class, 'LaravelS\\')) {
        return;
    }
    $file = dirname(__DIR__, 2) . '/php/' . strtr(substr($class, 9), '\\', '/') . '.php';
    if (is_file($file)) {
        require $file;
    }
});

require dirname(__DIR__, 2) . '/php/Compat/aliases.php';
