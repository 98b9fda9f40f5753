<?php

namespace LaravelS\Server;

use LaravelS\Runtime\Worker;

/**
 * The server object the application sees as app('swoole'): process identities, the
 * settings, and the properties user code attaches in ServerStart (the seed's
 * `$server->atomicCount`). `Swoole\Http\Server` resolves to this class.
 */
#[\AllowDynamicProperties]
class HttpServer
{
    /** @var int */
    public $master_pid = 0;
    /** @var int */
    public $manager_pid = 0;
    /** @var int this worker's id, 0 to worker_num - 1 */
    public $worker_id = -1;
    /** @var int */
    public $worker_pid = 0;
    /** @var bool true in a task worker */
    public $taskworker = false;
    /** @var array name => Swoole\Process (or a list of them with `num` > 1), from `processes` */
    public $customProcesses = [];
    /** @var array the `swoole` settings of config/laravels.php */
    public $setting = [];

    /** @var float */
    private $startTime;

    public function __construct(array $setting = [])
    {
        $this->setting = $setting;
        $this->startTime = time();
    }

    /** Marks this object as the one of worker $workerId in the current process. */
    public function bindWorker(int $workerId, int $masterPid, int $managerPid): void
    {
        $this->worker_id = $workerId;
        $this->worker_pid = getmypid();
        $this->master_pid = $masterPid;
        $this->manager_pid = $managerPid;
    }

    /**
     * Swoole's stats() keys that this process can answer truthfully on its own.
     */
    public function stats(): array
    {
        return [
            'start_time' => $this->startTime,
            'worker_num' => (int) ($this->setting['worker_num'] ?? 0),
            'worker_id' => $this->worker_id,
            'worker_request_count' => Worker::served(),
        ];
    }
}
