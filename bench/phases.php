<?php
// Where a worker's PHP time goes, per request, with no HTTP and no IPC: compare with
// bench/ceiling.php (the framework alone) in the same sitting. Two modes:
//
// - `phases` (default): the package's Gateway booted once, then a loop of what
//   WorkerLoop::serve() runs for one request, each phase timed with hrtime(): the
//   request and PHP's globals (RequestFactory, PhpGlobals), the SAPI state and output
//   buffer, the kernel through the Gateway, the response to its frame (ResponseEmitter,
//   to a transport that drops it), terminate, each cleaner, and leaving the request.
// - `ceiling`: bench/ceiling.php's loop (Request::create, the kernel's handle and
//   terminate) on a plain booted app, each step timed the same way.
// - `loop`: the real WorkerLoop::run() over a transport that hands it the same request
//   REQUESTS times and drops the answers; prints the mean time from one request's
//   arrival to the next, i.e. all of a worker's PHP per request, the loop's own included.
//
// Run:
//   php -d opcache.enable=1 -d opcache.enable_cli=1 -d extension=target/release/liblaravels.so \
//       bench/phases.php APP_DIR [REQUESTS] [URI] [phases|ceiling|loop]
[$appDir, $n, $uri, $mode] = [$argv[1], (int) ($argv[2] ?? 20000), $argv[3] ?? '/api/hello', $argv[4] ?? 'phases'];
$warmup = min(1000, intdiv($n, 2));
require $appDir . '/vendor/autoload.php';

use LaravelS\Transport\Transport;
use LaravelS\Transport\WorkerState;

// What the extension hands a worker for `GET URI` from wrk (src/ext/convert.rs).
$server = [
    'REQUEST_METHOD' => 'GET', 'REQUEST_URI' => $uri, 'PATH_INFO' => (string) parse_url($uri, PHP_URL_PATH),
    'QUERY_STRING' => (string) parse_url($uri, PHP_URL_QUERY), 'SERVER_PROTOCOL' => 'HTTP/1.1',
    'REMOTE_ADDR' => '127.0.0.1', 'REMOTE_PORT' => 5555, 'SERVER_ADDR' => '127.0.0.1', 'SERVER_PORT' => 5200,
    'SERVER_SOFTWARE' => 'laravels-rs/bench', 'REQUEST_TIME' => time(), 'REQUEST_TIME_FLOAT' => microtime(true),
    'HTTP_HOST' => '127.0.0.1:5200',
];

/** The master's side, in memory: hands out the request $n times and drops the answers. */
final class BenchTransport implements Transport
{
    public int $left;
    public array $arrivals = [];
    private WorkerState $state = WorkerState::Idle;

    public function __construct(private array $message, int $n)
    {
        $this->left = $n;
    }

    public function next(): ?array
    {
        $this->arrivals[] = hrtime(true);
        if ($this->left-- <= 0) {
            return null;
        }
        $this->state = WorkerState::Received;

        return $this->message;
    }

    public function respond(int $status, array $headers, string $body, ?string $reason = null): void
    {
        $this->state = WorkerState::Idle;
    }

    public function state(): WorkerState
    {
        return $this->state;
    }

    public function beginSapi($input, array $uploads = []): void
    {
        \LaravelS\Runtime\Sapi::begin($input, $uploads);
    }

    public function sapiHeaders(): array
    {
        return [headers_list(), http_response_code()];
    }

    public function endSapi(): void
    {
        \LaravelS\Runtime\Sapi::end();
    }

    public function connect(): void
    {
    }

    public function setServerDefaults(array $defaults): void
    {
    }

    public function poll(int $ms): bool
    {
        return true;
    }

    public function waitStop(int $ms): bool
    {
        return false;
    }

    public function leave(): void
    {
    }

    public function id(): int
    {
        return 0;
    }

    public function served(): int
    {
        return 0;
    }

    public function retireReason(): ?string
    {
        return null;
    }

    public function startStream(int $status, array $headers, ?string $reason = null): void
    {
    }

    public function write(string $data): void
    {
    }

    public function end(): void
    {
        $this->state = WorkerState::Idle;
    }

    public function taskFinish(string $payload): void
    {
    }

    public function taskDone(?string $payload, ?int $origin): void
    {
    }

    public function finishDone(): void
    {
    }

    public function eventDone(): void
    {
    }

    public function deliverTask(string $payload, bool $finish, int $delayMs): bool
    {
        return false;
    }

    public function taskTo(string $payload, ?int $dst, ?int $wait): bool
    {
        return false;
    }

    public function taskResults(array $ids, float $timeoutMs): array
    {
        return [];
    }

    public function sendMessage(int $dst, string $payload): bool
    {
        return false;
    }

    public function push(int $fd, string $data, int $opcode): bool
    {
        return false;
    }

    public function fanout(?int $uid, string $data, int $opcode): bool
    {
        return false;
    }

    public function publish(array $channels, string $event, string $data, ?string $except): bool
    {
        return false;
    }

    public function send(int $fd, string $data): bool
    {
        return false;
    }

    public function sendTo(int $port, string $address, int $remotePort, string $data): bool
    {
        return false;
    }

    public function disconnect(int $fd, ?int $code, ?string $reason): bool
    {
        return false;
    }

    public function establish(int $fd): bool
    {
        return false;
    }
}

$median = static function (array $v): float {
    sort($v);
    $m = intdiv(count($v), 2);

    return count($v) % 2 ? $v[$m] : ($v[$m - 1] + $v[$m]) / 2;
};

if ($mode === 'ceiling') {
    // bench/ceiling.php's loop, each of its three steps timed: the framework alone.
    $application = require $appDir . '/bootstrap/app.php';
    $kernel = $application->make(Illuminate\Contracts\Http\Kernel::class);
    $steps = ['Request::create' => [], 'kernel handle' => [], 'kernel terminate' => []];
    for ($i = 0; $i < $n; $i++) {
        $t0 = hrtime(true);
        $request = Illuminate\Http\Request::create($uri, 'GET');
        $t1 = hrtime(true);
        $response = $kernel->handle($request);
        $t2 = hrtime(true);
        $kernel->terminate($request, $response);
        $t3 = hrtime(true);
        if ($i >= $warmup) {
            [$steps['Request::create'][], $steps['kernel handle'][], $steps['kernel terminate'][]] = [$t1 - $t0, $t2 - $t1, $t3 - $t2];
        }
    }
    printf("%d requests of %s in the ceiling's loop, µs per request:          median     mean\n", $n - $warmup, $uri);
    [$totalMedian, $totalMean] = [0, 0];
    foreach ($steps as $label => $v) {
        [$med, $mean] = [$median($v) / 1000, array_sum($v) / count($v) / 1000];
        printf("  %-40s %6.2f   %6.2f\n", $label, $med, $mean);
        $totalMedian += $med;
        $totalMean += $mean;
    }
    printf("  %-40s %6.2f   %6.2f\n", 'total', $totalMedian, $totalMean);

    return;
}

// The app's config('laravels'), read as `start` reads it: from an app booted for that
// alone and let go before the worker's own app boots.
$reader = require $appDir . '/bootstrap/app.php';
$reader->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
$config = LaravelS\Config\ServerConfig::load($reader['config']['laravels'], $appDir);
$reader->flush();
Illuminate\Support\Facades\Facade::clearResolvedInstances();
unset($reader);
gc_collect_cycles();

if ($mode === 'loop') {
    $transport = new BenchTransport(['type' => 'request', 'server' => $server, 'body' => ''], $n);
    $role = ['role' => 'worker', 'worker_id' => 0, 'task_worker' => false, 'master_pid' => getmypid(), 'manager_pid' => getmypid()];
    $loop = new LaravelS\Bridge\WorkerLoop($appDir, $config, $role, new LaravelS\Server\HttpServer([]), new LaravelS\Bridge\ServerEvents([]), $transport);
    $loop->run();
    // From each request's arrival to the next one's: all of the worker's PHP per request.
    $a = $transport->arrivals;
    $gaps = [];
    for ($i = $warmup + 1; $i < count($a); $i++) {
        $gaps[] = $a[$i] - $a[$i - 1];
    }
    sort($gaps);
    printf(
        "%d requests of %s through WorkerLoop::run(), µs per request: median %.2f, mean %.2f\n",
        count($gaps),
        $uri,
        $gaps[intdiv(count($gaps), 2)] / 1000,
        array_sum($gaps) / count($gaps) / 1000
    );

    return;
}

$_ENV['APP_RUNNING_IN_CONSOLE'] = $_SERVER['APP_RUNNING_IN_CONSOLE'] = 'false';
putenv('APP_RUNNING_IN_CONSOLE=false');
$gateway = LaravelS\Bridge\Gateway::boot($appDir, $config->cleaners, ['swoole' => new LaravelS\Server\HttpServer([])]);
$globals = new LaravelS\Bridge\PhpGlobals($gateway->basePath());
$transport = new BenchTransport([], 0);
$emitter = new LaravelS\Bridge\ResponseEmitter($transport);
$input = fopen('php://temp', 'w+b');
$baseObLevel = ob_get_level();
// The gateway's private parts, read once: the cleaners are timed one by one.
$private = fn (object $o, string $p) => (fn () => $this->{$p})->call($o);
$manager = $private($gateway, 'cleaners');
$cleaners = $private($manager, 'cleaners');
$kernel = $private($gateway, 'kernel');
// What Gateway::terminate() runs: the KernelTerminator where it applies, else the kernel.
$terminator = $private($gateway, 'terminator') ?? $kernel;
// Lumen: the Gateway's own terminateLumen() (its terminable middleware).
$terminate = $terminator !== null
    ? static fn ($request, $response) => $terminator->terminate($request, $response)
    : (fn ($request, $response) => $this->terminateLumen($response))->bindTo($gateway, $gateway);
$names = [
    'request, PHP globals (RequestFactory)', 'SAPI state, php://input, ob_start', 'kernel handle (Gateway)',
    'response to frame (ResponseEmitter)', 'terminate (KernelTerminator; Lumen: Gateway)', 'destroy controllers', 'leave SAPI state, globals',
];
// Every request's time in each phase, in ns: the median per phase is what a busy machine
// (another process taking the CPU now and then) changes least; the mean is printed beside.
$samples = array_fill(0, count($names) + count($cleaners), []);
$labels = $names;
foreach ($cleaners as $cleaner) {
    $labels[] = 'cleaner ' . (new ReflectionClass($cleaner))->getShortName();
}
$cpu = static function (): float {
    $r = getrusage();

    return $r['ru_utime.tv_sec'] * 1e6 + $r['ru_utime.tv_usec'] + $r['ru_stime.tv_sec'] * 1e6 + $r['ru_stime.tv_usec'];
};
for ($i = 0; $i < $n; $i++) {
    if ($i === $warmup) {
        $cpuStart = $cpu();
    }
    // As WorkerLoop::serve() and Gateway::terminate() run them.
    $t0 = hrtime(true);
    $request = LaravelS\Bridge\RequestFactory::make($server, '', null, $globals);
    $t1 = hrtime(true);
    ftruncate($input, 0);
    rewind($input);
    $transport->beginSapi($input, $globals->uploads());
    ob_start();
    $t2 = hrtime(true);
    $response = $gateway->handle($request);
    $t3 = hrtime(true);
    $output = '';
    while (ob_get_level() > $baseObLevel) {
        $output = ob_get_clean() . $output;
    }
    [$headers] = $transport->sapiHeaders();
    $emitter->emit($response, $output, $headers);
    $t4 = hrtime(true);
    $terminate($request, $response);
    $t5 = hrtime(true);
    $manager->destroyControllers();
    $t6 = hrtime(true);
    $spent = [];
    foreach ($cleaners as $cleaner) {
        $s = hrtime(true);
        $cleaner instanceof LaravelS\Cleaners\ContainerCleaner ? $cleaner->cleanAfterRequest() : $cleaner->clean();
        $spent[] = hrtime(true) - $s;
    }
    $t7 = hrtime(true);
    $transport->endSapi();
    $globals->leave();
    $t8 = hrtime(true);
    if ($i >= $warmup) {
        foreach ([$t1 - $t0, $t2 - $t1, $t3 - $t2, $t4 - $t3, $t5 - $t4, $t6 - $t5, $t8 - $t7, ...$spent] as $j => $ns) {
            $samples[$j][] = $ns;
        }
    }
}
$measured = $n - $warmup;
$cpuPerRequest = ($cpu() - $cpuStart) / $measured;
[$totalMedian, $totalMean] = [0, 0];
printf("%d requests of %s, µs per request:          median     mean\n", $measured, $uri);
foreach ($labels as $j => $label) {
    [$med, $mean] = [$median($samples[$j]) / 1000, array_sum($samples[$j]) / $measured / 1000];
    printf("  %-40s %6.2f   %6.2f\n", $label, $med, $mean);
    $totalMedian += $med;
    $totalMean += $mean;
}
printf("  %-40s %6.2f   %6.2f\n", 'total', $totalMedian, $totalMean);
printf("  %-40s %15.2f\n", 'CPU time per request (getrusage)', $cpuPerRequest);
