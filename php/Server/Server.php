<?php

namespace LaravelS\Server;

use LaravelS\Runtime\Clients;
use LaravelS\Runtime\Timer;
use LaravelS\Transport\CurrentTransport;
use LaravelS\Transport\Transport;

/**
 * The server object every process sees as app('swoole') (`Swoole\Server`): process
 * identities, the settings, the connections, and the properties user code attaches in
 * ServerStart (the seed's `$server->atomicCount`).
 *
 * Connection queries read the client list the master keeps in shared memory, so they
 * answer from any process (worker, task worker, timer, custom process) without a round
 * trip; sending goes through this process's transport (the one it was made with, else
 * CurrentTransport's).
 */
#[\AllowDynamicProperties]
class Server
{
    /** @var int */
    public $master_pid = 0;
    /** @var int */
    public $manager_pid = 0;
    /** @var int this worker's id, 0 to worker_num - 1 (task workers and processes follow) */
    public $worker_id = -1;
    /** @var int */
    public $worker_pid = 0;
    /** @var bool true in a task worker */
    public $taskworker = false;
    /** @var array name => Swoole\Process (or a list of them with `num` > 1), from `processes` */
    public $customProcesses = [];
    /** @var array the `swoole` settings of config/laravels.php, with the values in use */
    public $setting = [];
    /** @var string */
    public $host = '';
    /** @var int */
    public $port = 0;
    /** @var int Swoole's server mode: SWOOLE_PROCESS */
    public $mode = 2;
    /** @var int */
    public $type = 1;
    /** @var Connections every open connection's fd: iterable and countable */
    public $connections;
    /** @var Port[] the listening ports, the main one first */
    public $ports = [];
    /** @var Transport|null null for a server user code made itself: the process's, at each call */
    protected $transport;
    /** @var Tasks|null this process's task state, made at the first task call */
    private $tasks;

    /** SWOOLE_SOCK_UDP and SWOOLE_SOCK_UDP6. */
    private const UDP_TYPES = [2, 4];
    private const SWOOLE_SSL = 512;

    /**
     * @param array $setting ServerConfig::$setting
     * @param \LaravelS\Config\SocketConfig[] $sockets the enabled extra ports, which follow
     *        the main one in $ports at their own index
     * @param Transport|null $transport what sends for this object (Portal gives every
     *                                  process's app('swoole') the extension's)
     */
    public function __construct(array $setting = [], string $host = '', int $port = 0, array $sockets = [], ?Transport $transport = null)
    {
        $this->transport = $transport;
        $this->setting = $setting;
        $this->host = $host;
        $this->port = $port;
        $this->connections = new Connections();
        $this->ports = [new Port($host, $port, $this->type, $setting, $this->connections)];
        foreach ($sockets as $socket) {
            $this->ports[$socket->index] = new Port($socket->host, $socket->port, $socket->type, $socket->settings, new Connections($socket->index));
        }
    }

    /**
     * Sends raw bytes to TCP connection $fd of an extra port (a WebSocket connection gets
     * them as a binary message). False when $fd is not open.
     */
    public function send($fd, $data, $serverSocket = -1): bool
    {
        return ($this->transport ?? CurrentTransport::get())->send((int) $fd, (string) $data);
    }

    /**
     * Sends a UDP datagram to $ip:$port from a UDP port: $serverSocket is the
     * 'server_socket' of onPacket's $clientInfo, or -1 (Swoole's default) for the first
     * UDP port. A value that cannot be sent to or from warns, naming it.
     */
    public function sendto($ip, $port, $data, $serverSocket = -1): bool
    {
        $socket = (int) $serverSocket;
        $udp = array_keys(array_filter($this->ports, fn (Port $p) => in_array($p->type & ~self::SWOOLE_SSL, self::UDP_TYPES, true)));
        if ($socket === -1 && $udp === []) {
            return self::unhonoured('sendto', '$serverSocket', '-1 sends from the first UDP port of `sockets`, and there is none');
        }
        if ($socket !== -1 && !in_array($socket, $udp, true)) {
            return self::unhonoured('sendto', '$serverSocket', "$socket is not a UDP port in \$server->ports; pass \$clientInfo['server_socket'], or omit it");
        }
        if (filter_var($ip, FILTER_VALIDATE_IP) === false) {
            return self::unhonoured('sendto', '$ip', sprintf("'%s' is not an IP address", $ip));
        }
        if ((int) $port < 1 || (int) $port > 65535) {
            return self::unhonoured('sendto', '$port', "$port is not a port number");
        }

        return ($this->transport ?? CurrentTransport::get())->sendTo($socket, (string) $ip, (int) $port, (string) $data);
    }

    /**
     * Swoole's reload(): every worker is replaced after its current request (SIGUSR1 to the
     * master, as `bin/laravels reload`); with $only_reload_taskworker only the task workers,
     * after their current task (SIGUSR2, as Swoole's).
     */
    public function reload($only_reload_taskworker = false): bool
    {
        $master = (int) $this->master_pid;

        return $master > 0 && posix_kill($master, $only_reload_taskworker ? SIGUSR2 : SIGUSR1);
    }

    /**
     * Swoole's task(): queues $data for a task worker ($dstWorkerId: its index, -1 any) and
     * returns the task id, or false (with a warning). The task worker runs a LaravelS Task
     * or Event itself, anything else through the `event_handlers.Task` handlers (onTask);
     * a result comes back between requests to $finishCallback($server, $taskId, $data), or
     * else to the `event_handlers.Finish` handlers (onFinish).
     *
     * @return int|false
     */
    public function task($data, $dstWorkerId = -1, ?callable $finishCallback = null)
    {
        return $this->tasks()->task($data, (int) $dstWorkerId, $finishCallback);
    }

    /**
     * Swoole's taskwait(): runs $data on a task worker and waits up to $timeout seconds
     * for its result, which it returns; false (with a warning) on timeout.
     */
    public function taskwait($data, $timeout = 0.5, $dstWorkerId = -1)
    {
        return $this->tasks()->taskwait($data, (float) $timeout, (int) $dstWorkerId);
    }

    /**
     * Swoole's taskWaitMulti(): runs every task at once on the task workers, waits up to
     * $timeout seconds, and returns the results keyed like $tasks (a task without a result
     * in time has no key).
     */
    public function taskWaitMulti(array $tasks, $timeout = 0.5)
    {
        return $this->tasks()->taskWaitMulti($tasks, (float) $timeout);
    }

    /**
     * Swoole's taskCo(): like taskWaitMulti(), every task at once on the task workers for
     * up to $timeout seconds, but the results keep every key of $tasks, in its order, with
     * false for a task that gave none in time. Callable in a request too; inside a
     * coroutine it holds its process while it waits (no coroutine hooks here).
     *
     * @return array|false
     */
    public function taskCo(array $tasks, $timeout = 0.5)
    {
        return $this->tasks()->taskCo($tasks, (float) $timeout);
    }

    /** Swoole's finish(): in a task worker, a result of the task it runs, sent at once. */
    public function finish($data)
    {
        return $this->tasks()->finish($data);
    }

    /**
     * Swoole's sendMessage(): $message (anything serializable) for the `event_handlers.PipeMessage`
     * handlers (onPipeMessage) of worker or task worker $dstWorkerId, run between its requests.
     */
    public function sendMessage($message, $dstWorkerId): bool
    {
        return $this->tasks()->sendMessage($message, (int) $dstWorkerId);
    }

    /**
     * This process's task state (ids, finish callbacks, the running task).
     *
     * @internal for the worker loop
     */
    public function tasks(): Tasks
    {
        return $this->tasks ??= new Tasks($this, $this->transport);
    }

    /**
     * Swoole's tick(): runs $callback($timerId, ...$params) every $ms milliseconds in this
     * process, between requests in a worker (Swoole\Timer::tick()); the timer id.
     */
    public function tick($ms, callable $callback, ...$params)
    {
        return Timer::tick($ms, $callback, ...$params);
    }

    /** Swoole's after(): runs $callback(...$params) once, in $ms milliseconds; the timer id. */
    public function after($ms, callable $callback, ...$params)
    {
        return Timer::after($ms, $callback, ...$params);
    }

    /** Removes a timer this process set; false when there is no such timer. */
    public function clearTimer($timerId): bool
    {
        return Timer::clear($timerId);
    }

    /** Swoole's shutdown(): stops the server as `bin/laravels stop` does (SIGTERM to the master). */
    public function shutdown(): bool
    {
        $master = (int) $this->master_pid;

        return $master > 0 && posix_kill($master, SIGTERM);
    }

    /**
     * Swoole's stop(): the calling worker leaves after what it is doing and the manager
     * starts a fresh one. Another worker's id cannot be stopped from here (a warning says
     * so and the call fails): reload() replaces them all.
     */
    public function stop($workerId = -1, $waitEvent = false): bool
    {
        $workerId = (int) $workerId;
        if ($workerId !== -1 && $workerId !== (int) $this->worker_id) {
            $why = sprintf('%d is not the calling worker (%d); only the calling worker can be stopped here', $workerId, (int) $this->worker_id)
                . ', reload() replaces them all';

            return self::unhonoured('stop', '$workerId', $why);
        }
        ($this->transport ?? CurrentTransport::get())->leave();

        return true;
    }

    /**
     * Swoole's getWorkerStatus(): SWOOLE_WORKER_BUSY (1) or SWOOLE_WORKER_IDLE (2) for
     * worker $workerId (-1: the caller, busy while it runs this), read from the master's
     * status; false when there is no such worker or the master cannot be asked.
     *
     * @return int|false
     */
    public function getWorkerStatus($workerId = -1)
    {
        $workerId = (int) $workerId;
        if ($workerId === -1 || $workerId === (int) $this->worker_id) {
            return 1;
        }
        $status = \LaravelS\Console\StatusReport::fetch((int) $this->master_pid, (int) ($this->port ?? 0));
        foreach ($status['processes'] ?? [] as $process) {
            if (($process['id'] ?? null) === $workerId && isset($process['pid'])) {
                return ($process['state'] ?? '') === 'busy' ? 1 : 2;
            }
        }

        return false;
    }

    /**
     * Swoole's heartbeat(): the connections silent for longer than `heartbeat_idle_time`
     * (or twice `heartbeat_check_interval`), closed when $ifCloseConnection. The master
     * already closes them on its own; this answers the same question on demand. False (with
     * a warning) when neither setting is set.
     *
     * @return array|false
     */
    public function heartbeat($ifCloseConnection = true)
    {
        $idle = (int) ($this->setting['heartbeat_idle_time'] ?? 0) ?: 2 * (int) ($this->setting['heartbeat_check_interval'] ?? 0);
        if ($idle <= 0) {
            return self::unhonoured('heartbeat', 'settings', 'neither swoole.heartbeat_idle_time nor swoole.heartbeat_check_interval is set');
        }
        $silent = [];
        $now = time();
        foreach (Clients::list(0, PHP_INT_MAX) as $fd) {
            $info = Clients::info($fd);
            if ($info !== null && $now - $info['last_time'] > $idle) {
                $silent[] = $fd;
                if ($ifCloseConnection) {
                    $this->close($fd);
                }
            }
        }

        return $silent;
    }

    /** Reports an argument this runtime cannot act on (Swoole warns too), and fails the call. */
    protected static function unhonoured(string $method, string $argument, string $why): bool
    {
        trigger_error(sprintf('%s(): %s: %s', $method, $argument, $why), E_USER_WARNING);

        return false;
    }

    /** Marks this object as the one of worker $workerId in the current process. */
    public function bindWorker(int $workerId, int $masterPid, int $managerPid): void
    {
        $this->worker_id = $workerId;
        $this->worker_pid = getmypid();
        $this->master_pid = $masterPid;
        $this->manager_pid = $managerPid;
    }

    /** Swoole's stats() keys this runtime keeps, with values shared by every process. */
    public function stats(): array
    {
        $counters = Clients::counters();
        $served = ($this->transport ?? CurrentTransport::get())->served();
        $workers = (int) ($this->setting['worker_num'] ?? 0);

        return [
            'start_time' => $counters['start_time'] ?? 0,
            'connection_num' => $counters['connection_num'] ?? 0,
            'abort_count' => 0,
            'accept_count' => $counters['accept_count'] ?? 0,
            'close_count' => $counters['close_count'] ?? 0,
            'worker_num' => $workers,
            'task_worker_num' => (int) ($this->setting['task_worker_num'] ?? 0),
            'user_worker_num' => array_sum(array_map(fn ($p) => is_array($p) ? count($p) : 1, $this->customProcesses)),
            'request_count' => ($counters['request_count'] ?? 0) + ($counters['websocket_message_count'] ?? 0),
            'worker_id' => $this->worker_id,
            'worker_request_count' => $served,
            'worker_dispatch_count' => $served,
            'coroutine_num' => 0,
        ];
    }

    public function exists($fd): bool
    {
        return Clients::exists((int) $fd);
    }

    public function exist($fd): bool
    {
        return $this->exists($fd);
    }

    /** @return array|false */
    public function getClientInfo($fd, $reactorId = -1, $ignoreError = false)
    {
        return Clients::info((int) $fd) ?? false;
    }

    /** @return array|false */
    public function connection_info($fd, $reactorId = -1, $ignoreError = false)
    {
        return $this->getClientInfo($fd, $reactorId, $ignoreError);
    }

    /**
     * Binds connection $fd to the user id $uid (a positive number), once: with
     * `dispatch_mode` 5 every connection bound to one uid goes to the same worker
     * (`$uid % worker_num`), and getClientInfo() shows it (in any mode; only mode 5 routes
     * by it). False when $fd is not open, is already bound, or $uid is not positive.
     */
    public function bind($fd, $uid): bool
    {
        return Clients::bind((int) $fd, (int) $uid);
    }

    /** Up to $pageSize open connections after $startFd, as [fd => fd] like Swoole. */
    public function getClientList($startFd = 0, $pageSize = 10)
    {
        $fds = Clients::list((int) $startFd, max(1, min((int) $pageSize, 100)));

        return $fds === [] ? false : array_combine($fds, $fds);
    }

    /** @return array|false */
    public function connection_list($startFd = 0, $pageSize = 10)
    {
        return $this->getClientList($startFd, $pageSize);
    }

    /** Closes connection $fd at once (no WebSocket close frame); false if it is not open. */
    public function close($fd, $reset = false): bool
    {
        return ($this->transport ?? CurrentTransport::get())->disconnect((int) $fd, null, null);
    }

    public function getWorkerId()
    {
        return $this->worker_id;
    }

    public function getWorkerPid()
    {
        return $this->worker_pid;
    }

    public function getManagerPid()
    {
        return $this->manager_pid;
    }

    public function getMasterPid()
    {
        return $this->master_pid;
    }
}
