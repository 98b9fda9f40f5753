<?php

namespace App\Sockets;

use Hhxsv5\LaravelS\Swoole\Socket\TcpSocket;
use Swoole\Server;

/** The README's TCP handler, with its Log lines. */
class TestTcpSocket extends TcpSocket
{
    public function onConnect(Server $server, $fd, $reactorId)
    {
        \Log::info('New TCP connection', [$fd]);
        $server->send($fd, 'Welcome to LaravelS.');
    }

    public function onReceive(Server $server, $fd, $reactorId, $data)
    {
        \Log::info('Received data', [$fd, $data]);
        if ($data === "port\r\n") {
            // The handler's own Swoole\Server\Port, and Laravel's services, inside the handler.
            $server->send($fd, sprintf("port %d has %d connection(s); app %s\r\n", $this->swoolePort->port, count($this->swoolePort->connections), config('app.name')));

            return;
        }
        $server->send($fd, 'LaravelS: ' . $data);
        if ($data === "quit\r\n") {
            $server->send($fd, 'LaravelS: bye' . PHP_EOL);
            $server->close($fd);
        }
    }

    public function onClose(Server $server, $fd, $reactorId)
    {
        \Log::info('Close TCP connection', [$fd]);
        $server->send($fd, 'Goodbye');
        $dir = storage_path('app/sockets');
        @mkdir($dir, 0777, true);
        file_put_contents("$dir/closed-$fd", 'closed');
    }
}
