<?php

/*
 * Laravel Broadcasting. The `laravels` connection publishes through the laravels-rs
 * master (websocket.pusher in config/laravels.php), which pusher-js and Laravel Echo
 * connect to on /app/{key}; both files read the same PUSHER_APP_* values.
 */

return [

    'default' => env('BROADCAST_DRIVER', 'null'),

    'connections' => [

        'laravels' => [
            'driver' => 'laravels',
            'app_id' => env('PUSHER_APP_ID'),
            'key' => env('PUSHER_APP_KEY'),
            'secret' => env('PUSHER_APP_SECRET'),
        ],

        'log' => [
            'driver' => 'log',
        ],

        'null' => [
            'driver' => 'null',
        ],

    ],

];
