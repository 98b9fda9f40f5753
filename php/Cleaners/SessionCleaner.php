<?php

namespace LaravelS\Cleaners;

/**
 * Gives the next request a new session store. Without it, the store that the session
 * manager keeps would carry one visitor's session (login, CSRF token, flash data) into
 * the next visitor's request.
 *
 * The redirector is given the new store too: redirect()->with() and back() read and
 * write the store it holds.
 */
class SessionCleaner extends BaseCleaner
{
    public function clean(): void
    {
        $app = $this->currentApp;
        if (!$app->resolved('session')) {
            return;
        }
        $app->make('session')->forgetDrivers();
        $this->forgetResolved('session.store');
        if ($app->resolved('redirect')) {
            $app->make('redirect')->setSession($app->make('session.store'));
        }
    }
}
