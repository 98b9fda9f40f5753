<?php

namespace App\Events;

use Hhxsv5\LaravelS\Swoole\Task\Event;

/** The README's asynchronous event; its second listener stops propagation. */
class TestEvent extends Event
{
    protected $listeners = [
        \App\Listeners\RecordListener::class,
        \App\Listeners\StopListener::class,
        \App\Listeners\NeverListener::class,
    ];

    private $data;

    public function __construct($data)
    {
        $this->data = $data;
    }

    public function getData()
    {
        return $this->data;
    }
}
