<?php

namespace LaravelS\Socket;

use Swoole\Server;
use Swoole\Server\Port;

/**
 * A TCP port's handler (Hhxsv5\LaravelS\Swoole\Socket\TcpSocket). Messages arrive cut by
 * the port's framing settings, in order, one at a time per connection; onConnect comes
 * before the first and onClose after the last, in every dispatch_mode.
 */
abstract class TcpSocket implements PortHandler
{
    /** @var Port */
    protected $swoolePort;

    public function __construct(Port $port)
    {
        $this->swoolePort = $port;
    }

    public function onConnect(Server $server, $fd, $reactorId)
    {
    }

    public function onClose(Server $server, $fd, $reactorId)
    {
    }

    /** Called when the connection's output queue passes half of buffer_output_size. */
    public function onBufferFull(Server $server, $fd)
    {
    }

    /** Called when the queue has drained after onBufferFull. */
    public function onBufferEmpty(Server $server, $fd)
    {
    }

    abstract public function onReceive(Server $server, $fd, $reactorId, $data);
}
