<?php

/*
 * The Prometheus component (LaravelS's 常用组件 / Prometheus). Copy this file to your app's
 * config/ (Lumen: also $app->configure('prometheus') in bootstrap/app.php). The metrics are
 * kept in the server's shared memory, so APCu is not needed; LaravelS's apcu_* keys are
 * accepted and ignored.
 */
return [
    // The `application` label of every metric.
    'application' => env('APP_NAME', 'Laravel'),

    // Seconds between two collections of the server's and the system's figures by the
    // CollectorProcess (workers report their own memory and GC after their requests).
    'collect_metrics_interval' => env('PROMETHEUS_COLLECT_METRICS_INTERVAL', 10),

    // Requests answered with these status codes are not counted. Default "400,404,405".
    'ignored_http_codes' => array_flip(explode(',', env('PROMETHEUS_IGNORED_HTTP_CODES', '400,404,405'))),

    // How many series (a metric with one set of label values) the shared memory holds. A
    // series past it is not recorded, and the log says so once per process.
    'max_series' => env('PROMETHEUS_MAX_SERIES', 4096),
];
