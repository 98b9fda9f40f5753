//! Every key of `config('laravels')` this runtime knows, one entry each: its type, its
//! default, what it does and whose it is. The same table gives the start-up warnings for
//! the keys it does not list (a `LaravelS` setting we do not implement is worth one line,
//! not an error, because real `LaravelS` configs carry many of them) and the README's
//! settings tables (`readme.rs`).

use serde_json::{Map, Value};

use super::values::scalar_text;

/// Whose setting a key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// `LaravelS`'s (or Swoole's, as `LaravelS` passes `swoole` on): same name, same meaning.
    LaravelS,
    /// Added by laravels-rs.
    Ours,
}

/// What this runtime does with a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Support {
    /// Read and applied, by the runtime or by the PHP package through the view.
    Read,
    /// Not read: this runtime already behaves as Swoole does with this value, so the
    /// value passes silently and any other one warns.
    SameAs(&'static str),
    /// Not read, and no value of it changes anything here: accepted silently.
    AnyValue,
    /// Accepted silently and left out of the README (a key of the package's own use).
    Internal,
}

/// The type of a value, as the README names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Type {
    Bool,
    Int,
    Float,
    Seconds,
    /// A number of bytes, or a size such as `'256M'`.
    Bytes,
    Str,
    /// A path, relative to the application's root unless absolute.
    Path,
    Class,
    Classes,
    Strings,
    /// An array whose shape the key's description gives.
    Array,
}

impl Type {
    #[cfg(test)]
    pub(super) fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Float => "float",
            Type::Seconds => "seconds",
            Type::Bytes => "bytes",
            Type::Str => "string",
            Type::Path => "path",
            Type::Class => "class",
            Type::Classes => "list of classes",
            Type::Strings => "list of strings",
            Type::Array => "array",
        }
    }
}

/// One key. `path` is dotted; `*` stands for any name or index of a list or map
/// (`sockets.*.handler`).
// Type, default, origin and description are for the README (rendered in a test).
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Clone, Copy)]
pub(super) struct Key {
    pub path: &'static str,
    pub kind: Type,
    /// The default as PHP would write it; empty when there is none.
    pub default: &'static str,
    pub origin: Origin,
    pub support: Support,
    pub about: &'static str,
}

const fn key(path: &'static str, kind: Type, default: &'static str, origin: Origin, support: Support, about: &'static str) -> Key {
    Key { path, kind, default, origin, support, about }
}

use Origin::{LaravelS, Ours};
use Support::{AnyValue, Internal, Read, SameAs};
use Type::{Array, Bool, Bytes, Class, Classes, Float, Int, Path, Seconds, Str, Strings};

/// The table, in the order of the published config/laravels.php.
pub(super) const KEYS: &[Key] = &[
    key("listen_ip", Str, "'127.0.0.1'", LaravelS, Read, "Address to listen on (`'0.0.0.0'` or `'::'` for every interface); with a unix `socket_type`, the socket file's path."),
    key("listen_port", Int, "5200", LaravelS, Read, "Port to listen on; 0 lets the system pick one."),
    key("socket_type", Int, "SWOOLE_SOCK_TCP", LaravelS, Read, "`SWOOLE_SOCK_TCP`, `SWOOLE_SOCK_TCP6` or `SWOOLE_SOCK_UNIX_STREAM`; `\\| SWOOLE_SSL` turns TLS on (needs `swoole.ssl_cert_file` and `swoole.ssl_key_file`)."),
    key("server", Str, "''", LaravelS, Read, "Value of the `Server` response header; empty sends none."),
    key("serving_mode", Str, "'master'", Ours, Read, "Who serves the main port: `'master'`, whose reactor hands each request to an idle worker over a unix socket, or `'worker'` (Swoole's `SWOOLE_BASE`), where each HTTP worker accepts connections on the main port and speaks HTTP itself, on a thread beside PHP, with no hop through the master (less CPU per request). A worker held up by a request past 2 ms stops accepting while another is free and passes the requests its other connections send to a free worker. WebSocket, Pusher and `metrics.path` connections are handed to the master, which serves them (not over TLS on the main port: refused at start-up). `LARAVELS_SERVING_MODE`."),
    key("handle_static", Bool, "false", LaravelS, Read, "The master answers requests for files under `swoole.document_root` itself, without PHP."),
    key("laravel_base_path", Path, "base_path()", LaravelS, Read, "The application's root the workers boot. A `current` link is resolved by each new worker, so a reload boots the release it points to then; `base_path()` stands for the directory the server was started from as named (`$PWD` or `bin/laravels`' path, the link kept)."),
    key("enable_coroutine_runtime", Bool, "false", LaravelS, AnyValue, "Accepted with a note at start: each worker process runs one request at a time and blocking calls (PDO, Redis, curl, files) are not hooked. Coroutines (`go()`, `Coroutine::sleep()`) run in custom processes, the timer process and timers' callbacks without it."),
    key("enable_gzip", Bool, "false", LaravelS, Read, "Legacy (LaravelS deprecated it for `swoole.http_compression`): true turns `swoole.http_compression` on, with a warning to set that instead."),
    key("inotify_reload", Array, "", LaravelS, Read, "The master reloads every process (workers, task workers, the timer, custom processes through their `onReload`) when a watched file changes; for development. Changes are gathered until none came for 200 ms, so a `git checkout` of many files is one reload."),
    key("inotify_reload.enable", Bool, "false", LaravelS, Read, "Turn it on (no PHP extension needed: the server's own inotify watcher)."),
    key("inotify_reload.watch_path", Path, "base_path()", LaravelS, Read, "Directory watched, with every directory below it, new ones included; symbolic links below it are not followed."),
    key("inotify_reload.file_types", Strings, "['.php']", LaravelS, Read, "File name endings that count; an empty list: every file."),
    key("inotify_reload.excluded_dirs", Strings, "[]", LaravelS, Read, "Directories not watched, with everything below them (`[base_path('vendor')]`; a relative one is under `watch_path`)."),
    key("inotify_reload.log", Bool, "true", LaravelS, Read, "Log each reload with the file that triggered it: `reloading: FILE changed (N more)`."),
    key("inotify_reload.poll_ms", Int, "0", Ours, Read, "Scan modification times every this many milliseconds instead of using inotify, for file systems where inotify sees nothing (a host directory mounted into a VM or container); 0: inotify."),
    key("event_handlers", Array, "[]", LaravelS, Read, "Event name => list of handler classes, run in array order; an unknown event name stops start-up."),
    key("event_handlers.ServerStart", Classes, "[]", LaravelS, Read, "In the master before any fork: what a handler attaches to the server object reaches every process. The app is not booted there (as under LaravelS), so no worker inherits its classes."),
    key("event_handlers.ServerStop", Classes, "[]", LaravelS, Read, "In the master, after the server stopped, with the app of the current release booted for it."),
    key("event_handlers.WorkerStart", Classes, "[]", LaravelS, Read, "In each worker and task worker, once the application booted."),
    key("event_handlers.WorkerStop", Classes, "[]", LaravelS, Read, "In each worker and task worker that leaves (reload, stop, `max_request`)."),
    key("event_handlers.WorkerError", Classes, "[]", LaravelS, Read, "When a worker died abnormally, with its id, pid, exit code and signal; in a short-lived process that boots the app for it."),
    key("event_handlers.Task", Classes, "[]", Ours, Read, "Swoole's `onTask`, for what `app('swoole')->task()`, `taskwait()` and `taskWaitMulti()` deliver that is not a LaravelS Task or Event (those run themselves): `handle($server, $taskId, $srcWorkerId, $data)` in a task worker; the first handler to return a value other than null gives the task's result."),
    key("event_handlers.Finish", Classes, "[]", Ours, Read, "Swoole's `onFinish`: `handle($server, $taskId, $data)` in the worker that called `task()` without a finish callback, between its requests, with the task's result."),
    key("event_handlers.PipeMessage", Classes, "[]", Ours, Read, "Swoole's `onPipeMessage`: `handle($server, $srcWorkerId, $message)` in the worker or task worker `sendMessage()` named, between its requests."),
    key("websocket", Array, "", LaravelS, Read, "A WebSocket server on the HTTP address and port."),
    key("websocket.enable", Bool, "false", LaravelS, Read, "Upgrade requests become WebSocket connections."),
    key("websocket.handler", Class, "", LaravelS, Read, "The handler (`WebSocketHandlerInterface`: `onOpen`, `onMessage`, `onClose`); required when enabled."),
    key("websocket.cluster", Array, "[]", Ours, Read, "Several instances behind a load balancer deliver each other's pushes through a shared Redis: `push`, `disconnect` and `close` to another instance's `$fd`, `pushAll()` and `pushToUid()` reach every instance, and so do Pusher events and presence members (`websocket.pusher`). Off unless `redis` is set. See the README's cluster section."),
    key("websocket.cluster.redis", Str, "env('LARAVELS_WS_CLUSTER_REDIS')", Ours, Read, "The Redis every instance shares: `tcp://host:port` or `redis://[user:password@]host[:port][/db]`; empty: the cluster is off and `$fd`s are as without it."),
    key("websocket.cluster.node", Int, "env('LARAVELS_WS_CLUSTER_NODE')", Ours, Read, "This instance's id, 1 to 2147483647, unique in the cluster (required with `redis`): its connection ids are `node * 2^32 + n`."),
    key("websocket.cluster.prefix", Str, "'laravels'", Ours, Read, "Start of the Redis channel names (`{prefix}:ws:node:{node}`, `{prefix}:ws:all`), so several apps can share one Redis."),
    key("websocket.pusher", Array, "[]", Ours, Read, "The Pusher protocol (Channels protocol 7) for Laravel Broadcasting and Laravel Echo, served by the master without PHP on `{path}/{key}` of the HTTP port, with the Pusher HTTP API (`/apps/{app_id}/events`); needs no `handler`. See the README's broadcasting section."),
    key("websocket.pusher.enable", Bool, "false", Ours, Read, "Turn it on (the published config reads `LARAVELS_PUSHER` from .env)."),
    key("websocket.pusher.path", Str, "'/app'", Ours, Read, "Clients connect to this path followed by `/{key}` (pusher-js and Echo use `/app/{key}`)."),
    key("websocket.pusher.app_id", Str, "env('PUSHER_APP_ID')", Ours, Read, "The app id of the HTTP API's paths; required when enabled."),
    key("websocket.pusher.key", Str, "env('PUSHER_APP_KEY')", Ours, Read, "The app key clients connect with; another key is refused with error 4001. Required when enabled."),
    key("websocket.pusher.secret", Str, "env('PUSHER_APP_SECRET')", Ours, Read, "Signs private and presence subscriptions (`/broadcasting/auth`) and HTTP API calls; required when enabled."),
    key("websocket.pusher.client_events", Bool, "false", Ours, Read, "Forward `client-*` events (Echo's `whisper()`) to the other subscribers of a private or presence channel; off, they are refused with an error."),
    key("websocket.pusher.activity_timeout", Seconds, "120", Ours, Read, "Sent to clients in `connection_established`; a connection silent this long is sent `pusher:ping` and closed (4201) if it stays silent 30 s more."),
    key("sockets", Array, "[]", LaravelS, Read, "Extra ports with their own handlers, numbered from 1 in `$server->ports` in the order of the enabled entries."),
    key("sockets.*.host", Str, "", LaravelS, Read, "Address of the port."),
    key("sockets.*.port", Int, "", LaravelS, Read, "Port number."),
    key("sockets.*.type", Int, "SWOOLE_SOCK_TCP", LaravelS, Read, "`SWOOLE_SOCK_TCP`, `_TCP6`, `_UDP` or `_UDP6`; `\\| SWOOLE_SSL` for TLS on a TCP port."),
    key("sockets.*.handler", Class, "", LaravelS, Read, "A class extending `TcpSocket`, `UdpSocket`, `Http` or `WebSocket`."),
    key("sockets.*.enable", Bool, "true", LaravelS, Read, "false leaves the entry out (it then takes no number in `$server->ports`)."),
    key("sockets.*.settings", Array, "[]", LaravelS, Read, "The port's own settings, below; also its `$port->setting`."),
    key("sockets.*.settings.open_eof_check", Bool, "false", LaravelS, Read, "Messages end with `package_eof`; several may arrive together."),
    key("sockets.*.settings.open_eof_split", Bool, "false", LaravelS, Read, "Messages end with `package_eof`, each handed over alone."),
    key("sockets.*.settings.package_eof", Str, "", LaravelS, Read, "The end of a message, 1 to 8 bytes."),
    key("sockets.*.settings.open_length_check", Bool, "false", LaravelS, Read, "Messages carry their length in a fixed header."),
    key("sockets.*.settings.package_length_type", Str, "'N'", LaravelS, Read, "The length field's pack() code: c C s S n N v V l L."),
    key("sockets.*.settings.package_length_offset", Int, "0", LaravelS, Read, "Where the length field starts in the header."),
    key("sockets.*.settings.package_body_offset", Int, "0", LaravelS, Read, "Header size: the length field counts the bytes after it."),
    key("sockets.*.settings.package_max_length", Bytes, "swoole.package_max_length", LaravelS, Read, "Largest message (or HTTP body) on this port."),
    key("sockets.*.settings.open_http_protocol", Bool, "false", LaravelS, Read, "HTTP requests for the Http handler's `onRequest`."),
    key("sockets.*.settings.open_websocket_protocol", Bool, "false", LaravelS, Read, "WebSocket connections for the port's WebSocket handler (needs `websocket.enable`)."),
    key("sockets.*.settings.ssl_cert_file", Path, "", LaravelS, Read, "The port's PEM certificate (chain), with `type \\| SWOOLE_SSL`."),
    key("sockets.*.settings.ssl_key_file", Path, "", LaravelS, Read, "The port's PEM private key."),
    key("processes", Array, "[]", LaravelS, Read, "Custom processes beside the workers: name => definition."),
    key("processes.*.class", Class, "", LaravelS, Read, "A `CustomProcessInterface` class: `callback()`, optional `onReload()` and `onStop()`."),
    key("processes.*.enable", Bool, "true", LaravelS, Read, "false leaves the entry out."),
    key("processes.*.num", Int, "1", LaravelS, Read, "Instances, 1 to 64."),
    key("processes.*.pipe", Int, "0", LaravelS, Read, "0: no pipe, 1: a stream pipe, 2: a datagram pipe, reachable as `customProcesses[name]`."),
    key("processes.*.redirect", Bool, "false", LaravelS, Read, "What the process prints goes to its pipe."),
    key("processes.*.queue", Array, "", LaravelS, Read, "A System V message queue instead of the pipe: `msg_key`, `mode`, `capacity`."),
    key("processes.*.restart_interval", Seconds, "5", LaravelS, Read, "Wait before the process is started again after it ended."),
    key("timer", Array, "", LaravelS, Read, "Millisecond cron jobs, run in a timer process."),
    key("timer.enable", Bool, "false", LaravelS, Read, "Start the timer process."),
    key("timer.jobs", Array, "[]", LaravelS, Read, "`CronJob` classes, or `[Job::class, [interval_ms, isImmediate]]`; a class that is not a `CronJob` is skipped with a log line."),
    key("timer.max_wait_time", Seconds, "5", LaravelS, Read, "How long a reload or stop waits for the running job."),
    key("timer.global_lock", Bool, "false", LaravelS, Read, "With several servers, only the one holding a Redis lock runs the jobs."),
    key("timer.global_lock_key", Str, "config('app.name')", LaravelS, Read, "Name of the lock."),
    key("timer.global_lock_ttl", Seconds, "60", Ours, Read, "How long the lock outlives a holder that stopped renewing it: another server's timer takes over within this time."),
    key("swoole_tables", Array, "[]", LaravelS, Read, "Shared-memory tables made before the fork: name => `size`, `column`, reachable as `app('swoole')->{name}Table`."),
    key("swoole_tables.*.size", Int, "", LaravelS, Read, "Rows the table holds."),
    key("swoole_tables.*.column", Array, "", LaravelS, Read, "Columns: `['name' => ..., 'type' => Swoole\\Table::TYPE_INT\\|TYPE_FLOAT\\|TYPE_STRING, 'size' => bytes]`."),
    key("swoole_tables.*.conflict_proportion", Float, "0.2", LaravelS, Read, "Share of extra rows for hash collisions."),
    key("register_providers", Classes, "[]", LaravelS, Read, "Service providers registered and booted again before every request."),
    key("cleaners", Classes, "[SessionCleaner, AuthCleaner]", LaravelS, Read, "Classes that reset state after every request, in order; the container, config, cookies and request are always reset. Singletons first resolved in a request stay for the worker's life, as under LaravelS; list `LaravelS\\Cleaners\\RequestInstancesCleaner` to forget every instance a request created instead (each request then rebuilds them, and reconnects a lazily built Redis or database connection)."),
    key("destroy_controllers", Array, "", LaravelS, Read, "Drop the controller instance Laravel keeps on its route after each request."),
    key("destroy_controllers.enable", Bool, "false", LaravelS, Read, "Turn it on."),
    key("destroy_controllers.excluded_list", Classes, "[]", LaravelS, Read, "Controllers to keep."),
    key("leak_detector", Array, "", Ours, Read, "Development aid, off in production: after each request, compares the container's shared instances, the current route's controller, the static properties of the app's and vendor classes and the config with their state before the request, and logs once per offender what changed and which route changed it. See docs/leak-detector.md."),
    key("leak_detector.enable", Bool, "false", Ours, Read, "Turn it on (it costs time on every request)."),
    key("leak_detector.ignore", Strings, "[]", Ours, Read, "Offenders not to report: a class (`App\\Support\\Cache`), a static property (`App\\Foo::$items`), a container binding or a config key prefix (`config:app.locale`)."),
    key("health", Array, "[]", Ours, Read, "Answers for load balancers and orchestrators, given by the master without PHP on the main port (off by default). See the README's health section."),
    key("health.liveness_path", Str, "''", Ours, Read, "A path (e.g. `'/healthz'`) answered 200 while the master runs; empty: off."),
    key("health.readiness_path", Str, "''", Ours, Read, "A path (e.g. `'/readyz'`) answered 200 while at least one HTTP worker is booted, the server is not stopping and the request queue is not full, else 503; empty: off."),
    key("health.drain_seconds", Seconds, "0", Ours, Read, "On stop, how long the server keeps serving with readiness 503 before it closes its listeners, so a load balancer takes it out first."),
    key("metrics", Array, "[]", Ours, Read, "The master's runtime metrics (`laravels_*`) in Prometheus' text format, answered without PHP (off by default). See the README's metrics section."),
    key("metrics.path", Str, "''", Ours, Read, "The path the metrics are answered on (e.g. `'/laravels-metrics'`); empty: off."),
    key("metrics.listen", Str, "''", Ours, Read, "`IP:port` of a listener of their own (e.g. `'127.0.0.1:9502'`), so the metrics are not on the application's port; empty: on the main port."),
    key("tracing", Array, "[]", Ours, Read, "W3C Trace Context and OTLP export of a server span per request, by the master (off by default). See the README's tracing section."),
    key("tracing.enabled", Bool, "false", Ours, Read, "Start a server span for every HTTP request: a `traceparent` from a `trusted_proxies` peer continues its trace, any other starts a new one; the application sees the server span's `traceparent`."),
    key("tracing.otlp_endpoint", Str, "''", Ours, Read, "An OTLP/HTTP receiver (`http://host:port`, e.g. an OpenTelemetry Collector on 4318); spans are posted as JSON to `/v1/traces` under it. Empty: no export, propagation only."),
    key("tracing.service_name", Str, "'laravels'", Ours, Read, "The spans' `service.name`."),
    key("queue", Array, "[]", Ours, Read, "The overload policy: bounds on HTTP requests waiting for a worker, past which the master answers 503 with `Retry-After: 5` itself. See the README's overload section."),
    key("queue.max_requests", Int, "1024", Ours, Read, "Requests that may wait for a worker at once; the next one gets 503 at once. 0: unbounded."),
    key("queue.max_wait_seconds", Seconds, "30", Ours, Read, "How long a request may wait for a worker before it gets 503 (under nginx's 60 s `proxy_read_timeout`). 0: only `max_request_time` bounds the wait."),
    key("http", Array, "[]", Ours, Read, "Limits on HTTP/1.x connections, before a request reaches a worker."),
    key("http.header_timeout", Seconds, "60", Ours, Read, "A request line and headers must arrive whole within this (from the connection's start, or the first byte of a keep-alive connection's next request), else 408 and the connection is closed (nginx's `client_header_timeout`); on a TLS port the handshake counts, and one not finished in time is closed without an answer; 0: never. An idle keep-alive connection is closed after `swoole.heartbeat_idle_time`, or 75 s without it."),
    key("trusted_proxies", Strings, "[]", Ours, Read, "Peers whose X-Real-IP, X-Real-PORT, Scheme and Server-Port headers (the README's nginx block) set the client's address, port and scheme: addresses, CIDR ranges, `'unix'`. None by default; nginx on the same machine needs `['127.0.0.1', '::1']`, or `['unix']` over the unix socket. From any other peer these headers are plain headers, and a throttled log line says so."),
    key("_runtime", Array, "", Ours, Internal, "Reserved."),
    key("swoole", Array, "", LaravelS, Read, "Server settings under Swoole's names; also `app('swoole')->setting`."),
    key("swoole.daemonize", Bool, "false", LaravelS, Read, "Run in the background; output goes to `log_file`."),
    key("swoole.dispatch_mode", Int, "3", LaravelS, Read, "1: round robin, 2: by connection, 3: the next idle worker, 4: by client IP, 5: by the uid `bind()` gave the connection (by connection until bound)."),
    key("swoole.worker_num", Int, "30", LaravelS, Read, "HTTP workers, each holding a booted application; 0: one per CPU."),
    key("swoole.task_worker_num", Int, "0", LaravelS, Read, "Task workers for `Task::deliver()`, `Event::fire()`, `app('swoole')->task()`, `taskwait()`, `taskWaitMulti()` and `LaravelS\\Concurrently`."),
    key("swoole.task_ipc_mode", Int, "1", LaravelS, AnyValue, "Accepted; tasks always go through the master."),
    key("swoole.task_max_request", Int, "100000", LaravelS, Read, "Tasks a task worker runs before it is replaced; 0: never."),
    key("swoole.task_tmpdir", Path, "'/dev/shm'", LaravelS, AnyValue, "Accepted; tasks never spill to files."),
    key("swoole.max_request", Int, "100000", LaravelS, Read, "Requests a worker serves before it is replaced; 0: never."),
    key("swoole.open_tcp_nodelay", Bool, "true", LaravelS, SameAs("true"), "Always on; false warns."),
    key("swoole.pid_file", Path, "storage_path('laravels.pid')", LaravelS, Read, "The master's pid, for stop and reload."),
    key("swoole.log_level", Int, "4", LaravelS, AnyValue, "Accepted; the log has status lines only."),
    key("swoole.log_file", Path, "storage_path('logs/swoole-Y-m.log')", LaravelS, Read, "Where a daemonized server writes its output."),
    key("swoole.document_root", Path, "base_path('public')", LaravelS, Read, "Root of the files `handle_static` serves."),
    key("swoole.buffer_output_size", Bytes, "2M", LaravelS, Read, "Bytes of pushed messages one connection may have waiting; a push beyond it is dropped with a warning."),
    key("swoole.socket_buffer_size", Bytes, "8M", LaravelS, AnyValue, "Accepted; buffers are sized by the runtime."),
    key("swoole.package_max_length", Bytes, "4M", LaravelS, Read, "Largest request body (uploads included) or WebSocket message (its fragments together, as in Swoole); larger gets 413, or close 1009 as soon as the frame that passes it starts."),
    key("swoole.reload_async", Bool, "true", LaravelS, SameAs("true"), "Always on: a reload lets each worker finish its request; false warns."),
    key("swoole.max_wait_time", Seconds, "60", LaravelS, Read, "How long a stop or reload waits for requests in progress."),
    key("swoole.enable_reuse_port", Bool, "true", LaravelS, Read, "SO_REUSEPORT on the listening socket."),
    key("swoole.enable_coroutine", Bool, "false", LaravelS, SameAs("false"), "Always off: requests never run in coroutines; true warns. Custom processes, the timer process and timers' callbacks have coroutines anyway."),
    key("swoole.upload_tmp_dir", Path, "'/dev/shm'", LaravelS, Read, "Where uploaded files are written as they arrive."),
    key("swoole.http_compression", Bool, "false", LaravelS, Read, "gzip or brotli responses, as the client accepts."),
    key("swoole.ssl_cert_file", Path, "", LaravelS, Read, "PEM certificate, its chain after it; with `ssl_key_file` it turns TLS on."),
    key("swoole.ssl_key_file", Path, "", LaravelS, Read, "PEM private key, unencrypted."),
    key("swoole.open_http2_protocol", Bool, "false", LaravelS, Read, "HTTP/2: by ALPN over TLS, with prior knowledge (h2c) without."),
    key("swoole.heartbeat_idle_time", Seconds, "0", LaravelS, Read, "A WebSocket or port connection silent this long is closed, and an idle keep-alive HTTP connection too; 0: never for WebSocket and ports, 75 s for idle HTTP connections."),
    key("swoole.heartbeat_check_interval", Seconds, "0", LaravelS, Read, "Without `heartbeat_idle_time`, connections silent for twice this are closed."),
    key("swoole.max_request_time", Seconds, "60", Ours, Read, "A request running longer gets 504 and its worker is replaced; 0: no limit."),
    key("swoole.worker_memory_limit", Bytes, "0", Ours, Read, "A worker whose memory passes this (`'256M'`) is replaced after its current request; 0: no limit."),
    key("swoole.max_header_size", Bytes, "16384", Ours, Read, "Largest request head (request line and headers), at least 8192; larger gets 431."),
    key("swoole.max_connection", Int, "10000", Ours, Read, "Open client connections at most; more get 503."),
    key("swoole.reactor_num", Int, "CPUs / 4", Ours, Read, "Network threads of the master; the PHP workers need the CPUs more."),
    key("swoole.reactor_spin_us", Int, "200", Ours, Read, "Microseconds an idle network thread stays awake for a worker's answer while fewer workers are busy than there are CPUs, so the worker need not wake it; 0: off. See docs/benchmarks.md."),
];

/// The entry for `path` (with `*` for names and indexes).
pub(super) fn find(path: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.path == path)
}

/// What the runtime does with `swoole.{key}`; `None` for a setting it does not know.
#[cfg(test)]
pub(super) fn swoole(key: &str) -> Option<Support> {
    find(&format!("swoole.{key}")).map(|k| k.support)
}

/// The sections whose keys are checked against the table, each with the text of its warning.
/// `*` walks every entry of a list or map.
const CHECKED: &[(&str, &str)] = &[
    ("", "is not a LaravelS setting and is ignored"),
    ("swoole", "is not implemented by laravels-rs and has no effect"),
    ("inotify_reload", "is not a LaravelS setting and is ignored"),
    ("websocket", "is not a LaravelS setting and is ignored"),
    ("websocket.cluster", "is not a laravels-rs setting and is ignored"),
    ("websocket.pusher", "is not a laravels-rs setting and is ignored"),
    ("timer", "is not a LaravelS setting and is ignored"),
    ("destroy_controllers", "is not a LaravelS setting and is ignored"),
    ("sockets.*", "is not a LaravelS setting and is ignored"),
    ("processes.*", "is not a LaravelS setting and is ignored"),
    ("swoole_tables.*", "is not a LaravelS setting and is ignored"),
];

/// One warning per key the table does not list in a checked section, and per setting
/// passed with a value other than the one this runtime always behaves as. (Port
/// settings are warned about by `sockets.rs`, for enabled ports only.)
pub(super) fn warnings(root: &Value) -> Vec<String> {
    let mut warnings = Vec::new();
    for (section, problem) in CHECKED {
        for (prefix, map) in sections(root, section) {
            for (name, value) in map {
                let pattern = if section.is_empty() { name.clone() } else { format!("{section}.{name}") };
                let shown = join(&prefix, name);
                match find(&pattern).map(|k| k.support) {
                    Some(Read | AnyValue | Internal) => {}
                    Some(SameAs(expected)) if scalar_text(value) == expected => {}
                    Some(SameAs(_)) => warnings.push(format!("laravels.{shown} is not implemented by laravels-rs and has no effect")),
                    None => warnings.push(format!("laravels.{shown} {problem}")),
                }
            }
        }
    }
    warnings
}

/// The maps a section pattern names in the config, each with its dotted path.
fn sections<'a>(root: &'a Value, pattern: &str) -> Vec<(String, &'a Map<String, Value>)> {
    let mut found = vec![(String::new(), root)];
    for part in pattern.split('.').filter(|p| !p.is_empty()) {
        found = found.into_iter().flat_map(|(path, v)| children(v, part).into_iter().map(move |(name, child)| (join(&path, &name), child))).collect();
    }
    found.into_iter().filter_map(|(path, v)| v.as_object().map(|m| (path, m))).collect()
}

/// The entries of `v` that `part` names: one by name, or all of them for `*` (a PHP list's
/// by index).
fn children<'a>(v: &'a Value, part: &str) -> Vec<(String, &'a Value)> {
    match (v, part) {
        (Value::Object(m), "*") => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        (Value::Array(a), "*") => a.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
        (Value::Object(m), name) => m.get(name).map(|v| (name.to_owned(), v)).into_iter().collect(),
        _ => Vec::new(),
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_key_is_listed_once_after_its_section() {
        let mut paths: Vec<&str> = KEYS.iter().map(|k| k.path).collect();
        let all = paths.len();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), all, "a key is listed twice");
        for k in KEYS {
            if let Some((parent, _)) = k.path.rsplit_once('.') {
                let parent = parent.trim_end_matches(".*");
                assert!(find(parent).is_some(), "{} is listed without its section {parent}", k.path);
            }
        }
    }

    #[test]
    fn unknown_keys_warn_with_their_path() {
        let config = json!({
            "listen_port": 1, "lsiten_ip": "x",
            "timer": {"enable": true, "enabled": true},
            "swoole": {"worker_num": 1, "enable_coroutine": true, "reload_async": true},
            "sockets": [{"host": "h", "port": 1, "handler": "H", "hanlder": "H"}],
            "processes": {"p": {"class": "P", "nmu": 2}},
            "inotify_reload": {"enable": true, "log": false, "poll": 1},
        });
        let w = warnings(&config);
        assert_eq!(
            w,
            [
                "laravels.lsiten_ip is not a LaravelS setting and is ignored",
                "laravels.swoole.enable_coroutine is not implemented by laravels-rs and has no effect",
                "laravels.inotify_reload.poll is not a LaravelS setting and is ignored",
                "laravels.timer.enabled is not a LaravelS setting and is ignored",
                "laravels.sockets.0.hanlder is not a LaravelS setting and is ignored",
                "laravels.processes.p.nmu is not a LaravelS setting and is ignored",
            ]
        );
    }
}
