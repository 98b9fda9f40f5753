<?php

namespace LaravelS\Socket;

use Swoole\Server;
use Swoole\Server\Port;

/**
 * A UDP port's handler (Hhxsv5\LaravelS\Swoole\Socket\UdpSocket). $clientInfo has
 * 'address', 'port', 'server_socket' (pass it to sendto) and 'server_port'.
 */
abstract class UdpSocket implements PortHandler
{
    /** @var Port */
    protected $swoolePort;

    public function __construct(Port $port)
    {
        $this->swoolePort = $port;
    }

    abstract public function onPacket(Server $server, $data, array $clientInfo);
}
