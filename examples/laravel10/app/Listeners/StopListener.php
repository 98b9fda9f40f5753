<?php

namespace App\Listeners;

use Hhxsv5\LaravelS\Swoole\Task\Event;
use Hhxsv5\LaravelS\Swoole\Task\Listener;

class StopListener extends Listener
{
    public function handle(Event $event)
    {
        Trace::record($event->getData(), 'stop');

        return false; // the listeners after this one do not run
    }
}
