<?php

namespace App\Services;

use Swoole\Http\Request;
use Swoole\Http\Response;

/**
 * A handler with its own onHandShake (Swoole's custom handshake): it refuses clients
 * without `?token=secret` with 403, and accepts the rest by answering the handshake
 * itself; onOpen follows an accepted handshake, as LaravelS does.
 */
class HandshakeWebSocket extends EchoWebSocket
{
    public function onHandShake(Request $request, Response $response)
    {
        if (($request->get['token'] ?? '') !== 'secret') {
            $response->status(403);
            $response->header('Content-Type', 'text/plain');
            $response->end('token required');

            return;
        }
        $key = $request->header['sec-websocket-key'];
        $response->header('Upgrade', 'websocket');
        $response->header('Connection', 'Upgrade');
        $response->header('Sec-WebSocket-Accept', base64_encode(sha1($key . '258EAFA5-E914-47DA-95CA-C5AB0DC85B11', true)));
        $response->header('Sec-WebSocket-Version', '13');
        $response->header('X-Handshake', 'custom');
        $response->status(101);
        $response->end();
    }
}
