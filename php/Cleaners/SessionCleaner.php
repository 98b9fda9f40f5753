<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;

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
    /** @var \Illuminate\Session\SessionManager|null the booted session manager */
    private $booted;

    public function __construct(Container $currentApp, Container $snapshotApp)
    {
        parent::__construct($currentApp, $snapshotApp);
        // The Container cleaner, which runs first, puts a booted manager back if a request
        // replaced it: that one is used without a make() per request.
        $this->booted = $currentApp->resolved('session') ? $currentApp->make('session') : null;
    }

    public function clean(): void
    {
        $app = $this->currentApp;
        if ($this->booted === null && !$app->resolved('session')) {
            return;
        }
        // A request that never touched the session (an API route, for one) left the fresh
        // store as it was made: the manager's only driver, same id, nothing in it. Keep
        // it: building a store costs more than the other cleaners together.
        $manager = $this->booted ?? $app->make('session');
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
