<?php

namespace App\Sockets;

use Hhxsv5\LaravelS\Swoole\Socket\Http;
use Swoole\Http\Request;
use Swoole\Http\Response;

/** An HTTP port outside Laravel's router: Swoole-style request and response objects. */
class TestHttp extends Http
{
    public function onRequest(Request $request, Response $response)
    {
        $response->status(201);
        $response->header('Content-Type', 'application/json');
        $response->cookie('port', (string) $this->swoolePort->port);
        $response->end(json_encode([
            'method' => $request->server['request_method'],
            'uri' => $request->server['request_uri'],
            'get' => $request->get,
            'post' => $request->post,
            'body' => $request->rawContent(),
            'header' => $request->header['x-test'] ?? null,
            'app' => config('app.name'),
        ]));
    }
}
