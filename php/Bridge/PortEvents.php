<?php

namespace LaravelS\Bridge;

use LaravelS\Runtime\Worker;
use LaravelS\Server\Request as SwooleRequest;
use LaravelS\Server\Response as SwooleResponse;
use LaravelS\Server\Server;

/**
 * Runs the handlers of the extra ports (`sockets`) for the events the master hands this
 * worker: one handler instance per port and worker, made on first use with the port's
 * `Swoole\Server\Port`. Handlers run in the HTTP workers, so tasks, tables and Laravel's
 * services work inside them; the app is put back in its booted state after each event.
 */
final class PortEvents
{
    /** @var array<int, object> port index => handler */
    private $handlers = [];
    /** @var array<int, WebSocketEvents> */
    private $websockets = [];

    /** @param array<int, string> $classes port index => handler class */
    public function __construct(private Gateway $gateway, private Server $server, private array $classes)
    {
    }

    public function handles(int $port): bool
    {
        return isset($this->classes[$port]);
    }

    public function dispatch(array $message): void
    {
        $port = (int) $message['port'];
        switch ($message['type']) {
            case 'connect':
                $this->guard($port, 'onConnect', fn ($h) => $h->onConnect($this->server, $message['fd'], 0));
                break;
            case 'receive':
                $this->guard($port, 'onReceive', fn ($h) => $h->onReceive($this->server, $message['fd'], 0, $message['data']));
                break;
            case 'buffer_full':
                $this->guard($port, 'onBufferFull', fn ($h) => $h->onBufferFull($this->server, $message['fd']));
                break;
            case 'buffer_empty':
                $this->guard($port, 'onBufferEmpty', fn ($h) => $h->onBufferEmpty($this->server, $message['fd']));
                break;
            case 'packet':
                $info = ['address' => $message['address'], 'port' => $message['remote_port'], 'server_socket' => $port, 'server_port' => $this->server->ports[$port]->port ?? 0, 'dispatch_time' => microtime(true)];
                $this->guard($port, 'onPacket', fn ($h) => $h->onPacket($this->server, $message['data'], $info));
                break;
            case 'close':
                if ($this->handler($port) instanceof \LaravelS\Contracts\WebSocketHandler) {
                    $this->websocket($port)->close($message['fd']);

                    return;
                }
                $this->guard($port, 'onClose', fn ($h) => $h->onClose($this->server, $message['fd'], 0));
                break;
            case 'open':
                $this->websocket($port)->open($message['fd'], $message['server']);

                return;
            case 'message':
                $this->websocket($port)->message($message['fd'], $message['opcode'], $message['data']);

                return;
            case 'port_request':
                $this->request($port, $message);

                return;
        }
        $this->gateway->resetState();
        Worker::eventDone();
    }

    /** onRequest of an Http port's handler; what it put in the response is sent. */
    private function request(int $port, array $message): void
    {
        $request = SwooleRequest::fromServer($message['fd'], $message['server'], $message['body']);
        $response = new SwooleResponse($message['fd']);
        $ok = $this->guard($port, 'onRequest', fn ($h) => $h->onRequest($request, $response));
        $this->gateway->resetState();
        if (!$ok && !$response->ended) {
            Worker::respond(500, ['Content-Type' => 'text/plain'], 'Internal Server Error');

            return;
        }
        Worker::respond($response->statusCode, $response->headerLines(), $response->body, $response->reason !== '' ? $response->reason : null);
    }

    private function handler(int $port): object
    {
        if (!isset($this->handlers[$port])) {
            $class = $this->classes[$port];
            $this->handlers[$port] = new $class($this->server->ports[$port]);
        }

        return $this->handlers[$port];
    }

    private function websocket(int $port): WebSocketEvents
    {
        return $this->websockets[$port] ??= new WebSocketEvents($this->gateway, $this->server, $this->handler($port));
    }

    /** Calls the handler; an exception is reported and logged. False when it threw. */
    private function guard(int $port, string $event, callable $call): bool
    {
        try {
            $handler = $this->handler($port);
            if (!method_exists($handler, $event)) {
                return true;
            }
            $call($handler);

            return true;
        } catch (\Throwable $e) {
            $this->gateway->report($e);
            fwrite(STDERR, sprintf("[%s] [worker #%d] %s of port #%d (%s) threw %s: %s\n",
                gmdate('Y-m-d H:i:s'), Worker::id(), $event, $port, $this->classes[$port], get_class($e), $e->getMessage()));

            return false;
        }
    }
}
