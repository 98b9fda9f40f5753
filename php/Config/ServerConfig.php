<?php

declare(strict_types=1);

namespace LaravelS\Config;

/**
 * config('laravels') as the extension parsed it: the one place the package's settings come
 * from. Built from the view (`LaravelS\Runtime\Server::view()` or `Config::load()`), in
 * which every value is already checked and typed, defaults filled in and disabled entries
 * left out, so nothing in the package reads `config('laravels')` by key (the key table is
 * src/config/keys.rs). Made in the master before the fork, so every process has it.
 */
final class ServerConfig
{
    /** The events of `event_handlers`, as the view lists them. */
    public const EVENTS = ['ServerStart', 'ServerStop', 'WorkerStart', 'WorkerStop', 'WorkerError', 'Task', 'Finish', 'PipeMessage'];

    public function __construct(
        public readonly ListenConfig $listen,
        /** The Server response header; empty: none. */
        public readonly string $serverHeader,
        public readonly bool $handleStatic,
        public readonly string $documentRoot,
        public readonly bool $daemonize,
        /** HTTP workers (a `worker_num` of 0 is resolved to the CPU count). */
        public readonly int $workerNum,
        public readonly int $taskWorkerNum,
        /** Absolute. */
        public readonly string $pidFile,
        public readonly ?string $logFile,
        /** Seconds a stop or reload waits for requests in progress. */
        public readonly int $maxWaitTime,
        /** Seconds a stop keeps serving with readiness 503 before the listeners close (`health.drain_seconds`). */
        public readonly int $drainSeconds,
        public readonly string $laravelBasePath,
        public readonly InotifyConfig $inotifyReload,
        /** @var array<string, list<string>> each of EVENTS => handler classes */
        public readonly array $eventHandlers,
        public readonly WebSocketConfig $websocket,
        /** @var list<SocketConfig> the enabled extra ports, in `$server->ports` order */
        public readonly array $sockets,
        /** @var list<ProcessConfig> the enabled custom processes */
        public readonly array $processes,
        public readonly TimerConfig $timer,
        /** @var list<TableConfig> */
        public readonly array $swooleTables,
        public readonly CleanerConfig $cleaners,
        /** @var list<string> addresses, CIDR ranges and 'unix' */
        public readonly array $trustedProxies,
        /** The `swoole` settings with the values the runtime uses: `app('swoole')->setting`. */
        public readonly array $setting,
        /** @var list<string> what accepted settings mean here, when not what LaravelS does; printed at start */
        public readonly array $notes = [],
        /** `tracing.enabled`: the master starts a server span per request and sends its `traceparent`. */
        public readonly bool $tracing = false,
    ) {
    }

    /** @param array $view what `Server::view()` or `Config::load()` returned */
    public static function fromArray(array $view): self
    {
        return new self(
            ListenConfig::fromArray($view['listen']),
            $view['server'],
            $view['handle_static'],
            $view['document_root'],
            $view['daemonize'],
            $view['worker_num'],
            $view['task_worker_num'],
            $view['pid_file'],
            $view['log_file'],
            $view['max_wait_time'],
            $view['drain_seconds'],
            $view['laravel_base_path'],
            InotifyConfig::fromArray($view['inotify_reload']),
            $view['event_handlers'],
            WebSocketConfig::fromArray($view['websocket']),
            array_map([SocketConfig::class, 'fromArray'], $view['sockets']),
            array_map([ProcessConfig::class, 'fromArray'], $view['processes']),
            TimerConfig::fromArray($view['timer']),
            array_map([TableConfig::class, 'fromArray'], $view['swoole_tables']),
            CleanerConfig::fromArray($view),
            $view['trusted_proxies'],
            $view['setting'],
            $view['notes'],
            $view['tracing'],
        );
    }

    /**
     * Parses config('laravels') through the extension, without binding anything.
     *
     * @throws \LaravelS\Runtime\ConfigException naming the wrong key and the fix
     */
    public static function load(array $laravels, string $basePath): self
    {
        return self::fromArray(\LaravelS\Runtime\Config::load($laravels, $basePath));
    }

    /** The timer process's pid file, beside the master's. */
    public function timerPidFile(): string
    {
        return dirname($this->pidFile) . '/laravels-timer-process.pid';
    }

    /** The custom processes' pid file, beside the master's. */
    public function processPidFile(): string
    {
        return dirname($this->pidFile) . '/laravels-custom-processes.pid';
    }
}
