//! The extension's exception classes, so PHP code can catch start-up problems by type.

use ext_php_rs::prelude::*;
use ext_php_rs::zend::ce;

/// A bad `config('laravels')` value; the message names the key and the fix.
#[php_class]
#[php(name = "LaravelS\\Runtime\\ConfigException")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct ConfigException;

/// The server could not start (address in use, pid file not writable, ...).
#[php_class]
#[php(name = "LaravelS\\Runtime\\StartException")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct StartException;

/// A worker call made out of order, or the master connection lost.
#[php_class]
#[php(name = "LaravelS\\Runtime\\WorkerException")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct WorkerException;

pub fn config_error(message: String) -> PhpException {
    PhpException::from_class::<ConfigException>(message)
}

pub fn start_error(message: String) -> PhpException {
    PhpException::from_class::<StartException>(message)
}

pub fn worker_error(message: String) -> PhpException {
    PhpException::from_class::<WorkerException>(message)
}
