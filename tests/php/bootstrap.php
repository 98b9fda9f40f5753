<?php

// Debian's system-wide Laravel (8 on the host, 10 in the PHP 8.4 root), the package, and
// the tests' own classes.
require '/usr/share/php/Illuminate/autoload.php';
require __DIR__ . '/package-autoload.php';

spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'LaravelS\\Tests\\')) {
        $file = __DIR__ . '/' . strtr(substr($class, 15), '\\', '/') . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
