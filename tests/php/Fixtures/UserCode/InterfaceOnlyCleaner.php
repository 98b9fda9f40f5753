<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use Hhxsv5\LaravelS\Illuminate\Cleaners\CleanerInterface;

/** A cleaner that implements LaravelS's interface only, with no constructor. */
class InterfaceOnlyCleaner implements CleanerInterface
{
    /** @var int */
    public static $runs = 0;

    public function clean()
    {
        self::$runs++;
    }
}
