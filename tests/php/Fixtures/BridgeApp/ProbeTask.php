<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

use LaravelS\Task\Task;

/** A task that records where its handle() and finish() ran, and changes the config. */
class ProbeTask extends Task
{
    /** @var string[] */
    public static $log = [];

    public function __construct(public string $name)
    {
    }

    public function handle()
    {
        self::$log[] = "handle {$this->name}";
        config(['app.probe' => "set by task {$this->name}"]);
    }

    public function finish()
    {
        self::$log[] = "finish {$this->name}";
        config(['app.probe' => "set by finish {$this->name}"]);
    }
}
