<?php
// The in-process ceiling: one PHP process, the app booted once, looping
// Request::create() + $kernel->handle() + $kernel->terminate() on one route, as fast as it
// can for a number of seconds. Prints requests per second; with a fourth argument `cpu`,
// also the process's CPU time per request in µs (user + system, bench/cpu.py). Run from the
// app directory:
//   php ceiling.php APP_DIR URI SECONDS [cpu]
[$app, $uri, $seconds] = [$argv[1], $argv[2] ?? '/api/hello', (float) ($argv[3] ?? 10)];
$cpu = static function (): float {
    $r = getrusage();
    return $r['ru_utime.tv_sec'] * 1e6 + $r['ru_utime.tv_usec'] + $r['ru_stime.tv_sec'] * 1e6 + $r['ru_stime.tv_usec'];
};
require $app . '/vendor/autoload.php';
$application = require $app . '/bootstrap/app.php';
$kernel = $application->make(Illuminate\Contracts\Http\Kernel::class);
$count = 0;
$cpuStart = $cpu();
$start = microtime(true);
$deadline = $start + $seconds;
while (microtime(true) < $deadline) {
    $request = Illuminate\Http\Request::create($uri, 'GET');
    $response = $kernel->handle($request);
    if ($response->getStatusCode() !== 200) {
        fwrite(STDERR, "unexpected status {$response->getStatusCode()}\n");
        exit(1);
    }
    $kernel->terminate($request, $response);
    $count++;
}
$elapsed = microtime(true) - $start;
if (($argv[4] ?? '') === 'cpu') {
    printf("%.1f %.1f\n", $count / $elapsed, ($cpu() - $cpuStart) / $count);
} else {
    printf("%.1f\n", $count / $elapsed);
}
