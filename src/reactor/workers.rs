//! Which worker processes are connected to the master right now.

use parking_lot::Mutex;

/// The master's view of its workers: slot id to pid, for status output and signals.
#[derive(Default)]
pub struct Workers {
    slots: Mutex<Vec<Option<u32>>>,
}

impl Workers {
    /// `worker_num` empty slots, one per process id (every child of the manager).
    pub fn new(worker_num: u32) -> Self {
        Workers { slots: Mutex::new(vec![None; worker_num as usize]) }
    }

    /// Records that process `worker_id` connected as `pid`; an id past the last is ignored.
    pub fn attach(&self, worker_id: u32, pid: u32) {
        if let Some(slot) = self.slots.lock().get_mut(worker_id as usize) {
            *slot = Some(pid);
        }
    }

    /// Clears the slot unless a newer worker already took it.
    pub fn detach(&self, worker_id: u32, pid: u32) {
        if let Some(slot) = self.slots.lock().get_mut(worker_id as usize) {
            if *slot == Some(pid) {
                *slot = None;
            }
        }
    }

    /// Pids of the connected workers, by slot.
    pub fn pids(&self) -> Vec<Option<u32>> {
        self.slots.lock().clone()
    }

    /// How many of the first `n` slots (the HTTP workers' ids) have a connected worker.
    pub fn connected_below(&self, n: usize) -> usize {
        self.slots.lock().iter().take(n).filter(|s| s.is_some()).count()
    }

    /// How many slots have a connected worker.
    pub fn connected(&self) -> usize {
        self.slots.lock().iter().filter(|s| s.is_some()).count()
    }
}
