<?php

namespace LaravelS\Cleaners;

/**
 * Forgets the authentication guards, and with them the user they authenticated, so the
 * next request authenticates afresh. The auth manager itself stays, with the custom
 * guards and user providers registered at boot (Auth::extend(), Auth::provider()).
 */
class AuthCleaner extends BaseCleaner
{
    public function clean(): void
    {
        if (!$this->currentApp->resolved('auth')) {
            return;
        }
        $this->currentApp->make('auth')->forgetGuards();
        $this->forgetResolved('auth.driver');
    }
}
