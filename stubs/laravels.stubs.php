<?php

// Stubs for laravels

namespace LaravelS\Runtime {
    /**
     * A bad `config('laravels')` value; the message names the key and the fix.
     */
    class ConfigException extends \Exception {
        public function __construct() {}
    }

    class Server {
        /**
         * Parses and checks `$config` (the `laravels` config array) and binds the listening
         * socket, so every start-up error is thrown here, before any process is forked.
         *
         * @param array $config
         * @param string $base_path
         */
        public function __construct(array $config, string $base_path) {}

        /**
         * Where clients reach the server, e.g. `http://127.0.0.1:5200`.
         *
         * @return string
         */
        public function address(): string {}

        /**
         * Forks the manager and the workers, then runs the master. Returns in every process
         * with `['role' => 'master'|'manager'|'worker'|'timer'|'worker_error'|'launcher', ...]`; a worker must then
         * boot the application and call `Worker::connect()`.
         *
         * @return array
         */
        public function start(): array {}

        /**
         * The number of task workers the manager keeps.
         *
         * @return int
         */
        public function taskWorkerNum(): int {}

        /**
         * Settings that were accepted but have no effect in this runtime, one line each.
         *
         * @return array
         */
        public function warnings(): array {}

        /**
         * The number of HTTP workers the manager keeps.
         *
         * @return int
         */
        public function workerNum(): int {}
    }

    /**
     * The server could not start (address in use, pid file not writable, ...).
     */
    class StartException extends \Exception {
        public function __construct() {}
    }

    class Worker {
        public function __construct() {}

        /**
         * Connects this worker to the master; from then on the master sends it requests.
         *
         * @return void
         */
        public static function connect(): void {}

        /**
         * Queues a serialized task for a task worker, after `$delayMs`; true when queued.
         * With `$finish`, the task comes back to this worker as a 'finish' message when done.
         *
         * @param mixed $payload
         * @param bool $finish
         * @param int $delay_ms
         * @return bool
         */
        public static function deliverTask(mixed $payload, bool $finish, int $delay_ms): bool {}

        /**
         * Ends the streamed body.
         *
         * @return void
         */
        public static function end(): void {}

        /**
         * Ends the current task's `finish()`.
         *
         * @return void
         */
        public static function finishDone(): void {}

        /**
         * This worker's id, 0 to worker_num - 1, or -1 outside a worker.
         *
         * @return int
         */
        public static function id(): int {}

        /**
         * Marks this worker as leaving: the next response to finish (the one in progress, or
         * else the next request's) tells the master to send it nothing more. The worker loop
         * calls this when the script ends mid-request or its state could not be reset.
         *
         * @return void
         */
        public static function leave(): void {}

        /**
         * Blocks for the next message; null when this worker must leave (reload, stop,
         * max_request, memory ceiling). A request is `['type' => 'request', 'server' => [...],
         * 'body' => '...']`, plus `'form' => ['fields' => [[name, value]...], 'files' =>
         * [[field, filename, type, tmp path, size, error]...]]` for a multipart body; a task
         * `['type' => 'task', 'payload' => ..., 'origin' => ?int]`; a finished task back at
         * its origin `['type' => 'finish', 'payload' => ...]`.
         *
         * @return array|null
         */
        public static function next(): ?array {}

        /**
         * Answers the current request with a whole response.
         *
         * @param int $status
         * @param array $headers
         * @param mixed $body
         * @param string|null $reason
         * @return void
         */
        public static function respond(int $status, array $headers, mixed $body, ?string $reason = null): void {}

        /**
         * Why this worker leaves after its last response, if it does.
         *
         * @return string|null
         */
        public static function retireReason(): ?string {}

        /**
         * Requests answered by this worker process.
         *
         * @return int
         */
        public static function served(): int {}

        /**
         * Sets entries added to every request's server array.
         *
         * @param array $defaults
         * @return void
         */
        public static function setServerDefaults(array $defaults): void {}

        /**
         * Sends the head of a streamed response; `write()` and `end()` follow.
         *
         * @param int $status
         * @param array $headers
         * @param string|null $reason
         * @return void
         */
        public static function startStream(int $status, array $headers, ?string $reason = null): void {}

        /**
         * Where the current exchange stands: "none" (not connected), "idle", "received"
         * (a request waits for its response) or "streaming".
         *
         * @return string
         */
        public static function state(): string {}

        /**
         * Ends the current task; `$payload` (the task again) goes to worker `$origin`.
         *
         * @param mixed $payload
         * @param int|null $origin
         * @return void
         */
        public static function taskDone(mixed $payload = null, ?int $origin = null): void {}

        /**
         * For the timer process: waits up to `$ms` milliseconds for the master to ask it to
         * stop (reload, stop); true when asked.
         *
         * @param int $ms
         * @return bool
         */
        public static function waitStop(int $ms): bool {}

        /**
         * Sends a piece of the streamed body now.
         *
         * @param mixed $data
         * @return void
         */
        public static function write(mixed $data): void {}
    }

    /**
     * A worker call made out of order, or the master connection lost.
     */
    class WorkerException extends \Exception {
        public function __construct() {}
    }
}
