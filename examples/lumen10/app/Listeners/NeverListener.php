<?php

namespace App\Listeners;

use Hhxsv5\LaravelS\Swoole\Task\Event;
use Hhxsv5\LaravelS\Swoole\Task\Listener;

class NeverListener extends Listener
{
    public function handle(Event $event)
    {
        Trace::record($event->getData(), 'never');
    }
}
