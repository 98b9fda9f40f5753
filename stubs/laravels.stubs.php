<?php

// Stubs for laravels

namespace LaravelS\Runtime {
    /**
     * A counter in shared memory: made before the server forks (in a `ServerStart` handler),
     * every process adds to the same value. `wait()` and `wakeup()` use it as a flag between
     * processes, as Swoole's do.
     */
    class Atomic {
        /**
         * A new counter starting at `$value`.
         *
         * @param int $value
         */
        public function __construct(int $value = 0) {}

        /**
         * Adds and returns the new value.
         *
         * @param int $add_value
         * @return int
         */
        public function add(int $add_value = 1): int {}

        /**
         * Sets `$new_value` if the value is `$cmp_value`; whether it did.
         *
         * @param int $cmp_value
         * @param int $new_value
         * @return bool
         */
        public function cmpset(int $cmp_value, int $new_value): bool {}

        /**
         * The current value.
         *
         * @return int
         */
        public function get(): int {}

        /**
         * Replaces the value.
         *
         * @param int $value
         * @return void
         */
        public function set(int $value): void {}

        /**
         * Subtracts and returns the new value.
         *
         * @param int $sub_value
         * @return int
         */
        public function sub(int $sub_value = 1): int {}

        /**
         * When the value is 1, takes it back to 0 and returns true. While it is 0, sleeps
         * until a `wakeup()` or `$timeout` seconds (0 or less: no limit, as in Swoole), then
         * returns whether this process took the flag that wakeup set: when one wakeup wakes
         * several processes, one gets true and the others false, at once. False as well on
         * timeout, on a signal, and when the value is neither 0 nor 1.
         *
         * @param float $timeout
         * @return bool
         */
        public function wait(float $timeout = 1.0): bool {}

        /**
         * Sets a 0 value to 1 and wakes up to `$count` waiting processes; a value already
         * non-zero is left alone and wakes nobody. Always true, as in Swoole.
         *
         * @param int $count
         * @return bool
         */
        public function wakeup(int $count = 1): bool {}
    }

    class Clients {
        public function __construct() {}

        /**
         * Binds connection `$fd` to `$uid` (Swoole's `bind()`): false when `$fd` is not open,
         * is already bound, or `$uid` is not a positive number.
         *
         * @param int $fd
         * @param int $uid
         * @return bool
         */
        public static function bind(int $fd, int $uid): bool {}

        /**
         * Open connections.
         *
         * @return int
         */
        public static function count(): int {}

        /**
         * The server-wide counters: `start_time`, `connection_num`, `accept_count`, `close_count`,
         * `request_count`, `websocket_message_count`.
         *
         * @return array
         */
        public static function counters(): array {}

        /**
         * Whether connection `$fd` is open (HTTP or WebSocket). Another instance's `$fd`
         * (`websocket.cluster`): whether that instance is reachable now.
         *
         * @param int $fd
         * @return bool
         */
        public static function exists(int $fd): bool {}

        /**
         * Swoole's `getClientInfo()` keys for `$fd`, or null when it is not open.
         *
         * @param int $fd
         * @return array|null
         */
        public static function info(int $fd): ?array {}

        /**
         * Whether `$fd` is a WebSocket connection past its handshake; another instance's, as
         * `exists()`.
         *
         * @param int $fd
         * @return bool
         */
        public static function isEstablished(int $fd): bool {}

        /**
         * Up to `$pageSize` open connection fds above `$startFd`, ascending.
         *
         * @param int $start_fd
         * @param int $page_size
         * @return array
         */
        public static function list(int $start_fd, int $page_size): array {}
    }

    class Config {
        public function __construct() {}

        /**
         * Parses and checks `$config` (the `laravels` config array) and returns the typed
         * view the package reads (`LaravelS\Config\ServerConfig::fromArray()`); throws
         * `ConfigException` naming the key and the fix.
         *
         * @param array $config
         * @param string $base_path
         * @return array
         */
        public static function load(array $config, string $base_path): array {}
    }

    /**
     * A bad `config('laravels')` value; the message names the key and the fix.
     */
    class ConfigException extends \Exception {
        public function __construct() {}
    }

    class Control {
        public function __construct() {}

        /**
         * The status of the master `$master_pid` listening on `$port`, as JSON: the master,
         * then each process with its pid, state, current request, requests served and
         * memory. Throws `WorkerException` when the master cannot be reached in `$timeout`
         * seconds.
         *
         * @param int $master_pid
         * @param int $port
         * @param float|null $timeout
         * @return string
         */
        public static function status(int $master_pid, int $port, ?float $timeout = null): string {}
    }

    /**
     * A lock between processes (`Swoole\Lock`).
     */
    class Lock {
        public const FILELOCK = 2;

        public const MUTEX = 3;

        public const RWLOCK = 1;

        public const SEM = 4;

        public const SPINLOCK = 5;

        /**
         * Swoole's `$errCode`: the errno of the last failed call, 0 after a success.
         *
         * @var int
         */
        public int $errCode;

        /**
         * A lock of `$type` (`SWOOLE_MUTEX` by default); `SWOOLE_FILELOCK` locks `$filename`.
         *
         * @param int $type
         * @param string $filename
         */
        public function __construct(int $type = 3, string $filename = '') {}

        /**
         * Kept for Swoole's API: the lock's memory goes with the object (a mutex this process
         * holds is let go then).
         *
         * @return void
         */
        public function destroy(): void {}

        /**
         * Takes the lock (a rwlock's write side), waiting as long as it takes.
         *
         * @return bool
         */
        public function lock(): bool {}

        /**
         * A rwlock's read side, shared with other readers (the lock itself for other kinds).
         *
         * @return bool
         */
        public function lock_read(): bool {}

        /**
         * Waits `$timeout` seconds at most for a mutex (or a semaphore); false when it stayed
         * held.
         *
         * @param float $timeout
         * @return bool
         */
        public function lockwait(float $timeout = 1.0): bool {}

        /**
         * Takes the lock if it is free; false at once otherwise.
         *
         * @return bool
         */
        public function trylock(): bool {}

        /**
         * The read side if it is free; false at once otherwise.
         *
         * @return bool
         */
        public function trylock_read(): bool {}

        /**
         * Lets the lock go; false (with `errCode`) when this process did not hold a mutex.
         *
         * @return bool
         */
        public function unlock(): bool {}
    }

    class Sapi {
        public function __construct() {}

        /**
         * Whether a request's SAPI state is active (between `begin()` and `end()`).
         *
         * @return bool
         */
        public static function active(): bool {}

        /**
         * Starts a request's SAPI state: no headers, none sent yet, no response code,
         * `php://input` reads `$input` (a stream the caller keeps open until `end()`; it is
         * rewound on each open), and the paths in `$uploads` (the request's spooled files,
         * `$_FILES[...]['tmp_name']`) are uploaded files to `is_uploaded_file()` and
         * `move_uploaded_file()`.
         *
         * @param mixed $input
         * @param array|null $uploads
         * @return void
         */
        public static function begin(mixed $input, ?array $uploads = null): void {}

        /**
         * Ends the request's SAPI state: the request's headers and code are dropped (read
         * them first with `headers_list()` and `http_response_code()`), the CLI's behaviour
         * is back, `php://input` no longer points at the request's stream and the request's
         * files are no longer uploaded files (they are not deleted here).
         *
         * @return void
         */
        public static function end(): void {}
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
         * The extra ports (`sockets`), e.g. `tcp://127.0.0.1:5291`, in `$server->ports` order.
         *
         * @return array
         */
        public function extraAddresses(): array {}

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
         * The typed configuration the PHP package reads, as `Config::load()` returns it.
         *
         * @return array
         */
        public function view(): array {}

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

    /**
     * A table of rows in shared memory, created before the server forks so every process
     * reads and writes the same rows. Keys are strings of 1 to 63 bytes; a longer key, or
     * a string longer than its column's size, throws (Swoole truncates). `$size` and
     * `$memorySize` are set by `create()`, null before.
     */
    class Table implements \Iterator, \Countable {
        public const TYPE_FLOAT = 2;

        public const TYPE_INT = 1;

        public const TYPE_STRING = 3;

        /**
         * `$table->memorySize`: `getMemorySize()` as `create()` found it; null before `create()`.
         *
         * @var int|null
         */
        public readonly ?int $memorySize;

        /**
         * `$table->size`: `getSize()` as `create()` found it; null before `create()`.
         *
         * @var int|null
         */
        public readonly ?int $size;

        /**
         * `$size` rows (rounded up to a power of two), plus `$conflict_proportion` of that
         * again; `$name` appears in warnings and errors (`swoole_tables` gives e.g. wsTable).
         *
         * @param int $size
         * @param float $conflict_proportion
         * @param string $name
         */
        public function __construct(int $size, float $conflict_proportion = 0.2, string $name = '') {}

        /**
         * Adds a column: `TYPE_INT` and `TYPE_FLOAT` take 8 bytes, `TYPE_STRING` `$size` bytes.
         *
         * @param string $name
         * @param int $type
         * @param int $size
         * @return bool
         */
        public function column(string $name, int $type, int $size = 0): bool {}

        /**
         * Rows in the table (0 before `create()` and after `destroy()`).
         *
         * @return int
         */
        public function count(): int {}

        /**
         * Maps the shared memory; call it before the server starts.
         *
         * @return bool
         */
        public function create(): bool {}

        /**
         * The current row of the iteration, as `get()` returns it.
         *
         * @return mixed
         */
        public function current(): mixed {}

        /**
         * Subtracts `$decrby`; as `incr()`.
         *
         * @param mixed $key
         * @param string $column
         * @param mixed $decrby
         * @return mixed
         */
        public function decr(mixed $key, string $column, mixed $decrby = null): mixed {}

        /**
         * Removes the row; false if there was none.
         *
         * @param mixed $key
         * @return bool
         */
        public function del(mixed $key): bool {}

        /**
         * Alias of `del()`.
         *
         * @param mixed $key
         * @return bool
         */
        public function delete(mixed $key): bool {}

        /**
         * Unmaps the table's shared memory in this process; afterwards every method but
         * `count()`, `getSize()`, `getMemorySize()` and `stats()` throws. Processes forked before
         * keep their own mapping and rows; the memory goes back to the system when the
         * last process unmaps it (or exits).
         *
         * @return bool
         */
        public function destroy(): bool {}

        /**
         * Alias of `exists()`.
         *
         * @param mixed $key
         * @return bool
         */
        public function exist(mixed $key): bool {}

        /**
         * Whether row `$key` exists.
         *
         * @param mixed $key
         * @return bool
         */
        public function exists(mixed $key): bool {}

        /**
         * The row as `[column => value]`, or one column's value with `$field`; false when
         * there is no such row.
         *
         * @param mixed $key
         * @param string|null $field
         * @return mixed
         */
        public function get(mixed $key, ?string $field = null): mixed {}

        /**
         * Bytes of shared memory the table occupies (0 before `create()` and after `destroy()`).
         *
         * @return int
         */
        public function getMemorySize(): int {}

        /**
         * The size given to the constructor, rounded up to a power of two (0 after `destroy()`).
         *
         * @return int
         */
        public function getSize(): int {}

        /**
         * Adds `$incrby` (1 when omitted) to a numeric column, creating the row at 0 first;
         * the new value, or false when the table is full.
         *
         * @param mixed $key
         * @param string $column
         * @param mixed $incrby
         * @return mixed
         */
        public function incr(mixed $key, string $column, mixed $incrby = null): mixed {}

        /**
         * The current row's key.
         *
         * @return mixed
         */
        public function key(): mixed {}

        /**
         * Moves to the next row.
         *
         * @return void
         */
        public function next(): void {}

        /**
         * Iteration (`foreach`) goes bucket by bucket, each copied whole under its lock,
         * so rows written meanwhile by other processes are seen whole or not at all.
         *
         * @return void
         */
        public function rewind(): void {}

        /**
         * Writes the row's columns found in `$value` (others keep their value, or start at
         * 0 / '' in a new row; keys that are no column are ignored). False when the table
         * is full.
         *
         * @param mixed $key
         * @param array $value
         * @return bool
         */
        public function set(mixed $key, array $value): bool {}

        /**
         * Swoole's statistics, summed over every process; false before `create()` and after
         * `destroy()`. `num`: rows; `insert_count`, `update_count`, `delete_count`: rows
         * created, written again, removed; `conflict_count`: rows created in a bucket that
         * already held rows; `conflict_max_level`: the most rows such a bucket held;
         * `total_slice_num` and `available_slice_num`: all rows and free rows (every row
         * comes from one pool here, where Swoole counts only the rows beyond one per bucket).
         *
         * @return mixed
         */
        public function stats(): mixed {}

        /**
         * Whether the iteration has a current row.
         *
         * @return bool
         */
        public function valid(): bool {}
    }

    /**
     * A table used wrongly: a bad column, key or value, or a table not created yet.
     */
    class TableException extends \Exception {
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
         * Closes connection `$fd`: with a close frame (`$code`, `$reason`) when `$code` is
         * given, at once otherwise. False when there is no such connection.
         *
         * @param int $fd
         * @param int|null $code
         * @param string|null $reason
         * @return bool
         */
        public static function disconnect(int $fd, ?int $code = null, ?string $reason = null): bool {}

        /**
         * Ends the streamed body.
         *
         * @return void
         */
        public static function end(): void {}

        /**
         * Marks connection `$fd` as an established WebSocket: the handshake was accepted,
         * so `onOpen` can push to it and `isEstablished()` holds.
         *
         * @param int $fd
         * @return bool
         */
        public static function establish(int $fd): bool {}

        /**
         * Ends the current WebSocket message or close event.
         *
         * @return void
         */
        public static function eventDone(): void {}

        /**
         * Ends the current task's `finish()`.
         *
         * @return void
         */
        public static function finishDone(): void {}

        /**
         * This worker's id, 0 to `worker_num` - 1, or -1 outside a worker.
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
         * `max_request`, memory ceiling). A request is `['type' => 'request', 'server' => [...],
         * 'body' => '...']`, plus `'form' => ['fields' => [[name, value]...], 'files' =>
         * [[field, filename, type, tmp path, size, error]...]]` for a multipart body; a task
         * `['type' => 'task', 'payload' => ..., 'origin' => ?int]`; a finished task back at
         * its origin `['type' => 'finish', 'payload' => ...]`; WebSocket events `['type' =>
         * 'open', 'fd' => int, 'server' => [...]]` (answer with `respond()`, 101 accepts),
         * `['type' => 'message', 'fd', 'opcode', 'data']` and `['type' => 'close', 'fd']`
         * (end both with `eventDone()`); a `sendMessage()` from another process
         * `['type' => 'pipe_message', 'payload' => ...]` (end it with `eventDone()`).
         *
         * @return array|null
         */
        public static function next(): ?array {}

        /**
         * Waits up to `$ms` milliseconds for the master's next message without taking it;
         * true when `next()` answers at once. An idle worker with timers or sleeping
         * coroutines waits here until the earliest is due; a signal ends the wait (false).
         *
         * @param int $ms
         * @return bool
         */
        public static function poll(int $ms): bool {}

        /**
         * Publishes `$event` with `$data` (JSON) to the Pusher channels `$channels`
         * (`websocket.pusher`), except the connection whose socket id is `$except`; one-way,
         * for the `laravels` broadcaster.
         *
         * @param array $channels
         * @param string $event
         * @param string $data
         * @param string|null $except
         * @return bool
         */
        public static function publish(array $channels, string $event, string $data, ?string $except = null): bool {}

        /**
         * Sends `$data` to WebSocket connection `$fd` with `$opcode` (1 text, 2 binary, 9
         * ping, 10 pong). False, as in Swoole, when `$fd` is not an established WebSocket
         * connection; never waits for the master.
         *
         * With `websocket.cluster`, another instance's `$fd` is handed to the master for
         * that instance while it is reachable (true), false when it is not.
         *
         * @param int $fd
         * @param mixed $data
         * @param int $opcode
         * @return bool
         */
        public static function push(int $fd, mixed $data, int $opcode): bool {}

        /**
         * Sends `$data` to every established WebSocket connection, on every instance with
         * `websocket.cluster` (on this one without). True once handed to the master.
         *
         * @param mixed $data
         * @param int $opcode
         * @return bool
         */
        public static function pushAll(mixed $data, int $opcode): bool {}

        /**
         * Sends `$data` to every established WebSocket connection `bind()` tied to `$uid`, on
         * every instance with `websocket.cluster`. False for a uid that is not positive.
         *
         * @param int $uid
         * @param mixed $data
         * @param int $opcode
         * @return bool
         */
        public static function pushToUid(int $uid, mixed $data, int $opcode): bool {}

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
         * Sends raw bytes to TCP connection `$fd` of an extra port (Swoole's `send`). False
         * when `$fd` is not open.
         *
         * @param int $fd
         * @param mixed $data
         * @return bool
         */
        public static function send(int $fd, mixed $data): bool {}

        /**
         * Swoole's `sendMessage()`: `$payload` for process `$dst`'s `onPipeMessage`
         * handlers (a worker or task worker id); one-way, false for a negative id.
         *
         * @param int $dst
         * @param mixed $payload
         * @return bool
         */
        public static function sendMessage(int $dst, mixed $payload): bool {}

        /**
         * Sends a UDP datagram from extra port `$port` to `$address`:`$remotePort`; a
         * negative `$port` (Swoole's default -1) sends from the first UDP port.
         *
         * @param int $port
         * @param string $address
         * @param int $remote_port
         * @param mixed $data
         * @return bool
         */
        public static function sendTo(int $port, string $address, int $remote_port, mixed $data): bool {}

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
         * Sends a result of the current task to its sender now (Swoole's `finish()` mid-task).
         *
         * @param mixed $payload
         * @return void
         */
        public static function taskFinish(mixed $payload): void {}

        /**
         * Waits up to `$timeoutMs` for the results of the tasks sent with wait ids `$ids`:
         * `[id => serialized result, or null when the task was refused]`, in arrival order;
         * an id missing from it did not finish in time.
         *
         * @param array $ids
         * @param float $timeout_ms
         * @return array
         */
        public static function taskResults(array $ids, float $timeout_ms): array {}

        /**
         * Swoole's `task()` / `taskwait()`: queues a serialized task for task worker `$dst`
         * (its index; null: any). Without `$wait`, true when queued; with a wait id, true
         * at once, and `taskResults()` collects the result.
         *
         * @param mixed $payload
         * @param int|null $dst
         * @param int|null $wait
         * @return bool
         */
        public static function taskTo(mixed $payload, ?int $dst = null, ?int $wait = null): bool {}

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

    /**
     * Declares `$alias` as another name of the loaded class `$class`, for this request;
     * false if `$class` is unknown or `$alias` is taken.
     *
     * @param string $class
     * @param string $alias
     * @return bool
     */
    function alias_class(string $class, string $alias): bool {}
}

namespace LaravelS\Runtime\Atomic {
    /**
     * `Swoole\Atomic\Long`: a signed 64-bit counter in shared memory, made before the
     * server forks like Atomic. Swoole's has no `wait()` and `wakeup()`, nor does this one.
     */
    class Long {
        /**
         * A new counter starting at `$value`.
         *
         * @param int $value
         */
        public function __construct(int $value = 0) {}

        /**
         * Adds and returns the new value (wrapping past the 64-bit limits).
         *
         * @param int $add_value
         * @return int
         */
        public function add(int $add_value = 1): int {}

        /**
         * Sets `$new_value` if the value is `$cmp_value`; whether it did.
         *
         * @param int $cmp_value
         * @param int $new_value
         * @return bool
         */
        public function cmpset(int $cmp_value, int $new_value): bool {}

        /**
         * The current value.
         *
         * @return int
         */
        public function get(): int {}

        /**
         * Replaces the value.
         *
         * @param int $value
         * @return void
         */
        public function set(int $value): void {}

        /**
         * Subtracts and returns the new value.
         *
         * @param int $sub_value
         * @return int
         */
        public function sub(int $sub_value = 1): int {}
    }
}
