<?php
// The plain PHP callback on Swoole, for bench/cpu.py's optional LaravelS + Swoole rows: the
// same constant answer as bench/plain_php.php, from a Swoole\Http\Server in process mode
// (a master with reactor threads, PHP workers behind it), as LaravelS runs Swoole. Run:
//   php -d extension=/path/to/swoole.so bench/plain_swoole.php PORT WORKERS REACTOR_THREADS
[$port, $workers, $threads] = [(int) ($argv[1] ?? 5300), (int) ($argv[2] ?? 1), (int) ($argv[3] ?? 1)];
$server = new Swoole\Http\Server('127.0.0.1', $port, SWOOLE_PROCESS);
$server->set(['worker_num' => $workers, 'reactor_num' => $threads, 'log_level' => SWOOLE_LOG_WARNING]);
$server->on('request', function ($request, $response) {
    $response->header('Content-Type', 'text/plain');
    $response->end('hello world');
});
$server->start();
