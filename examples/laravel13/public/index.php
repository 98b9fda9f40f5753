<?php

/*
 * The front controller for php-fpm and `php -S 127.0.0.1:8000 -t public` (the baselines
 * of the benchmarks). laravels-rs does not use it: its workers boot bootstrap/app.php.
 */

use Illuminate\Http\Request;

define('LARAVEL_START', microtime(true));

if (file_exists($maintenance = __DIR__.'/../storage/framework/maintenance.php')) {
    require $maintenance;
}

require __DIR__.'/../vendor/autoload.php';

/** @var Illuminate\Foundation\Application $app */
$app = require_once __DIR__.'/../bootstrap/app.php';

$app->handleRequest(Request::capture());
