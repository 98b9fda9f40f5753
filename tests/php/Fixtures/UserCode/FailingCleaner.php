<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use LaravelS\Cleaners\BaseCleaner;

class FailingCleaner extends BaseCleaner
{
    public function clean(): void
    {
        throw new \RuntimeException('cleaner failed');
    }
}
