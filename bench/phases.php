<?php
// Where a worker's PHP time goes, per request: the package's Gateway booted once, then a
// loop of what a worker runs for one request (RequestFactory, the kernel through the
// Gateway, reading the response, terminate, each cleaner), each phase timed with hrtime().
// No HTTP and no IPC: compare with bench/ceiling.php for the framework alone. Run:
//   php -d opcache.enable=1 -d opcache.enable_cli=1 -d extension=target/release/liblaravels.so \
//       bench/phases.php APP_DIR [REQUESTS] [URI]
[$appDir, $n, $uri] = [$argv[1], (int) ($argv[2] ?? 20000), $argv[3] ?? '/api/hello'];
$warmup = min(1000, intdiv($n, 2));
require $appDir . '/vendor/autoload.php';
$_ENV['APP_RUNNING_IN_CONSOLE'] = $_SERVER['APP_RUNNING_IN_CONSOLE'] = 'false';
putenv('APP_RUNNING_IN_CONSOLE=false');
$gateway = LaravelS\Bridge\Gateway::boot($appDir, ['swoole' => new LaravelS\Server\HttpServer([])]);
$server = [
    'REQUEST_METHOD' => 'GET', 'REQUEST_URI' => $uri, 'PATH_INFO' => $uri, 'QUERY_STRING' => '',
    'SERVER_PROTOCOL' => 'HTTP/1.1', 'HTTP_HOST' => '127.0.0.1:5200', 'HTTP_ACCEPT' => '*/*',
    'REMOTE_ADDR' => '127.0.0.1', 'REMOTE_PORT' => '5555', 'SERVER_PORT' => '5200',
    'REQUEST_TIME' => time(), 'REQUEST_TIME_FLOAT' => microtime(true),
];
// The gateway's private parts, read once: the cleaners are timed one by one.
$private = fn (object $o, string $p) => (fn () => $this->{$p})->call($o);
$manager = $private($gateway, 'cleaners');
$cleaners = $private($manager, 'cleaners');
$kernel = $private($gateway, 'kernel');
// What Gateway::terminate() runs: the KernelTerminator where it applies, else the kernel.
$terminator = $private($gateway, 'terminator') ?? $kernel;
$phases = array_fill_keys(['request (RequestFactory)', 'kernel handle', 'read the response', 'terminate (KernelTerminator)', 'destroy controllers'], 0);
$perCleaner = array_fill(0, count($cleaners), 0);
for ($i = 0; $i < $n; $i++) {
    $t0 = hrtime(true);
    $request = LaravelS\Bridge\RequestFactory::make($server, '');
    $t1 = hrtime(true);
    $response = $gateway->handle($request);
    $t2 = hrtime(true);
    $response->getContent();
    $response->headers->allPreserveCaseWithoutCookies();
    $t3 = hrtime(true);
    $terminator?->terminate($request, $response);
    $t4 = hrtime(true);
    $manager->destroyControllers();
    $t5 = hrtime(true);
    $spent = [];
    foreach ($cleaners as $k => $cleaner) {
        $s = hrtime(true);
        $cleaner instanceof LaravelS\Cleaners\ContainerCleaner ? $cleaner->cleanAfterRequest() : $cleaner->clean();
        $spent[$k] = hrtime(true) - $s;
    }
    if ($i >= $warmup) {
        foreach (array_keys($phases) as $j => $phase) {
            $phases[$phase] += [$t1 - $t0, $t2 - $t1, $t3 - $t2, $t4 - $t3, $t5 - $t4][$j];
        }
        foreach ($spent as $k => $ns) {
            $perCleaner[$k] += $ns;
        }
    }
}
$measured = $n - $warmup;
$total = 0;
printf("%d requests of %s, µs per request:\n", $measured, $uri);
foreach ($phases as $phase => $ns) {
    printf("  %-40s %6.1f\n", $phase, $ns / $measured / 1000);
    $total += $ns;
}
foreach ($cleaners as $k => $cleaner) {
    printf("  cleaner %-32s %6.1f\n", (new ReflectionClass($cleaner))->getShortName(), $perCleaner[$k] / $measured / 1000);
    $total += $perCleaner[$k];
}
printf("  %-40s %6.1f\n", 'total', $total / $measured / 1000);
