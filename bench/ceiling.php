<?php
// The in-process ceiling: one PHP process, the app booted once, looping
// Request::create() + $kernel->handle() + $kernel->terminate() on one route, as fast as it
// can for a number of seconds. Prints requests per second. Run from the app directory:
//   php ceiling.php APP_DIR URI SECONDS
[$app, $uri, $seconds] = [$argv[1], $argv[2] ?? '/api/hello', (float) ($argv[3] ?? 10)];
require $app . '/vendor/autoload.php';
$application = require $app . '/bootstrap/app.php';
$kernel = $application->make(Illuminate\Contracts\Http\Kernel::class);
$count = 0;
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
printf("%.1f\n", $count / (microtime(true) - $start));
