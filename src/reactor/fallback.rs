//! `serving_mode` worker: the master serves the main port while no HTTP worker's front
//! does (none booted yet, a release that fails to boot, a crash of the only worker).
//! Without it a client, a load balancer's readiness probe or an orchestrator's liveness
//! probe would wait in the listening socket's backlog for a front that may never come;
//! with it they are answered as in master mode: health probes by the master, requests
//! queued for the workers to come, under the queue's bounds.
//!
//! The master takes the main port only while the board shows no front: it registers a
//! copy of the listening socket with its reactor then, and drops it (the socket stays
//! open in every process) as soon as a front is back. The connections it accepted
//! meanwhile stay with it until they close.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;

use super::listener::Listener;
use super::{accept_clients, Shared};
use crate::config::ServingMode;
use crate::front::board::Board;
use crate::log;

/// How often the master looks at the board: a front's absence is noticed within this.
const LOOK_EVERY: Duration = Duration::from_millis(100);
/// How often the master, covering the main port, looks for a front: the connections it
/// accepts meanwhile are served through its slots, beside the front's own requests, which
/// that front's overload policy does not see.
const LOOK_FOR_A_FRONT: Duration = Duration::from_millis(5);

/// Whether the master accepts on the main port now.
static COVERING: AtomicBool = AtomicBool::new(false);

/// Whether the master accepts on the main port now (no front on the board, or one came
/// less than `LOOK_FOR_A_FRONT` ago).
pub fn covering() -> bool {
    COVERING.load(Ordering::Relaxed)
}

/// Serves `listener` whenever no front does, until the master stops.
pub async fn serve_while_no_front(listener: Listener, shared: Arc<Shared>, graceful: &GracefulShutdown) {
    let Some(board) = crate::front::board::shared() else { return std::future::pending().await };
    loop {
        while board.present() > 0 {
            tokio::time::sleep(LOOK_EVERY).await;
        }
        let copy = match listener.try_clone() {
            Ok(copy) => copy,
            Err(e) => {
                log::line("master", &format!("cannot take the main port while no worker serves it: {e}"));
                tokio::time::sleep(LOOK_EVERY).await;
                continue;
            }
        };
        COVERING.store(true, Ordering::Relaxed);
        tokio::select! {
            () = accept_clients(copy, shared.clone(), graceful) => {}
            () = until_a_front(board) => {}
        }
        COVERING.store(false, Ordering::Relaxed);
    }
}

/// In the master, `serving_mode` worker: whether a main-port request it answers ends its
/// keep-alive connection, because fronts serve again. The connections the master accepted
/// while it covered would stay with it otherwise, and their requests reach a PHP thread
/// through the master's slot, which that worker's front neither counts in its queue bounds
/// nor sees as busy. The client reconnects, to a front.
pub fn ends_connection(shared: &Shared) -> bool {
    shared.config.serving_mode == ServingMode::Worker && !shared.role.is_front() && !covering()
}

/// How long `start`'s ready table waits for every front, at most.
const FRONTS_WITHIN: Duration = Duration::from_secs(5);

/// In `serving_mode` worker: waits until every HTTP worker's front is on the board and the
/// master no longer covers the main port, so that once `start`'s ready table is out, the
/// fronts take every connection (a worker connects to the master before its front
/// starts). Gives up after `FRONTS_WITHIN`, saying how many serve.
pub async fn until_fronts_serve(shared: &Shared) {
    let Some(board) = crate::front::board::shared().filter(|_| shared.config.serving_mode == ServingMode::Worker) else { return };
    let all = shared.config.worker_num as usize;
    let until = tokio::time::Instant::now() + FRONTS_WITHIN;
    while board.present() < all || covering() {
        if tokio::time::Instant::now() >= until {
            let serving = board.present();
            return log::line(
                "master",
                &format!(
                    "{serving} of {all} workers serve the main port {} s after they connected; the master answers it while none does",
                    FRONTS_WITHIN.as_secs()
                ),
            );
        }
        tokio::time::sleep(LOOK_FOR_A_FRONT).await;
    }
}

async fn until_a_front(board: &Board) {
    while board.present() == 0 {
        tokio::time::sleep(LOOK_FOR_A_FRONT).await;
    }
}
