<?php

return [

    'default' => env('DB_CONNECTION', 'sqlite'),

    'connections' => [

        // The users a task can carry (GET /task/{id}?user=2). DB_DATABASE may name another
        // file; by default the one scripts/prepare-example.sh creates.
        'sqlite' => [
            'driver' => 'sqlite',
            'url' => env('DATABASE_URL'),
            'database' => env('DB_DATABASE', database_path('database.sqlite')),
            'prefix' => '',
            'foreign_key_constraints' => env('DB_FOREIGN_KEYS', true),
        ],

    ],

    'migrations' => 'migrations',

    // Used by timer.global_lock (one timer across several servers).
    'redis' => [
        'client' => env('REDIS_CLIENT', 'phpredis'),
        'default' => [
            'host' => env('REDIS_HOST', '127.0.0.1'),
            'port' => env('REDIS_PORT', 6379),
            'password' => env('REDIS_PASSWORD'),
            'database' => 0,
        ],
    ],
];
