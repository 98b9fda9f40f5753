<?php

namespace App\Sockets;

use Hhxsv5\LaravelS\Swoole\Socket\UdpSocket;
use Swoole\Server;

/** Answers each datagram to its sender, and records what it got. */
class TestUdpSocket extends UdpSocket
{
    public function onPacket(Server $server, $data, array $clientInfo)
    {
        $dir = storage_path('app/sockets');
        @mkdir($dir, 0777, true);
        file_put_contents("$dir/udp.log", $data, FILE_APPEND);
        $server->sendto($clientInfo['address'], $clientInfo['port'], 'LaravelS: ' . $data, $clientInfo['server_socket']);
    }
}
