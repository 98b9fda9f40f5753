<?php

namespace LaravelS\Task;

/**
 * What app('swoole')->task(), taskwait() and taskWaitMulti() send to a task worker: the
 * user's data with the task id and the sender's worker id (Swoole's onTask arguments), and
 * on the way back the result. Crosses processes with serialize(), like Swoole's own
 * packing of non-string task data.
 *
 * @internal
 */
final class SwooleTask
{
    /** @var bool whether the task worker gave a result (returned non-null, or called finish()) */
    public $done = false;
    /** @var mixed */
    public $result;
    /** @var bool whether finish() already sent the result (the task worker's side only) */
    public $sent = false;

    /** @param mixed $data what the caller passed */
    public function __construct(public int $id, public int $srcWorkerId, public mixed $data)
    {
    }

    /** Sets the result, as Swoole's finish() or a non-null onTask return value does. */
    public function finish(mixed $result): void
    {
        $this->result = $result;
        $this->done = true;
    }

    /** The way back carries the result only: the origin knows what it sent. */
    public function __serialize(): array
    {
        return $this->done
            ? ['id' => $this->id, 'src' => $this->srcWorkerId, 'done' => true, 'result' => $this->result]
            : ['id' => $this->id, 'src' => $this->srcWorkerId, 'done' => false, 'data' => $this->data];
    }

    public function __unserialize(array $values): void
    {
        $this->id = $values['id'];
        $this->srcWorkerId = $values['src'];
        $this->done = $values['done'];
        $this->data = $values['data'] ?? null;
        $this->result = $values['result'] ?? null;
    }
}
