//! The view: the parsed `ServerConfig` as the PHP package reads it, a tree of plain
//! values (`LaravelS\Config\ServerConfig::fromArray` on the PHP side). Everything in it is
//! already checked and normalized: bools are bools, numbers are numbers, paths are
//! absolute, defaults are filled in, disabled `sockets` and `processes` entries are left
//! out, and the ports are numbered as `$server->ports` numbers them. PHP never reads
//! `config('laravels')` again, so one value cannot mean one thing here and another there.

use serde_json::{json, Map, Value};

use super::{DispatchMode, Protocol, ServerConfig, SocketType, SWOOLE_SSL};

/// The view of `c`. Its shape is the contract with `php/Config/`; the `PHPUnit` suite builds
/// its config objects from `tests/php/Fixtures/config-view.json`, which a test here keeps
/// equal to this function's output.
pub fn view(c: &ServerConfig) -> Value {
    let p = &c.package;
    json!({
        "listen": {
            "ip": c.listen_ip,
            "port": c.listen_port,
            "socket_type": socket_type(c),
            "unix": c.socket_type == SocketType::UnixStream,
            "tls": c.tls.is_some(),
        },
        "server": c.server_header,
        "handle_static": c.handle_static,
        "document_root": path(&c.document_root),
        "daemonize": c.daemonize,
        "worker_num": c.worker_num,
        "task_worker_num": c.task_worker_num,
        "pid_file": path(&c.pid_file),
        "log_file": c.log_file.as_deref().map(path),
        "max_wait_time": c.max_wait_time.as_secs(),
        "drain_seconds": c.health.drain.as_secs(),
        "laravel_base_path": p.laravel_base_path,
        "notes": c.notes,
        "inotify_reload": {
            "enable": p.inotify_reload.enable,
            "watch_path": p.inotify_reload.watch_path,
            "file_types": p.inotify_reload.file_types,
            "excluded_dirs": p.inotify_reload.excluded_dirs,
            "log": p.inotify_reload.log,
            "poll_ms": p.inotify_reload.poll_ms,
        },
        "event_handlers": p.event_handlers.iter().map(|(event, classes)| ((*event).to_owned(), json!(classes))).collect::<Map<_, _>>(),
        "websocket": {"enable": c.websocket, "handler": p.websocket_handler},
        "sockets": c.sockets.iter().map(|s| json!({
            "index": s.index,
            "key": s.config_key,
            "host": s.host,
            "port": s.port,
            "type": s.swoole_type,
            "protocol": match s.protocol { Protocol::Stream(_) if s.transport.is_udp() => "udp", Protocol::Stream(_) => "tcp", Protocol::Http => "http", Protocol::WebSocket => "websocket" },
            "tls": s.tls.is_some(),
            "handler": s.handler,
            "settings": s.settings,
        })).collect::<Vec<_>>(),
        "processes": p.processes.iter().map(|d| json!({
            "name": d.name,
            "class": d.class,
            "num": d.num,
            "pipe": d.pipe,
            "redirect": d.redirect,
            "restart_interval": d.restart_interval,
            "queue": d.queue.as_ref().map(|q| json!({"msg_key": q.msg_key, "mode": q.mode, "capacity": q.capacity})),
        })).collect::<Vec<_>>(),
        "timer": {
            "enable": c.timer,
            "jobs": p.timer_jobs.iter().map(|j| json!({"class": j.class, "args": j.args})).collect::<Vec<_>>(),
            "max_wait_time": c.timer_max_wait.as_secs(),
            "global_lock": {"enable": p.global_lock.enable, "key": p.global_lock.key, "ttl": p.global_lock.ttl},
        },
        "swoole_tables": p.swoole_tables.iter().map(|t| json!({
            "name": t.name,
            "size": t.size,
            "conflict_proportion": t.conflict_proportion,
            "columns": t.columns.iter().map(|col| json!({"name": col.name, "type": col.kind, "size": col.size})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "register_providers": p.register_providers,
        "cleaners": p.cleaners,
        "destroy_controllers": {"enable": p.destroy_controllers.enable, "excluded_list": p.destroy_controllers.excluded_list},
        "leak_detector": {"enable": p.leak_detector.enable, "ignore": p.leak_detector.ignore},
        "tracing": c.tracing.enabled,
        "trusted_proxies": c.trusted_proxies.nets.iter().map(ToString::to_string).chain(c.trusted_proxies.unix.then(|| "unix".to_owned())).collect::<Vec<_>>(),
        "setting": setting(c),
    })
}

/// Swoole's number for the main port's socket type, with `SWOOLE_SSL` when TLS is on.
fn socket_type(c: &ServerConfig) -> i64 {
    let base = match c.socket_type {
        SocketType::Tcp => 1,
        SocketType::Tcp6 => 3,
        SocketType::UnixStream => 5,
    };
    if c.tls.is_some() {
        base | SWOOLE_SSL
    } else {
        base
    }
}

fn dispatch_mode(mode: DispatchMode) -> i64 {
    match mode {
        DispatchMode::RoundRobin => 1,
        DispatchMode::ByIp => 4,
        DispatchMode::ByUid => 5,
        DispatchMode::FixedByConnection => 2,
        DispatchMode::Idle => 3,
    }
}

fn path(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `app('swoole')->setting`: the `swoole` section as given, each setting this runtime
/// reads replaced by the value it runs with (`worker_num` 0 becomes the CPU count, sizes
/// are bytes, paths absolute); `worker_num` and `task_worker_num` are always there.
fn setting(c: &ServerConfig) -> Map<String, Value> {
    let mut out = c.package.swoole.clone();
    let secs = |d: Option<std::time::Duration>| d.map_or(0, |d| d.as_secs());
    let typed: [(&str, Value); 20] = [
        ("daemonize", c.daemonize.into()),
        ("dispatch_mode", dispatch_mode(c.dispatch_mode).into()),
        ("max_request", c.max_request.into()),
        ("task_max_request", c.task_max_request.into()),
        ("pid_file", path(&c.pid_file).into()),
        ("log_file", c.log_file.as_deref().map_or(Value::String(String::new()), |p| path(p).into())),
        ("document_root", path(&c.document_root).into()),
        ("package_max_length", c.package_max_length.into()),
        ("max_header_size", c.max_header_size.into()),
        ("max_connection", c.max_connection.into()),
        ("max_wait_time", c.max_wait_time.as_secs().into()),
        ("max_request_time", secs(c.max_request_time).into()),
        ("worker_memory_limit", c.worker_memory_limit.unwrap_or(0).into()),
        ("upload_tmp_dir", path(&c.upload_tmp_dir).into()),
        ("http_compression", c.http_compression.into()),
        ("enable_reuse_port", c.enable_reuse_port.into()),
        ("reactor_num", c.reactor_num.into()),
        ("reactor_spin_us", (c.reactor_spin.as_micros() as u64).into()),
        ("buffer_output_size", c.buffer_output_size.into()),
        ("open_http2_protocol", c.http2.into()),
    ];
    for (key, value) in typed {
        if let Some(slot) = out.get_mut(key) {
            *slot = value;
        }
    }
    out.insert("worker_num".into(), c.worker_num.into());
    out.insert("task_worker_num".into(), c.task_worker_num.into());
    if let Some(tls) = &c.tls {
        out.insert("ssl_cert_file".into(), path(&tls.cert_file).into());
        out.insert("ssl_key_file".into(), path(&tls.key_file).into());
    }
    out
}
