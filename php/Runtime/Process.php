<?php

namespace LaravelS\Runtime;

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

    /** Blocks until the other side writes; up to $size bytes, or false without a pipe. */
    public function read($size = 8192)
    {
        $end = $this->end();
        if ($end === null) {
            return false;
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
}
