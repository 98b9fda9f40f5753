<?php

namespace App\Sockets;

use Hhxsv5\LaravelS\Swoole\Socket\TcpSocket;
use Swoole\Server;

/**
 * A length-prefixed protocol (open_length_check, 'N' at offset 0, body at 4): answers
 * each message with its body reversed, framed the same way.
 */
class LengthSocket extends TcpSocket
{
    public function onReceive(Server $server, $fd, $reactorId, $data)
    {
        $body = strrev(substr($data, 4));
        $server->send($fd, pack('N', strlen($body)) . $body);
    }
}
