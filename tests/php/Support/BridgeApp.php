<?php

namespace LaravelS\Tests\Support;

use Illuminate\Support\Facades\Facade;
use LaravelS\Bridge\Gateway;
use LaravelS\Bridge\ServerEvents;
use LaravelS\Bridge\WorkerLoop;
use LaravelS\Server\WebSocketServer;
use LaravelS\Tests\Fixtures\BridgeApp as Fixture;
use LaravelS\Transport\CurrentTransport;

/**
 * The fixture application of the bridge tests (tests/php/Fixtures/BridgeApp) in a
 * temporary directory, booted by the package's Gateway as a worker boots it, and the
 * worker loop to run it against a FakeTransport in this process.
 */
final class BridgeApp
{
    /** The cleaners the published config lists, as a test app of a user would. */
    public const CLEANERS = [\LaravelS\Cleaners\SessionCleaner::class, \LaravelS\Cleaners\AuthCleaner::class];

    /** @var ThrowawayApp */
    private $dir;

    /** @var array the config view's keys this app replaces (see config()) */
    private $view;

    private function __construct(ThrowawayApp $dir, array $view)
    {
        $this->dir = $dir;
        $this->view = $view;
    }

    /** @param array $laravels keys of config/laravels.php, each replacing the default's whole */
    public static function create(array $laravels = []): self
    {
        $dir = ThrowawayApp::empty();
        $dir->write('bootstrap/app.php', sprintf(<<<'PHP'
<?php
$app = new Illuminate\Foundation\Application(dirname(__DIR__));
// Laravel 11+ would merge its own config files, which Debian's packaging leaves out.
if (method_exists($app, 'dontMergeFrameworkConfiguration')) {
    $app->dontMergeFrameworkConfiguration();
}
$app->singleton(Illuminate\Contracts\Http\Kernel::class, %s::class);
$app->singleton(Illuminate\Contracts\Console\Kernel::class, Illuminate\Foundation\Console\Kernel::class);
$app->singleton(Illuminate\Contracts\Debug\ExceptionHandler::class, %s::class);
return $app;
PHP, Fixture\HttpKernel::class, Fixture\ExceptionHandler::class));
        $dir->write('config/app.php', self::export([
            'name' => 'Bridge', 'env' => 'testing', 'debug' => true, 'url' => 'http://localhost',
            'timezone' => 'UTC', 'locale' => 'en', 'fallback_locale' => 'en',
            'key' => 'base64:' . base64_encode(str_repeat('k', 32)), 'cipher' => 'AES-256-CBC',
            'providers' => [
                \Illuminate\Auth\AuthServiceProvider::class,
                \Illuminate\Cookie\CookieServiceProvider::class,
                \Illuminate\Encryption\EncryptionServiceProvider::class,
                \Illuminate\Filesystem\FilesystemServiceProvider::class,
                \Illuminate\Hashing\HashServiceProvider::class,
                \Illuminate\Session\SessionServiceProvider::class,
                \Illuminate\Translation\TranslationServiceProvider::class,
                \Illuminate\View\ViewServiceProvider::class,
                Fixture\Routes::class,
                Fixture\PerRequestProvider::class,
            ],
            'aliases' => [],
        ]));
        $dir->write('config/auth.php', self::export([
            'defaults' => ['guard' => 'web'],
            'guards' => ['web' => ['driver' => 'session', 'provider' => 'users']],
            'providers' => ['users' => ['driver' => 'eloquent', 'model' => \Illuminate\Auth\GenericUser::class]],
        ]));
        $dir->write('config/session.php', self::export([
            'driver' => 'probe', 'lifetime' => 120, 'expire_on_close' => false, 'encrypt' => false,
            'cookie' => 'bridge_session', 'path' => '/', 'domain' => null, 'secure' => false,
            'http_only' => true, 'same_site' => 'lax', 'lottery' => [0, 100],
        ]));
        $dir->write('config/view.php', self::export(['paths' => [$dir->path . '/resources/views'], 'compiled' => $dir->path . '/storage/views']));
        $laravels = array_replace([
            'cleaners' => self::CLEANERS,
            'websocket' => ['enable' => true, 'handler' => Fixture\ProbeWebSocket::class],
            'sockets' => [
                ['host' => '127.0.0.1', 'port' => 5291, 'type' => 1, 'handler' => Fixture\ProbeTcp::class],
                ['host' => '127.0.0.1', 'port' => 5292, 'type' => 1, 'handler' => Fixture\ProbeHttp::class],
            ],
        ], $laravels);
        $dir->write('config/laravels.php', self::export($laravels));

        return new self($dir, self::view($laravels));
    }

    /**
     * The keys of config/laravels.php as the extension's view has them (the Rust side fills
     * in defaults and numbers the ports; tests/php/Support/ConfigView has the rest).
     */
    private static function view(array $laravels): array
    {
        $view = $laravels;
        if (isset($laravels['destroy_controllers'])) {
            $view['destroy_controllers'] = array_replace(['enable' => false, 'excluded_list' => []], $laravels['destroy_controllers']);
        }
        $view['sockets'] = [];
        foreach (array_values($laravels['sockets']) as $i => $socket) {
            $view['sockets'][] = [
                'index' => $i + 1, 'key' => (string) $i, 'host' => $socket['host'], 'port' => $socket['port'], 'type' => $socket['type'],
                'protocol' => 'tcp', 'tls' => false, 'handler' => $socket['handler'], 'settings' => [],
            ];
        }

        return $view;
    }

    /** The typed config a worker of this app gets. */
    public function config(): \LaravelS\Config\ServerConfig
    {
        return ConfigView::server($this->view);
    }

    public function path(): string
    {
        return $this->dir->path;
    }

    /** Runs a worker (task worker with $taskWorker) until $transport has nothing more to hand out. */
    public function serve(FakeTransport $transport, bool $taskWorker = false): FakeTransport
    {
        $this->loop($transport, $taskWorker)->run();

        return $transport;
    }

    public function loop(FakeTransport $transport, bool $taskWorker = false): WorkerLoop
    {
        $config = $this->config();
        $server = new WebSocketServer([], '127.0.0.1', 5200, $config->sockets, $transport);
        $role = ['role' => 'worker', 'worker_id' => 0, 'task_worker' => $taskWorker, 'master_pid' => 1, 'manager_pid' => 1];

        return new WorkerLoop($this->path(), $config, $role, $server, new ServerEvents([]), $transport, ['X_VERSION' => 'test']);
    }

    /** The application booted as a worker boots it, without a loop around it. */
    public function gateway(): Gateway
    {
        return Gateway::boot($this->path(), $this->config()->cleaners, ['swoole' => new WebSocketServer([])]);
    }

    /** Removes the directory and puts back what a worker changes in its process. */
    public function remove(): void
    {
        $this->dir->remove();
        unset($_ENV['APP_RUNNING_IN_CONSOLE'], $_SERVER['APP_RUNNING_IN_CONSOLE']);
        putenv('APP_RUNNING_IN_CONSOLE');
        CurrentTransport::set(null);
        if (class_exists(\Symfony\Component\VarDumper\VarDumper::class)) {
            \Symfony\Component\VarDumper\VarDumper::setHandler(null);
        }
        Facade::clearResolvedInstances();
        Fixture\ExceptionHandler::$reported = [];
        Fixture\ProbeTask::$log = [];
        Fixture\ProbeWebSocket::$closed = [];
        Fixture\ProbeTcp::$log = [];
        Fixture\Terminable::$log = [];
        Fixture\ProbeSessions::$data = [];
    }

    private static function export(array $config): string
    {
        return '<?php return ' . var_export($config, true) . ";\n";
    }
}
