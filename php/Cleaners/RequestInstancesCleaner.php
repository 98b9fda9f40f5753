<?php

namespace LaravelS\Cleaners;

/**
 * Forgets every shared instance a request created, so each request builds its own
 * singletons, as under php-fpm: the container cleaner's behaviour before resident
 * singletons became the default. List it in `cleaners` to get it; it then takes the
 * container cleaner's place, first, wherever it is in the list.
 *
 * It costs what it says: a service first used in a request (a Redis or database
 * connection from a deferred provider, the translator) is built, and connects, again
 * for every request. Booted instances are kept either way.
 */
class RequestInstancesCleaner extends ContainerCleaner
{
    protected function keepsRequestInstances(): bool
    {
        return false;
    }
}
