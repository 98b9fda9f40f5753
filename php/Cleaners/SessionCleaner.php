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
    /** @var \Illuminate\Contracts\Session\Session|null the fresh store the last clean() made */
    private $fresh;
    /** @var string|null its id when it was made */
    private $freshId;

    public function clean(): void
    {
        $app = $this->currentApp;
        if (!$app->resolved('session')) {
            return;
        }
        // A request that never touched the session (an API route, for one) left the fresh
        // store as it was made: the manager's only driver, same id, nothing in it. Keep
        // it: building a store costs more than the other cleaners together.
        $manager = $app->make('session');
        if ($this->fresh !== null && method_exists($manager, 'getDrivers')) {
            $drivers = $manager->getDrivers();
            $store = $this->fresh;
            if (count($drivers) === 1 && reset($drivers) === $store && $store->getId() === $this->freshId && $store->all() === [] && !$store->isStarted()) {
                // The Container cleaner may have put the booted store back as
                // 'session.store'; the next make() must reach the manager's fresh one.
                $this->forgetResolved('session.store');

                return;
            }
        }
        $manager->forgetDrivers();
        $this->forgetResolved('session.store');
        if ($app->resolved('redirect')) {
            $app->make('redirect')->setSession($app->make('session.store'));
        }
        $this->fresh = $app->make('session.store');
        $this->freshId = $this->fresh->getId();
    }
}
