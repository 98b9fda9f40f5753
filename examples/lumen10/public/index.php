<?php

/*
 * The front controller for php-fpm and `php -S 127.0.0.1:8000 -t public`. laravels-rs
 * does not use it: its workers boot bootstrap/app.php.
 */

$app = require __DIR__.'/../bootstrap/app.php';

$app->run();
