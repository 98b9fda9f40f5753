<?php

namespace LaravelS\Console;

use LaravelS\Config\ListenConfig;
use LaravelS\Config\ServerConfig;
use LaravelS\Diagnostics\LeakSummary;

/**
 * `php bin/laravels info`: the tables LaravelS prints, with its labels (Components:
 * PHP, the server runtime, LaravelS, "Laravel Framework [env]"; Protocols: Main HTTP,
 * Main WebSocket, Port#N ...), then this runtime's own settings (workers, pid file,
 * leak detector).
 */
final class Info
{
    /** Swoole's socket types as LaravelS names them in the Protocols table. */
    private const SOCKET_TYPES = [1 => 'TCP IPV4 Socket', 2 => 'UDP IPV4 Socket', 3 => 'TCP IPV6 Socket', 4 => 'UDP IPV6 Socket'];
    private const SWOOLE_SSL = 512;

    public function __construct(private Output $out)
    {
    }

    /**
     * @param array $laravels config('laravels') as written, for the address without the extension
     * @param ServerConfig|null $config null when the extension is not loaded
     */
    public function show(bool $isLumen, string $env, string $version, array $laravels, ?ServerConfig $config): void
    {
        $this->out->info('>>> Components');
        $this->out->table(['Component', 'Version'], [
            ['PHP', PHP_VERSION],
            ['laravels extension', phpversion('laravels') ?: 'not loaded'],
            ['LaravelS', self::packageVersion()],
            // The name Laravel's and Lumen's console applications give themselves.
            [sprintf('Laravel Framework [%s]', $env), $version],
        ]);
        $this->out->info('>>> Protocols');
        if ($config === null) {
            $listen = ListenConfig::unparsed($laravels);
            $this->out->table(['Protocol', 'Status', 'Handler', 'Listen At'], [['Main HTTP', 'On', self::router($isLumen), 'http://' . $listen->address()]]);

            return;
        }
        $tls = $config->listen->tls;
        $rows = [['Main HTTP', 'On', self::router($isLumen), ($tls ? 'https://' : 'http://') . $config->listen->address()]];
        if ($config->websocket->enable) {
            $rows[] = ['Main WebSocket', 'On', $config->websocket->handler, ($tls ? 'wss://' : 'ws://') . $config->listen->address()];
        }
        foreach ($config->sockets as $socket) {
            $rows[] = [
                sprintf('Port#%s %s', substr($socket->key, strlen('sockets.')), self::SOCKET_TYPES[$socket->type & ~self::SWOOLE_SSL] ?? 'Unknown socket'),
                'On',
                $socket->handler,
                sprintf('%s:%s', $socket->host, $socket->port),
            ];
        }
        $this->out->table(['Protocol', 'Status', 'Handler', 'Listen At'], $rows);
        $this->out->info('>>> Server');
        $this->out->table(['Setting', 'Value'], [
            ['Workers', (string) $config->workerNum],
            ['Task workers', (string) $config->taskWorkerNum],
            ['PID file', $config->pidFile],
            ...LeakSummary::rows($config),
        ]);
    }

    private static function router(bool $isLumen): string
    {
        return $isLumen ? 'Lumen Router' : 'Laravel Router';
    }

    /** The installed version of this package, as Composer recorded it; '-' when unknown. */
    private static function packageVersion(): string
    {
        if (!class_exists(\Composer\InstalledVersions::class)) {
            return '-';
        }
        foreach (['laravels-rs/laravels', 'hhxsv5/laravel-s'] as $name) {
            if (\Composer\InstalledVersions::isInstalled($name)) {
                return ltrim((string) \Composer\InstalledVersions::getPrettyVersion($name), 'vV');
            }
        }

        return '-';
    }
}
