<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;

/**
 * Drops cookies queued with Cookie::queue() that the response did not send (the
 * AddQueuedCookiesToResponse middleware was not run, or the request failed), so they
 * are not sent with the next request's response.
 */
class CookieCleaner extends BaseCleaner
{
    /** @var \Illuminate\Cookie\CookieJar|null the booted jar (Gateway::warm() builds it) */
    private $booted;

    public function __construct(Container $currentApp, Container $snapshotApp)
    {
        parent::__construct($currentApp, $snapshotApp);
        // The Container cleaner, which runs first, puts a booted jar back if a request
        // replaced it: that one is flushed without a make() per request.
        $this->booted = $currentApp->resolved('cookie') ? $currentApp->make('cookie') : null;
    }

    public function clean(): void
    {
        if ($this->booted !== null) {
            $this->booted->flushQueuedCookies();
        } elseif ($this->currentApp->resolved('cookie')) {
            $this->currentApp->make('cookie')->flushQueuedCookies();
        }
    }
}
