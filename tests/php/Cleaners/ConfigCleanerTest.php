<?php

namespace LaravelS\Tests\Cleaners;

use LaravelS\Cleaners\CleanerManager;
use LaravelS\Tests\Support\ConfigView;
use LaravelS\Tests\Support\TestApp;
use PHPUnit\Framework\TestCase;

final class ConfigCleanerTest extends TestCase
{
    public function testValuesChangedDuringARequestGoBackToTheirBootedValues(): void
    {
        $app = TestApp::boot();
        $cleaners = new CleanerManager($app, ConfigView::cleaners());
        $config = $app->make('config');

        $config->set('app.locale', 'fr');
        $config->set('auth.defaults.guard', 'api');
        $config->set('session', ['driver' => 'file']);
        $cleaners->clean();

        $this->assertSame('en', $config->get('app.locale'));
        $this->assertSame('web', $config->get('auth.defaults.guard'));
        $this->assertSame('array', $config->get('session.driver'));
        $this->assertSame('Test', $config->get('app.name'), 'untouched values stay');
        $this->assertSame($config, $app->make('config'), 'the repository is restored in place: services holding it see the booted values');
    }

    public function testKeysAddedDuringARequestAreEmptied(): void
    {
        $app = TestApp::boot();
        $cleaners = new CleanerManager($app, ConfigView::cleaners());
        $config = $app->make('config');

        $config->set('demo.v', 'first');
        $cleaners->clean();
        $this->assertNull($config->get('demo.v'));

        $config->set('demo', ['v' => 'second']);
        $cleaners->clean();
        $this->assertNull($config->get('demo.v'));
    }

    public function testKeysMergedByAProviderLoadedDuringARequestAreKept(): void
    {
        // A deferred provider is registered on first use and merges its defaults then.
        $app = TestApp::boot();
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $app->register(ConfigMergingProvider::class);
        $cleaners->clean();
        $this->assertSame('from the package', $app->make('config')->get('package.option'));

        $app->make('config')->set('package.option', 'changed by a request');
        $app->make('config')->set('demo.v', 'set by a later request');
        $cleaners->clean();
        $this->assertSame('from the package', $app->make('config')->get('package.option'), 'and restored like booted keys');
        $this->assertNull($app->make('config')->get('demo.v'), 'only the request that loaded the provider adopts new keys');
    }

    public function testAProviderLoadedByAnEarlierRequestDoesNotKeepLaterKeys(): void
    {
        $app = TestApp::boot();
        $cleaners = new CleanerManager($app, ConfigView::cleaners());

        $app->register(\LaravelS\Tests\Fixtures\UserCode\CountingProvider::class);
        $cleaners->clean();
        $app->make('config')->set('demo.v', 'set by the next request');
        $cleaners->clean();

        $this->assertNull($app->make('config')->get('demo.v'));
    }
}

final class ConfigMergingProvider extends \Illuminate\Support\ServiceProvider
{
    public function register(): void
    {
        $this->app->make('config')->set('package', ['option' => 'from the package']);
    }
}
