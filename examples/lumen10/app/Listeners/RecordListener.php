<?php

namespace App\Listeners;

use App\Tasks\TestTask;
use Hhxsv5\LaravelS\Swoole\Task\Event;
use Hhxsv5\LaravelS\Swoole\Task\Listener;

/** Records that it ran, and delivers a task from the task worker, as the README allows. */
class RecordListener extends Listener
{
    public function handle(Event $event)
    {
        Trace::record($event->getData(), 'record');
        TestTask::deliver(new TestTask($event->getData() . '-from-listener'));
    }
}
