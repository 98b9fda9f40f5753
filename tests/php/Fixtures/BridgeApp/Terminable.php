<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

/** Terminable middleware that records when terminate() ran. */
class Terminable
{
    /** @var string[] */
    public static $log = [];

    public function handle($request, \Closure $next)
    {
        self::$log[] = 'handle ' . $request->path();

        return $next($request);
    }

    public function terminate($request, $response)
    {
        self::$log[] = 'terminate ' . $request->path() . ' ' . $response->getStatusCode();
    }
}
