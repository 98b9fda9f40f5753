<?php

namespace App\Sockets;

use Hhxsv5\LaravelS\Swoole\Socket\TcpSocket;
use Swoole\Server;

/** Sends back what it receives (the TCP echo benchmark). */
class EchoTcp extends TcpSocket
{
    public function onReceive(Server $server, $fd, $reactorId, $data)
    {
        $server->send($fd, $data);
    }
}
