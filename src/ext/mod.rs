//! The binding layer: the only part of the crate that knows PHP exists.
//!
//! # Layout
//! - `server.rs`: `LaravelS\Runtime\Server` (validate, bind, start).
//! - `config.rs`: `LaravelS\Runtime\Config` (parse only) and the config view as a PHP
//!   array.
//! - `control.rs`: `LaravelS\Runtime\Control` (what `bin/laravels status` asks a running
//!   master).
//! - `worker.rs`: `LaravelS\Runtime\Worker` (a worker's requests, responses, pushes).
//! - `sapi.rs`: `LaravelS\Runtime\Sapi` (`header()`, `setcookie()`, <php://input> inside a
//!   request, as under a web SAPI).
//! - `uploads.rs`: PHP's list of uploaded files, filled by `Sapi` with a request's
//!   spooled files for `is_uploaded_file()` and `move_uploaded_file()`.
//! - `clients.rs`: `LaravelS\Runtime\Clients` (the shared client list and counters).
//! - `table.rs`, `atomic.rs`, `lock.rs`: `LaravelS\Runtime\Table`, `Atomic`, `Atomic\Long` and `Lock`
//!   (shared memory).
//! - `alias.rs`: `alias_class()`, `class_alias()` for these classes before PHP 8.3.
//! - `exceptions.rs`: the exception classes thrown at this edge.
//! - `convert.rs`: zval <-> Rust values (binary-safe strings, the server array).
//! - `kinds.rs`: the message kinds, worker states and process roles PHP sees as strings,
//!   mirrored by the package's enums in `php/Transport/`.

pub mod alias;
pub mod atomic;
pub mod clients;
pub mod config;
pub mod control;
pub mod convert;
pub mod exceptions;
pub mod kinds;
pub mod lock;
pub mod sapi;
pub mod server;
pub mod table;
pub mod uploads;
pub mod worker;

use ext_php_rs::builders::ModuleBuilder;

/// Registers every class of the extension.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    let module = module
        .class::<exceptions::ConfigException>()
        .class::<exceptions::StartException>()
        .class::<exceptions::WorkerException>()
        .class::<server::Server>()
        .class::<config::Config>()
        .class::<control::Control>()
        .class::<worker::Worker>()
        .class::<sapi::Sapi>()
        .class::<clients::Clients>()
        .class::<table::TableException>()
        .class::<table::Table>()
        .class::<atomic::Atomic>()
        .class::<atomic::AtomicLong>()
        .class::<lock::Lock>();
    alias::register(module)
}
