<?php

namespace LaravelS\Tests\Console;

use LaravelS\Tests\Support\ThrowawayApp;
use PHPUnit\Framework\Attributes\DataProvider;
use PHPUnit\Framework\TestCase;

/** `php artisan laravels ...` in throwaway Laravel and Lumen applications (8, or 10 in the PHP 8.4 root). */
final class LaravelSCommandTest extends TestCase
{
    private const PACKAGE = __DIR__ . '/../../..';

    /** @var ThrowawayApp|null */
    private $app;

    public static function frameworks(): array
    {
        return ['Laravel' => ['laravel'], 'Lumen' => ['lumen']];
    }

    /** @dataProvider frameworks */
    #[DataProvider('frameworks')]
    public function testPublishCopiesTheConfigAndTheRunner(string $framework): void
    {
        $this->app = ThrowawayApp::$framework();

        $run = $this->artisanOk('laravels', 'publish');

        $config = $this->app->path . '/config/laravels.php';
        $runner = $this->app->path . '/bin/laravels';
        $this->assertFileEquals(self::PACKAGE . '/config/laravels.php', $config);
        $this->assertFileEquals(self::PACKAGE . '/bin/laravels', $runner);
        $this->assertSame(0755, fileperms($runner) & 0777);
        $this->assertStringContainsString("to $config", $run['out']);
        $this->assertStringContainsString("to $runner", $run['out']);
        // The seed's outside watchers: ./bin/fswatch [dir] and ./bin/inotify [dir].
        foreach (['fswatch', 'inotify'] as $script) {
            $copy = $this->app->path . "/bin/$script";
            $this->assertFileEquals(self::PACKAGE . "/bin/$script", $copy);
            $this->assertSame(0755, fileperms($copy) & 0777);
            $this->assertStringContainsString("to $copy", $run['out']);
        }
    }

    /** @dataProvider frameworks */
    #[DataProvider('frameworks')]
    public function testPublishKeepsAnEditedConfigUnlessForced(string $framework): void
    {
        $this->app = ThrowawayApp::$framework();
        $this->app->write('config/laravels.php', "<?php\nreturn ['listen_port' => 6101];\n");
        $config = $this->app->path . '/config/laravels.php';

        $run = $this->artisanOk('laravels', 'publish');
        $this->assertStringContainsString("Kept $config", $run['out']);
        $this->assertStringContainsString('6101', file_get_contents($config));
        $this->assertFileExists($this->app->path . '/bin/laravels', 'the runner is always refreshed');

        $this->artisanOk('laravels', 'publish', '--force');
        $this->assertFileEquals(self::PACKAGE . '/config/laravels.php', $config);
    }

    /** @dataProvider frameworks */
    #[DataProvider('frameworks')]
    public function testConfigWritesTheResolvedConfiguration(string $framework): void
    {
        $this->app = ThrowawayApp::$framework();
        $this->app->write('config/laravels.php', "<?php\nreturn ['listen_port' => 6102, 'swoole' => ['worker_num' => 2]];\n");

        $run = $this->artisanOk('laravels', 'config', '-d', '--x-version=1.2.3');

        $file = $this->app->path . '/storage/laravels.conf';
        $this->assertStringContainsString("Wrote $file", $run['out']);
        $conf = json_decode(file_get_contents($file), true);
        $this->assertSame(6102, $conf['laravels']['listen_port'], "the app's own config/laravels.php");
        $this->assertSame(['worker_num' => 2, 'daemonize' => true], $conf['laravels']['swoole']);
        $this->assertSame('127.0.0.1', $conf['laravels']['listen_ip'], 'package defaults fill the rest');
        $this->assertSame($this->app->path, $conf['root_path']);
        $this->assertSame($framework === 'lumen', $conf['is_lumen']);
        $this->assertSame('1.2.3', $conf['x_version']);
    }

    public function testConfigRecordsTheEnvironmentOption(): void
    {
        $this->app = ThrowawayApp::laravel();

        $this->artisanOk('laravels', 'config', '--env=staging');

        $this->assertSame('staging', json_decode(file_get_contents($this->app->path . '/storage/laravels.conf'), true)['env']);
    }

    /** @dataProvider frameworks */
    #[DataProvider('frameworks')]
    public function testInfoShowsVersionsAndTheListenAddress(string $framework): void
    {
        $this->app = ThrowawayApp::$framework();
        $this->app->write('config/laravels.php', "<?php\nreturn ['listen_ip' => '::1', 'listen_port' => 6103];\n");

        $out = $this->artisanOk('laravels', 'info')['out'];

        $this->assertMatchesRegularExpression('/PHP\s+\|\s+' . preg_quote(PHP_VERSION, '/') . '/', $out);
        $this->assertMatchesRegularExpression('/laravels extension\s+\|\s+' . preg_quote(phpversion('laravels') ?: 'not loaded', '/') . '/', $out);
        // LaravelS's labels: its console application's name, "Laravel Framework" for Laravel
        // and Lumen alike, with the environment. Lumen 8 and 10 come with the Illuminate
        // components of their own major version.
        $major = explode('.', \Illuminate\Foundation\Application::VERSION)[0];
        $frameworkRow = $framework === 'lumen'
            ? "/Laravel Framework \\[\\w+\\]\\s+\\|\\s+Lumen \\($major\\./"
            : "/Laravel Framework \\[\\w+\\]\\s+\\|\\s+$major\\.\\d+\\.\\d+/";
        $this->assertMatchesRegularExpression($frameworkRow, $out);
        $router = $framework === 'lumen' ? 'Lumen Router' : 'Laravel Router';
        $this->assertMatchesRegularExpression("/Main HTTP\\s+\\|\\s+On\\s+\\|\\s+$router\\s+\\|\\s+http:\\/\\/\\[::1\\]:6103/", $out);
    }

    public function testStartIsTheRunnersJob(): void
    {
        $this->app = ThrowawayApp::laravel();

        $run = $this->app->artisan('laravels', 'start');

        $this->assertSame(1, $run['code']);
        $this->assertStringContainsString('php bin/laravels start (run php artisan laravels publish first)', $run['out']);
    }

    private function artisanOk(string ...$args): array
    {
        $run = $this->app->artisan(...$args);
        $this->assertSame(0, $run['code'], $run['out'] . $run['err']);
        $this->assertSame('', $run['err']);

        return $run;
    }

    protected function tearDown(): void
    {
        if ($this->app !== null) {
            $this->app->remove();
        }
    }
}
