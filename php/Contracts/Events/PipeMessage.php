<?php

namespace LaravelS\Contracts\Events;

/**
 * A handler listed under config('laravels.event_handlers.PipeMessage'): Swoole's
 * onPipeMessage, in the worker or task worker app('swoole')->sendMessage() named, between
 * two of its requests (or tasks), with the sender's worker id and the message.
 */
interface PipeMessage
{
    public function handle(\Swoole\Http\Server $server, $srcWorkerId, $message);
}
