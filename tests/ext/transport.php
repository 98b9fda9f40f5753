<?php
// ExtensionTransport over the loaded extension, outside a worker: the enums it maps the
// extension's strings to, and the extension's refusals passing through unchanged.

require __DIR__ . '/../php/package-autoload.php';

use LaravelS\Transport\ExtensionTransport;
use LaravelS\Transport\WorkerState;

$checks = 0;
function check(bool $ok, string $what): void
{
    global $checks;
    $checks++;
    if (!$ok) {
        fwrite(STDERR, "FAILED: $what\n");
        exit(1);
    }
}

$transport = new ExtensionTransport();
check($transport->state() === WorkerState::NotConnected, 'state() outside a worker is NotConnected');
check(!$transport->state()->owesAnswer(), 'nothing is owed outside a worker');
check($transport->id() === -1, 'id() outside a worker');
check($transport->served() === 0, 'served() outside a worker');
check($transport->retireReason() === null, 'retireReason() outside a worker');
check($transport->push(1, 'x', 1) === false, 'push() to a connection that does not exist');
check($transport->establish(1) === false, 'establish() of a connection that does not exist');
foreach (['next' => [], 'connect' => [], 'eventDone' => [], 'respond' => [200, [], '']] as $method => $args) {
    try {
        $transport->$method(...$args);
        check(false, "$method() outside a worker throws");
    } catch (LaravelS\Runtime\WorkerException $e) {
        check(true, $method);
    }
}
echo "transport: $checks checks passed\n";
