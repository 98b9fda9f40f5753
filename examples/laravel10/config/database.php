<?php

return [

    'default' => env('DB_CONNECTION', 'sqlite'),

    'connections' => [

        // The users of GET /login/{id}. DB_DATABASE may name another file; by default the
        // one scripts/prepare-example.sh creates.
        'sqlite' => [
            'driver' => 'sqlite',
            'url' => env('DATABASE_URL'),
            'database' => env('DB_DATABASE', database_path('database.sqlite')),
            'prefix' => '',
            'foreign_key_constraints' => env('DB_FOREIGN_KEYS', true),
        ],

        // MariaDB/MySQL, used when DB_CONNECTION=mysql (tests/e2e/test_databases.py starts
        // a real server). DB_PERSISTENT=true is the README's persistent-connection advice:
        // the worker keeps its PDO connection across requests and PHP reuses it.
        'mysql' => [
            'driver' => 'mysql',
            'host' => env('DB_HOST', '127.0.0.1'),
            'port' => env('DB_PORT', '3306'),
            'database' => env('DB_DATABASE', 'laravels'),
            'username' => env('DB_USERNAME', 'laravels'),
            'password' => env('DB_PASSWORD', ''),
            'charset' => 'utf8mb4',
            'collation' => 'utf8mb4_unicode_ci',
            'prefix' => '',
            'strict' => true,
            'options' => extension_loaded('pdo_mysql') ? [
                PDO::ATTR_PERSISTENT => filter_var(env('DB_PERSISTENT', false), FILTER_VALIDATE_BOOLEAN),
            ] : [],
        ],

    ],

    'migrations' => 'migrations',

    // Used by timer.global_lock (one timer across several servers) and GET /api/redis/{key}.
    'redis' => [
        'client' => env('REDIS_CLIENT', 'phpredis'),
        'default' => [
            'host' => env('REDIS_HOST', '127.0.0.1'),
            'port' => env('REDIS_PORT', 6379),
            'password' => env('REDIS_PASSWORD'),
            'database' => 0,
            // phpredis's persistent connection (the README's advice): one per worker.
            'persistent' => filter_var(env('REDIS_PERSISTENT', false), FILTER_VALIDATE_BOOLEAN),
        ],
    ],
];
