<?php

namespace App\ServerEvents;

use App\Http\Controllers\SwooleTaskController;
use LaravelS\Contracts\Events\PipeMessage;
use Swoole\Http\Server;

/** onPipeMessage: records the message in storage/app/swoole/pipe-TAG.json, with where it ran. */
class PipeMessageEvent implements PipeMessage
{
    public function handle(Server $server, $srcWorkerId, $message)
    {
        SwooleTaskController::record('pipe-' . $message['tag'], [
            'from' => $srcWorkerId,
            'message' => $message,
            'pid' => getmypid(),
            'worker_id' => $server->worker_id,
            'taskworker' => $server->taskworker,
        ]);
    }
}
