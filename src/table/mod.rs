//! Shared memory for every process of a server: `Swoole\Table`, `Swoole\Atomic` and
//! `Swoole\Lock`.
//!
//! Both live in one `mmap(MAP_SHARED | MAP_ANONYMOUS)` region made before the fork, so
//! the master, the workers and the custom processes all see the same bytes. Nothing here
//! knows PHP; `ext/table.rs` and `ext/atomic.rs` are the bindings.
//!
//! # Layout
//! - `region.rs`: the shared mapping itself.
//! - `lock.rs`: a process-shared, robust pthread mutex: a holder that dies (even by
//!   SIGKILL) hands the lock to the next process with an "owner died" mark.
//! - `schema.rs`: columns (`TYPE_INT`, `TYPE_FLOAT`, `TYPE_STRING` with a size), where
//!   each sits in a row, and the values read and written.
//! - `store.rs`: how the region is laid out: lock stripes, buckets, the row pool.
//! - `hash_table.rs`: `Table`: set, get, del, incr, count, stats, and iteration by bucket.
//! - `recovery.rs`: repairing a stripe whose lock holder died mid-write.
//! - `stats.rs`: the counters `stats()` reports, kept per stripe in shared memory.
//! - `hash.rs`: the key hash every process computes alike.
//! - `atomic.rs`: `SharedAtomic`, a 64-bit counter with futex `wait`/`wakeup`.
//! - `process_lock.rs`: `ProcessLock`, `Swoole\Lock`'s kinds (mutex, rwlock, semaphore,
//!   file lock) between processes.
//! - `error.rs`: `TableError`.
//!
//! # Limits
//! A key is 1 to 63 bytes (Swoole's limit); a longer key is an error, never truncated.
//! A string value longer than its column's size is an error as well, where Swoole
//! truncates it with a warning: under Laravel that warning is an exception anyway, and
//! an error keeps a cut value from being stored as if it were whole.

mod atomic;
mod error;
mod hash;
mod hash_table;
mod lock;
mod process_lock;
mod recovery;
mod region;
mod schema;
mod stats;
mod store;

pub use atomic::SharedAtomic;
pub use error::TableError;
pub use hash_table::{Table, TableSpec, KEY_MAX};
pub use process_lock::{LockKind, ProcessLock, Taken};
pub use region::SharedRegion;
pub use schema::{ColumnType, RowData, Schema, Value};
pub use stats::TableStats;
