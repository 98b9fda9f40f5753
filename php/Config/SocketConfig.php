<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** An enabled entry of `sockets`: an extra port, numbered as `$server->ports` numbers it. */
final class SocketConfig
{
    public function __construct(
        /** Its index in `$server->ports`: 1 for the first extra port. */
        public readonly int $index,
        /** Where the entry is in the config (`sockets.2`), for messages about it. */
        public readonly string $key,
        public readonly string $host,
        public readonly int $port,
        /** `type` as given: SWOOLE_SOCK_*, with SWOOLE_SSL for TLS. */
        public readonly int $type,
        /** 'tcp', 'udp', 'http' or 'websocket'. */
        public readonly string $protocol,
        public readonly bool $tls,
        /** @var class-string */
        public readonly string $handler,
        /** `settings` as given (`$port->setting`). */
        public readonly array $settings,
    ) {
    }

    public static function fromArray(array $socket): self
    {
        return new self(
            $socket['index'],
            $socket['key'],
            $socket['host'],
            $socket['port'],
            $socket['type'],
            $socket['protocol'],
            $socket['tls'],
            $socket['handler'],
            $socket['settings']
        );
    }
}
