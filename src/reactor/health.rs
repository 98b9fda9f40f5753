//! Liveness and readiness, answered by the master without a worker (`health`).
//!
//! Liveness says the master runs and answers: 200 whatever the workers do. Readiness says
//! a request sent now would be served: 200 while at least one HTTP worker is booted and
//! connected, the server is not draining and the request queue is not full, 503 otherwise
//! (booting, every worker down, a stop under way, or `queue.max_requests` requests
//! waiting: "saturated"), so a load balancer or a Kubernetes probe routes around it.

use std::sync::atomic::{AtomicBool, Ordering};

use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

use super::body::ResponseBody;
use super::Shared;

/// Whether the server is draining: a stop was asked and readiness answers 503 while the
/// listeners still serve for `health.drain_seconds`.
#[derive(Debug, Default)]
pub struct Drain(AtomicBool);

impl Drain {
    /// Turns readiness to 503 from now on.
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a drain has started, here or, in `serving_mode` worker, in the master.
    pub fn started(&self) -> bool {
        self.0.load(Ordering::SeqCst) || crate::front::board::shared().is_some_and(crate::front::board::Board::draining)
    }
}

/// What a health path reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Liveness,
    Readiness,
}

/// The answer to a probe, if `req` is one (a GET or HEAD of a configured path).
pub fn answer<B>(shared: &Shared, req: &Request<B>) -> Option<Response<ResponseBody>> {
    let probe = probe_of(shared, req)?;
    let http_workers = shared.config.worker_num as usize;
    // In `serving_mode` worker each front sees only itself; the board shows them all.
    let booted = crate::front::board::shared().map_or_else(|| shared.workers.connected_below(http_workers), crate::front::board::Board::present);
    let (status, body) = match probe {
        Probe::Liveness => (StatusCode::OK, "{\"status\":\"alive\"}".to_owned()),
        Probe::Readiness if shared.drain.started() => (StatusCode::SERVICE_UNAVAILABLE, format!("{{\"status\":\"draining\",\"workers\":{booted}}}")),
        Probe::Readiness if booted == 0 => (StatusCode::SERVICE_UNAVAILABLE, "{\"status\":\"no worker\",\"workers\":0}".to_owned()),
        Probe::Readiness if shared.dispatcher.saturated() => {
            (StatusCode::SERVICE_UNAVAILABLE, format!("{{\"status\":\"saturated\",\"workers\":{booted},\"queued\":{}}}", shared.dispatcher.waiting()))
        }
        Probe::Readiness => (StatusCode::OK, format!("{{\"status\":\"ready\",\"workers\":{booted}}}")),
    };
    let mut resp = Response::new(ResponseBody::full(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Some(resp)
}

fn probe_of<B>(shared: &Shared, req: &Request<B>) -> Option<Probe> {
    let health = &shared.config.health;
    if health.liveness_path.is_none() && health.readiness_path.is_none() {
        return None;
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return None;
    }
    let path = Some(req.uri().path());
    if path == health.liveness_path.as_deref() {
        Some(Probe::Liveness)
    } else if path == health.readiness_path.as_deref() {
        Some(Probe::Readiness)
    } else {
        None
    }
}
