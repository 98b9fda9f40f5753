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
expect_exception(ConfigException::class, fn () => new Server(['swoole' => ['dispatch_mode' => 4]], '/tmp'), 'swoole.dispatch_mode');
expect_exception(ConfigException::class, fn () => new Server(['socket_type' => 2], '/tmp'), 'socket_type', "'sockets'");
$checks += 3;

// Unknown swoole settings warn once each; the published defaults do not.
$s = new Server(['listen_port' => 0, 'swoole' => ['worker_num' => 1, 'reload_async' => true, 'open_http2_protocol' => true]], '/tmp');
check($s->warnings() === ['laravels.swoole.open_http2_protocol is not implemented by laravels-rs and has no effect'], json_encode($s->warnings()));
check(preg_match('#^http://127\.0\.0\.1:\d+$#', $s->address()) === 1, $s->address());
check($s->workerNum() === 1);
$checks += 3;

// A port in use is a start-up error that says how to fix it.
$busy = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($busy, false), ':'), 1);
expect_exception(StartException::class, fn () => new Server(['listen_port' => $port], '/tmp'), "127.0.0.1:$port", 'listen_port');
$checks++;

// Worker calls outside a worker fail clearly instead of crashing.
check(Worker::state() === 'none');
check(Worker::id() === -1);
expect_exception(LaravelS\Runtime\WorkerException::class, fn () => Worker::next(), 'not a connected worker');
expect_exception(LaravelS\Runtime\WorkerException::class, fn () => Worker::connect(), 'freshly started worker');
$checks += 4;

echo "server_config: $checks checks passed\n";
