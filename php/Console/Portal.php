<?php

namespace LaravelS\Console;

use LaravelS\Bridge\Gateway;
use LaravelS\Bridge\ProcessEnvironment;
use LaravelS\Bridge\ProcessLoop;
use LaravelS\Bridge\Release;
use LaravelS\Bridge\ServerEvents;
use LaravelS\Bridge\StaleScripts;
use LaravelS\Bridge\TimerLoop;
use LaravelS\Bridge\WorkerLoop;
use LaravelS\Components\Prometheus\MetricStore;
use LaravelS\Config\ServerConfig;
use LaravelS\Runtime\ConfigException;
use LaravelS\Runtime\Server;
use LaravelS\Runtime\Process;
use LaravelS\Runtime\StartException;
use LaravelS\Server\HttpServer;
use LaravelS\Server\WebSocketServer;
use LaravelS\Server\SwooleTables;
use LaravelS\Transport\ExtensionTransport;
use LaravelS\Transport\ProcessRole;

/**
 * `php bin/laravels start|stop|restart|reload|status|info|help`: the operator's entry point.
 *
 * `start` boots the application once, in a child process that exits after, to read
 * config('laravels'), has the extension parse it into the typed ServerConfig every process
 * then reads (the workers are forked from here), and becomes the master, which loads none
 * of the app's classes; each worker boots the application after its fork, from the
 * release `laravel_base_path` (or the link the command ran from) points to then.
 */
final class Portal
{
    private const USAGE = <<<'TXT'
Usage: php bin/laravels {start|stop|restart|reload|status|info|help} [options]

Commands:
  start     Start the server and print its processes
  stop      Stop gracefully: in-flight requests finish (up to swoole.max_wait_time)
  restart   stop, then start
  reload    Replace the workers without dropping a connection; new workers run the current code
  status    Show each process of the running server: pid, idle or busy on what, requests, memory
            (--json: the same for scripts)
  info      Show versions and the listen address
  help      Show this help

Options for start and restart:
  -d, --daemonize        Run in the background (overrides swoole.daemonize)
  -e, --env=ENV          Use .env.ENV (Laravel's APP_ENV)
  -i, --ignore           Do not refuse to start when the pid file names a running process
  -x, --x-version=VER    Record a version in $_ENV['X_VERSION'] and $_SERVER['X_VERSION']
  --enable-apollo        Pull the .env file from Apollo before starting (with the options below)
  --apollo-server=URL    Apollo's config service, e.g. http://127.0.0.1:8080 (required)
  --apollo-app-id=ID     The app's id in Apollo (required)
  --apollo-namespaces=NS A namespace to pull; repeat for several (default: application)
  --apollo-cluster=NAME  The cluster (default: default)
  --apollo-client-ip=IP  This instance's IP, for grey releases (default: its first non-loopback IPv4)
  --apollo-pull-timeout=S  Seconds a pull may take (default: 5)
  --apollo-backup-old-env  Keep the replaced .env as .env.YmdHis

TXT;

    /** @var Output */
    private $out;
    /** The app's directory as the command named it: through a `current` link, the link. */
    private string $startedFrom;

    /** @param string $basePath the app's real path (bin/laravels' directory, resolved) */
    public function __construct(private string $basePath)
    {
        $this->out = new Output();
        $this->startedFrom = $basePath;
    }

    public function run(array $argv): int
    {
        $this->startedFrom = Release::namedPath($argv[0] ?? '', $this->basePath);
        $args = Arguments::parse(array_slice($argv, 1));
        if ($args->error !== null) {
            $this->out->error($args->error);
            $this->out->plain(self::USAGE);

            return 2;
        }
        switch ($args->command) {
            case 'start':
                return $this->start($args);
            case 'stop':
                return $this->stop();
            case 'restart':
                return $this->restart($args);
            case 'reload':
                return $this->reload();
            case 'status':
                return $this->status($args);
            case 'info':
                return $this->info();
            case 'help':
            case '':
                $this->out->plain(self::USAGE);

                return 0;
            default:
                $this->out->error("unknown command '{$args->command}'");
                $this->out->plain(self::USAGE);

                return 2;
        }
    }

    /**
     * stop, then start once the old master and every process under it are gone (a worker
     * still finishing a request keeps its port and its resources); with -d, returns once
     * the new master has written its pid file and accepts connections.
     */
    private function restart(Arguments $args): int
    {
        $pidFile = $this->pidFile();
        if ($pidFile === null) {
            return 1;
        }
        $old = PidFile::runningPid($pidFile);
        $family = $old === null ? [] : [$old, ...PidFile::descendants($old)];
        $code = $this->stop();
        if ($code !== 0) {
            return $code;
        }
        if ($family !== []) {
            $this->out->info(sprintf('waiting for the %d process(es) of master pid %d to exit...', count($family), $old));
            $started = microtime(true);
            while (($left = array_values(array_filter($family, [PidFile::class, 'isAlive']))) !== []) {
                if (microtime(true) - $started > 120) {
                    $this->out->error(sprintf('pid(s) %s of the old server still run after 120s; kill them and start again', implode(', ', $left)));

                    return 1;
                }
                usleep(20000);
            }
        }

        return $this->start($args, $old);
    }

    /**
     * After a daemonized start that replaces $old: waits until the new master's pid file
     * names a live process other than $old and its address accepts a connection.
     */
    private function awaitServing(ServerConfig $config, ?int $old): int
    {
        $listen = $config->listen;
        $target = $listen->unix ? 'unix://' . $listen->ip : sprintf('tcp://%s', self::connectAddress($listen->ip, $listen->port));
        $started = microtime(true);
        while (microtime(true) - $started < 60) {
            $pid = PidFile::runningPid($config->pidFile);
            if ($pid !== null && $pid !== $old && ($client = @stream_socket_client($target, $errno, $error, 1)) !== false) {
                fclose($client);
                $this->out->info(sprintf('restarted: master pid %d serves %s', $pid, $listen->address()));

                return 0;
            }
            usleep(20000);
        }
        $this->out->error('the new server did not answer on ' . $listen->address() . ' within 60s; see the log file');

        return 1;
    }

    /** Where to connect to reach a server listening on $ip (every interface: this host). */
    private static function connectAddress(string $ip, int $port): string
    {
        $ip = match ($ip) {
            '0.0.0.0', '' => '127.0.0.1',
            '::' => '::1',
            default => $ip,
        };

        return str_contains($ip, ':') ? "[$ip]:$port" : "$ip:$port";
    }

    /** @param int|null $replacing the old master's pid when restarting */
    private function start(Arguments $args, ?int $replacing = null): int
    {
        if (!$this->extensionLoaded()) {
            return 1;
        }
        if ($args->env !== null) {
            $this->setEnv('APP_ENV', $args->env);
        }
        if ($args->xVersion !== null) {
            $this->setEnv('X_VERSION', $args->xVersion);
        }
        if (!(new ApolloPull($this->out))->run($args->apollo, $this->basePath)) {
            return 1;
        }
        // What each process puts back before it boots the app: not the .env values a read
        // of the config in this process would load, so a reload reads an edited .env again.
        ProcessEnvironment::capture();
        // The app's classes are looked at in the child that reads the config, so this
        // process (the master to be) loads none of them.
        $app = $this->readApp(fn (AppConfig $app) => ConfigClasses::problem($app->laravels, $this->basePath));
        if ($app === null) {
            return 1;
        }
        [$app, $problem] = $app;
        if ($problem !== null) {
            $this->out->error($problem);

            return 1;
        }
        if ($args->daemonize) {
            $app->daemonize();
        }
        $config = $this->parse($app);
        if ($config === null) {
            return 1;
        }
        $pidFile = $config->pidFile;
        $running = PidFile::runningPid($pidFile);
        if ($running !== null && !$args->ignore) {
            $this->out->error("LaravelS is already running (master pid $running, from $pidFile). Use stop or restart, or -i to ignore the pid file");

            return 1;
        }
        $app->writeRuntimeConfig($args);

        try {
            $server = new Server($app->laravels, $this->basePath);
        } catch (ConfigException | StartException $e) {
            $this->out->error($e->getMessage());

            return 1;
        }
        $events = new ServerEvents($config->eventHandlers, false);
        foreach ($server->warnings() as $warning) {
            $this->out->warning($warning);
        }
        foreach ($config->notes as $note) {
            $this->out->info($note);
        }
        $this->out->info(sprintf(
            'starting %s (%s) with %d worker(s) and %d task worker(s) on %s',
            $app->name,
            $app->framework(),
            $server->workerNum(),
            $server->taskWorkerNum(),
            $server->address()
        ));
        foreach ($server->extraAddresses() as $i => $address) {
            $this->out->info(sprintf('  extra port #%d: %s (%s)', $i + 1, $address, $config->sockets[$i]->handler));
        }
        $serverDefaults = $args->xVersion !== null ? ['X_VERSION' => $args->xVersion] : [];
        $metricSeries = $app->metricSeries;
        unset($app);

        // Output buffers open now would be inherited and printed once per process.
        while (ob_get_level() > 0) {
            ob_end_flush();
        }
        @cli_set_process_title('laravels: master process');
        // app('swoole') of every process: made here so what ServerStart attaches to it
        // (the README's $server->atomicCount) is inherited by all of them.
        $serverClass = $config->websocket->enable ? WebSocketServer::class : HttpServer::class;
        $transport = new ExtensionTransport();
        $swoole = new $serverClass($config->setting, $config->listen->ip, $config->listen->port, $config->sockets, $transport);
        try {
            // Shared memory, mapped before the fork: every process reads the same rows.
            foreach (SwooleTables::create($config->swooleTables) as $property => $table) {
                $swoole->$property = $table;
            }
            if ($metricSeries !== null) {
                MetricStore::shared($metricSeries);
            }
        } catch (\InvalidArgumentException $e) {
            $this->out->error($e->getMessage());

            return 1;
        }
        [$processes, $definitions] = Process::forDefinitions($config->processes);
        $swoole->customProcesses = array_map(fn (array $list) => count($list) === 1 ? $list[0] : $list, $processes);
        if ($processes !== []) {
            @file_put_contents($config->processPidFile(), '');
        }
        $events->fire('ServerStart', $swoole);
        StaleScripts::markServerStart();
        // Loaded now: a process forked below swaps the autoloader before it loads a class.
        class_exists(Release::class);
        class_exists(ProcessRole::class);
        $role = $server->start();
        // `laravel_base_path`: the processes that run the app boot it from there (a
        // release directory reached through a link), as LaravelS's workers do. Left at
        // base_path(), it is the directory the command ran from as it was named (the
        // `current` link, not the release it pointed to): each process resolves it when
        // it boots, so a reload boots the release the link points to then.
        $appPath = $config->laravelBasePath === $this->basePath ? $this->startedFrom : $config->laravelBasePath;
        $kind = ProcessRole::from($role['role']);
        if ($kind !== ProcessRole::Launcher) {
            // Before this process loads another class: the release the link points to
            // now, with its own vendor/ (the one of the start may be gone).
            $appPath = Release::enter($appPath);
        }
        switch ($kind) {
            case ProcessRole::Worker:
                return (new WorkerLoop($appPath, $config, $role, $swoole, $events, $transport, $serverDefaults))->run();
            case ProcessRole::Process:
                $name = $role['process_name'];
                $process = $processes[$name][$role['process_instance']];

                return (new ProcessLoop($appPath, $config, $role, $swoole, $transport, $definitions[$name], $process))->run();
            case ProcessRole::Timer:
                return (new TimerLoop($appPath, $config, $role, $swoole, $transport))->run();
            case ProcessRole::Master:
                $this->bootFor($events, 'ServerStop', $appPath);
                $events->fire('ServerStop', $swoole);

                return (int) $role['exit_code'];
            case ProcessRole::WorkerError:
                $this->bootFor($events, 'WorkerError', $appPath);
                $events->fire('WorkerError', $swoole, $role['worker_id'], $role['worker_pid'], $role['exit_code'], $role['signal']);

                return 0;
            case ProcessRole::Manager:
                return (int) ($role['exit_code'] ?? 0);
            case ProcessRole::Launcher:
                $code = (int) $role['exit_code'];

                return $code === 0 && $args->command === 'restart' ? $this->awaitServing($config, $replacing) : $code;
        }
    }

    /**
     * The app's config read by a child process (AppConfig::read), with what $inChild
     * returned there; null (and the reason printed) when the app could not boot.
     */
    private function readApp(?callable $inChild = null): ?array
    {
        try {
            return AppConfig::read($this->basePath, $inChild);
        } catch (\RuntimeException $e) {
            $this->out->error($e->getMessage());

            return null;
        }
    }

    /**
     * ServerStop and WorkerError handlers run where the app was never booted (the master,
     * the manager's reporter): the app of the current release is booted for them first,
     * so helpers and facades work as in the workers. ServerStart runs before anything is
     * booted, as under LaravelS.
     */
    private function bootFor(ServerEvents $events, string $event, string $appPath): void
    {
        if (!$events->has($event)) {
            return;
        }
        try {
            AppConfig::load($appPath);
        } catch (\Throwable $e) {
            $this->out->error(sprintf('the app could not boot for the %s handlers: %s: %s', $event, get_class($e), $e->getMessage()));
        }
    }

    /** The extension parses the config (and runs the server): every command but help needs it. */
    private function extensionLoaded(): bool
    {
        if (extension_loaded('laravels')) {
            return true;
        }
        $this->out->error(
            'the laravels extension is not loaded.'
            . ' Fix: add extension=laravels.so to php.ini, or run php -d extension=/path/to/liblaravels.so bin/laravels start'
        );

        return false;
    }

    /** The app's config('laravels') parsed by the extension; null (and the reason printed) when it is wrong. */
    private function parse(AppConfig $app): ?ServerConfig
    {
        try {
            return ServerConfig::load($app->laravels, $this->basePath);
        } catch (ConfigException $e) {
            $this->out->error($e->getMessage());

            return null;
        }
    }

    /** The master's pid file of the app's config; null when it cannot be read. */
    private function pidFile(): ?string
    {
        return $this->config()?->pidFile;
    }

    /** The app's config, parsed; null (and the reason printed) when it cannot be read. */
    private function config(): ?ServerConfig
    {
        if (!$this->extensionLoaded()) {
            return null;
        }

        $app = $this->readApp();

        return $app === null ? null : $this->parse($app[0]);
    }

    private function stop(): int
    {
        $config = $this->config();
        if ($config === null) {
            return 1;
        }
        $pidFile = $config->pidFile;
        $pid = PidFile::runningPid($pidFile);
        if ($pid === null) {
            $this->out->info("LaravelS is not running (no live process in $pidFile)");

            return 0;
        }
        $this->out->info("stopping LaravelS (master pid $pid)...");
        if ($config->drainSeconds > 0) {
            $this->out->info("draining: readiness answers 503 for {$config->drainSeconds}s before the listeners close");
        }
        posix_kill($pid, SIGTERM);
        $started = microtime(true);
        $limit = 120 + $config->drainSeconds;
        while (PidFile::isAlive($pid)) {
            if (microtime(true) - $started > $limit) {
                $this->out->error("master pid $pid is still running after {$limit}s; check the log, or kill -9 it");

                return 1;
            }
            usleep(50000);
        }
        $this->out->info(sprintf('stopped in %.1fs', microtime(true) - $started));

        return 0;
    }

    private function reload(): int
    {
        $config = $this->config();
        if ($config === null) {
            return 1;
        }
        $pid = PidFile::runningPid($config->pidFile);
        if ($pid === null) {
            $this->out->error("LaravelS is not running (no live process in {$config->pidFile})");

            return 1;
        }

        return (new Reload($this->out))->run($pid, $config->listen->unix ? 0 : $config->listen->port);
    }

    private function status(Arguments $args): int
    {
        $config = $this->config();
        if ($config === null) {
            return 1;
        }
        $pid = PidFile::runningPid($config->pidFile);
        if ($pid === null) {
            $this->out->error("LaravelS is not running (no live process in {$config->pidFile})");

            return 1;
        }

        // The master's worker socket is named after its pid and its TCP port (0 on a unix socket).
        return (new StatusReport($this->out))->show($pid, $config->listen->unix ? 0 : $config->listen->port, $args->json);
    }

    private function info(): int
    {
        $app = $this->readApp();
        if ($app === null) {
            return 1;
        }
        $app = $app[0];
        $config = null;
        if (extension_loaded('laravels')) {
            $config = $this->parse($app);
            if ($config === null) {
                return 1;
            }
        }
        (new Info($this->out))->show($app->isLumen, $app->env(), $app->frameworkVersion(), $app->laravels, $config);

        return 0;
    }

    private function setEnv(string $name, string $value): void
    {
        putenv("$name=$value");
        $_ENV[$name] = $_SERVER[$name] = $value;
    }
}
