<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** `timer.global_lock`, `global_lock_key` and `global_lock_ttl`. */
final class GlobalLockConfig
{
    public function __construct(
        public readonly bool $enable,
        /** null: the application's name (config('app.name')). */
        public readonly ?string $key,
        /** Seconds, at least 1. */
        public readonly int $ttl,
    ) {
    }

    public static function fromArray(array $lock): self
    {
        return new self($lock['enable'], $lock['key'], $lock['ttl']);
    }
}
