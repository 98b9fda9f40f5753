//! Which worker processes are connected to the master right now, and what each is doing
//! (for `bin/laravels status`, see `status.rs`).

use std::time::Instant;

use parking_lot::Mutex;

/// What `bin/laravels status` shows for a request: `prefix`, its method and its path
/// (never its query, which may carry secrets), the path cut at 120 characters.
pub fn request_label(prefix: &str, head: &crate::ipc::RequestHead) -> String {
    const MAX: usize = 120;
    let path = head.uri.split('?').next().unwrap_or("");
    let cut = path.char_indices().nth(MAX).map_or(path.len(), |(i, _)| i);
    format!("{prefix}{} {}", head.method, &path[..cut])
}

/// One process id's slot as the master sees it.
#[derive(Debug, Clone, Default)]
pub struct Slot {
    /// The connected process's pid; `None` while no process is connected in this id.
    pub pid: Option<u32>,
    /// When it connected (booted).
    pub since: Option<Instant>,
    /// Jobs it finished since it connected (requests, events, tasks).
    pub served: u64,
    /// What it is doing now ("GET /orders/7", "task"), and since when; `None`: idle.
    pub busy: Option<(String, Instant)>,
}

/// The master's view of its workers: slot id to pid, for status output and signals.
#[derive(Default)]
pub struct Workers {
    slots: Mutex<Vec<Slot>>,
}

impl Workers {
    /// `worker_num` empty slots, one per process id (every child of the manager).
    pub fn new(worker_num: u32) -> Self {
        Workers { slots: Mutex::new(vec![Slot::default(); worker_num as usize]) }
    }

    /// Records that process `worker_id` connected as `pid`; an id past the last is ignored.
    pub fn attach(&self, worker_id: u32, pid: u32) {
        if let Some(slot) = self.slots.lock().get_mut(worker_id as usize) {
            *slot = Slot { pid: Some(pid), since: Some(Instant::now()), served: 0, busy: None };
        }
    }

    /// Clears the slot unless a newer worker already took it.
    pub fn detach(&self, worker_id: u32, pid: u32) {
        if let Some(slot) = self.slots.lock().get_mut(worker_id as usize) {
            if slot.pid == Some(pid) {
                *slot = Slot::default();
            }
        }
    }

    /// Notes that process `worker_id` started on `what`.
    pub fn begin(&self, worker_id: u32, what: String) {
        if let Some(slot) = self.slots.lock().get_mut(worker_id as usize) {
            slot.busy = Some((what, Instant::now()));
        }
    }

    /// Notes that process `worker_id` finished what it was doing.
    pub fn end(&self, worker_id: u32) {
        if let Some(slot) = self.slots.lock().get_mut(worker_id as usize) {
            slot.busy = None;
            slot.served += 1;
        }
    }

    /// Every slot as it is now, by process id.
    pub fn snapshot(&self) -> Vec<Slot> {
        self.slots.lock().clone()
    }

    /// Pids of the connected workers, by slot.
    pub fn pids(&self) -> Vec<Option<u32>> {
        self.slots.lock().iter().map(|s| s.pid).collect()
    }

    /// How many of the first `n` slots (the HTTP workers' ids) have a connected worker.
    pub fn connected_below(&self, n: usize) -> usize {
        self.slots.lock().iter().take(n).filter(|s| s.pid.is_some()).count()
    }

    /// How many slots have a connected worker.
    pub fn connected(&self) -> usize {
        self.slots.lock().iter().filter(|s| s.pid.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_counts_its_jobs_and_says_what_it_does() {
        let workers = Workers::new(2);
        workers.attach(1, 42);
        workers.begin(1, "GET /a".into());
        assert_eq!(workers.snapshot()[1].busy.as_ref().map(|b| b.0.as_str()), Some("GET /a"));
        workers.end(1);
        let slot = &workers.snapshot()[1];
        assert_eq!((slot.pid, slot.served, slot.busy.is_none()), (Some(42), 1, true));
        // A newer process in the same id starts from zero; the old one's detach is ignored.
        workers.attach(1, 43);
        workers.detach(1, 42);
        assert_eq!(workers.snapshot()[1].pid, Some(43));
        assert_eq!(workers.snapshot()[1].served, 0);
        assert_eq!(workers.connected_below(1), 0);
        assert_eq!(workers.connected(), 1);
    }
}
