<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;

/** The README's controller that walks the connections of extra port #1 and sends to them. */
class PortController extends Controller
{
    public function broadcast(string $message): JsonResponse
    {
        /**@var \Swoole\Http\Server|\Swoole\WebSocket\Server $swoole */
        $swoole = app('swoole');
        $port = $swoole->ports[1];
        $sent = [];
        foreach ($port->connections as $fd) {
            if ($swoole->send($fd, $message . "\r\n")) {
                $sent[] = $fd;
            }
        }

        return response()->json(['port' => $port->port, 'sent' => $sent, 'ports' => count($swoole->ports)]);
    }
}
