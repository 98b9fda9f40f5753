//! The answer of the overload policy (`queue`): 503 with `Retry-After`, given by the
//! master when the queue is full (`queue.max_requests`) or a request waited longer than
//! `queue.max_wait_seconds` for a worker, so a client or a load balancer can tell a busy
//! server from a dead one and retry, here later or on another instance.

use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};

use super::body::ResponseBody;
use super::http::error;
use super::Shared;
use crate::config::RETRY_AFTER_SECONDS;
use crate::log::Throttled;

/// Why a request was not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overload {
    /// `queue.max_requests` requests were already waiting.
    QueueFull,
    /// It waited `queue.max_wait_seconds` without a worker taking it.
    WaitedTooLong,
}

/// At most one log line every 10 s for the requests shed.
static SHED: Throttled = Throttled::new("master", 10);

/// The 503 for a request shed by the policy; counted and logged (throttled).
pub fn unavailable(shared: &Shared, why: Overload) -> Response<ResponseBody> {
    let queue = &shared.config.queue;
    let message = match why {
        Overload::QueueFull => format!("all workers are busy and {} requests are waiting (queue.max_requests)", queue.max_requests.unwrap_or(0)),
        Overload::WaitedTooLong => format!("no worker was free within {} s (queue.max_wait_seconds)", queue.max_wait.map_or(0, |w| w.as_secs())),
    };
    shared.dispatcher.count_shed();
    // A front's dispatcher is its own: the master reads the fronts' count on their board.
    if shared.role.is_front() {
        if let Some(board) = crate::front::board::shared() {
            board.count_shed();
        }
    }
    SHED.event(|count| {
        format!("answered 503 to {count} request(s) over the overload policy, latest: {message}. Fix: add workers (swoole.worker_num) or instances, find what holds them (bin/laravels status), or raise queue.max_requests / queue.max_wait_seconds")
    });
    let mut resp = error(StatusCode::SERVICE_UNAVAILABLE, &message);
    resp.headers_mut().insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    resp
}
