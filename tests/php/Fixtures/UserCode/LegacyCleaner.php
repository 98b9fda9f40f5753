<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use Hhxsv5\LaravelS\Illuminate\Cleaners\BaseCleaner;

/** A cleaner as written for LaravelS: Hhxsv5 base class, clean() without a return type. */
class LegacyCleaner extends BaseCleaner
{
    public function clean()
    {
        $this->currentApp->forgetInstance('legacy.service');
    }
}
