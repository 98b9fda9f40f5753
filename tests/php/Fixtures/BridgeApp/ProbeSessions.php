<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

/** The fixture app's session storage, kept across requests as Redis or files would be. */
class ProbeSessions implements \SessionHandlerInterface
{
    /** @var array<string, string> session id => serialized attributes */
    public static $data = [];

    public function open(string $path, string $name): bool
    {
        return true;
    }

    public function close(): bool
    {
        return true;
    }

    public function read(string $id): string|false
    {
        return self::$data[$id] ?? '';
    }

    public function write(string $id, string $data): bool
    {
        self::$data[$id] = $data;

        return true;
    }

    public function destroy(string $id): bool
    {
        unset(self::$data[$id]);

        return true;
    }

    public function gc(int $max_lifetime): int|false
    {
        return 0;
    }

    /** What was saved under each session id, unserialized. */
    public static function all(): array
    {
        return array_map('unserialize', self::$data);
    }
}
