<?php

namespace App\ServerEvents;

use App\Http\Controllers\SwooleTaskController;
use LaravelS\Contracts\Events\Finish;
use Swoole\Http\Server;

/** onFinish: records the result in storage/app/swoole/finish-ECHO.json, with where it ran. */
class FinishEvent implements Finish
{
    public function handle(Server $server, $taskId, $data)
    {
        SwooleTaskController::record('finish-' . $data['echo'], ['task_id' => $taskId, 'result' => $data, 'pid' => getmypid()]);
    }
}
