//! `LaravelS\Runtime\Server`: validate the config, bind, and start the processes.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};

use super::convert::array_to_json;
use super::exceptions::{config_error, start_error};
// The role PHP is told (`LaravelS\Transport\ProcessRole`), not the pool's.
use super::kinds::ProcessRole as PhpRole;
use super::worker;
use crate::config::ServerConfig;
use crate::launch::{self, Role, Titles};
use crate::pool::ProcessRole;
use crate::reactor::sockets::ExtraPort;
use crate::reactor::Listener;

#[php_class]
#[php(name = "LaravelS\\Runtime\\Server")]
pub struct Server {
    config: Option<ServerConfig>,
    listener: Option<Listener>,
    extra: Vec<ExtraPort>,
    address: String,
    /// Kept as plain values: no PHP memory lives in this struct.
    view: serde_json::Value,
}

/// Process titles through PHP's own `cli_set_process_title`, which `ps` shows.
struct PhpTitles;

impl Titles for PhpTitles {
    fn set(&self, title: &str) {
        if let Ok(f) = ext_php_rs::types::ZendCallable::try_from_name("cli_set_process_title") {
            let _ = f.try_call(vec![&title]);
        }
    }
}

/// Whether PHP has the extension `name` loaded (PHP's own `extension_loaded()`).
fn extension_loaded(name: &str) -> bool {
    ext_php_rs::types::ZendCallable::try_from_name("extension_loaded").and_then(|f| f.try_call(vec![&name])).is_ok_and(|v| v.bool() == Some(true))
}

#[php_impl]
impl Server {
    /// Parses and checks `$config` (the `laravels` config array) and binds the listening
    /// socket, so every start-up error is thrown here, before any process is forked.
    pub fn __construct(config: &ZendHashTable, base_path: String) -> PhpResult<Self> {
        if let Some(other) = ["swoole", "openswoole"].into_iter().find(|name| extension_loaded(name)) {
            return Err(start_error(format!(
                "ext-{other} is loaded beside ext-laravels; both would serve the same app and the Swoole\\ class names would clash. Fix: disable it for this PHP (phpdismod {other}) or drop -d extension={other}.so"
            )));
        }
        let parsed = ServerConfig::parse(&array_to_json(config), &base_path).map_err(|e| config_error(e.to_string()))?;
        let listener = Listener::bind(&parsed).map_err(|e| start_error(e.to_string()))?;
        let extra = crate::reactor::sockets::bind(&parsed.sockets).map_err(|e| start_error(e.to_string()))?;
        Ok(Server { address: listener.describe(), view: crate::config::view(&parsed), config: Some(parsed), listener: Some(listener), extra })
    }

    /// The typed configuration the PHP package reads, as `Config::load()` returns it.
    pub fn view(&self) -> ZBox<ZendHashTable> {
        super::config::view_array(&self.view)
    }

    /// Settings that were accepted but have no effect in this runtime, one line each.
    pub fn warnings(&self) -> Vec<String> {
        self.config.as_ref().map(|c| c.warnings.clone()).unwrap_or_default()
    }

    /// Where clients reach the server, e.g. `http://127.0.0.1:5200`.
    pub fn address(&self) -> String {
        self.address.clone()
    }

    /// The extra ports (`sockets`), e.g. `tcp://127.0.0.1:5291`, in `$server->ports` order.
    pub fn extra_addresses(&self) -> Vec<String> {
        self.extra.iter().map(ExtraPort::describe).collect()
    }

    /// The number of HTTP workers the manager keeps.
    pub fn worker_num(&self) -> i64 {
        self.config.as_ref().map_or(0, |c| i64::from(c.worker_num))
    }

    /// The number of task workers the manager keeps.
    pub fn task_worker_num(&self) -> i64 {
        self.config.as_ref().map_or(0, |c| i64::from(c.task_worker_num))
    }

    /// Forks the manager and the workers, then runs the master. Returns in every process
    /// with `['role' => 'master'|'manager'|'worker'|'timer'|'worker_error'|'launcher', ...]`; a worker must then
    /// boot the application and call `Worker::connect()`.
    pub fn start(&mut self) -> PhpResult<ZBox<ZendHashTable>> {
        let (Some(config), Some(listener)) = (self.config.take(), self.listener.take()) else {
            return Err(start_error("this server was already started; create a new Server to start again".into()));
        };
        let process_names: Vec<String> = config.processes.iter().map(|p| p.name.clone()).collect();
        let limits = crate::pool::WorkerLimits { max_request: config.max_request, memory_limit: config.worker_memory_limit };
        let task_limits = crate::pool::WorkerLimits { max_request: config.task_max_request, ..limits };
        let role = launch::launch(config, listener, std::mem::take(&mut self.extra), &PhpTitles).map_err(|e| start_error(e.to_string()))?;
        let mut out = ZendHashTable::new();
        let mut put = |k: &str, v: Zval| {
            let _ = out.insert(k, v);
        };
        let long = |n: i64| {
            let mut z = Zval::new();
            z.set_long(n);
            z
        };
        let text = |s: &str| {
            let mut z = Zval::new();
            let _ = z.set_string(s, false);
            z
        };
        match role {
            Role::Worker { worker_id, process, socket, master_pid, manager_pid } => {
                // Every child after the HTTP workers says task_worker => true, the timer and
                // custom processes too, as it always has.
                let task_worker = !matches!(process, ProcessRole::Http { .. });
                if let ProcessRole::Custom { process, instance } = process {
                    worker::prepare(socket, worker_id, crate::pool::WorkerLimits::default());
                    put("role", text(PhpRole::Process.as_str()));
                    put("process_name", text(&process_names[process]));
                    // The instance number among the processes of the same name.
                    let name = &process_names[process];
                    put("process_instance", long(instance.into()));
                    PhpTitles.set(&format!("laravels: custom process {name}#{instance}"));
                } else if process == ProcessRole::Timer {
                    worker::prepare(socket, worker_id, crate::pool::WorkerLimits::default());
                    put("role", text(PhpRole::Timer.as_str()));
                    PhpTitles.set("laravels: timer process");
                } else {
                    worker::prepare(socket, worker_id, if task_worker { task_limits } else { limits });
                    put("role", text(PhpRole::Worker.as_str()));
                    PhpTitles.set(&format!("laravels: {} process #{worker_id}", if task_worker { "task worker" } else { "worker" }));
                }
                let mut flag = Zval::new();
                flag.set_bool(task_worker);
                put("task_worker", flag);
                put("worker_id", long(worker_id.into()));
                put("master_pid", long(master_pid.into()));
                put("manager_pid", long(manager_pid.into()));
            }
            Role::Manager { exit_code } => {
                put("role", text(PhpRole::Manager.as_str()));
                put("exit_code", long(exit_code.into()));
            }
            Role::WorkerError(f) => {
                put("role", text(PhpRole::WorkerError.as_str()));
                put("worker_id", long(f.worker_id.into()));
                put("worker_pid", long(f.pid.into()));
                put("exit_code", long(f.exit_code.into()));
                put("signal", long(f.signal.into()));
            }
            Role::Master { exit_code } => {
                put("role", text(PhpRole::Master.as_str()));
                put("exit_code", long(exit_code.into()));
            }
            Role::Launcher { exit_code } => {
                put("role", text(PhpRole::Launcher.as_str()));
                put("exit_code", long(exit_code.into()));
            }
        }
        Ok(out)
    }
}
