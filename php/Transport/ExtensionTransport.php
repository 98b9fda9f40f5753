<?php

namespace LaravelS\Transport;

use LaravelS\Runtime\Sapi;
use LaravelS\Runtime\Worker;

/**
 * The transport over the extension's LaravelS\Runtime\Worker (and Sapi): each method is
 * one static call, with its arguments passed through as they are. The only file of the
 * package that names Worker or Sapi; it holds no state, so one instance serves every
 * process the master forks.
 */
final class ExtensionTransport implements Transport
{
    public function connect(): void
    {
        Worker::connect();
    }

    public function setServerDefaults(array $defaults): void
    {
        Worker::setServerDefaults($defaults);
    }

    public function next(): ?array
    {
        return Worker::next();
    }

    public function poll(int $ms): bool
    {
        return Worker::poll($ms);
    }

    public function waitStop(int $ms): bool
    {
        return Worker::waitStop($ms);
    }

    public function leave(): void
    {
        Worker::leave();
    }

    public function state(): WorkerState
    {
        return WorkerState::from(Worker::state());
    }

    public function id(): int
    {
        return Worker::id();
    }

    public function served(): int
    {
        return Worker::served();
    }

    public function retireReason(): ?string
    {
        return Worker::retireReason();
    }

    public function beginSapi($input, array $uploads = []): void
    {
        Sapi::begin($input, $uploads);
    }

    public function sapiHeaders(): array
    {
        // PHP's own functions: Sapi keeps the headers in PHP's list while a request is on.
        return [headers_list(), http_response_code()];
    }

    public function endSapi(): void
    {
        Sapi::end();
    }

    public function respond(int $status, array $headers, string $body, ?string $reason = null): void
    {
        Worker::respond($status, $headers, $body, $reason);
    }

    public function startStream(int $status, array $headers, ?string $reason = null): void
    {
        Worker::startStream($status, $headers, $reason);
    }

    public function write(string $data): void
    {
        Worker::write($data);
    }

    public function end(): void
    {
        Worker::end();
    }

    public function taskFinish(string $payload): void
    {
        Worker::taskFinish($payload);
    }

    public function taskDone(?string $payload, ?int $origin): void
    {
        Worker::taskDone($payload, $origin);
    }

    public function finishDone(): void
    {
        Worker::finishDone();
    }

    public function eventDone(): void
    {
        Worker::eventDone();
    }

    public function deliverTask(string $payload, bool $finish, int $delayMs): bool
    {
        return Worker::deliverTask($payload, $finish, $delayMs);
    }

    public function taskTo(string $payload, ?int $dst, ?int $wait): bool
    {
        return Worker::taskTo($payload, $dst, $wait);
    }

    public function taskResults(array $ids, float $timeoutMs): array
    {
        return Worker::taskResults($ids, $timeoutMs);
    }

    public function sendMessage(int $dst, string $payload): bool
    {
        return Worker::sendMessage($dst, $payload);
    }

    public function push(int $fd, string $data, int $opcode): bool
    {
        return Worker::push($fd, $data, $opcode);
    }

    public function publish(array $channels, string $event, string $data, ?string $except): bool
    {
        return Worker::publish($channels, $event, $data, $except);
    }

    public function send(int $fd, string $data): bool
    {
        return Worker::send($fd, $data);
    }

    public function sendTo(int $port, string $address, int $remotePort, string $data): bool
    {
        return Worker::sendTo($port, $address, $remotePort, $data);
    }

    public function fanout(?int $uid, string $data, int $opcode): bool
    {
        return $uid === null ? Worker::pushAll($data, $opcode) : Worker::pushToUid($uid, $data, $opcode);
    }

    public function disconnect(int $fd, ?int $code, ?string $reason): bool
    {
        return Worker::disconnect($fd, $code, $reason);
    }

    public function establish(int $fd): bool
    {
        return Worker::establish($fd);
    }
}
