<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

use LaravelS\Socket\TcpSocket;
use Swoole\Server;

/** An extra TCP port's handler: answers each message in capitals, with what the config says. */
class ProbeTcp extends TcpSocket
{
    /** @var string[] */
    public static $log = [];

    public function onConnect(Server $server, $fd, $reactorId)
    {
        self::$log[] = "connect $fd on port {$this->swoolePort->port}";
    }

    public function onReceive(Server $server, $fd, $reactorId, $data)
    {
        $server->send($fd, strtoupper($data) . ':' . (config('app.probe') ?? 'booted'));
        config(['app.probe' => 'set by a TCP message']);
    }
}
