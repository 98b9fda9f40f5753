<?php

namespace LaravelS\Contracts;

/**
 * Puts one piece of application state back to its booted value after each request.
 * Listed in config('laravels.cleaners'); constructed once per worker with the live app
 * and the booted snapshot (see LaravelS\Cleaners\BaseCleaner), then clean() runs after
 * every request. Hhxsv5\LaravelS\Illuminate\Cleaners\CleanerInterface is this interface.
 */
interface Cleaner
{
    /**
     * No return type: LaravelS cleaners declare `public function clean()`, and an
     * implementation may not drop a return type its interface declares.
     *
     * @return void
     */
    public function clean();
}
