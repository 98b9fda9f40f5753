<?php

namespace LaravelS\Task;

/** A listener of an asynchronous Event (`Hhxsv5\LaravelS\Swoole\Task\Listener`). */
abstract class Listener
{
    /** Returning false stops the listeners after this one. */
    abstract public function handle(Event $event);
}
