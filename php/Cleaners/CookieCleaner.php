<?php

namespace LaravelS\Cleaners;

/**
 * Drops cookies queued with Cookie::queue() that the response did not send (the
 * AddQueuedCookiesToResponse middleware was not run, or the request failed), so they
 * are not sent with the next request's response.
 */
class CookieCleaner extends BaseCleaner
{
    public function clean(): void
    {
        if ($this->currentApp->resolved('cookie')) {
            $this->currentApp->make('cookie')->flushQueuedCookies();
        }
    }
}
