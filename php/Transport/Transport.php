<?php

namespace LaravelS\Transport;

/**
 * A process's link to the master: everything the bridge (php/Bridge/), app('swoole')
 * (php/Server/) and tasks (php/Task/) ask of the extension. ExtensionTransport is the
 * real one; tests use an in-memory one, so the bridge runs without the extension.
 *
 * A worker pulls: next() hands it one message, and each message is ended by exactly one
 * answer (respond() or a stream for a request or handshake, taskDone(), finishDone(),
 * eventDone()). The one-way operations (push, send, sendTo, disconnect, deliverTask)
 * may be called at any time in between. Strings and arrays are passed as they are, so
 * a call costs no copy.
 */
interface Transport
{
    // The worker's life.

    /** Connects this freshly started process to the master, once its app is booted. */
    public function connect(): void;

    /** @param array<string, string> $defaults entries every request's server array carries */
    public function setServerDefaults(array $defaults): void;

    /**
     * Blocks for the next message; null when this worker must leave (reload, stop,
     * max_request, memory limit). `'type'` is a MessageKind value; the other keys are
     * listed on each MessageKind case.
     */
    public function next(): ?array;

    /**
     * Waits up to $ms for the master's next message without taking it: true when next()
     * answers at once, false on timeout or a signal. An idle worker with timers waits here.
     */
    public function poll(int $ms): bool;

    /** For the timer and custom processes: waits up to $ms for the master to ask it to leave. */
    public function waitStop(int $ms): bool;

    /** The next answer tells the master to send this worker nothing more. */
    public function leave(): void;

    public function state(): WorkerState;

    /** This worker's id (0 to worker_num - 1, then task workers, timer, processes), -1 outside one. */
    public function id(): int;

    /** Requests this worker process answered. */
    public function served(): int;

    /** Why this worker leaves after its last answer, if it does. */
    public function retireReason(): ?string;

    // PHP's own request state for the request in hand (the extension's Sapi): header(),
    // setcookie(), http_response_code(), headers_sent(), php://input, is_uploaded_file()
    // and move_uploaded_file() as under php-fpm.

    /**
     * @param resource $input   the request body, open until endSapi(); php://input reads it
     * @param string[] $uploads the request's uploaded files ($_FILES' tmp_name): until
     *                          endSapi(), is_uploaded_file() accepts them and
     *                          move_uploaded_file() moves them
     */
    public function beginSapi($input, array $uploads = []): void;

    /**
     * What the request set with header() and setcookie(), as headers_list() lists them,
     * and http_response_code() (false when nothing set it).
     *
     * @return array{0: string[], 1: int|false}
     */
    public function sapiHeaders(): array;

    /** Drops the request's headers, code and uploads (not their files); the CLI's behaviour is back. */
    public function endSapi(): void;

    // Answers to the message in hand.

    /** @param array<string, string|string[]> $headers */
    public function respond(int $status, array $headers, string $body, ?string $reason = null): void;

    /** @param array<string, string|string[]> $headers */
    public function startStream(int $status, array $headers, ?string $reason = null): void;

    public function write(string $data): void;

    public function end(): void;

    /** Swoole's finish() mid-task: $payload (the task with its result) goes to its sender now. */
    public function taskFinish(string $payload): void;

    /** Ends a task; $payload (the task again) goes back to worker $origin for its finish(). */
    public function taskDone(?string $payload, ?int $origin): void;

    public function finishDone(): void;

    /** Ends a WebSocket message or close, or an extra port's event. */
    public function eventDone(): void;

    // One-way, from any process: never waits for the master.

    /** Queues a serialized task after $delayMs; true when queued. */
    public function deliverTask(string $payload, bool $finish, int $delayMs): bool;

    /**
     * Swoole's task() / taskwait(): queues a serialized task for task worker $dst (its
     * index; null: any). Without $wait, true when queued (its result comes back as a
     * 'finish' message between requests); with a wait id, true at once, and taskResults()
     * collects the result.
     */
    public function taskTo(string $payload, ?int $dst, ?int $wait): bool;

    /**
     * Waits up to $timeoutMs for the results of the tasks sent with wait ids $ids:
     * [id => serialized result, or null when the task was refused]; a missing id did not
     * finish in time.
     *
     * @param int[] $ids
     * @return array<int, string|null>
     */
    public function taskResults(array $ids, float $timeoutMs): array;

    /** Swoole's sendMessage(): $payload for process $dst's onPipeMessage handlers. */
    public function sendMessage(int $dst, string $payload): bool;

    /** False when $fd is not an established WebSocket connection. */
    public function push(int $fd, string $data, int $opcode): bool;

    /**
     * $data to every established WebSocket connection ($uid null), or to those bind()
     * tied to $uid, on every instance with `websocket.cluster`; never waits.
     */
    public function fanout(?int $uid, string $data, int $opcode): bool;

    /**
     * One-way: $event with $data (JSON) for the subscribers of the Pusher channels
     * $channels, except the connection whose socket id is $except (websocket.pusher).
     *
     * @param list<string> $channels
     */
    public function publish(array $channels, string $event, string $data, ?string $except): bool;

    /** Raw bytes to a TCP connection of an extra port; false when $fd is not open. */
    public function send(int $fd, string $data): bool;

    /** A UDP datagram from extra port $port to $address:$remotePort. */
    public function sendTo(int $port, string $address, int $remotePort, string $data): bool;

    /** Closes $fd: with a close frame when $code is given, at once otherwise. */
    public function disconnect(int $fd, ?int $code, ?string $reason): bool;

    /** Marks $fd an established WebSocket connection (its handshake was accepted). */
    public function establish(int $fd): bool;
}
