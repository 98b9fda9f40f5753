<?php

/*
 * A worker of the bridge fixture app (tests/php/Support/BridgeApp) on a FakeTransport, in
 * its own process, for what ends a worker: `retire` (max_request after 2 of 3
 * requests), `cleaner-fails` (a cleaner throws after the first request), `exit` and `dd`
 * (the script ends inside a request), `exit-location` (exit() after header('Location'):
 * the fake reports what the extension's Sapi would have kept). Prints what the fake recorded as JSON once every
 * shutdown function ran; the worker's log goes to stderr.
 */

require __DIR__ . '/../bootstrap.php';

use LaravelS\Tests\Support\BridgeApp;
use LaravelS\Tests\Support\FakeTransport;

$scenario = $argv[1];
$requests = match ($scenario) {
    'retire', 'cleaner-fails' => [FakeTransport::request('GET', '/count'), FakeTransport::request('GET', '/count'), FakeTransport::request('GET', '/count')],
    'exit', 'exit-location' => [FakeTransport::request('GET', '/exit'), FakeTransport::request('GET', '/hello')],
    'dd' => [FakeTransport::request('GET', '/dd')],
};
$app = BridgeApp::create($scenario === 'cleaner-fails' ? ['cleaners' => [LaravelS\Tests\Fixtures\UserCode\FailingCleaner::class]] : []);
$transport = new FakeTransport($requests);
if ($scenario === 'retire') {
    $transport->retireAfter(2);
}
if ($scenario === 'exit-location') {
    $transport->sapiHeaders = ['Location: /login'];
    $transport->sapiStatus = 302;
}
// Registered before the loop's own shutdown function; the report it registers runs after it.
register_shutdown_function(function () use ($transport, $app): void {
    register_shutdown_function(function () use ($transport, $app): void {
        $app->remove();
        echo json_encode([
            'bodies' => array_column($transport->responses, 'body'),
            'statuses' => array_column($transport->responses, 'status'),
            'headers' => array_column($transport->responses, 'headers'),
            'left in the inbox' => count($transport->inbox),
            'leave() called' => $transport->leaving,
            'state' => $transport->state()->value,
        ]);
    });
});
exit($app->serve($transport) === $transport ? 0 : 1);
