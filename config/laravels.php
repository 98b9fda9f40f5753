<?php

/*
 * laravels-rs settings. The keys, defaults and LARAVELS_* variables are LaravelS's, so a
 * config/laravels.php written for LaravelS keeps working; settings this runtime adds are
 * marked "laravels-rs". Run `php artisan laravels publish` to copy this file into
 * config/. A wrong value stops `php bin/laravels start` with a message naming the key.
 */

return [
    // Address to listen on: '127.0.0.1' or '::1' for this machine only, '0.0.0.0' or
    // '::' for every interface. With a unix socket_type, the socket file's path.
    'listen_ip' => env('LARAVELS_LISTEN_IP', '127.0.0.1'),

    // Port to listen on (below 1024 needs root).
    'listen_port' => env('LARAVELS_LISTEN_PORT', 5200),

    // SWOOLE_SOCK_TCP (IPv4), SWOOLE_SOCK_TCP6 (IPv6) or SWOOLE_SOCK_UNIX_STREAM (a unix
    // socket at listen_ip, e.g. behind Nginx). The constants are defined without Swoole.
    // `| SWOOLE_SSL` serves HTTPS with swoole.ssl_cert_file and swoole.ssl_key_file.
    'socket_type' => SWOOLE_SOCK_TCP,

    // Value of the Server response header; '' sends none.
    'server' => env('LARAVELS_SERVER', ''),

    // Who serves the main port: 'master' (its reactor hands each request to an idle worker)
    // or 'worker' (each HTTP worker accepts and speaks HTTP itself, like Swoole's
    // SWOOLE_BASE: less CPU per request; WebSocket, sockets, dispatch_mode and metrics
    // are not available in it yet).
    'serving_mode' => env('LARAVELS_SERVING_MODE', 'master'),

    // Serve files under swoole.document_root directly, without PHP. A reverse proxy
    // such as Nginx usually does this better in production.
    'handle_static' => env('LARAVELS_HANDLE_STATIC', false),

    // The application's root; set it when the app is reached through a symbolic link.
    'laravel_base_path' => env('LARAVEL_BASE_PATH', base_path()),

    // Reload every process when code changes (development only): the server watches
    // watch_path and everything below it with inotify; a burst of changes (a git checkout)
    // is one reload, 200 ms after the last change.
    'inotify_reload' => [
        'enable' => env('LARAVELS_INOTIFY_RELOAD', false),
        'watch_path' => base_path(),
        'file_types' => ['.php'],
        // Directories not watched, such as [base_path('vendor')] (relative ones are under watch_path).
        'excluded_dirs' => [],
        // Log each reload with the file that triggered it.
        'log' => true,
        // Scan modification times every N ms instead of using inotify, for a directory mounted
        // from a host where inotify sees no change; 0: inotify.
        'poll_ms' => env('LARAVELS_INOTIFY_POLL_MS', 0),
    ],

    // Server event handlers: 'ServerStart' => [Handler::class, ...], likewise ServerStop,
    // WorkerStart, WorkerStop and WorkerError. Handlers implement the interfaces in
    // LaravelS\Contracts\Events (or their Hhxsv5\LaravelS\Swoole\Events\* names).
    'event_handlers' => [],

    // A WebSocket server on the HTTP address and port.
    // Idle connections are closed after swoole.heartbeat_idle_time (or twice
    // heartbeat_check_interval); swoole.package_max_length bounds a message (close 1009).
    'websocket' => [
        'enable' => false,
        // 'handler' => App\Services\WebSocketService::class,
        // Several instances behind a load balancer: pushes to another instance's $fd,
        // pushAll() and pushToUid() go through this Redis. Empty redis: off.
        'cluster' => [
            'redis'  => env('LARAVELS_WS_CLUSTER_REDIS', ''),
            'node'   => env('LARAVELS_WS_CLUSTER_NODE'),
            'prefix' => env('LARAVELS_WS_CLUSTER_PREFIX', 'laravels'),
        ],

        // Laravel Broadcasting and Laravel Echo without a Pusher account or another server:
        // the master speaks the Pusher protocol on {path}/{key} of this port (no handler,
        // no worker per message) and the Pusher HTTP API on /apps/{app_id}/events. With
        // BROADCAST_DRIVER=laravels (BROADCAST_CONNECTION on Laravel 11+) and the 'laravels'
        // connection in config/broadcasting.php, broadcast() reaches it without HTTP. The
        // credentials must be those config/broadcasting.php gives: both read PUSHER_APP_*.
        'pusher' => [
            'enable'           => env('LARAVELS_PUSHER', false),
            'path'             => '/app',
            'app_id'           => env('PUSHER_APP_ID', ''),
            'key'              => env('PUSHER_APP_KEY', ''),
            'secret'           => env('PUSHER_APP_SECRET', ''),
            // client-* events (Echo's whisper()) between subscribers of private and
            // presence channels.
            'client_events'    => env('LARAVELS_PUSHER_CLIENT_EVENTS', false),
            'activity_timeout' => 120,
        ],
    ],

    // Extra TCP/UDP ports with their own handlers ('host', 'port', 'type', 'settings',
    // 'handler', 'enable'), each handler extending a Hhxsv5\LaravelS\Swoole\Socket\* class
    // (TcpSocket, UdpSocket, Http, WebSocket). Settings laravels-rs reads: open_eof_check,
    // open_eof_split, package_eof, open_length_check, package_length_type,
    // package_length_offset, package_body_offset, package_max_length, open_http_protocol,
    // open_websocket_protocol, and ssl_cert_file / ssl_key_file with 'type' =>
    // SWOOLE_SOCK_TCP | SWOOLE_SSL. A port in use or a wrong setting stops start-up.
    'sockets' => [],

    // Custom processes started beside the workers: 'name' => ['class' => ...,
    // 'redirect' => false, 'pipe' => 0, 'enable' => true].
    'processes' => [],

    // Millisecond cron jobs run in a dedicated process.
    'timer' => [
        'enable' => env('LARAVELS_TIMER', false),
        // CronJob classes. Hhxsv5\LaravelS\Illuminate\LaravelScheduleJob::class runs
        // `php artisan schedule:run` every minute.
        'jobs' => [],
        // Seconds to wait for running jobs when reloading.
        'max_wait_time' => 5,
        // With several servers, let only the one holding a Redis lock run the jobs.
        'global_lock' => false,
        'global_lock_key' => config('app.name', 'Laravel'),
        // laravels-rs: seconds a holder keeps the lock without renewing it; another
        // server's timer takes over at most this long after the holder died.
        'global_lock_ttl' => 60,
    ],

    // Shared-memory tables: 'ws' => ['size' => rows, 'column' => [['name' => ..., 'type' =>
    // Swoole\Table::TYPE_INT, 'size' => 8], ...]], reachable as app('swoole')->wsTable.
    'swoole_tables' => [],

    // Service providers registered and booted again before every request, for providers
    // whose singletons must not outlive a request.
    'register_providers' => [],

    // Classes that reset state after every request, in this order (LaravelS\Contracts\
    // Cleaner or Hhxsv5\...\CleanerInterface). The container, config, queued cookies and
    // the request are always reset and need no entry. Singletons first resolved during a
    // request stay for the worker's life, as under LaravelS; add
    // LaravelS\Cleaners\RequestInstancesCleaner to forget every instance a request made.
    //
    // Session and Auth are listed by default. LaravelS ships this list empty, and then
    // one visitor's session and logged-in user are served to the next visitor's request
    // on the same worker (laravel-s issues #121 and #290). Remove them only if the app
    // uses neither. Others: JWTCleaner (tymon/jwt-auth), MenuCleaner (lavary/laravel-menu),
    // LaravelAdminCleaner, DcatAdminCleaner, ZiggyCleaner, all in LaravelS\Cleaners.
    'cleaners' => [
        LaravelS\Cleaners\SessionCleaner::class,
        LaravelS\Cleaners\AuthCleaner::class,
    ],

    // Laravel keeps a controller instance per route across requests; enable this to
    // drop it after each request, except the controller classes in excluded_list.
    'destroy_controllers' => [
        'enable' => false,
        'excluded_list' => [],
    ],

    // laravels-rs, for development: after each request, report once per offender what
    // the request left behind (a singleton or controller holding its user, a static
    // array that grows, a config value it set). Keep it off in production: it costs time
    // on every request. See docs/leak-detector.md.
    'leak_detector' => [
        'enable' => env('LARAVELS_LEAK_DETECTOR', false),
        'ignore' => [],
    ],

    // laravels-rs: paths the master answers itself, without PHP, for load balancers and
    // orchestrators (Kubernetes probes): liveness is 200 while the master runs; readiness
    // is 200 while a worker is booted and the server is not stopping, else 503. On stop,
    // readiness turns 503 and the server keeps serving for drain_seconds before it closes
    // its listeners. Empty paths: off.
    'health' => [
        'liveness_path' => env('LARAVELS_LIVENESS_PATH', ''),
        'readiness_path' => env('LARAVELS_READINESS_PATH', ''),
        'drain_seconds' => env('LARAVELS_DRAIN_SECONDS', 0),
    ],

    // laravels-rs: the overload policy. While every worker is busy, requests wait for the
    // next free one, oldest first: at most max_requests at once (the next one is answered
    // 503 at once) and at most max_wait_seconds each (then 503), with Retry-After: 5, so a
    // client or a load balancer never waits in silence. Readiness is 503 "saturated" while
    // the queue is full. 0: no bound.
    'queue' => [
        'max_requests' => env('LARAVELS_QUEUE_MAX_REQUESTS', 1024),
        'max_wait_seconds' => env('LARAVELS_QUEUE_MAX_WAIT_SECONDS', 30),
    ],

    // laravels-rs: the X-Real-IP, X-Real-PORT, Scheme (or X-Forwarded-Proto), Server-Addr
    // and Server-Port headers of the README's nginx block set the client's address, port
    // and scheme only when the peer is one of these: addresses, CIDR ranges, or 'unix' for
    // nginx on the unix socket. From anyone else they are plain headers (one log line, at
    // most every 60 s, says they arrived from a peer not listed). Nobody is trusted until
    // listed, as Laravel's TrustProxies: with the README's nginx on the same machine, list
    // ['127.0.0.1', '::1'] (TCP) or ['unix'] (socket_type 5).
    'trusted_proxies' => [],

    // laravels-rs: limits on HTTP/1.x connections. A request line and headers must arrive
    // whole within header_timeout seconds, else the client gets 408 and the connection is
    // closed (nginx's client_header_timeout, 60 s); 0: never. An idle keep-alive connection
    // is closed after swoole.heartbeat_idle_time, or 75 s without it.
    'http' => [
        'header_timeout' => env('LARAVELS_HEADER_TIMEOUT', 60),
    ],

    // Server settings, under Swoole's names. A Swoole setting this runtime does not
    // implement is reported once at start and otherwise ignored.
    'swoole' => [
        'daemonize' => env('LARAVELS_DAEMONIZE', false),
        // 1: round robin, 2: by connection, 3: the next idle worker.
        'dispatch_mode' => env('LARAVELS_DISPATCH_MODE', 3),
        // LaravelS's default; 0 means one per CPU. Each worker holds a booted app.
        'worker_num' => env('LARAVELS_WORKER_NUM', 30),
        // 'task_worker_num' => env('LARAVELS_TASK_WORKER_NUM', 10),
        'task_ipc_mode' => 1,
        'task_max_request' => env('LARAVELS_TASK_MAX_REQUEST', 100000),
        'task_tmpdir' => @is_writable('/dev/shm/') ? '/dev/shm' : '/tmp',
        // A worker is replaced after this many requests (0: never).
        'max_request' => env('LARAVELS_MAX_REQUEST', 100000),
        'open_tcp_nodelay' => true,
        'pid_file' => storage_path('laravels.pid'),
        'log_level' => env('LARAVELS_LOG_LEVEL', 4),
        'log_file' => storage_path(sprintf('logs/swoole-%s.log', date('Y-m'))),
        'document_root' => base_path('public'),
        'buffer_output_size' => 2 * 1024 * 1024,
        'socket_buffer_size' => 8 * 1024 * 1024,
        // Largest request body, uploads included; a larger one is answered 413.
        'package_max_length' => 4 * 1024 * 1024,
        'reload_async' => true,
        // Seconds a stop or reload waits for requests in progress.
        'max_wait_time' => 60,
        'enable_reuse_port' => true,
        'enable_coroutine' => false,
        // Where uploaded files are written as they arrive.
        'upload_tmp_dir' => @is_writable('/dev/shm/') ? '/dev/shm' : '/tmp',
        'http_compression' => env('LARAVELS_HTTP_COMPRESSION', false),

        // laravels-rs: seconds a request may run; past it the client gets 504 and the
        // worker is replaced. 0: no limit.
        'max_request_time' => env('LARAVELS_MAX_REQUEST_TIME', 60),
        // laravels-rs: a worker whose memory passes this size ('256M', '1G') is replaced
        // after its current request. '0': no limit.
        'worker_memory_limit' => env('LARAVELS_WORKER_MEMORY_LIMIT', '0'),
        // laravels-rs: largest request head (request line and headers) in bytes; a
        // larger one is answered 431.
        'max_header_size' => 16384,
        // laravels-rs: open client connections at most; more are answered 503.
        'max_connection' => 10000,
        // laravels-rs: network threads in the master; unset means one per four CPUs.
        // 'reactor_num' => 2,
        // laravels-rs: microseconds a network thread with nothing to do waits for a
        // worker's answer before it sleeps, so the worker need not wake it (a cross-CPU
        // wake-up costs the worker about 10 µs on a VM). 0: sleep at once. It backs off
        // when answers take longer; see docs/benchmarks.md.
        'reactor_spin_us' => env('LARAVELS_REACTOR_SPIN_US', 200),

        // TLS: PEM certificate (its chain after it) and unencrypted private key. Setting
        // both turns TLS on, as does SWOOLE_SSL in socket_type (which needs both).
        // 'ssl_cert_file' => base_path('ssl/fullchain.pem'),
        // 'ssl_key_file' => base_path('ssl/privkey.pem'),
        // HTTP/2: by ALPN over TLS, with prior knowledge (h2c) without TLS.
        // 'open_http2_protocol' => true,
    ],
];
