<?php

namespace LaravelS\Tests\Support;

use LaravelS\Task\BackgroundWork;
use LaravelS\Transport\MessageKind;
use LaravelS\Transport\Transport;
use LaravelS\Transport\WorkerState;

/**
 * An in-memory master for the bridge: next() hands out the queued messages, and what the
 * worker answers, streams, pushes and delivers is recorded. It keeps the extension's
 * rules: one answer per message, of the kind the message asks for, or a LogicException
 * fails the test at the call that broke them.
 */
final class FakeTransport implements Transport
{
    /** @var array[] messages still to hand out */
    public $inbox;
    /** @var array[] every call, in order: [method, ...arguments] */
    public $calls = [];
    /**
     * @var array[] the answers to requests and handshakes, in order: status, headers,
     *      body, reason, streamed (and the stream's chunks)
     */
    public $responses = [];
    /** @var array[] [fd, data, opcode] */
    public $pushes = [];
    /** @var array [uid or null, data, opcode] of each pushAll() / pushToUid() */
    public $fanouts = [];
    /** @var array[] [payload, finish, delayMs] */
    public $delivered = [];
    /** @var string[] payloads of taskFinish() */
    public $tasksFinished = [];
    /** @var array[] [payload, origin] of each taskDone() */
    public $tasksDone = [];
    /** @var int */
    public $finishesDone = 0;
    /** @var int */
    public $eventsDone = 0;
    /** @var int[] */
    public $established = [];
    /** @var array<string, string> */
    public $serverDefaults = [];
    /** @var array<int, string|null> what taskResults() answers, by wait id */
    public $taskResults = [];
    /** @var bool what deliverTask() answers (false: no task workers, or the queue is full) */
    public $acceptsTasks = true;
    /** @var bool */
    public $connected = false;
    /** @var bool leave() was called */
    public $leaving = false;
    /** @var string[] the body php://input read in each request, taken at beginSapi() */
    public $inputs = [];
    /** @var string[][] the uploaded files' paths each request registered at beginSapi() */
    public $uploads = [];
    /**
     * @var string[] what headers_list() gives at the end of each request: the CLI keeps
     *      no header(), so a test sets what the extension's Sapi would have kept
     */
    public $sapiHeaders = [];
    /** @var int|false what http_response_code() gives at the end of each request */
    public $sapiStatus = false;
    /** @var bool between beginSapi() and endSapi() */
    public $sapiActive = false;

    /** @var WorkerState */
    private $state;
    /** @var int */
    private $id;
    /** @var int */
    private $served = 0;
    /** @var int stands for max_request: 0 never */
    private $maxRequest = 0;
    /** @var bool set when an answer ends an exchange after leave() or at max_request */
    private $retiring = false;

    /** @param array[] $messages what next() hands out, in order (see the builders below) */
    public function __construct(array $messages = [], int $id = 0)
    {
        $this->inbox = $messages;
        $this->id = $id;
        $this->state = WorkerState::NotConnected;
    }

    /** Stands for max_request: the worker leaves once it answered $messages messages. */
    public function retireAfter(int $messages): self
    {
        $this->maxRequest = $messages;

        return $this;
    }

    public function connect(): void
    {
        $this->record(__FUNCTION__);
        if ($this->connected) {
            throw new \LogicException('connect() twice');
        }
        $this->connected = true;
        $this->state = WorkerState::Idle;
    }

    public function setServerDefaults(array $defaults): void
    {
        $this->record(__FUNCTION__, $defaults);
        $this->serverDefaults = $defaults;
    }

    public function next(): ?array
    {
        $this->record(__FUNCTION__);
        $this->expect(WorkerState::Idle, __FUNCTION__);
        if ($this->retiring || $this->inbox === []) {
            return null;
        }
        $message = array_shift($this->inbox);
        $this->state = match (MessageKind::from($message['type'])) {
            MessageKind::Request, MessageKind::Open, MessageKind::PortRequest => WorkerState::Received,
            MessageKind::Task => WorkerState::Task,
            MessageKind::Finish => WorkerState::Finish,
            default => WorkerState::Event,
        };

        return $message;
    }

    /** The inbox is always there: a message (or the end) is ready at once. */
    public function poll(int $ms): bool
    {
        $this->record(__FUNCTION__, $ms);

        return true;
    }

    public function waitStop(int $ms): bool
    {
        $this->record(__FUNCTION__, $ms);

        return $this->inbox === [];
    }

    public function leave(): void
    {
        $this->record(__FUNCTION__);
        $this->leaving = true;
    }

    public function state(): WorkerState
    {
        return $this->state;
    }

    public function id(): int
    {
        return $this->connected ? $this->id : -1;
    }

    public function served(): int
    {
        return $this->served;
    }

    public function retireReason(): ?string
    {
        if (!$this->retiring) {
            return null;
        }

        return $this->leaving ? 'the process is ending' : 'max_request reached';
    }

    public function beginSapi($input, array $uploads = []): void
    {
        $this->record(__FUNCTION__, $uploads);
        $this->expect(WorkerState::Received, __FUNCTION__);
        if ($this->sapiActive) {
            throw new \LogicException('beginSapi() twice without endSapi()');
        }
        $this->sapiActive = true;
        $this->inputs[] = stream_get_contents($input, -1, 0);
        $this->uploads[] = $uploads;
    }

    public function sapiHeaders(): array
    {
        $this->record(__FUNCTION__);

        return [$this->sapiActive ? $this->sapiHeaders : [], $this->sapiActive ? $this->sapiStatus : false];
    }

    public function endSapi(): void
    {
        $this->record(__FUNCTION__);
        $this->sapiActive = false;
    }

    public function respond(int $status, array $headers, string $body, ?string $reason = null): void
    {
        $this->record(__FUNCTION__, $status, $headers, $body, $reason);
        $this->expect(WorkerState::Received, __FUNCTION__);
        $this->responses[] = ['status' => $status, 'headers' => $headers, 'body' => $body, 'reason' => $reason, 'streamed' => false, 'chunks' => []];
        $this->answered();
    }

    public function startStream(int $status, array $headers, ?string $reason = null): void
    {
        $this->record(__FUNCTION__, $status, $headers, $reason);
        $this->expect(WorkerState::Received, __FUNCTION__);
        $this->responses[] = ['status' => $status, 'headers' => $headers, 'body' => '', 'reason' => $reason, 'streamed' => true, 'chunks' => []];
        $this->state = WorkerState::Streaming;
    }

    public function write(string $data): void
    {
        $this->record(__FUNCTION__, $data);
        $this->expect(WorkerState::Streaming, __FUNCTION__);
        $last = count($this->responses) - 1;
        $this->responses[$last]['body'] .= $data;
        $this->responses[$last]['chunks'][] = $data;
    }

    public function end(): void
    {
        $this->record(__FUNCTION__);
        $this->expect(WorkerState::Streaming, __FUNCTION__);
        $this->answered();
    }

    public function taskFinish(string $payload): void
    {
        $this->record(__FUNCTION__, $payload);
        $this->expect(WorkerState::Task, __FUNCTION__);
        $this->tasksFinished[] = $payload;
    }

    public function taskDone(?string $payload, ?int $origin): void
    {
        $this->record(__FUNCTION__, $payload, $origin);
        $this->expect(WorkerState::Task, __FUNCTION__);
        $this->tasksDone[] = [$payload, $origin];
        $this->answered();
    }

    public function finishDone(): void
    {
        $this->record(__FUNCTION__);
        $this->expect(WorkerState::Finish, __FUNCTION__);
        $this->finishesDone++;
        $this->answered();
    }

    public function eventDone(): void
    {
        $this->record(__FUNCTION__);
        $this->expect(WorkerState::Event, __FUNCTION__);
        $this->eventsDone++;
        $this->answered();
    }

    public function deliverTask(string $payload, bool $finish, int $delayMs): bool
    {
        $this->record(__FUNCTION__, $payload, $finish, $delayMs);
        if ($this->acceptsTasks) {
            $this->delivered[] = [$payload, $finish, $delayMs];
        }

        return $this->acceptsTasks;
    }

    public function taskTo(string $payload, ?int $dst, ?int $wait): bool
    {
        $this->record(__FUNCTION__, $payload, $dst, $wait);
        if ($this->acceptsTasks) {
            $this->delivered[] = [$payload, $dst, $wait];
        }

        return $wait !== null || $this->acceptsTasks;
    }

    public function taskResults(array $ids, float $timeoutMs): array
    {
        $this->record(__FUNCTION__, $ids, $timeoutMs);

        return array_intersect_key($this->taskResults, array_flip($ids));
    }

    public function sendMessage(int $dst, string $payload): bool
    {
        $this->record(__FUNCTION__, $dst, $payload);

        return true;
    }

    public function push(int $fd, string $data, int $opcode): bool
    {
        $this->record(__FUNCTION__, $fd, $data, $opcode);
        if (!in_array($fd, $this->established, true)) {
            return false;
        }
        $this->pushes[] = [$fd, $data, $opcode];

        return true;
    }

    public function fanout(?int $uid, string $data, int $opcode): bool
    {
        $this->record(__FUNCTION__, $uid, $data, $opcode);
        $this->fanouts[] = [$uid, $data, $opcode];

        return $uid === null || $uid > 0;
    }

    public function publish(array $channels, string $event, string $data, ?string $except): bool
    {
        $this->record(__FUNCTION__, $channels, $event, $data, $except);

        return true;
    }

    public function send(int $fd, string $data): bool
    {
        $this->record(__FUNCTION__, $fd, $data);

        return true;
    }

    public function sendTo(int $port, string $address, int $remotePort, string $data): bool
    {
        $this->record(__FUNCTION__, $port, $address, $remotePort, $data);

        return true;
    }

    public function disconnect(int $fd, ?int $code, ?string $reason): bool
    {
        $this->record(__FUNCTION__, $fd, $code, $reason);

        return true;
    }

    public function establish(int $fd): bool
    {
        $this->record(__FUNCTION__, $fd);
        $this->established[] = $fd;

        return true;
    }

    /** The calls of $method, each as its list of arguments. */
    public function callsOf(string $method): array
    {
        $calls = [];
        foreach ($this->calls as [$name, $args]) {
            if ($name === $method) {
                $calls[] = $args;
            }
        }

        return $calls;
    }

    // Messages as the extension's Worker::next() returns them.

    /** An HTTP request; $headers as name => value, turned into HTTP_* keys as the extension does. */
    public static function request(string $method, string $uri, array $headers = [], string $body = '', ?array $form = null): array
    {
        $message = ['type' => MessageKind::Request->value, 'server' => self::server($method, $uri, $headers), 'body' => $body];
        if ($form !== null) {
            $message['form'] = $form;
        }

        return $message;
    }

    public static function task(BackgroundWork $task, ?int $origin = null): array
    {
        return ['type' => MessageKind::Task->value, 'payload' => serialize($task), 'origin' => $origin];
    }

    public static function finish(string $payload): array
    {
        return ['type' => MessageKind::Finish->value, 'payload' => $payload];
    }

    public static function open(int $fd, string $uri = '/ws', array $headers = [], int $port = 0): array
    {
        $headers += ['Upgrade' => 'websocket', 'Connection' => 'Upgrade', 'Sec-WebSocket-Version' => '13', 'Sec-WebSocket-Key' => 'dGhlIHNhbXBsZSBub25jZQ=='];

        return ['type' => MessageKind::Open->value, 'fd' => $fd, 'port' => $port, 'server' => self::server('GET', $uri, $headers), 'body' => ''];
    }

    public static function message(int $fd, string $data, int $opcode = 1, int $port = 0): array
    {
        return ['type' => MessageKind::Message->value, 'fd' => $fd, 'port' => $port, 'opcode' => $opcode, 'data' => $data];
    }

    public static function close(int $fd, int $port = 0): array
    {
        return ['type' => MessageKind::Close->value, 'fd' => $fd, 'port' => $port];
    }

    public static function connectEvent(int $fd, int $port): array
    {
        return ['type' => MessageKind::Connect->value, 'fd' => $fd, 'port' => $port];
    }

    public static function receive(int $fd, int $port, string $data): array
    {
        return ['type' => MessageKind::Receive->value, 'fd' => $fd, 'port' => $port, 'data' => $data];
    }

    /** An HTTP request on an extra port whose handler is an Http one. */
    public static function portRequest(int $fd, int $port, string $method, string $uri, string $body = ''): array
    {
        return ['type' => MessageKind::PortRequest->value, 'fd' => $fd, 'port' => $port, 'server' => self::server($method, $uri), 'body' => $body];
    }

    /** The CGI-style server array the extension builds (src/ext/convert.rs). */
    public static function server(string $method, string $uri, array $headers = []): array
    {
        [$path, $query] = array_pad(explode('?', $uri, 2), 2, '');
        $server = [
            'REQUEST_METHOD' => $method, 'REQUEST_URI' => $uri, 'PATH_INFO' => $path, 'QUERY_STRING' => $query,
            'SERVER_PROTOCOL' => 'HTTP/1.1', 'REMOTE_ADDR' => '127.0.0.1', 'REMOTE_PORT' => 50000,
            'SERVER_ADDR' => '127.0.0.1', 'SERVER_PORT' => 5200, 'SERVER_SOFTWARE' => 'laravels-rs/test',
            'REQUEST_TIME' => time(), 'REQUEST_TIME_FLOAT' => microtime(true),
        ];
        $headers += ['Host' => '127.0.0.1:5200'];
        foreach ($headers as $name => $value) {
            $key = 'HTTP_' . strtoupper(strtr($name, '-', '_'));
            if ($key === 'HTTP_CONTENT_TYPE' || $key === 'HTTP_CONTENT_LENGTH') {
                $server[substr($key, 5)] = (string) $value;
            }
            $server[$key] = (string) $value;
        }

        return $server;
    }

    private function record(string $method, ...$args): void
    {
        $this->calls[] = [$method, $args];
    }

    private function expect(WorkerState $state, string $method): void
    {
        if ($this->state !== $state) {
            throw new \LogicException(sprintf('%s() while the worker is %s (it must be %s)', $method, $this->state->name, $state->name));
        }
    }

    /** An exchange ended: counted, and the worker retires after it as the extension decides. */
    private function answered(): void
    {
        $this->state = WorkerState::Idle;
        $this->served++;
        $this->retiring = $this->leaving || ($this->maxRequest > 0 && $this->served >= $this->maxRequest);
    }
}
