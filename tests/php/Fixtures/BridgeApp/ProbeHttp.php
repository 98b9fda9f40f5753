<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

use LaravelS\Socket\Http;
use Swoole\Http\Request;
use Swoole\Http\Response;

/** An extra HTTP port's handler: answers with the config it finds, then changes it. */
class ProbeHttp extends Http
{
    public function onRequest(Request $request, Response $response)
    {
        $response->status(202, 'Taken');
        $response->header('X-Port', (string) $this->swoolePort->port);
        $response->end(sprintf('%s %s: %s', $request->server['request_method'], $request->server['request_uri'], config('app.probe') ?? 'booted'));
        config(['app.probe' => 'set by the port']);
    }
}
