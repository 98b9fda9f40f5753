//! The binding layer: the only part of the crate that knows PHP exists.
//!
//! # Layout
//! - `server.rs`: `LaravelS\Runtime\Server` (validate, bind, start).
//! - `worker.rs`: `LaravelS\Runtime\Worker` (a worker's requests and responses).
//! - `exceptions.rs`: the exception classes thrown at this edge.
//! - `convert.rs`: zval <-> Rust values (binary-safe strings, the server array).

pub mod convert;
pub mod exceptions;
pub mod server;
pub mod worker;

use ext_php_rs::builders::ModuleBuilder;

/// Registers every class of the extension.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .class::<exceptions::ConfigException>()
        .class::<exceptions::StartException>()
        .class::<exceptions::WorkerException>()
        .class::<server::Server>()
        .class::<worker::Worker>()
}
