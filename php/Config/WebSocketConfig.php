<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** `websocket`: the main port's WebSocket server; a handler only when enabled. */
final class WebSocketConfig
{
    public function __construct(
        public readonly bool $enable,
        /** @var class-string|null */
        public readonly ?string $handler,
    ) {
    }

    public static function fromArray(array $websocket): self
    {
        return new self($websocket['enable'], $websocket['handler']);
    }
}
