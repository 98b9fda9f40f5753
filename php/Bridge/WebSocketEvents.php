<?php

namespace LaravelS\Bridge;

use LaravelS\Server\Frame;
use LaravelS\Server\Request as SwooleRequest;
use LaravelS\Server\Response as SwooleResponse;
use LaravelS\Transport\Transport;

/**
 * Runs the `websocket.handler` (one instance per worker) for the WebSocket events the
 * master hands this worker.
 *
 * A handshake first goes through Laravel's kernel (routes, middleware, session, auth),
 * so `request()`, `Auth` and the session are readable in `onOpen`, and the session is
 * saved after it, so it is writable there; then the app is put back in its booted state.
 * An exception a handler throws is reported and logged; the connection stays open.
 */
final class WebSocketEvents
{
    /** @param object $handler the `websocket.handler` instance, or a WebSocket port's */
    public function __construct(private Gateway $gateway, private \LaravelS\Server\Server $server, private Transport $transport, private object $handler)
    {
    }

    /** The handshake of connection $fd: answers 101 to accept, any other status refuses. */
    public function open(int $fd, array $server): void
    {
        $request = RequestFactory::make($server, '');
        $laravelResponse = $this->gateway->handle($request);
        $swooleRequest = SwooleRequest::fromServer($fd, $server);
        $response = new SwooleResponse($fd);
        if (method_exists($this->handler, 'onHandShake')) {
            $this->guard('onHandShake', fn () => $this->handler->onHandShake($swooleRequest, $response));
            if (!$response->ended) {
                $response->end();
            }
        } else {
            self::defaultHandshake($swooleRequest, $response);
        }
        if ($response->statusCode === 101) {
            $this->transport->establish($fd);
            $this->guard('onOpen', fn () => $this->handler->onOpen($this->server, $swooleRequest));
        }
        $this->saveSession($request);
        $this->gateway->terminate($request, $laravelResponse);
        $headers = $response->headerLines();
        $this->transport->respond(
            $response->statusCode,
            $headers,
            $response->statusCode === 101 ? '' : $response->body,
            $response->reason !== '' ? $response->reason : null
        );
    }

    public function message(int $fd, int $opcode, string $data): void
    {
        $frame = Frame::make($fd, $opcode, $data);
        $this->guard('onMessage', fn () => $this->handler->onMessage($this->server, $frame));
        $this->gateway->resetState();
        $this->transport->eventDone();
    }

    public function close(int $fd): void
    {
        $this->guard('onClose', fn () => $this->handler->onClose($this->server, $fd, 0));
        $this->gateway->resetState();
        $this->transport->eventDone();
    }

    /**
     * RFC 6455's answer to a handshake the master already checked: 101, and the first
     * subprotocol the client offered, if any (the master adds the accept key).
     */
    public static function defaultHandshake(SwooleRequest $request, SwooleResponse $response): void
    {
        $response->status(101);
        $response->header('Upgrade', 'websocket');
        $response->header('Connection', 'Upgrade');
        $response->header('Sec-WebSocket-Version', '13', false);
        $offered = $request->header['sec-websocket-protocol'] ?? '';
        if ($offered !== '') {
            $response->header('Sec-WebSocket-Protocol', trim(explode(',', $offered)[0]), false);
        }
        $response->end();
    }

    /**
     * What onOpen wrote to the session is kept: StartSession saved the session on the way
     * out of the kernel, before onOpen ran, so it is saved again.
     */
    private function saveSession(\Illuminate\Http\Request $request): void
    {
        try {
            if ($request->hasSession()) {
                $request->session()->save();
            }
        } catch (\Throwable $e) {
            $this->gateway->report($e);
        }
    }

    private function guard(string $event, callable $call): void
    {
        try {
            $call();
        } catch (\Throwable $e) {
            $this->gateway->report($e);
            fwrite(STDERR, sprintf(
                "[%s] [worker #%d] WebSocket %s of %s threw %s: %s\n",
                gmdate('Y-m-d H:i:s'),
                $this->transport->id(),
                $event,
                get_class($this->handler),
                get_class($e),
                $e->getMessage()
            ));
        }
    }
}
