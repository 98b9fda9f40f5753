<?php

namespace App\Http\Controllers;

use App\Tasks\PushTask;
use Hhxsv5\LaravelS\Swoole\Task\Task;
use Illuminate\Http\JsonResponse;

/** Pushes and connection queries from ordinary HTTP requests (the README's app('swoole') section). */
class WebSocketController extends Controller
{
    public function push(int $fd, string $message): JsonResponse
    {
        /** @var \Swoole\WebSocket\Server $swoole */
        $swoole = app('swoole');

        return response()->json(['pushed' => $swoole->push($fd, $message), 'class' => get_class($swoole), 'is_ws_server' => $swoole instanceof \Swoole\WebSocket\Server]);
    }

    public function pushFromTask(int $fd, string $message): JsonResponse
    {
        return response()->json(['delivered' => Task::deliver(new PushTask($fd, $message))]);
    }

    public function connections(): JsonResponse
    {
        $swoole = app('swoole');
        $list = [];
        foreach ($swoole->connections as $fd) {
            $list[] = ['fd' => $fd, 'established' => $swoole->isEstablished($fd)];
        }

        return response()->json([
            'count' => count($swoole->connections),
            'connections' => $list,
            'client_list' => $swoole->getClientList(0, 100),
            'stats' => $swoole->stats(),
            'ports' => count($swoole->ports),
            'pids' => [$swoole->master_pid, $swoole->manager_pid, $swoole->worker_pid, $swoole->worker_id],
        ]);
    }
}
