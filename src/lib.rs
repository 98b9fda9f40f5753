//! laravels-rs: serve Laravel and Lumen applications resident in memory.
//!
//! # Layout
//! - `clients.rs`: the client list and server counters in shared memory, read by every
//!   process (`exists`, `getClientInfo`, `connections`, `stats()`).
//! - `cluster/`: `websocket.cluster`: connection ids unique across instances, and the
//!   master's Redis link that carries pushes between them.
//! - `config.rs`: the typed `config('laravels')`, parsed once, with clear errors.
//! - `error.rs`: errors that stop start-up.
//! - `launch.rs`: start-up: daemonize, pid file, fork the manager, run the master.
//! - `reactor/`: the master process: sockets, HTTP (hyper on tokio), static files,
//!   dispatch to workers, signals and shutdown.
//! - `front/`: `serving_mode` worker: an HTTP worker's own HTTP front on the main port,
//!   handing requests to its PHP thread in memory.
//! - `pool/`: the manager (forks and respawns workers) and the worker's IPC client.
//! - `ipc/`: the master <-> worker messages and their binary codec.
//! - `log.rs`: timestamped status lines.
//! - `watch/`: `inotify_reload`: the master watches the app's files and reloads on change.
//! - `table/`: shared memory made before the fork: `Swoole\Table` rows and `Swoole\Atomic`.
//! - `trace/`: W3C Trace Context per request and OTLP export of server spans (`tracing`).
//! - `metrics/`: the master's runtime counters and their Prometheus text (`metrics`).
//! - `ext/`: the PHP binding (the only module that knows PHP); `stubs/` is generated from it.
//!
//! See `docs/architecture.md` for how a request and a reload flow through the processes.

#![cfg_attr(windows, feature(abi_vectorcall))]

pub mod clients;
pub mod cluster;
pub mod config;
pub mod error;
pub mod front;
pub mod ipc;
pub mod launch;
pub mod log;
pub mod metrics;
pub mod pool;
pub mod reactor;
pub mod table;
pub mod trace;
pub mod watch;

mod ext;

use ext_php_rs::prelude::*;

#[php_module]
pub fn module(module: ModuleBuilder) -> ModuleBuilder {
    ext::register(module)
}
