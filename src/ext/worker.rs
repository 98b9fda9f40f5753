//! `LaravelS\Runtime\Worker`: the PHP face of a worker's link to the master.
//!
//! The worker loop is PHP code that pulls: `next()` returns a request (or null when the
//! worker must leave), the loop runs the kernel and answers with `respond()` or a stream.
//! User code therefore never runs below a Rust frame, so `exit()`, `dd()` and fatal errors
//! unwind through PHP alone, and the loop's shutdown function can still answer.

use std::cell::RefCell;

use bytes::Bytes;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};

use super::convert::{bytes_zval, headers_from_php, server_array, zval_bytes};
use super::exceptions::worker_error;
use super::kinds::{MessageKind, WorkerState};
use crate::clients::Clients;
use crate::cluster::{Audience, Owner};
use crate::ipc::ToWorker;
use crate::pool::worker::LinkError;
use crate::pool::{WorkerLimits, WorkerLink};

struct Pending {
    socket: String,
    worker_id: u32,
    limits: WorkerLimits,
}

thread_local! {
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
    static LINK: RefCell<Option<WorkerLink>> = const { RefCell::new(None) };
    /// Entries every request's server array carries (X_VERSION, DOCUMENT_ROOT, ...).
    static SERVER_DEFAULTS: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// Remembers where this freshly forked worker connects once the application is booted.
pub fn prepare(socket: String, worker_id: u32, limits: WorkerLimits) {
    PENDING.with(|p| *p.borrow_mut() = Some(Pending { socket, worker_id, limits }));
}

fn with_link<R>(f: impl FnOnce(&mut WorkerLink) -> Result<R, LinkError>) -> PhpResult<R> {
    LINK.with(|l| match l.borrow_mut().as_mut() {
        Some(link) => f(link).map_err(|e| worker_error(e.to_string())),
        None => Err(worker_error("this process is not a connected worker; call Worker::connect() in a worker first".into())),
    })
}

#[php_class]
#[php(name = "LaravelS\\Runtime\\Worker")]
pub struct Worker;

#[php_impl]
impl Worker {
    /// Connects this worker to the master; from then on the master sends it requests.
    pub fn connect() -> PhpResult<()> {
        let pending = PENDING.with(|p| p.borrow_mut().take()).ok_or_else(|| worker_error("connect() is only for a freshly started worker, once".into()))?;
        let link = WorkerLink::connect(&pending.socket, pending.worker_id, pending.limits).map_err(|e| worker_error(e.to_string()))?;
        LINK.with(|l| *l.borrow_mut() = Some(link));
        Ok(())
    }

    /// Sets entries added to every request's server array.
    pub fn set_server_defaults(defaults: &ZendHashTable) {
        let entries = defaults.iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(&zval_bytes(v)).into_owned())).collect();
        SERVER_DEFAULTS.with(|d| *d.borrow_mut() = entries);
    }

    /// Blocks for the next message; null when this worker must leave (reload, stop,
    /// `max_request`, memory ceiling). A request is `['type' => 'request', 'server' => [...],
    /// 'body' => '...']`, plus `'form' => ['fields' => [[name, value]...], 'files' =>
    /// [[field, filename, type, tmp path, size, error]...]]` for a multipart body; a task
    /// `['type' => 'task', 'payload' => ..., 'origin' => ?int]`; a finished task back at
    /// its origin `['type' => 'finish', 'payload' => ...]`; WebSocket events `['type' =>
    /// 'open', 'fd' => int, 'server' => [...]]` (answer with `respond()`, 101 accepts),
    /// `['type' => 'message', 'fd', 'opcode', 'data']` and `['type' => 'close', 'fd']`
    /// (end both with `eventDone()`); a `sendMessage()` from another process
    /// `['type' => 'pipe_message', 'payload' => ...]` (end it with `eventDone()`).
    pub fn next() -> PhpResult<Option<ZBox<ZendHashTable>>> {
        let Some(message) = with_link(super::super::pool::worker::WorkerLink::recv)? else { return Ok(None) };
        // `recv` answers `Stop` and `TaskAccepted` itself; anything else has a kind.
        let kind = MessageKind::of(&message).ok_or_else(|| worker_error(format!("unexpected message from the master: {message:?}")))?;
        let mut out = ZendHashTable::with_capacity(4);
        let _ = out.insert("type", kind.as_str());
        match message {
            ToWorker::Request(incoming) => {
                let server = SERVER_DEFAULTS.with(|d| server_array(&incoming.head, &d.borrow()));
                let mut server_zv = Zval::new();
                server_zv.set_hashtable(server);
                let _ = out.insert("server", server_zv);
                let _ = out.insert("body", bytes_zval(&incoming.body));
                if let Some(form) = incoming.form {
                    let _ = out.insert("form", form_array(&form));
                }
            }
            ToWorker::Task { payload, origin } => {
                let _ = out.insert("payload", bytes_zval(&payload));
                let mut origin_zv = Zval::new();
                match origin {
                    Some(id) => origin_zv.set_long(i64::from(id)),
                    None => origin_zv.set_null(),
                }
                let _ = out.insert("origin", origin_zv);
            }
            ToWorker::Finish { payload } | ToWorker::PipeMessage { payload } => {
                let _ = out.insert("payload", bytes_zval(&payload));
            }
            ToWorker::Open { fd, port, head } => port_request(&mut out, fd, port, &head, b""),
            ToWorker::PortRequest { fd, port, head, body } => port_request(&mut out, fd, port, &head, &body),
            event => event_array(event, &mut out),
        }
        Ok(Some(out))
    }

    /// Queues a serialized task for a task worker, after `$delayMs`; true when queued.
    /// With `$finish`, the task comes back to this worker as a 'finish' message when done.
    pub fn deliver_task(payload: &Zval, finish: bool, delay_ms: i64) -> PhpResult<bool> {
        let payload = zval_bytes(payload);
        with_link(|l| l.deliver_task(payload, finish, delay_ms.max(0) as u64))
    }

    /// Swoole's `task()` / `taskwait()`: queues a serialized task for task worker `$dst`
    /// (its index; null: any). Without `$wait`, true when queued; with a wait id, true
    /// at once, and `taskResults()` collects the result.
    pub fn task_to(payload: &Zval, dst: Option<i64>, wait: Option<i64>) -> PhpResult<bool> {
        let payload = zval_bytes(payload);
        let dst = match dst.map(u32::try_from) {
            None => None,
            Some(Ok(index)) => Some(index),
            Some(Err(_)) => return Ok(false),
        };
        let wait = wait.and_then(|id| u64::try_from(id).ok());
        with_link(|l| l.task_to(payload, dst, wait))
    }

    /// Waits up to `$timeoutMs` for the results of the tasks sent with wait ids `$ids`:
    /// `[id => serialized result, or null when the task was refused]`, in arrival order;
    /// an id missing from it did not finish in time.
    pub fn task_results(ids: &ZendHashTable, timeout_ms: f64) -> PhpResult<ZBox<ZendHashTable>> {
        let ids: Vec<u64> = ids.values().filter_map(Zval::long).filter_map(|id| u64::try_from(id).ok()).collect();
        let timeout = std::time::Duration::from_secs_f64((timeout_ms.max(0.0) / 1000.0).min(1e9));
        let results = with_link(|l| l.task_results(&ids, timeout))?;
        let mut out = ZendHashTable::with_capacity(results.len() as u32);
        for (id, payload) in results {
            let value = match payload {
                Some(p) => bytes_zval(&p),
                None => Zval::null(),
            };
            let _ = out.insert_at_index(id as i64, value);
        }
        Ok(out)
    }

    /// Swoole's `sendMessage()`: `$payload` for process `$dst`'s `onPipeMessage`
    /// handlers (a worker or task worker id); one-way, false for a negative id.
    pub fn send_message(dst: i64, payload: &Zval) -> PhpResult<bool> {
        let Ok(dst) = u32::try_from(dst) else { return Ok(false) };
        let payload = zval_bytes(payload);
        with_link(|l| l.pipe_message(dst, payload)).map(|()| true)
    }

    /// Sends a result of the current task to its sender now (Swoole's `finish()` mid-task).
    pub fn task_finish(payload: &Zval) -> PhpResult<()> {
        let payload = zval_bytes(payload);
        with_link(|l| l.task_finish(payload))
    }

    /// Ends the current task; `$payload` (the task again) goes to worker `$origin`.
    pub fn task_done(payload: Option<&Zval>, origin: Option<i64>) -> PhpResult<()> {
        let payload = payload.filter(|p| !p.is_null()).map(zval_bytes);
        let origin = origin.and_then(|o| u32::try_from(o).ok());
        with_link(|l| l.task_done(payload, origin))
    }

    /// Waits up to `$ms` milliseconds for the master's next message without taking it;
    /// true when `next()` answers at once. An idle worker with timers or sleeping
    /// coroutines waits here until the earliest is due; a signal ends the wait (false).
    pub fn poll(ms: i64) -> PhpResult<bool> {
        with_link(|l| l.poll_input(std::time::Duration::from_millis(ms.max(0) as u64)))
    }

    /// For the timer process: waits up to `$ms` milliseconds for the master to ask it to
    /// stop (reload, stop); true when asked.
    pub fn wait_stop(ms: i64) -> PhpResult<bool> {
        with_link(|l| {
            l.run_unprompted();
            l.wait_stop(std::time::Duration::from_millis(ms.max(0) as u64))
        })
    }

    /// Ends the current task's `finish()`.
    pub fn finish_done() -> PhpResult<()> {
        with_link(super::super::pool::worker::WorkerLink::finish_done)
    }

    /// Ends the current WebSocket message or close event.
    pub fn event_done() -> PhpResult<()> {
        with_link(super::super::pool::worker::WorkerLink::event_done)
    }

    /// Sends `$data` to WebSocket connection `$fd` with `$opcode` (1 text, 2 binary, 9
    /// ping, 10 pong). False, as in Swoole, when `$fd` is not an established WebSocket
    /// connection; never waits for the master.
    ///
    /// With `websocket.cluster`, another instance's `$fd` is handed to the master for
    /// that instance while it is reachable (true), false when it is not.
    pub fn push(fd: i64, data: &Zval, opcode: i64) -> PhpResult<bool> {
        let Ok(fd) = u64::try_from(fd) else { return Ok(false) };
        let opcode = ws_opcode(opcode)?;
        if !can_reach(fd, Clients::is_established) {
            return Ok(false);
        }
        let data = zval_bytes(data);
        with_link(|l| l.push(fd, opcode, data)).map(|()| true)
    }

    /// Sends `$data` to every established WebSocket connection, on every instance with
    /// `websocket.cluster` (on this one without). True once handed to the master.
    pub fn push_all(data: &Zval, opcode: i64) -> PhpResult<bool> {
        let opcode = ws_opcode(opcode)?;
        let data = zval_bytes(data);
        with_link(|l| l.fanout(Audience::All, opcode, data)).map(|()| true)
    }

    /// Sends `$data` to every established WebSocket connection `bind()` tied to `$uid`, on
    /// every instance with `websocket.cluster`. False for a uid that is not positive.
    pub fn push_to_uid(uid: i64, data: &Zval, opcode: i64) -> PhpResult<bool> {
        let opcode = ws_opcode(opcode)?;
        let Ok(uid) = u64::try_from(uid) else { return Ok(false) };
        if uid == 0 {
            return Ok(false);
        }
        let data = zval_bytes(data);
        with_link(|l| l.fanout(Audience::Uid(uid), opcode, data)).map(|()| true)
    }

    /// Publishes `$event` with `$data` (JSON) to the Pusher channels `$channels`
    /// (`websocket.pusher`), except the connection whose socket id is `$except`; one-way,
    /// for the `laravels` broadcaster.
    pub fn publish(channels: Vec<String>, event: String, data: String, except: Option<String>) -> PhpResult<bool> {
        if channels.is_empty() {
            return Ok(false);
        }
        with_link(|l| l.publish(channels, event, data, except.filter(|s| !s.is_empty()))).map(|()| true)
    }

    /// Sends raw bytes to TCP connection `$fd` of an extra port (Swoole's `send`). False
    /// when `$fd` is not open.
    pub fn send(fd: i64, data: &Zval) -> PhpResult<bool> {
        let Ok(fd) = u64::try_from(fd) else { return Ok(false) };
        if !Clients::shared().is_some_and(|c| c.exists(fd)) {
            return Ok(false);
        }
        let data = zval_bytes(data);
        with_link(|l| l.push(fd, 0, data)).map(|()| true)
    }

    /// Sends a UDP datagram from extra port `$port` to `$address`:`$remotePort`; a
    /// negative `$port` (Swoole's default -1) sends from the first UDP port.
    pub fn send_to(port: i64, address: String, remote_port: i64, data: &Zval) -> PhpResult<bool> {
        let port = if port < 0 { Ok(crate::ipc::ANY_UDP_PORT) } else { u32::try_from(port) };
        let (Ok(port), Ok(remote_port)) = (port, u16::try_from(remote_port)) else { return Ok(false) };
        if address.parse::<std::net::IpAddr>().is_err() {
            return Ok(false);
        }
        let data = zval_bytes(data);
        with_link(|l| l.send_to(port, address, remote_port, data)).map(|()| true)
    }

    /// Closes connection `$fd`: with a close frame (`$code`, `$reason`) when `$code` is
    /// given, at once otherwise. False when there is no such connection.
    pub fn disconnect(fd: i64, code: Option<i64>, reason: Option<String>) -> PhpResult<bool> {
        let Ok(fd) = u64::try_from(fd) else { return Ok(false) };
        let code = match code {
            None => None,
            Some(c @ (1000..=1003 | 1007..=1014 | 3000..=4999)) => Some(c as u16),
            Some(other) => {
                return Err(worker_error(format!("{other} is not a close code a server may send; use 1000 (normal), 1001, 1008, 1011 or 3000-4999")))
            }
        };
        if !can_reach(fd, Clients::exists) {
            return Ok(false);
        }
        with_link(|l| l.disconnect(fd, code, reason.unwrap_or_default())).map(|()| true)
    }

    /// Marks connection `$fd` as an established WebSocket: the handshake was accepted,
    /// so `onOpen` can push to it and `isEstablished()` holds.
    pub fn establish(fd: i64) -> bool {
        match (u64::try_from(fd), Clients::shared()) {
            (Ok(fd), Some(c)) if c.exists(fd) => {
                c.set_status(fd, crate::clients::WsStatus::Active);
                true
            }
            _ => false,
        }
    }

    /// Answers the current request with a whole response.
    pub fn respond(status: i64, headers: &ZendHashTable, body: &Zval, reason: Option<String>) -> PhpResult<()> {
        let status = valid_status(status)?;
        let (headers, body) = (headers_from_php(headers), zval_bytes(body));
        with_link(|l| l.respond(status, reason, headers, body))
    }

    /// Sends the head of a streamed response; `write()` and `end()` follow.
    pub fn start_stream(status: i64, headers: &ZendHashTable, reason: Option<String>) -> PhpResult<()> {
        let status = valid_status(status)?;
        let headers = headers_from_php(headers);
        with_link(|l| l.start_stream(status, reason, headers))
    }

    /// Sends a piece of the streamed body now.
    pub fn write(data: &Zval) -> PhpResult<()> {
        let data: Bytes = zval_bytes(data);
        with_link(|l| l.write(data))
    }

    /// Ends the streamed body.
    pub fn end() -> PhpResult<()> {
        with_link(super::super::pool::worker::WorkerLink::end)
    }

    /// Marks this worker as leaving: the next response to finish (the one in progress, or
    /// else the next request's) tells the master to send it nothing more. The worker loop
    /// calls this when the script ends mid-request or its state could not be reset.
    pub fn leave() -> PhpResult<()> {
        with_link(|l| {
            l.leave_after_this_response();
            Ok(())
        })
    }

    /// Where the current exchange stands: "none" (not connected), "idle", "received"
    /// (a request waits for its response) or "streaming".
    pub fn state() -> String {
        LINK.with(|l| WorkerState::of(l.borrow().as_ref().map(WorkerLink::exchange)).as_str()).to_owned()
    }

    /// This worker's id, 0 to `worker_num` - 1, or -1 outside a worker.
    pub fn id() -> i64 {
        LINK.with(|l| l.borrow().as_ref().map_or(-1, |l| i64::from(l.worker_id)))
    }

    /// Requests answered by this worker process.
    pub fn served() -> i64 {
        LINK.with(|l| l.borrow().as_ref().map_or(0, |l| l.served() as i64))
    }

    /// Why this worker leaves after its last response, if it does.
    pub fn retire_reason() -> Option<String> {
        LINK.with(|l| l.borrow().as_ref().and_then(super::super::pool::worker::WorkerLink::retire_reason).map(str::to_owned))
    }
}

/// A request for a handler rather than the kernel (a WebSocket handshake, an Http port's
/// request): `['type', 'fd', 'port', 'server' => CGI-style array, 'body']`.
fn port_request(out: &mut ZendHashTable, fd: u64, port: u32, head: &crate::ipc::RequestHead, body: &[u8]) {
    let mut server = Zval::new();
    server.set_hashtable(SERVER_DEFAULTS.with(|d| server_array(head, &d.borrow())));
    let _ = out.insert("fd", fd as i64);
    let _ = out.insert("port", i64::from(port));
    let _ = out.insert("server", server);
    let _ = out.insert("body", bytes_zval(body));
}

/// The fields of a WebSocket or extra-port event (`'fd'`, `'port'`, ...) after its `'type'`.
fn event_array(event: ToWorker, out: &mut ZendHashTable) {
    let mut put = |k: &str, v: Zval| {
        let _ = out.insert(k, v);
    };
    let long = |n: i64| {
        let mut z = Zval::new();
        z.set_long(n);
        z
    };
    let text = |s: &str| bytes_zval(s.as_bytes());
    match event {
        ToWorker::Frame { fd, port, opcode, data } => {
            put("fd", long(fd as i64));
            put("port", long(port.into()));
            put("opcode", long(opcode.into()));
            put("data", bytes_zval(&data));
        }
        ToWorker::Close { fd, port } | ToWorker::Connect { fd, port } | ToWorker::Buffer { fd, port, .. } => {
            put("fd", long(fd as i64));
            put("port", long(port.into()));
        }
        ToWorker::Receive { fd, port, data } => {
            put("fd", long(fd as i64));
            put("port", long(port.into()));
            put("data", bytes_zval(&data));
        }
        ToWorker::Packet { port, address, remote_port, data } => {
            put("port", long(port.into()));
            put("address", text(&address));
            put("remote_port", long(remote_port.into()));
            put("data", bytes_zval(&data));
        }
        // Requests and the rest have their own arms in next().
        _ => {}
    }
}

/// The multipart form as plain lists; the PHP side shapes them like $_POST and $_FILES.
fn form_array(form: &crate::ipc::Form) -> Zval {
    let mut fields = ZendHashTable::with_capacity(form.fields.len() as u32);
    for (name, value) in &form.fields {
        let mut pair = ZendHashTable::with_capacity(2);
        let _ = pair.push(bytes_zval(name.as_bytes()));
        let _ = pair.push(bytes_zval(value));
        let _ = fields.push(pair);
    }
    let mut files = ZendHashTable::with_capacity(form.files.len() as u32);
    for f in &form.files {
        let mut row = ZendHashTable::with_capacity(6);
        let _ = row.push(bytes_zval(f.field.as_bytes()));
        let _ = row.push(bytes_zval(f.filename.as_bytes()));
        let _ = row.push(bytes_zval(f.content_type.as_bytes()));
        let _ = row.push(bytes_zval(f.path.as_bytes()));
        let _ = row.push(f.size as i64);
        let _ = row.push(i64::from(f.error));
        let _ = files.push(row);
    }
    let mut out = ZendHashTable::with_capacity(2);
    let _ = out.insert("fields", fields);
    let _ = out.insert("files", files);
    let mut z = Zval::new();
    z.set_hashtable(out);
    z
}

fn valid_status(status: i64) -> PhpResult<u16> {
    match u16::try_from(status) {
        Ok(s @ 100..=999) => Ok(s),
        _ => Err(worker_error(format!("{status} is not an HTTP status code"))),
    }
}

/// A push's opcode: 1 text, 2 binary, 9 ping, 10 pong.
fn ws_opcode(opcode: i64) -> PhpResult<u8> {
    match opcode {
        1 | 2 | 9 | 10 => Ok(opcode as u8),
        other => Err(worker_error(format!("{other} is not a WebSocket opcode a server pushes; use 1 (text), 2 (binary), 9 (ping) or 10 (pong)"))),
    }
}

/// Whether a push or close to `fd` can go: this instance's connection passes `local`
/// (read from the client list), another instance's needs that instance reachable.
fn can_reach(fd: u64, local: fn(&Clients, u64) -> bool) -> bool {
    match crate::cluster::owner(fd) {
        Owner::Local => Clients::shared().is_some_and(|c| local(c, fd)),
        Owner::Node(node) => crate::cluster::reachable(node),
    }
}
