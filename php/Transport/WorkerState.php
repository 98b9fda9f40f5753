<?php

namespace LaravelS\Transport;

/**
 * Where a worker's exchange with the master stands (Transport::state()). Mirrors
 * WorkerState in src/ext/kinds.rs (a Rust test checks that both list the same cases).
 */
enum WorkerState: string
{
    /** Not a connected worker (before connect(), or outside a server). */
    case NotConnected = 'none';
    /** Nothing in hand: waiting for the next message. */
    case Idle = 'idle';
    /** A request (or handshake) was taken and no byte of its answer was sent. */
    case Received = 'received';
    /** The head of a streamed response was sent; chunks and the end follow. */
    case Streaming = 'streaming';
    /** A task is running; taskDone() ends it. */
    case Task = 'task';
    /** A task's finish() is running; finishDone() ends it. */
    case Finish = 'finish';
    /** The timer process, working on its own schedule. */
    case Timer = 'timer';
    /** A WebSocket or port event is running; eventDone() ends it. */
    case Event = 'event';

    /** The master waits for an answer to what this worker holds. */
    public function owesAnswer(): bool
    {
        return match ($this) {
            self::Received, self::Streaming, self::Task, self::Finish, self::Event => true,
            self::NotConnected, self::Idle, self::Timer => false,
        };
    }
}
