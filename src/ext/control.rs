//! `LaravelS\Runtime\Control`: what the operator's commands ask a running master
//! (`bin/laravels status`), over its worker socket.

use std::time::Duration;

use ext_php_rs::prelude::*;

use super::exceptions::worker_error;
use crate::ipc::query;

#[php_class]
#[php(name = "LaravelS\\Runtime\\Control")]
pub struct Control;

#[php_impl]
impl Control {
    /// The status of the master `$master_pid` listening on `$port`, as JSON: the master,
    /// then each process with its pid, state, current request, requests served and
    /// memory. Throws `WorkerException` when the master cannot be reached in `$timeout`
    /// seconds.
    pub fn status(master_pid: i64, port: i64, timeout: Option<f64>) -> PhpResult<String> {
        let pid = u32::try_from(master_pid).map_err(|_| worker_error(format!("status(): {master_pid} is not a pid")))?;
        let port = u16::try_from(port).map_err(|_| worker_error(format!("status(): {port} is not a port")))?;
        let timeout = Duration::from_secs_f64(timeout.unwrap_or(2.0).clamp(0.001, 60.0));
        let json = query::status(pid, port, timeout).map_err(|e| worker_error(format!("cannot ask master pid {pid} for its status: {e}")))?;
        Ok(String::from_utf8_lossy(&json).into_owned())
    }
}
