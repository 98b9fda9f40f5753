<?php

namespace LaravelS\Tests\Cleaners;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;
use LaravelS\Cleaners\CleanerManager;
use LaravelS\Tests\Fixtures\UserCode\CountingProvider;
use LaravelS\Tests\Fixtures\UserCode\FailingCleaner;
use LaravelS\Tests\Fixtures\UserCode\InterfaceOnlyCleaner;
use LaravelS\Tests\Fixtures\UserCode\KeptController;
use LaravelS\Tests\Fixtures\UserCode\LegacyCleaner;
use LaravelS\Tests\Fixtures\UserCode\RecordingCleaner;
use LaravelS\Tests\Fixtures\UserCode\SecondRecordingCleaner;
use LaravelS\Tests\Fixtures\UserCode\ShopController;
use LaravelS\Tests\Support\ConfigView;
use LaravelS\Tests\Support\TestApp;
use PHPUnit\Framework\Attributes\DataProvider;
use PHPUnit\Framework\TestCase;

final class CleanerManagerTest extends TestCase
{
    /** @dataProvider wrongCleaners */
    #[DataProvider('wrongCleaners')]
    public function testAWrongCleanerStopsTheWorkerAtBoot($entry, string $message): void
    {
        $this->expectException(\InvalidArgumentException::class);
        $this->expectExceptionMessageMatches($message);

        new CleanerManager(TestApp::boot(), ConfigView::cleaners(['cleaners' => $entry]));
    }

    /** A 'cleaners' that is not a list of strings stops start-up in the extension (src/config/view_tests.rs). */
    public static function wrongCleaners(): array
    {
        return [
            'missing class' => [['App\Cleaners\Typo'], '/^laravels\.cleaners: class App\\\\Cleaners\\\\Typo does not exist\. Fix: /'],
            'not a cleaner' => [[\stdClass::class], '/^laravels\.cleaners: stdClass is not a cleaner\. Fix: .*LaravelS\\\\Contracts\\\\Cleaner/'],
            'abstract' => [[\LaravelS\Cleaners\BaseCleaner::class], '/BaseCleaner is not a cleaner/'],
        ];
    }

    public function testConfiguredCleanersRunInOrderAfterTheBuiltInOnes(): void
    {
        $app = TestApp::boot(fn (Application $app) => $app->make('config')->set('probe', 'booted'));
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => [SecondRecordingCleaner::class, RecordingCleaner::class]]));
        RecordingCleaner::$log = [];

        $app->make('config')->set('probe', 'changed by the request');
        $cleaners->clean();

        $this->assertSame([
            [SecondRecordingCleaner::class, 'booted'],
            [RecordingCleaner::class, 'booted'],
        ], RecordingCleaner::$log, 'in config order, after ConfigCleaner restored the config');
    }

    public function testCleanersWrittenForLaravelSWork(): void
    {
        $app = TestApp::boot();
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => [
            LegacyCleaner::class,
            InterfaceOnlyCleaner::class,
            'Hhxsv5\LaravelS\Illuminate\Cleaners\SessionCleaner',
            \LaravelS\Cleaners\SessionCleaner::class,
        ]]));
        InterfaceOnlyCleaner::$runs = 0;

        $app->instance('legacy.service', new \stdClass());
        $cleaners->clean();

        $this->assertFalse($app->bound('legacy.service'));
        $this->assertSame(1, InterfaceOnlyCleaner::$runs);
    }

    public function testAFailingCleanerDoesNotStopTheOthers(): void
    {
        $app = TestApp::boot();
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => [FailingCleaner::class, RecordingCleaner::class]]));
        RecordingCleaner::$log = [];

        try {
            $cleaners->clean();
            $this->fail('the failure must reach the caller');
        } catch (\RuntimeException $e) {
            $this->assertSame('cleaner failed', $e->getMessage());
        }
        $this->assertCount(1, RecordingCleaner::$log);
    }

    public function testRegisterProvidersAreRegisteredAndBootedForEachRequest(): void
    {
        $app = TestApp::boot(fn (Application $app) => $app->register(CountingProvider::class));
        $providersAtBoot = count($app->getLoadedProviders());
        $first = $app->make('counted');
        $firstFromProperty = $app->make('counted.from-property');
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['register_providers' => [CountingProvider::class, 'App\Providers\DevOnlyProvider']]));
        CountingProvider::$registered = CountingProvider::$booted = 0;

        $cleaners->cleanProviders();
        $cleaners->cleanProviders();

        $this->assertSame(2, CountingProvider::$registered);
        $this->assertSame(2, CountingProvider::$booted);
        $this->assertNotSame($first, $app->make('counted'), 'its singleton is rebuilt');
        $this->assertNotSame($firstFromProperty, $app->make('counted.from-property'), 'so are those of its $singletons property');
        $this->assertCount($providersAtBoot, $app->getLoadedProviders(), 'the app does not collect a provider per request');
    }

    public function testAWrongProviderStopsTheWorkerAtBoot(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        $this->expectExceptionMessageMatches('/^laravels\.register_providers: stdClass is not a service provider\. Fix: /');

        new CleanerManager(TestApp::boot(), ConfigView::cleaners(['register_providers' => [\stdClass::class]]));
    }

    public function testDestroyControllersDropsTheRoutesController(): void
    {
        [$app, $router] = $this->bootWithRoutes();
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['destroy_controllers' => ['enable' => true, 'excluded_list' => [KeptController::class]]]));

        $this->assertSame('a', $router->dispatch(Request::create('/shop/a'))->getContent());
        $cleaners->destroyControllers();
        $this->assertSame('b', $router->dispatch(Request::create('/shop/b'))->getContent(), 'a new controller: the cart is empty');

        $router->dispatch(Request::create('/kept/a'));
        $cleaners->destroyControllers();
        $this->assertSame('a,b', $router->dispatch(Request::create('/kept/b'))->getContent(), 'excluded controllers are kept');
    }

    public function testControllersAreKeptUnlessEnabled(): void
    {
        [$app, $router] = $this->bootWithRoutes();
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['destroy_controllers' => ['enable' => false, 'excluded_list' => []]]));

        $router->dispatch(Request::create('/shop/a'));
        $cleaners->destroyControllers();

        $this->assertSame('a,b', $router->dispatch(Request::create('/shop/b'))->getContent());
    }

    private function bootWithRoutes(): array
    {
        $app = TestApp::boot(function (Application $app) {
            $app->make('router')->get('/shop/{item}', [ShopController::class, 'add']);
            $app->make('router')->get('/kept/{item}', [KeptController::class, 'add']);
        });

        return [$app, $app->make('router')];
    }
}
