<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** The main port: `listen_ip`, `listen_port`, `socket_type`, and whether TLS is on. */
final class ListenConfig
{
    public function __construct(
        public readonly string $ip,
        public readonly int $port,
        /** Swoole's SWOOLE_SOCK_* number, with SWOOLE_SSL when TLS is on. */
        public readonly int $socketType,
        public readonly bool $unix,
        public readonly bool $tls,
    ) {
    }

    public static function fromArray(array $listen): self
    {
        return new self($listen['ip'], $listen['port'], $listen['socket_type'], $listen['unix'], $listen['tls']);
    }

    /**
     * The keys as written, unchecked, for `php artisan laravels info` when the extension
     * (and so the parser) is not loaded: it only shows where the server would listen.
     * Nothing else reads config('laravels') this way.
     */
    public static function unparsed(array $laravels): self
    {
        $type = (int) ($laravels['socket_type'] ?? 1);
        $base = $type & ~512;

        return new self(
            (string) ($laravels['listen_ip'] ?? '127.0.0.1'),
            (int) ($laravels['listen_port'] ?? 5200),
            $type,
            $base === 5 || $base === 6,
            ($type & 512) !== 0
        );
    }

    /** `unix:/path`, `[::1]:5200` or `127.0.0.1:5200`. */
    public function address(): string
    {
        if ($this->unix) {
            return "unix:{$this->ip}";
        }
        $host = str_contains($this->ip, ':') ? "[{$this->ip}]" : $this->ip;

        return "$host:{$this->port}";
    }
}
