<?php

namespace LaravelS\Server;

use LaravelS\Runtime\Clients;

/**
 * `$server->connections`: the fds of the open connections, read from the shared client
 * list when iteration starts (`foreach ($server->connections as $fd)`), and `count()`.
 */
class Connections implements \Iterator, \Countable
{
    /** @var int[] */
    private $fds = [];
    /** @var int */
    private $position = 0;

    public function __construct(private ?int $port = null)
    {
    }

    public function count(): int
    {
        return $this->port === null ? Clients::count() : count($this->load());
    }

    public function rewind(): void
    {
        $this->fds = $this->load();
        $this->position = 0;
    }

    public function valid(): bool
    {
        return $this->position < count($this->fds);
    }

    public function current(): mixed
    {
        return $this->fds[$this->position];
    }

    public function key(): mixed
    {
        return $this->position;
    }

    public function next(): void
    {
        $this->position++;
    }

    /** @return int[] */
    private function load(): array
    {
        $fds = Clients::list(0, PHP_INT_MAX);
        if ($this->port === null) {
            return $fds;
        }

        return array_values(array_filter($fds, fn (int $fd) => (Clients::info($fd)['server_fd'] ?? -1) === $this->port));
    }
}
