<?php

namespace LaravelS\Tests;

use Illuminate\Config\Repository;
use Illuminate\Foundation\Application;
use LaravelS\Cleaners\AuthCleaner;
use LaravelS\Cleaners\SessionCleaner;
use LaravelS\ServiceProvider;
use PHPUnit\Framework\TestCase;

/**
 * config/laravels.php is a compatibility contract: every key of LaravelS's published
 * config, with its default and its LARAVELS_* variable.
 */
final class ConfigFileTest extends TestCase
{
    /** LaravelS's config keys and defaults (nested arrays of settings flattened with dots). */
    private const LARAVELS_DEFAULTS = [
        'listen_ip' => '127.0.0.1',
        'listen_port' => 5200,
        'socket_type' => 1,
        'server' => '',
        'handle_static' => false,
        'laravel_base_path' => '/srv/app',
        'inotify_reload.enable' => false,
        'inotify_reload.watch_path' => '/srv/app',
        'inotify_reload.file_types' => ['.php'],
        'inotify_reload.excluded_dirs' => [],
        'inotify_reload.log' => true,
        'event_handlers' => [],
        'websocket.enable' => false,
        'sockets' => [],
        'processes' => [],
        'timer.enable' => false,
        'timer.jobs' => [],
        'timer.max_wait_time' => 5,
        'timer.global_lock' => false,
        'timer.global_lock_key' => 'Shop',
        'swoole_tables' => [],
        'register_providers' => [],
        'cleaners' => null, // ours differs on purpose, see testSessionAndAuthAreCleanedByDefault
        'destroy_controllers.enable' => false,
        'destroy_controllers.excluded_list' => [],
        'swoole.daemonize' => false,
        'swoole.dispatch_mode' => 3,
        'swoole.worker_num' => 30,
        'swoole.task_ipc_mode' => 1,
        'swoole.task_max_request' => 100000,
        'swoole.task_tmpdir' => null, // /dev/shm or /tmp, machine-dependent
        'swoole.max_request' => 100000,
        'swoole.open_tcp_nodelay' => true,
        'swoole.pid_file' => '/srv/app/storage/laravels.pid',
        'swoole.log_level' => 4,
        'swoole.log_file' => null, // dated
        'swoole.document_root' => '/srv/app/public',
        'swoole.buffer_output_size' => 2097152,
        'swoole.socket_buffer_size' => 8388608,
        'swoole.package_max_length' => 4194304,
        'swoole.reload_async' => true,
        'swoole.max_wait_time' => 60,
        'swoole.enable_reuse_port' => true,
        'swoole.enable_coroutine' => false,
        'swoole.upload_tmp_dir' => null, // /dev/shm or /tmp
        'swoole.http_compression' => false,
    ];

    /** LaravelS's environment variables and the key each one sets. */
    private const LARAVELS_ENV = [
        'LARAVELS_LISTEN_IP' => 'listen_ip',
        'LARAVELS_LISTEN_PORT' => 'listen_port',
        'LARAVELS_SERVER' => 'server',
        'LARAVELS_HANDLE_STATIC' => 'handle_static',
        'LARAVEL_BASE_PATH' => 'laravel_base_path',
        'LARAVELS_INOTIFY_RELOAD' => 'inotify_reload.enable',
        'LARAVELS_TIMER' => 'timer.enable',
        'LARAVELS_DAEMONIZE' => 'swoole.daemonize',
        'LARAVELS_DISPATCH_MODE' => 'swoole.dispatch_mode',
        'LARAVELS_WORKER_NUM' => 'swoole.worker_num',
        'LARAVELS_TASK_MAX_REQUEST' => 'swoole.task_max_request',
        'LARAVELS_MAX_REQUEST' => 'swoole.max_request',
        'LARAVELS_LOG_LEVEL' => 'swoole.log_level',
        'LARAVELS_HTTP_COMPRESSION' => 'swoole.http_compression',
    ];

    /** @var string[] */
    private $setEnv = [];

    public function testEveryLaravelSKeyIsThereWithItsDefault(): void
    {
        $config = new Repository(['laravels' => $this->load()]);

        foreach (self::LARAVELS_DEFAULTS as $key => $default) {
            $this->assertTrue($config->has("laravels.$key"), "laravels.$key is missing");
            if ($default !== null) {
                $this->assertSame($default, $config->get("laravels.$key"), "default of laravels.$key");
            }
        }
        $this->assertContains($config->get('laravels.swoole.upload_tmp_dir'), ['/dev/shm', '/tmp']);
        $this->assertMatchesRegularExpression('#^/srv/app/storage/logs/swoole-\d{4}-\d{2}\.log$#', $config->get('laravels.swoole.log_file'));
    }

    public function testEveryLaravelSVariableSetsItsKey(): void
    {
        foreach (array_keys(self::LARAVELS_ENV) as $i => $name) {
            $this->setEnv($name, "value-$i");
        }
        $config = new Repository(['laravels' => $this->load()]);

        foreach (array_values(self::LARAVELS_ENV) as $i => $key) {
            $this->assertSame("value-$i", $config->get("laravels.$key"), "laravels.$key");
        }
    }

    public function testSessionAndAuthAreCleanedByDefault(): void
    {
        $this->assertSame([SessionCleaner::class, AuthCleaner::class], $this->load()['cleaners']);
    }

    public function testOurSettingsHaveTheirDocumentedDefaults(): void
    {
        $laravels = $this->load();

        $this->assertSame([], $laravels['trusted_proxies']);
        $this->assertSame(60, $laravels['swoole']['max_request_time']);
        $this->assertSame('0', $laravels['swoole']['worker_memory_limit']);
        $this->assertSame(16384, $laravels['swoole']['max_header_size']);
        $this->assertSame(10000, $laravels['swoole']['max_connection']);
        $this->assertSame(0, $laravels['inotify_reload']['poll_ms']);
        $this->assertSame(['max_requests' => 1024, 'max_wait_seconds' => 30], $laravels['queue']);

        $this->setEnv('LARAVELS_MAX_REQUEST_TIME', '5');
        $this->setEnv('LARAVELS_WORKER_MEMORY_LIMIT', '256M');
        $this->setEnv('LARAVELS_INOTIFY_POLL_MS', '500');
        $this->setEnv('LARAVELS_QUEUE_MAX_REQUESTS', '3');
        $laravels = $this->load();
        $this->assertSame('500', $laravels['inotify_reload']['poll_ms']);
        $this->assertSame('3', $laravels['queue']['max_requests']);
        $this->assertSame('5', $laravels['swoole']['max_request_time']);
        $this->assertSame('256M', $laravels['swoole']['worker_memory_limit']);
    }

    public function testTheProviderMergesTheDefaultsUnderTheAppsOwnValues(): void
    {
        $app = $this->app(['laravels' => ['listen_port' => 6100, 'swoole' => ['worker_num' => 2]]]);

        (new ServiceProvider($app))->register();

        $config = $app->make('config');
        $this->assertSame(6100, $config->get('laravels.listen_port'), "the app's value wins");
        $this->assertSame(['worker_num' => 2], $config->get('laravels.swoole'), 'top-level keys are merged, not nested ones');
        $this->assertSame('127.0.0.1', $config->get('laravels.listen_ip'), 'missing keys come from the package');
    }

    private function load(): array
    {
        $this->app();

        return require dirname(__DIR__, 2) . '/config/laravels.php';
    }

    /** A plain, unbooted application: the config file needs only the path helpers and config(). */
    private function app(array $config = []): Application
    {
        $app = new Application('/srv/app');
        $app->instance('config', new Repository(['app' => ['name' => 'Shop']] + $config));

        return $app;
    }

    private function setEnv(string $name, string $value): void
    {
        $this->setEnv[] = $name;
        $_SERVER[$name] = $_ENV[$name] = $value;
    }

    protected function tearDown(): void
    {
        foreach ($this->setEnv as $name) {
            unset($_SERVER[$name], $_ENV[$name]);
        }
    }
}
