<?php

namespace LaravelS\Tests\Fixtures\UserCode;

use Illuminate\Support\ServiceProvider;

/** A provider whose singleton must be new in every request; counts its calls. */
class CountingProvider extends ServiceProvider
{
    /** @var int */
    public static $registered = 0;
    /** @var int */
    public static $booted = 0;

    public $singletons = ['counted.from-property' => \ArrayObject::class];

    public function register(): void
    {
        self::$registered++;
        $this->app->singleton('counted', fn () => new \ArrayObject());
    }

    public function boot(): void
    {
        self::$booted++;
    }
}
