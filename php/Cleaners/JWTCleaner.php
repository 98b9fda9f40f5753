<?php

namespace LaravelS\Cleaners;

/**
 * tymon/jwt-auth: forgets its services, which hold the request's token and user.
 * Does nothing when the package is not installed.
 */
class JWTCleaner extends BaseCleaner
{
    private const SERVICES = [
        'tymon.jwt',
        'tymon.jwt.auth',
        'tymon.jwt.parser',
        'tymon.jwt.claim.factory',
        'tymon.jwt.manager',
    ];

    public function clean(): void
    {
        if (class_exists('Tymon\JWTAuth\JWTAuth')) {
            $this->forgetResolved(...self::SERVICES);
        }
    }
}
