//! The manager and the workers: forking, supervising, and the worker's end of the IPC.
//!
//! # Layout
//! - `process.rs`: fork and the per-role process set-up (death signal, signal mask, group).
//! - `role.rs`: what each child is (`ProcessRole`: HTTP worker, task worker, timer,
//!   custom process), decoded from its process id in one place (`ProcessLayout`).
//! - `supervisor.rs`: the manager's loop that keeps `worker_num` workers alive.
//! - `boot.rs`: which children booted (a board in shared memory) and the policy for those
//!   that cannot: retry with a growing pause, or stop a server that never booted.
//! - `receipts.rs`: how many requests each worker read (a board in shared memory), so a
//!   request written to a worker that died before reading it goes to another worker.
//! - `worker.rs`, `worker/`: `WorkerLink`, the blocking client a worker uses to take
//!   requests from the master (or, in `serving_mode` worker, from its own front) and send
//!   responses back. It knows nothing of PHP: `ext/` wraps it.
//!
//! The manager is forked from the master before any thread exists and stays
//! single-threaded, so it can fork workers safely for the server's whole life.

pub mod boot;
pub mod process;
pub mod receipts;
pub mod role;
pub mod supervisor;
pub mod worker;

pub use role::{ProcessLayout, ProcessRole};
pub use supervisor::{Supervisor, SupervisorExit, WorkerFailure};
pub use worker::{WorkerLimits, WorkerLink};
