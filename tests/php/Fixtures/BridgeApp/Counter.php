<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

/** A singleton bound at boot that requests change: each request must get a fresh one. */
class Counter
{
    /** @var int */
    public $n = 0;
}
