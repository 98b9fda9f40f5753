<?php

namespace LaravelS\Server;

/**
 * A listening port (`Swoole\Server\Port`), as found in `$server->ports` and a socket
 * handler's `swoolePort`.
 */
#[\AllowDynamicProperties]
class Port
{
    /** @var Connections */
    public $connections;

    public function __construct(
        public string $host = '',
        public int $port = 0,
        public int $type = 1,
        public array $setting = [],
        ?Connections $connections = null
    ) {
        $this->connections = $connections ?? new Connections();
    }

    public function set(array $setting): void
    {
        $this->setting = array_replace($this->setting, $setting);
    }

    public function getSocket()
    {
        return false;
    }
}
