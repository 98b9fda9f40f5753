<?php

namespace LaravelS\Server;

use LaravelS\Task\SwooleTask;
use LaravelS\Transport\CurrentTransport;
use LaravelS\Transport\Transport;

/**
 * Swoole's task API of one process's app('swoole'): task(), taskwait(), taskWaitMulti(),
 * finish() and sendMessage(), with the state they keep in this process: the next task id
 * (per process, from 0, as Swoole's), the finish callbacks of tasks still out, and the task
 * a task worker is running (for finish()).
 *
 * A waited-for task's result comes back on this worker's own connection while it is still
 * in its request (the master writes it there), so a wait costs no round trip through the
 * job queue and cannot deadlock the master. What cannot be honoured warns (E_USER_WARNING)
 * and returns false, as Swoole warns.
 */
final class Tasks
{
    /** @var int */
    private $nextId = 0;
    /** @var array<int, callable> task id => finish callback of task() */
    private $callbacks = [];
    /** @var SwooleTask|null the task this task worker runs now */
    private $current;

    public function __construct(private Server $server, private ?Transport $transport = null)
    {
    }

    /** @return int|false the task id, or false when it was not queued */
    public function task(mixed $data, int $dst, ?callable $finish)
    {
        $transport = $this->transport();
        if (!$this->checkDestination('task', $dst) || ($payload = $this->pack('task', $data, $transport)) === null) {
            return false;
        }
        [$task, $bytes] = $payload;
        if ($finish !== null && !$this->takesFinish($transport)) {
            self::warn('task', '$finishCallback', 'only a worker (not a task worker, the timer or a custom process) gets results back; not called');
            $finish = null;
        }
        if (!$transport->taskTo($bytes, $dst >= 0 ? $dst : null, null)) {
            return self::warn('task', '$data', 'not queued: no task workers (swoole.task_worker_num) or the task queue is full');
        }
        if ($finish !== null) {
            $this->callbacks[$task->id] = $finish;
        }

        return $task->id;
    }

    /**
     * Sends each of $tasks and waits up to $timeout seconds for their results.
     *
     * @return array{0: array, 1: list<int|string>} the results by $tasks' keys (a key is
     *         missing when its task gave none in time), and the keys whose task was refused
     *         (no task workers, the queue full, or data that cannot be serialized)
     */
    public function wait(string $method, array $tasks, float $timeout, int $dst = -1): array
    {
        $transport = $this->transport();
        $ids = [];
        $refused = [];
        if (!$this->checkDestination($method, $dst)) {
            return [[], array_keys($tasks)];
        }
        foreach ($tasks as $key => $data) {
            $payload = $this->pack($method, $data, $transport);
            if ($payload === null) {
                $refused[] = $key;
                continue;
            }
            [$task, $bytes] = $payload;
            $transport->taskTo($bytes, $dst >= 0 ? $dst : null, $task->id);
            $ids[$task->id] = $key;
        }
        $got = $ids === [] ? [] : $transport->taskResults(array_keys($ids), max(0.0, $timeout) * 1000);
        $results = [];
        foreach ($ids as $id => $key) {
            if (!array_key_exists($id, $got)) {
                continue;
            }
            if ($got[$id] === null) {
                $refused[] = $key;
                continue;
            }
            $back = unserialize($got[$id]);
            $results[$key] = $back instanceof SwooleTask ? $back->result : null;
        }

        return [$results, $refused];
    }

    /** Swoole's taskwait(): the result, or false (with a warning) on timeout or refusal. */
    public function taskwait(mixed $data, float $timeout, int $dst)
    {
        [$results, $refused] = $this->wait('taskwait', [$data], $timeout, $dst);
        if ($refused !== []) {
            return self::warn('taskwait', '$data', 'not queued: no task workers (swoole.task_worker_num) or a full task queue');
        }
        if (!array_key_exists(0, $results)) {
            return self::warn('taskwait', '$timeout', sprintf('the task gave no result within %s s', $timeout));
        }

        return $results[0];
    }

    /** Swoole's taskWaitMulti(): results keyed like $tasks; timed-out ones are missing. */
    public function taskWaitMulti(array $tasks, float $timeout): array
    {
        [$results, $refused] = $this->wait('taskWaitMulti', $tasks, $timeout);
        if ($refused !== []) {
            self::warn('taskWaitMulti', '$tasks', sprintf('%d not queued: no task workers (swoole.task_worker_num) or a full task queue', count($refused)));
        }

        return $results;
    }

    /** Swoole's taskCo(): results in $tasks' order, false for each without one in time. */
    public function taskCo(array $tasks, float $timeout): array
    {
        [$results, $refused] = $this->wait('taskCo', $tasks, $timeout);
        if ($refused !== []) {
            self::warn('taskCo', '$tasks', sprintf('%d not queued: no task workers (swoole.task_worker_num) or a full task queue', count($refused)));
        }
        $ordered = [];
        foreach (array_keys($tasks) as $key) {
            $ordered[$key] = array_key_exists($key, $results) ? $results[$key] : false;
        }

        return $ordered;
    }

    /**
     * Swoole's finish(): in a task worker, a result of the running task for its sender,
     * sent now (the task goes on); each call is one result, as Swoole's onFinish runs
     * once per call. A taskwait() takes the first.
     */
    public function finish(mixed $data): bool
    {
        $task = $this->current;
        if ($task === null) {
            return self::warn('finish', '$data', 'finish() is for a task worker running a task of task()');
        }
        $task->finish($data);
        try {
            $bytes = serialize($task);
        } catch (\Throwable $e) {
            $task->done = false;

            return self::warn('finish', '$data', 'cannot be serialized: ' . $e->getMessage());
        }
        $this->transport()->taskFinish($bytes);
        $task->sent = true;

        return true;
    }

    /** Swoole's sendMessage(): $message for worker $dst's onPipeMessage handlers. */
    public function sendMessage(mixed $message, int $dst): bool
    {
        $transport = $this->transport();
        $setting = $this->server->setting;
        $all = (int) ($setting['worker_num'] ?? 0) + (int) ($setting['task_worker_num'] ?? 0);
        if ($dst < 0 || $dst >= $all) {
            return self::warn('sendMessage', '$dstWorkerId', sprintf('%d is not a worker or task worker id (0 to %d)', $dst, $all - 1));
        }
        if ($dst === $transport->id()) {
            return self::warn('sendMessage', '$dstWorkerId', 'a process cannot send a message to itself');
        }
        try {
            $payload = serialize([$transport->id(), $message]);
        } catch (\Throwable $e) {
            return self::warn('sendMessage', '$message', 'cannot be serialized: ' . $e->getMessage());
        }

        return $transport->sendMessage($dst, $payload);
    }

    /** Runs $run as task $task of this task worker: finish() sets its result meanwhile. */
    public function running(SwooleTask $task, callable $run): void
    {
        $this->current = $task;
        try {
            $run();
        } finally {
            $this->current = null;
        }
    }

    /** The finish callback task() was given for task $id, once. */
    public function takeCallback(int $id): ?callable
    {
        $callback = $this->callbacks[$id] ?? null;
        unset($this->callbacks[$id]);

        return $callback;
    }

    /** @return array{0: SwooleTask, 1: string}|null the task and its bytes; null (warned) when it cannot be sent */
    private function pack(string $method, mixed $data, Transport $transport): ?array
    {
        if ($transport->id() < 0) {
            self::warn($method, '$data', 'not inside a laravels-rs worker: nothing runs tasks here');

            return null;
        }
        $task = new SwooleTask($this->nextId++, $transport->id(), $data);
        try {
            return [$task, serialize($task)];
        } catch (\Throwable $e) {
            self::warn($method, '$data', 'cannot be serialized: ' . $e->getMessage());

            return null;
        }
    }

    private function checkDestination(string $method, int $dst): bool
    {
        $taskWorkers = (int) ($this->server->setting['task_worker_num'] ?? 0);
        if ($dst >= $taskWorkers || $dst < -1) {
            return self::warn($method, '$dstWorkerId', sprintf('%d is not a task worker index (0 to %d, or -1 for any)', $dst, $taskWorkers - 1));
        }

        return true;
    }

    /** Whether results come back to this process: HTTP workers only. */
    private function takesFinish(Transport $transport): bool
    {
        return !$this->server->taskworker && $transport->id() < (int) ($this->server->setting['worker_num'] ?? 0);
    }

    private function transport(): Transport
    {
        return $this->transport ?? CurrentTransport::get();
    }

    private static function warn(string $method, string $argument, string $why): bool
    {
        trigger_error(sprintf('%s(): %s: %s', $method, $argument, $why), E_USER_WARNING);

        return false;
    }
}
