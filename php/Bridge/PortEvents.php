<?php

namespace LaravelS\Bridge;

use LaravelS\Server\Request as SwooleRequest;
use LaravelS\Server\Response as SwooleResponse;
use LaravelS\Server\Server;
use LaravelS\Transport\MessageKind;
use LaravelS\Transport\Transport;

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
    public function __construct(private Gateway $gateway, private Server $server, private Transport $transport, private array $classes)
    {
    }

    public function handles(int $port): bool
    {
        return isset($this->classes[$port]);
    }

    public function dispatch(MessageKind $kind, array $message): void
    {
        $port = (int) $message['port'];
        $server = $this->server;
        match ($kind) {
            // A handshake, a message and an Http port's request answer the master themselves.
            MessageKind::Open => $this->websocket($port)->open($message['fd'], $message['server']),
            MessageKind::Message => $this->websocket($port)->message($message['fd'], $message['opcode'], $message['data']),
            MessageKind::PortRequest => $this->request($port, $message),
            MessageKind::Close => $this->handler($port) instanceof \LaravelS\Contracts\WebSocketHandler
                ? $this->websocket($port)->close($message['fd'])
                : $this->event($port, 'onClose', fn ($h) => $h->onClose($server, $message['fd'], 0)),
            MessageKind::Connect => $this->event($port, 'onConnect', fn ($h) => $h->onConnect($server, $message['fd'], 0)),
            MessageKind::Receive => $this->event($port, 'onReceive', fn ($h) => $h->onReceive($server, $message['fd'], 0, $message['data'])),
            MessageKind::BufferFull => $this->event($port, 'onBufferFull', fn ($h) => $h->onBufferFull($server, $message['fd'])),
            MessageKind::BufferEmpty => $this->event($port, 'onBufferEmpty', fn ($h) => $h->onBufferEmpty($server, $message['fd'])),
            MessageKind::Packet => $this->event($port, 'onPacket', fn ($h) => $h->onPacket($server, $message['data'], $this->packetInfo($port, $message))),
            // Requests, tasks and finishes are the worker loop's and never come here.
            MessageKind::Request, MessageKind::Task, MessageKind::Finish => $this->done(),
        };
    }

    /** Runs one handler method for an event, then ends the event. */
    private function event(int $port, string $method, callable $call): void
    {
        $this->guard($port, $method, $call);
        $this->done();
    }

    private function done(): void
    {
        $this->gateway->resetState();
        $this->transport->eventDone();
    }

    /** onPacket's $clientInfo, as Swoole gives it. */
    private function packetInfo(int $port, array $message): array
    {
        return [
            'address' => $message['address'],
            'port' => $message['remote_port'],
            'server_socket' => $port,
            'server_port' => $this->server->ports[$port]->port ?? 0,
            'dispatch_time' => microtime(true),
        ];
    }

    /** onRequest of an Http port's handler; what it put in the response is sent. */
    private function request(int $port, array $message): void
    {
        $request = SwooleRequest::fromServer($message['fd'], $message['server'], $message['body']);
        $response = new SwooleResponse($message['fd']);
        $ok = $this->guard($port, 'onRequest', fn ($h) => $h->onRequest($request, $response));
        $this->gateway->resetState();
        if (!$ok && !$response->ended) {
            $this->transport->respond(500, ['Content-Type' => 'text/plain'], 'Internal Server Error');

            return;
        }
        $this->transport->respond($response->statusCode, $response->headerLines(), $response->body, $response->reason !== '' ? $response->reason : null);
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
        return $this->websockets[$port] ??= new WebSocketEvents($this->gateway, $this->server, $this->transport, $this->handler($port));
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
            fwrite(STDERR, sprintf(
                "[%s] [worker #%d] %s of port #%d (%s) threw %s: %s\n",
                gmdate('Y-m-d H:i:s'),
                $this->transport->id(),
                $event,
                $port,
                $this->classes[$port],
                get_class($e),
                $e->getMessage()
            ));

            return false;
        }
    }
}
