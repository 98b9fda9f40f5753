<?php
// Feature script for LaravelS\Runtime\Server's start-up checks, run against the built .so:
//   php -d extension=target/release/liblaravels.so tests/ext/server_config.php
// Plain checks rather than check(): Debian's php.ini compiles assertions out.
function check(bool $ok, string $what = 'check failed'): void
{
    if (!$ok) {
        fwrite(STDERR, "FAILED: $what\n");
        exit(1);
    }
}

use LaravelS\Runtime\ConfigException;
use LaravelS\Runtime\Server;
use LaravelS\Runtime\StartException;
use LaravelS\Runtime\Worker;

function expect_exception(string $class, callable $f, string ...$needles): void
{
    try {
        $f();
    } catch (Throwable $e) {
        check($e instanceof $class, "expected $class, got " . get_class($e) . ': ' . $e->getMessage());
        foreach ($needles as $n) {
            check(str_contains($e->getMessage(), $n), "message '{$e->getMessage()}' lacks '$n'");
        }
        return;
    }
    check(false, "expected $class");
}

$checks = 0;

// A wrong type names the key and the fix.
expect_exception(ConfigException::class, fn () => new Server(['swoole' => ['worker_num' => 'lots']], '/tmp'), 'laravels.swoole.worker_num', 'Fix:');
expect_exception(ConfigException::class, fn () => new Server(['swoole' => ['dispatch_mode' => 7]], '/tmp'), 'swoole.dispatch_mode');
expect_exception(ConfigException::class, fn () => new Server(['socket_type' => 2], '/tmp'), 'socket_type', "'sockets'");
expect_exception(ConfigException::class, fn () => new Server(['swoole' => ['reactor_spin_us' => -1]], '/tmp'), 'swoole.reactor_spin_us', '0 (never spin)');
expect_exception(ConfigException::class, fn () => new Server(['swoole' => ['reactor_spin_us' => 'fast']], '/tmp'), 'swoole.reactor_spin_us', 'Fix:');
$checks += 5;

// websocket.cluster: a Redis without a node id, or a node out of range, stops start-up.
$ws = ['enable' => true, 'handler' => 'App\\Ws'];
expect_exception(ConfigException::class, fn () => new Server(['websocket' => $ws + ['cluster' => ['redis' => 'tcp://127.0.0.1:6379']]], '/tmp'), 'laravels.websocket.cluster.node', 'LARAVELS_WS_CLUSTER_NODE');
expect_exception(ConfigException::class, fn () => new Server(['websocket' => $ws + ['cluster' => ['redis' => 'tcp://127.0.0.1:6379', 'node' => '0']]], '/tmp'), 'websocket.cluster.node', 'Fix:');
expect_exception(ConfigException::class, fn () => new Server(['websocket' => $ws + ['cluster' => ['redis' => '127.0.0.1:6379', 'node' => 1]]], '/tmp'), 'websocket.cluster.redis', 'tcp://');
$checks += 3;

// Unknown swoole settings warn once each; the published defaults do not.
$s = new Server(['listen_port' => 0, 'swoole' => ['worker_num' => 1, 'reload_async' => true, 'ssl_ciphers' => 'ALL']], '/tmp');
check($s->warnings() === ['laravels.swoole.ssl_ciphers is not implemented by laravels-rs and has no effect'], json_encode($s->warnings()));
check(preg_match('#^http://127\.0\.0\.1:\d+$#', $s->address()) === 1, $s->address());
check($s->workerNum() === 1);
$checks += 3;

// A port in use is a start-up error that says how to fix it.
$busy = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($busy, false), ':'), 1);
expect_exception(StartException::class, fn () => new Server(['listen_port' => $port], '/tmp'), "127.0.0.1:$port", 'listen_port');
$checks++;

// TLS: SWOOLE_SSL (512) with the two files; a file that cannot be used is named.
$fixtures = __DIR__ . '/../fixtures/tls';
$tls = ['ssl_cert_file' => "$fixtures/cert.pem", 'ssl_key_file' => "$fixtures/key.pem", 'open_http2_protocol' => true];
$s = new Server(['listen_port' => 0, 'socket_type' => 1 | 512, 'swoole' => $tls], '/tmp');
check(preg_match('#^https://127\.0\.0\.1:\d+$#', $s->address()) === 1, $s->address());
check($s->warnings() === [], json_encode($s->warnings()));
expect_exception(StartException::class, fn () => new Server(['listen_port' => 0, 'swoole' => ['ssl_cert_file' => '/nonexistent/c.pem'] + $tls], '/tmp'), 'swoole.ssl_cert_file', '/nonexistent/c.pem', 'Fix:');
expect_exception(StartException::class, fn () => new Server(['listen_port' => 0, 'swoole' => ['ssl_key_file' => "$fixtures/other-key.pem"] + $tls], '/tmp'), 'swoole.ssl_key_file', 'other-key.pem', 'does not belong');
expect_exception(ConfigException::class, fn () => new Server(['socket_type' => 1 | 512], '/tmp'), 'socket_type', 'ssl_cert_file');
$checks += 5;

// The view the package reads: parsed once, typed, disabled ports left out and the rest
// numbered as $server->ports; Config::load() parses without binding, as Server does.
$view = LaravelS\Runtime\Config::load(['handle_static' => 'true', 'swoole' => ['worker_num' => '2', 'pid_file' => 'run/x.pid'], 'sockets' => [
    ['host' => '127.0.0.1', 'port' => 7001, 'handler' => 'A', 'enable' => 'false'],
    ['host' => '127.0.0.1', 'port' => 7002, 'handler' => 'B'],
]], '/srv/app');
check($view['worker_num'] === 2 && $view['handle_static'] === true && $view['pid_file'] === '/srv/app/run/x.pid', json_encode($view));
check(count($view['sockets']) === 1 && $view['sockets'][0]['index'] === 1 && $view['sockets'][0]['handler'] === 'B', json_encode($view['sockets']));
check($view['event_handlers']['WorkerStart'] === [] && $view['websocket'] === ['enable' => false, 'handler' => null]);
expect_exception(ConfigException::class, fn () => LaravelS\Runtime\Config::load(['event_handlers' => ['WorkerStarted' => []]], '/tmp'), 'laravels.event_handlers', 'WorkerStarted is not an event');
$config = ['listen_port' => 0, 'swoole' => ['worker_num' => 1]];
check((new Server($config, '/tmp'))->view() === LaravelS\Runtime\Config::load($config, '/tmp'), 'Server::view() is Config::load()');
$checks += 5;

// Worker calls outside a worker fail clearly instead of crashing.
check(Worker::state() === 'none');
check(Worker::id() === -1);
expect_exception(LaravelS\Runtime\WorkerException::class, fn () => Worker::next(), 'not a connected worker');
expect_exception(LaravelS\Runtime\WorkerException::class, fn () => Worker::connect(), 'freshly started worker');
$checks += 4;

echo "server_config: $checks checks passed\n";
