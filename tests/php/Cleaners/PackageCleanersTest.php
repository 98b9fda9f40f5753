<?php

namespace LaravelS\Tests\Cleaners;

use Illuminate\Foundation\Application;
use LaravelS\Cleaners\CleanerManager;
use LaravelS\Cleaners\DcatAdminCleaner;
use LaravelS\Cleaners\JWTCleaner;
use LaravelS\Cleaners\LaravelAdminCleaner;
use LaravelS\Cleaners\MenuCleaner;
use LaravelS\Cleaners\ZiggyCleaner;
use LaravelS\Tests\Support\ConfigView;
use LaravelS\Tests\Support\TestApp;
use PHPUnit\Framework\Attributes\PreserveGlobalState;
use PHPUnit\Framework\Attributes\RunInSeparateProcess;
use PHPUnit\Framework\TestCase;

/**
 * The cleaners for third-party packages. The "installed" tests load stand-ins for the
 * packages' classes, so each runs in its own process.
 */
final class PackageCleanersTest extends TestCase
{
    private const SERVICES = ['tymon.jwt.auth', 'tymon.jwt.parser', 'Lavary\Menu\Menu', 'admin.asset', 'admin.menu'];
    private const CLEANERS = [JWTCleaner::class, MenuCleaner::class, DcatAdminCleaner::class, LaravelAdminCleaner::class, ZiggyCleaner::class];

    public function testWithoutThePackagesTheirCleanersTouchNothing(): void
    {
        $this->assertFalse(class_exists('Tymon\JWTAuth\JWTAuth'), 'the stand-ins must not be loaded in this process');
        $app = $this->bootWithServices();
        $booted = array_map([$app, 'make'], self::SERVICES);
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => self::CLEANERS]));

        $cleaners->clean();

        $this->assertSame($booted, array_map([$app, 'make'], self::SERVICES));
    }

    /**
     * @runInSeparateProcess
     * @preserveGlobalState disabled
     */
    #[RunInSeparateProcess]
    #[PreserveGlobalState(false)]
    public function testInstalledPackagesGetFreshServices(): void
    {
        require __DIR__ . '/../Fixtures/fake-packages.php';
        $app = $this->bootWithServices();
        $booted = array_map([$app, 'make'], self::SERVICES);
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => self::CLEANERS]));

        $cleaners->clean();

        foreach (self::SERVICES as $i => $service) {
            $this->assertNotSame($booted[$i], $app->make($service), "$service is rebuilt");
        }
    }

    /**
     * @runInSeparateProcess
     * @preserveGlobalState disabled
     */
    #[RunInSeparateProcess]
    #[PreserveGlobalState(false)]
    public function testLaravelAdminPageStateGoesBackToItsDefaults(): void
    {
        require __DIR__ . '/../Fixtures/fake-packages.php';
        $app = TestApp::boot(fn (Application $app) => $app->singleton('Encore\Admin\Admin', fn () => new \Encore\Admin\Admin()));
        $admin = $app->make('Encore\Admin\Admin');
        $cleaners = new CleanerManager($app, ConfigView::cleaners(['cleaners' => [LaravelAdminCleaner::class]]));

        \Encore\Admin\Admin::$script[] = 'alert(1)';
        \Encore\Admin\Admin::$css[] = 'page.css';
        \Encore\Admin\Admin::$manifest = 'other.json';
        \Encore\Admin\Admin::$metaTitle = 'Page';
        \Encore\Admin\Admin::$version = '2.0';
        \Encore\Admin\Admin::booting(fn () => null);
        $cleaners->clean();

        $this->assertSame([], \Encore\Admin\Admin::$script);
        $this->assertSame([], \Encore\Admin\Admin::$css);
        $this->assertSame('vendor/laravel-admin/minify-manifest.json', \Encore\Admin\Admin::$manifest);
        $this->assertNull(\Encore\Admin\Admin::$metaTitle);
        $this->assertSame(0, \Encore\Admin\Admin::bootingCallbackCount(), 'protected page state too');
        $this->assertSame('2.0', \Encore\Admin\Admin::$version, 'other static properties stay');
        $this->assertNotSame($admin, $app->make('Encore\Admin\Admin'));
    }

    /**
     * @runInSeparateProcess
     * @preserveGlobalState disabled
     */
    #[RunInSeparateProcess]
    #[PreserveGlobalState(false)]
    public function testZiggyPrintsItsRoutesOnEveryPage(): void
    {
        require __DIR__ . '/../Fixtures/fake-packages.php';
        $cleaners = new CleanerManager(TestApp::boot(), ConfigView::cleaners(['cleaners' => [ZiggyCleaner::class]]));

        \Tightenco\Ziggy\BladeRouteGenerator::$generated = true;
        $cleaners->clean();

        $this->assertFalse(\Tightenco\Ziggy\BladeRouteGenerator::$generated);
    }

    private function bootWithServices(): Application
    {
        return TestApp::boot(function (Application $app) {
            foreach (self::SERVICES as $service) {
                $app->singleton($service, fn () => new \stdClass());
                $app->make($service);
            }
        });
    }
}
