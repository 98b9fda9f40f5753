<?php

namespace LaravelS\Runtime;

use LaravelS\Coroutine\Scheduler;

/**
 * `Swoole\Process` for custom processes: the pipe between a custom process and the other
 * processes. Made in the master before the fork (a socket pair), so every worker holds
 * one end and the custom process the other: `write()` in a worker reaches the process's
 * `read()`, and the other way round.
 */
#[\AllowDynamicProperties]
class Process
{
    /** @var int the custom process's pid, inside it (0 elsewhere) */
    public $pid = 0;
    /** @var resource|null the end the other processes use */
    private $outside;
    /** @var resource|null the end the custom process uses */
    private $inside;
    /** @var bool this process is the custom process itself */
    private $isSelf = false;
    /** @var \SysvMessageQueue|null see useQueue() */
    private $queue = null;
    /** @var int */
    private $queueCapacity = 8192;

    /** @param int $pipe 0 no pipe, 1 stream (SOCK_STREAM), 2 datagrams (SOCK_DGRAM) */
    public function __construct(public string $name, int $pipe = 0)
    {
        if ($pipe === 0) {
            return;
        }
        $type = $pipe === 2 ? STREAM_SOCK_DGRAM : STREAM_SOCK_STREAM;
        $pair = stream_socket_pair(STREAM_PF_UNIX, $type, STREAM_IPPROTO_IP);
        if ($pair === false) {
            throw new \RuntimeException("cannot create the pipe of custom process $name");
        }
        [$this->outside, $this->inside] = $pair;
    }

    /** Called in the custom process itself, after its fork. */
    public function becomeSelf(): void
    {
        $this->isSelf = true;
        $this->pid = getmypid();
    }

    /** Writes to the other side of the pipe; the number of bytes written, or false. */
    public function write($data)
    {
        $end = $this->end();

        return $end === null ? false : @fwrite($end, (string) $data);
    }

    /**
     * Waits until the other side writes; up to $size bytes, or false without a pipe. In a
     * custom process's callback only this coroutine waits (timers and other coroutines
     * run), and a reload or stop makes it return false.
     */
    public function read($size = 8192)
    {
        $end = $this->end();
        if ($end === null) {
            return false;
        }
        $scheduler = Scheduler::current();
        if ($scheduler->runs() && $scheduler->cid() !== -1) {
            // In the custom process's callback (a coroutine): the other coroutines and the
            // timers run while this one waits for the pipe.
            if (!$scheduler->waitReadable($end)) {
                return false; // the process is asked to leave
            }
            $data = @fread($end, (int) $size);

            return $data === '' || $data === false ? false : $data;
        }
        // Wait in short polls rather than one blocking fread(): PHP retries an interrupted
        // socket read itself, so a reload or stop signal's handler would never run.
        do {
            $read = [$end];
            $none = [];
            $ready = @stream_select($read, $none, $none, 0, 200000);
        } while ($ready === 0 || ($ready === false && !feof($end)));
        $data = @fread($end, (int) $size);

        return $data === '' || $data === false ? false : $data;
    }

    /**
     * Uses a System V message queue as well as (or instead of) the pipe, as Swoole's
     * useQueue(): push() and pop() then pass messages whole; every process popping from
     * the queue competes for them (mode 2, the default and only mode here).
     */
    public function useQueue($key = 0, $mode = 2, $capacity = -1)
    {
        if (!function_exists('msg_get_queue')) {
            throw new \RuntimeException('the queue option of custom processes needs PHP\'s sysvmsg extension');
        }
        // Swoole's IPC_NOWAIT bit (256) may be OR-ed into the mode; pop() blocks here.
        if (((int) $mode & ~256) !== 2) {
            trigger_error("useQueue(): \$mode: $mode is not implemented: every process pops from the queue in turn (mode 2)", E_USER_WARNING);
        }
        // -1, Swoole's default, leaves the size limit to the system.
        $this->queueCapacity = (int) $capacity > 0 ? (int) $capacity : 65536;
        $this->queue = msg_get_queue((int) $key !== 0 ? (int) $key : ftok(__FILE__, 'l'));

        return true;
    }

    /** Adds a message to the queue; false when the queue is not in use or full. */
    public function push($data)
    {
        return $this->queue !== null && @msg_send($this->queue, 1, (string) $data, false, false);
    }

    /** Takes the next message (blocking); false when the queue is not in use. */
    public function pop($size = 65536)
    {
        if ($this->queue === null) {
            return false;
        }
        $type = 0;
        $message = '';

        return @msg_receive($this->queue, 0, $type, min((int) $size, $this->queueCapacity), $message, false) ? $message : false;
    }

    /** Removes the queue from the system. */
    public function freeQueue()
    {
        $removed = $this->queue !== null && msg_remove_queue($this->queue);
        $this->queue = null;

        return $removed;
    }

    /** Ends the process it is called in. */
    public function exit($status = 0)
    {
        exit((int) $status);
    }

    /** @return resource|null */
    private function end()
    {
        return $this->isSelf ? $this->inside : $this->outside;
    }

    /**
     * The pipes of the enabled `processes`, made before the fork so every process holds
     * them: name => list of Process (one per `num`), and name => definition. Their
     * classes were checked by the child that read the config (ConfigClasses).
     *
     * @param \LaravelS\Config\ProcessConfig[] $definitions
     */
    public static function forDefinitions(array $definitions): array
    {
        $processes = $byName = [];
        foreach ($definitions as $definition) {
            $byName[$definition->name] = $definition;
            for ($i = 0; $i < $definition->num; $i++) {
                $process = new self($definition->name, $definition->pipe);
                if ($definition->queue !== null) {
                    $process->useQueue($definition->queue->msgKey, $definition->queue->mode, $definition->queue->capacity);
                }
                $processes[$definition->name][] = $process;
            }
        }

        return [$processes, $byName];
    }
}
