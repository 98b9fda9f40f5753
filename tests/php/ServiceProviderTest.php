<?php

namespace LaravelS\Tests;

use Illuminate\Config\Repository;
use Illuminate\Container\Container;
use Illuminate\Foundation\Application;
use LaravelS\ServiceProvider;
use PHPUnit\Framework\TestCase;

/** What the package's service provider does to the application that registers it. */
final class ServiceProviderTest extends TestCase
{
    protected function tearDown(): void
    {
        Container::setInstance(null);
    }

    /**
     * Laravel 11+ has a static Application::configure() (it builds a new application);
     * only Lumen's configure() loads a config file. The provider must merge its defaults
     * into this application and leave the global container alone.
     */
    public function testOnLaravelWithAStaticConfigureTheDefaultsAreMergedIntoThisApplication(): void
    {
        $app = new LaravelElevenLikeApplication(sys_get_temp_dir());
        $app->instance('config', new Repository(['app' => ['name' => 'Mine'], 'laravels' => ['listen_port' => 6201]]));

        (new ServiceProvider($app))->register();

        $this->assertSame([], LaravelElevenLikeApplication::$configured, 'Application::configure() was not called');
        $this->assertSame($app, Container::getInstance());
        $this->assertSame(6201, $app['config']->get('laravels.listen_port'), "the app's own setting");
        $this->assertSame('127.0.0.1', $app['config']->get('laravels.listen_ip'), 'package defaults fill the rest');
        $this->assertSame('Mine', $app['config']->get('laravels.timer.global_lock_key'), "read from this app's config");
    }
}

/** A Laravel 8 application with Laravel 11's static configure(), which records its calls. */
final class LaravelElevenLikeApplication extends Application
{
    /** @var list<string|null> */
    public static $configured = [];

    public static function configure(?string $basePath = null)
    {
        self::$configured[] = $basePath;

        return new self($basePath);
    }
}
