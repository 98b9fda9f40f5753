<?php

namespace LaravelS\Components\Apollo;

/**
 * The Apollo client's settings: the `--enable-apollo` and `--apollo-*` options of
 * `bin/laravels start` (LaravelS's names and defaults), checked once, then handed to the
 * `apollo` custom process through the environment (LaravelS's APOLLO_* variables).
 */
final class Options
{
    /** The environment variables that carry the options to the processes (LaravelS's names). */
    private const ENV = [
        'server' => 'APOLLO_SERVER',
        'appId' => 'APOLLO_APP_ID',
        'cluster' => 'APOLLO_CLUSTER',
        'namespaces' => 'APOLLO_NAMESPACES',
        'clientIp' => 'APOLLO_CLIENT_IP',
        'pullTimeout' => 'APOLLO_PULL_TIMEOUT',
        'backupOldEnv' => 'APOLLO_BACKUP_OLD_ENV',
    ];

    /** @param list<string> $namespaces */
    public function __construct(
        public readonly string $server,
        public readonly string $appId,
        public readonly array $namespaces = ['application'],
        public readonly string $cluster = 'default',
        public readonly ?string $clientIp = null,
        public readonly int $pullTimeout = 5,
        public readonly bool $backupOldEnv = false,
    ) {
    }

    /**
     * From the command line's options (names without dashes); null without
     * `--enable-apollo`.
     *
     * @param array<string, string|bool|list<string>> $given
     * @throws \InvalidArgumentException naming the option and the fix
     */
    public static function fromCommandLine(array $given): ?self
    {
        if (empty($given['enable-apollo'])) {
            return null;
        }
        foreach (['apollo-server' => 'http://127.0.0.1:8080', 'apollo-app-id' => 'LARAVEL-S-TEST'] as $name => $example) {
            if (!isset($given[$name])) {
                throw new \InvalidArgumentException("--enable-apollo needs --$name. Fix: add it, e.g. --$name=$example");
            }
        }
        $server = rtrim((string) $given['apollo-server'], '/');
        if (!preg_match('#^https?://[^/\s]+#', $server)) {
            throw new \InvalidArgumentException(
                "--apollo-server: '$server' is not an http:// or https:// URL. Fix: e.g. --apollo-server=http://127.0.0.1:8080"
            );
        }
        $timeout = $given['apollo-pull-timeout'] ?? '5';
        if (!ctype_digit((string) $timeout) || (int) $timeout < 1) {
            throw new \InvalidArgumentException(
                "--apollo-pull-timeout: '$timeout' is not a number of seconds (1 or more). Fix: e.g. --apollo-pull-timeout=5"
            );
        }

        return new self(
            $server,
            (string) $given['apollo-app-id'],
            array_values(array_unique((array) ($given['apollo-namespaces'] ?? ['application']))),
            (string) ($given['apollo-cluster'] ?? 'default'),
            isset($given['apollo-client-ip']) ? (string) $given['apollo-client-ip'] : self::localIp(),
            (int) $timeout,
            !empty($given['apollo-backup-old-env']),
        );
    }

    /** From the APOLLO_* environment variables; null when the server or app id is missing. */
    public static function fromEnvironment(): ?self
    {
        $get = static fn (string $key): string => (string) getenv(self::ENV[$key]);
        if ($get('server') === '' || $get('appId') === '') {
            return null;
        }

        return new self(
            $get('server'),
            $get('appId'),
            $get('namespaces') !== '' ? explode(',', $get('namespaces')) : ['application'],
            $get('cluster') !== '' ? $get('cluster') : 'default',
            $get('clientIp') !== '' ? $get('clientIp') : self::localIp(),
            (int) $get('pullTimeout') > 0 ? (int) $get('pullTimeout') : 5,
            (bool) $get('backupOldEnv'),
        );
    }

    /** Puts the options into this process's environment, which the server's processes inherit. */
    public function export(): void
    {
        $values = [
            'ENABLE_APOLLO' => '1',
            self::ENV['server'] => $this->server,
            self::ENV['appId'] => $this->appId,
            self::ENV['cluster'] => $this->cluster,
            self::ENV['namespaces'] => implode(',', $this->namespaces),
            self::ENV['clientIp'] => (string) $this->clientIp,
            self::ENV['pullTimeout'] => (string) $this->pullTimeout,
            self::ENV['backupOldEnv'] => $this->backupOldEnv ? '1' : '',
        ];
        foreach ($values as $name => $value) {
            putenv("$name=$value");
            $_ENV[$name] = $_SERVER[$name] = $value;
        }
    }

    /** This host's first IPv4 address that is not loopback (Apollo's grey releases use it). */
    private static function localIp(): ?string
    {
        foreach (net_get_interfaces() ?: [] as $interface) {
            foreach ($interface['unicast'] ?? [] as $address) {
                $ip = $address['address'] ?? '';
                if (filter_var($ip, FILTER_VALIDATE_IP, FILTER_FLAG_IPV4) && !str_starts_with($ip, '127.')) {
                    return $ip;
                }
            }
        }

        return null;
    }
}
