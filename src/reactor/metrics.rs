//! The master's Prometheus metrics (`metrics`), answered without PHP: on `metrics.path` of
//! the main port, before anything else there, or on a listener of their own
//! (`metrics.listen`). Counters come from `crate::metrics::Metrics` in shared memory,
//! which the master's reactor and, in `serving_mode` worker, every front bump as requests
//! go; gauges are read here, at scrape time, from the master's state and the fronts'
//! board (`front::board`: what each PHP thread runs, the requests waiting for it, the
//! connections it holds).

use std::sync::Arc;

use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use super::body::ResponseBody;
use super::status::{front_of, front_waiting, rss_bytes, shed};
use super::Shared;
use crate::log;
use crate::metrics::{render, Gauges, ProcessGauge, RoleGauges, CONTENT_TYPE as EXPOSITION};
use crate::pool::ProcessRole;

/// The metrics, if `req` asks for them on the main port (a GET or HEAD of `metrics.path`,
/// when they have no listener of their own).
pub fn answer<B>(shared: &Shared, req: &Request<B>) -> Option<Response<ResponseBody>> {
    let config = &shared.config.metrics;
    if config.listen.is_some() || config.path.as_deref() != Some(req.uri().path()) {
        return None;
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return None;
    }
    Some(exposition(shared))
}

/// Serves `metrics.listen` until the master stops: `metrics.path` answered, 404 elsewhere.
pub async fn serve_port(listener: std::net::TcpListener, shared: Arc<Shared>) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            log::line("master", &format!("cannot use the metrics.listen port: {e}"));
            return;
        }
    };
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                let shared = shared.clone();
                async move {
                    let path_matches = shared.config.metrics.path.as_deref() == Some(req.uri().path());
                    let resp = match *req.method() {
                        Method::GET | Method::HEAD if path_matches => exposition(&shared),
                        _ if path_matches => plain(StatusCode::METHOD_NOT_ALLOWED, "use GET\n"),
                        _ => plain(StatusCode::NOT_FOUND, "not found; the metrics are on metrics.path\n"),
                    };
                    Ok::<_, std::convert::Infallible>(resp)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<ResponseBody> {
    let mut resp = Response::new(ResponseBody::full(text));
    *resp.status_mut() = status;
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}

fn exposition(shared: &Shared) -> Response<ResponseBody> {
    let text = shared.metrics.as_ref().map(|m| render(m, &gauges(shared))).unwrap_or_default();
    let mut resp = Response::new(ResponseBody::full(text));
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(EXPOSITION));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn role_label(role: ProcessRole) -> &'static str {
    match role {
        ProcessRole::Http { .. } => "http",
        ProcessRole::Task { .. } => "task",
        ProcessRole::Timer => "timer",
        ProcessRole::Custom { .. } => "process",
    }
}

/// Connections the fronts hold (`serving_mode` worker).
fn front_connections(shared: &Shared) -> usize {
    let Some(board) = crate::front::board::shared() else { return 0 };
    (0..shared.config.worker_num).filter(|&id| board.pid(id).is_some()).map(|id| board.open(id) as usize).sum()
}

/// What the master knows now.
fn gauges(shared: &Shared) -> Gauges {
    let mut roles: Vec<RoleGauges> = Vec::new();
    let mut processes = Vec::new();
    for (id, slot) in shared.workers.snapshot().into_iter().enumerate() {
        let id = id as u32;
        let Some(role) = shared.layout.role(id).map(role_label) else { continue };
        let index = roles.iter().position(|r| r.role == role).unwrap_or_else(|| {
            roles.push(RoleGauges { role, ..RoleGauges::default() });
            roles.len() - 1
        });
        let entry = &mut roles[index];
        entry.configured += 1;
        if let Some(pid) = slot.pid {
            entry.connected += 1;
            // A front's request runs without the master's slot knowing (`serving_mode` worker).
            let fronting = front_of(id, pid).is_some_and(|board| board.running(id).is_some());
            entry.busy += usize::from(slot.busy.is_some() || fronting);
            processes.push(ProcessGauge { worker_id: id, role, rss_bytes: rss_bytes(pid) });
        }
    }
    Gauges {
        roles,
        processes,
        queue_depth: shared.dispatcher.waiting() + front_waiting(shared),
        queue_rejected: shed(shared),
        task_queue_depth: shared.tasks.waiting(),
        connections: shared.config.max_connection - shared.connection_limit.available_permits() + front_connections(shared),
        websocket_connections: shared.sockets.len(),
        master_rss_bytes: rss_bytes(std::process::id()),
        start_time_seconds: shared.started_unix,
    }
}
