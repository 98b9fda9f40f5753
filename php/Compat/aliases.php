<?php

/*
 * Loaded by Composer ("autoload.files") in every process that uses the package: defines
 * Swoole's constants and registers the autoloader for the Hhxsv5\LaravelS\... and
 * Swoole\... names. Required directly, so it works before or without PSR-4 loading.
 */

require_once __DIR__ . '/constants.php';
require_once __DIR__ . '/AliasMap.php';
require_once __DIR__ . '/AliasLoader.php';

LaravelS\Compat\AliasLoader::register();
if (!extension_loaded('swoole')) {
    require_once __DIR__ . '/functions.php';
}
