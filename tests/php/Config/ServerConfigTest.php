<?php

namespace LaravelS\Tests\Config;

use LaravelS\Config\ListenConfig;
use LaravelS\Config\ProcessQueue;
use LaravelS\Config\ServerConfig;
use LaravelS\Config\SocketConfig;
use LaravelS\Tests\Support\ConfigView;
use PHPUnit\Framework\TestCase;

/** The package's config objects, built from the view as the extension makes it. */
final class ServerConfigTest extends TestCase
{
    public function testTheDefaultViewGivesTypedDefaults(): void
    {
        $config = ConfigView::server();

        $this->assertSame('127.0.0.1:5200', $config->listen->address());
        $this->assertSame(2, $config->workerNum);
        $this->assertSame('/app/storage/laravels.pid', $config->pidFile);
        $this->assertSame('/app/storage/laravels-timer-process.pid', $config->timerPidFile());
        $this->assertSame('/app/storage/laravels-custom-processes.pid', $config->processPidFile());
        $this->assertNull($config->logFile);
        $this->assertFalse($config->websocket->enable);
        $this->assertNull($config->websocket->handler);
        $this->assertSame(ServerConfig::EVENTS, array_keys($config->eventHandlers));
        $this->assertSame([], $config->sockets);
        $this->assertSame([], $config->cleaners->cleaners);
        $this->assertFalse($config->cleaners->destroyControllers);
        $this->assertFalse($config->timer->globalLock->enable);
        $this->assertNull($config->timer->globalLock->key, 'the app name applies, which only the app knows');
        $this->assertSame(60, $config->timer->globalLock->ttl);
        $this->assertSame(['worker_num' => 2, 'task_worker_num' => 0], $config->setting);
    }

    public function testSectionsBecomeTheirObjects(): void
    {
        $config = ConfigView::server([
            'websocket' => ['enable' => true, 'handler' => 'App\Ws'],
            'sockets' => [[
                'index' => 1,
                'key' => 'sockets.1',
                'host' => '::1',
                'port' => 7000,
                'type' => 2,
                'protocol' => 'udp',
                'tls' => false,
                'handler' => 'App\Udp',
                'settings' => ['package_eof' => "\n"],
            ]],
            'processes' => [[
                'name' => 'p',
                'class' => 'App\P',
                'num' => 2,
                'pipe' => 1,
                'redirect' => true,
                'restart_interval' => 5,
                'queue' => ['msg_key' => 0, 'mode' => 2, 'capacity' => 8192],
            ]],
            'timer' => [
                'enable' => true,
                'jobs' => [['class' => 'App\Job', 'args' => [500, true]]],
                'max_wait_time' => 5,
                'global_lock' => ['enable' => true, 'key' => 'shop', 'ttl' => 2],
            ],
            'swoole_tables' => [['name' => 'ws', 'size' => 64, 'conflict_proportion' => 0.2, 'columns' => [['name' => 'v', 'type' => 1, 'size' => 0]]]],
            'destroy_controllers' => ['enable' => true, 'excluded_list' => ['App\Kept']],
        ]);

        $this->assertSame('App\Ws', $config->websocket->handler);
        $socket = $config->sockets[0];
        $this->assertInstanceOf(SocketConfig::class, $socket);
        $this->assertSame(
            [1, 'sockets.1', 'udp', 'App\Udp', ['package_eof' => "\n"]],
            [$socket->index, $socket->key, $socket->protocol, $socket->handler, $socket->settings]
        );
        $this->assertSame(
            ['p', 2, 1, true],
            [$config->processes[0]->name, $config->processes[0]->num, $config->processes[0]->pipe, $config->processes[0]->redirect]
        );
        $this->assertEquals(new ProcessQueue(0, 2, 8192), $config->processes[0]->queue);
        $this->assertSame(['App\Job', [500, true]], [$config->timer->jobs[0]->class, $config->timer->jobs[0]->args]);
        $this->assertSame(['shop', 2], [$config->timer->globalLock->key, $config->timer->globalLock->ttl]);
        $this->assertSame(['ws', 64, 'v'], [$config->swooleTables[0]->name, $config->swooleTables[0]->size, $config->swooleTables[0]->columns[0]->name]);
        $this->assertSame([true, ['App\Kept']], [$config->cleaners->destroyControllers, $config->cleaners->keptControllers]);
    }

    public function testAViewOfTheWrongShapeIsAnError(): void
    {
        // The view comes from the extension; PHP does not coerce it ('false' is no bool here).
        $this->expectException(\TypeError::class);

        ConfigView::server(['handle_static' => 'false']);
    }

    public function testListenAddresses(): void
    {
        $this->assertSame('[::1]:6103', (new ListenConfig('::1', 6103, 3, false, false))->address());
        $this->assertSame('unix:/run/l.sock', (new ListenConfig('/run/l.sock', 0, 5, true, false))->address());
        // Without the extension (artisan info), as written.
        $this->assertSame('[::1]:6103', ListenConfig::unparsed(['listen_ip' => '::1', 'listen_port' => 6103])->address());
        $this->assertSame('unix:/run/l.sock', ListenConfig::unparsed(['listen_ip' => '/run/l.sock', 'socket_type' => 5])->address());
        $this->assertSame('127.0.0.1:5200', ListenConfig::unparsed([])->address());
    }

    public function testNoPackageFileReadsALaravelsKey(): void
    {
        // The view is the package's only source of settings. config('laravels') as a whole
        // is read where it is handed to the extension or written to storage/laravels.conf.
        $wholeArray = ['Console/AppConfig.php', 'Console/Commands/LaravelSCommand.php'];
        $root = dirname(__DIR__, 3) . '/php/';
        $files = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($root, \FilesystemIterator::SKIP_DOTS));
        $checked = 0;
        foreach ($files as $file) {
            $name = substr($file->getPathname(), strlen($root));
            if (!str_ends_with($name, '.php') || str_starts_with($name, 'Config/')) {
                continue;
            }
            $code = '';
            foreach (token_get_all((string) file_get_contents($file->getPathname())) as $token) {
                // Comments may name keys (config('laravels.cleaners')); code may not read them.
                $code .= is_array($token) ? (in_array($token[0], [T_COMMENT, T_DOC_COMMENT], true) ? '' : $token[1]) : $token;
            }
            $this->assertDoesNotMatchRegularExpression("/(config\\(|->get\\()\\s*'laravels\\./", $code, "$name reads a laravels.* key");
            if (!in_array($name, $wholeArray, true)) {
                $this->assertDoesNotMatchRegularExpression("/(config\\(|->get\\()\\s*'laravels'/", $code, "$name reads config('laravels')");
            }
            $checked++;
        }
        $this->assertGreaterThan(50, $checked);
    }
}
