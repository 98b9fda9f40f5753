<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use LaravelS\Cleaners\BaseCleaner;

/** Records its class and what config('probe') was when it ran. */
class RecordingCleaner extends BaseCleaner
{
    /** @var array */
    public static $log = [];

    public function clean(): void
    {
        self::$log[] = [static::class, $this->currentApp->make('config')->get('probe')];
    }
}
