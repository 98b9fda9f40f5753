<?php

/*
 * Cross-origin requests (Laravel 10's HandleCors, a global middleware): answered for the
 * API only. Browsers send Origin; the end-to-end tests do not, so nothing here shows.
 */

return [

    'paths' => ['api/*'],

    'allowed_methods' => ['*'],

    'allowed_origins' => ['*'],

    'allowed_origins_patterns' => [],

    'allowed_headers' => ['*'],

    'exposed_headers' => [],

    'max_age' => 0,

    'supports_credentials' => false,

];
