<?php
// The "plain PHP callback" benchmark server: no framework, the extension's own server API,
// every request answered with a constant. Run:
//   php -d extension=liblaravels.so bench/plain_php.php PORT WORKERS REACTOR_THREADS [SERVING_MODE]
// SERVING_MODE is `master` (the default: the master's reactor serves HTTP) or `worker`.
[$port, $workers, $threads] = [(int) ($argv[1] ?? 5300), (int) ($argv[2] ?? 1), (int) ($argv[3] ?? 1)];
$server = new LaravelS\Runtime\Server([
    'listen_port' => $port,
    'serving_mode' => $argv[4] ?? 'master',
    'swoole' => ['worker_num' => $workers, 'reactor_num' => $threads, 'pid_file' => sys_get_temp_dir() . "/laravels-bench-$port.pid"],
], sys_get_temp_dir());
$role = $server->start();
if ($role['role'] !== 'worker') {
    exit($role['exit_code'] ?? 0);
}
LaravelS\Runtime\Worker::connect();
$headers = ['Content-Type' => 'text/plain'];
while (LaravelS\Runtime\Worker::next() !== null) {
    LaravelS\Runtime\Worker::respond(200, $headers, 'hello world');
}
