//! `Table`: a fixed-capacity hash table of rows, in memory shared by every process.
//!
//! Every operation on a key holds the lock of its bucket's stripe, so writers of one key
//! take turns and a reader copies a whole row. Each change is ordered so that a process
//! killed at any instruction leaves either the old row or the new one, never a mix:
//! - a new row is claimed, filled, then linked by one store of the bucket head;
//! - a removed row is unlinked by one store, then released;
//! - an update of one number is one 8-byte store; an update of several columns first
//!   copies the row to the stripe's undo area, which recovery copies back.
//!
//! What a dead process leaves behind (a claimed row never linked, a stale row count, a
//! half-done update) is repaired by the next process to take that lock (`recovery.rs`).

use std::sync::atomic::{AtomicU32, Ordering};

use super::error::TableError;
use super::hash::hash;
use super::lock::Acquired;
use super::recovery;
use super::schema::{ColumnType, RowData, Schema, Value};
use super::stats::{self, TableStats};
use super::store::{Store, KEY_SLOT, NO_ROW};

/// The longest key, in bytes (as in Swoole).
pub const KEY_MAX: usize = KEY_SLOT - 1;
/// The largest `size` a table accepts.
pub const MAX_ROWS: i64 = 1 << 30;
/// Rows a claim looks at before it checks whether the table is full at all.
const CLAIM_PROBES: u32 = 64;

/// A table being defined: its size and columns, before `create()` maps it.
#[derive(Debug, Clone)]
pub struct TableSpec {
    buckets: u32,
    capacity: u32,
    schema: Schema,
}

impl TableSpec {
    /// `size` is rounded up to a power of two, the bucket count (Swoole's `getSize()`);
    /// the table then holds `size × (1 + conflict_proportion)` rows in all, however the
    /// keys hash, since rows come from one pool rather than from their bucket.
    pub fn new(size: i64, conflict_proportion: f64) -> Result<Self, TableError> {
        if !(1..=MAX_ROWS).contains(&size) {
            return Err(TableError::Size(size));
        }
        if !(0.0..=1.0).contains(&conflict_proportion) {
            return Err(TableError::ConflictProportion(conflict_proportion));
        }
        let buckets = (size as u32).next_power_of_two();
        let capacity = buckets + (f64::from(buckets) * conflict_proportion) as u32;
        Ok(TableSpec { buckets, capacity, schema: Schema::default() })
    }

    /// Adds a column (see `Schema::add`); only before `create()`.
    pub fn column(&mut self, name: &str, kind: ColumnType, size: i64) -> Result<(), TableError> {
        self.schema.add(name, kind, size)
    }

    /// The bucket count the table will have (Swoole's `getSize()` before `create()`).
    pub fn size(&self) -> u32 {
        self.buckets
    }

    /// Maps the shared memory. Call it before forking, so every process shares the rows.
    pub fn create(&self) -> Result<Table, TableError> {
        if self.schema.columns().is_empty() {
            return Err(TableError::NoColumns);
        }
        let store = Store::new(self.buckets, self.capacity, self.schema.data_size())?;
        Ok(Table { store, schema: self.schema.clone(), cursor: AtomicU32::new(0) })
    }
}

/// A created table: fixed-capacity rows in shared memory, seen by every process forked after `create()`.
pub struct Table {
    store: Store,
    schema: Schema,
    /// Where this process starts looking for a free row (process-local: a hint only).
    cursor: AtomicU32,
}

/// Where a key lives.
struct Slot {
    bucket: u32,
    stripe: u32,
    hash: u32,
}

/// A held stripe lock; unlocks when dropped.
struct Locked<'a>(&'a Store, u32);

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        self.0.stripe(self.1).lock.unlock();
    }
}

impl Table {
    /// The table's columns.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The bucket count: `size` rounded up to a power of two (Swoole's `getSize()`).
    pub fn size(&self) -> u32 {
        self.store.buckets
    }

    /// How many rows fit.
    pub fn capacity(&self) -> u32 {
        self.store.capacity
    }

    /// Bytes of shared memory the table occupies.
    pub fn memory_size(&self) -> usize {
        self.store.memory_size()
    }

    /// Rows in the table (exact when no write is under way).
    pub fn count(&self) -> usize {
        (0..self.store.stripes).map(|s| self.store.stripe(s).count.load(Ordering::Relaxed) as usize).sum()
    }

    /// Rows, free rows and the operation counters of every process (see `stats.rs`).
    pub fn stats(&self) -> TableStats {
        stats::collect(&self.store)
    }

    /// Writes the given columns of row `key`, creating it (other columns zero or empty)
    /// if it is new. `Err(Full)` when a new row does not fit.
    pub fn set(&self, key: &[u8], values: &[(usize, Value)]) -> Result<(), TableError> {
        let slot = self.locate(key)?;
        for (col, input) in values {
            self.schema.check(*col, input)?;
        }
        let _locked = self.lock(slot.stripe)?;
        match self.find(&slot, key) {
            Some((_, link)) => self.update(slot.stripe, link, values),
            None => {
                self.insert(&slot, key, values)?;
            }
        }
        Ok(())
    }

    /// Writes the given columns of row `key` only if the row exists, under one lock (so a
    /// row deleted meanwhile is not brought back); false if there was none.
    pub fn update_existing(&self, key: &[u8], values: &[(usize, Value)]) -> Result<bool, TableError> {
        let slot = self.locate(key)?;
        for (col, input) in values {
            self.schema.check(*col, input)?;
        }
        let _locked = self.lock(slot.stripe)?;
        let Some((_, link)) = self.find(&slot, key) else { return Ok(false) };
        self.update(slot.stripe, link, values);
        Ok(true)
    }

    /// Sets integer column `col` of row `key` to `value` if it is 0, under one lock:
    /// `Some(true)` when set, `Some(false)` when it already held another value, `None`
    /// when there is no such row (Swoole's `bind()`: a connection is bound once).
    pub fn claim_int(&self, key: &[u8], col: usize, value: i64) -> Result<Option<bool>, TableError> {
        let slot = self.locate(key)?;
        let _locked = self.lock(slot.stripe)?;
        let Some((_, link)) = self.find(&slot, key) else { return Ok(None) };
        let data = self.store.data(link);
        // SAFETY: the stripe lock is held; reading a numeric column borrows nothing.
        if !matches!(unsafe { self.schema.read(data, col) }, Value::Int(0)) {
            return Ok(Some(false));
        }
        self.update(slot.stripe, link, &[(col, Value::Int(value))]);
        Ok(Some(true))
    }

    /// Copies row `key` into `row`; false if there is no such row.
    pub fn get(&self, key: &[u8], row: &mut RowData) -> Result<bool, TableError> {
        let slot = self.locate(key)?;
        let _locked = self.lock(slot.stripe)?;
        let Some((_, link)) = self.find(&slot, key) else { return Ok(false) };
        // SAFETY: the stripe lock is held; the row's data is data_size bytes.
        unsafe { row.copy_from(self.store.data(link), self.store.data_size()) };
        Ok(true)
    }

    /// Whether row `key` exists.
    pub fn exists(&self, key: &[u8]) -> Result<bool, TableError> {
        let slot = self.locate(key)?;
        let _locked = self.lock(slot.stripe)?;
        Ok(self.find(&slot, key).is_some())
    }

    /// Removes row `key`; false if there was none.
    pub fn del(&self, key: &[u8]) -> Result<bool, TableError> {
        let slot = self.locate(key)?;
        let stripe = self.store.stripe(slot.stripe);
        let _locked = self.lock(slot.stripe)?;
        let Some((prev, link)) = self.find(&slot, key) else { return Ok(false) };
        let row = self.store.row(link);
        let next = row.next.load(Ordering::Relaxed);
        // One store unlinks the row; killed before the release below, the row stays
        // claimed but unreachable, and recovery releases it.
        if prev == NO_ROW {
            self.store.head(slot.bucket).store(next, Ordering::Release);
        } else {
            self.store.row(prev).next.store(next, Ordering::Release);
        }
        stripe.count.store(stripe.count.load(Ordering::Relaxed).saturating_sub(1), Ordering::Relaxed);
        row.owner.store(0, Ordering::Release);
        stripe.counters.deleted();
        Ok(true)
    }

    /// Adds `by` to a numeric column and returns the new value; a missing row is created
    /// with that column set to `by`.
    #[inline]
    pub fn incr(&self, key: &[u8], col: usize, by: Value) -> Result<Value<'static>, TableError> {
        let column = &self.schema.columns()[col];
        if column.kind == ColumnType::String {
            return Err(TableError::NotNumeric(column.name.clone()));
        }
        let by = match by {
            Value::Int(n) => Value::Int(n),
            Value::Float(f) => Value::Float(f),
            Value::Str(_) => return Err(TableError::NotNumeric(column.name.clone())),
        };
        let slot = self.locate(key)?;
        let _locked = self.lock(slot.stripe)?;
        let Some((_, link)) = self.find(&slot, key) else {
            self.insert(&slot, key, &[(col, by)])?;
            return Ok(by);
        };
        let data = self.store.data(link);
        // SAFETY: the stripe lock is held; the column is numeric, so nothing is borrowed.
        let old = unsafe { self.schema.read(data, col) };
        let new = match (old, by) {
            (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_add(b)),
            (Value::Int(a), Value::Float(b)) => Value::Int(a.wrapping_add(b as i64)),
            (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
            (Value::Float(a), Value::Int(b)) => Value::Float(a + b as f64),
            (Value::Str(_), _) | (_, Value::Str(_)) => return Err(TableError::NotNumeric(column.name.clone())),
        };
        // SAFETY: as above; one 8-byte store, so no undo copy is needed.
        unsafe { self.schema.write(data, col, &new) };
        self.store.stripe(slot.stripe).counters.updated();
        Ok(new)
    }

    /// The bucket count, for iteration with `read_bucket`.
    pub fn buckets(&self) -> u32 {
        self.store.buckets
    }

    /// Appends the rows of bucket `b` (key and values) to `out`, copied under its lock:
    /// iteration sees each row whole while other processes write.
    pub fn read_bucket(&self, b: u32, out: &mut Vec<(Vec<u8>, RowData)>) -> Result<(), TableError> {
        let _locked = self.lock(self.store.stripe_of(b))?;
        let mut link = self.store.head(b).load(Ordering::Acquire);
        while link != NO_ROW {
            let row = self.store.row(link);
            let mut data = RowData::default();
            // SAFETY: the stripe lock is held.
            unsafe {
                data.copy_from(self.store.data(link), self.store.data_size());
                out.push((row.key().to_vec(), data));
            }
            link = row.next.load(Ordering::Relaxed);
        }
        Ok(())
    }

    fn locate(&self, key: &[u8]) -> Result<Slot, TableError> {
        if key.is_empty() {
            return Err(TableError::EmptyKey);
        }
        if key.len() > KEY_MAX {
            let start = String::from_utf8_lossy(&key[..16]).into_owned();
            return Err(TableError::KeyTooLong { start, len: key.len() });
        }
        let h = hash(key);
        let bucket = h as u32 & (self.store.buckets - 1);
        Ok(Slot { bucket, stripe: self.store.stripe_of(bucket), hash: (h >> 32) as u32 })
    }

    /// Takes stripe `s`'s lock, first repairing what a holder that died left behind.
    fn lock(&self, s: u32) -> Result<Locked<'_>, TableError> {
        let lock = &self.store.stripe(s).lock;
        if lock.lock().map_err(TableError::Lock)? == Acquired::OwnerDied {
            recovery::repair(&self.store, s);
            lock.make_consistent();
        }
        Ok(Locked(&self.store, s))
    }

    /// `(previous link, link)` of `key`'s row. The caller holds the stripe lock.
    fn find(&self, slot: &Slot, key: &[u8]) -> Option<(u32, u32)> {
        let mut prev = NO_ROW;
        let mut link = self.store.head(slot.bucket).load(Ordering::Acquire);
        while link != NO_ROW {
            let row = self.store.row(link);
            // SAFETY: the caller holds the stripe lock, which owns every row of the chain.
            if row.hash.load(Ordering::Relaxed) == slot.hash && unsafe { row.key() } == key {
                return Some((prev, link));
            }
            prev = link;
            link = row.next.load(Ordering::Relaxed);
        }
        None
    }

    /// Writes columns of an existing row. The caller holds stripe `s`'s lock.
    fn update(&self, s: u32, link: u32, values: &[(usize, Value)]) {
        let stripe = self.store.stripe(s);
        stripe.counters.updated();
        let data = self.store.data(link);
        match values {
            [] => return,
            [(col, input @ (Value::Int(_) | Value::Float(_)))] => {
                // SAFETY: the lock is held; one number is one store and cannot tear.
                unsafe { self.schema.write(data, *col, input) };
                return;
            }
            _ => {}
        }
        // SAFETY: the lock is held; the undo area is this stripe's, one row long.
        unsafe { std::ptr::copy_nonoverlapping(data, self.store.undo(s), self.store.data_size()) };
        // The copy is complete before the mark that makes recovery use it (Release), and
        // the mark is in place before the row changes (the fence).
        stripe.undo_row.store(link, Ordering::Release);
        std::sync::atomic::fence(Ordering::SeqCst);
        for (col, input) in values {
            // SAFETY: the lock is held; inputs were checked by `set`.
            unsafe { self.schema.write(data, *col, input) };
        }
        stripe.undo_row.store(NO_ROW, Ordering::Release);
    }

    /// Claims a free row, fills it and links it first in its bucket. The caller holds
    /// the stripe lock.
    fn insert(&self, slot: &Slot, key: &[u8], values: &[(usize, Value)]) -> Result<u32, TableError> {
        let link = self.claim(slot.stripe)?;
        let row = self.store.row(link);
        let data = self.store.data(link);
        // SAFETY: the row is claimed by this stripe and not yet reachable by anyone.
        unsafe {
            std::ptr::write_bytes(data, 0, self.store.data_size());
            row.set_key(key);
            for (col, input) in values {
                self.schema.write(data, *col, input);
            }
        }
        row.hash.store(slot.hash, Ordering::Relaxed);
        let head = self.store.head(slot.bucket);
        let first = head.load(Ordering::Relaxed);
        row.next.store(first, Ordering::Relaxed);
        // One store publishes the filled row (Release: its bytes are written before).
        head.store(link, Ordering::Release);
        let stripe = self.store.stripe(slot.stripe);
        stripe.count.store(stripe.count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        stripe.counters.inserted(self.chain_len(first));
        Ok(link)
    }

    /// Rows in the chain that starts at `link`. The caller holds its stripe lock.
    fn chain_len(&self, mut link: u32) -> u32 {
        let mut len = 0;
        while link != NO_ROW {
            len += 1;
            link = self.store.row(link).next.load(Ordering::Relaxed);
        }
        len
    }

    /// Marks a free row as stripe `s`'s, scanning the pool from this process's cursor.
    fn claim(&self, s: u32) -> Result<u32, TableError> {
        let capacity = self.store.capacity;
        let start = self.cursor.load(Ordering::Relaxed) % capacity;
        for i in 0..capacity {
            if i == CLAIM_PROBES && self.count() >= capacity as usize {
                break;
            }
            let index = ((u64::from(start) + u64::from(i)) % u64::from(capacity)) as u32;
            let owner = &self.store.row(index + 1).owner;
            if owner.load(Ordering::Relaxed) == 0 && owner.compare_exchange(0, s + 1, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                self.cursor.store(index + 1, Ordering::Relaxed);
                return Ok(index + 1);
            }
        }
        Err(TableError::Full { capacity })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(size: i64, conflict: f64) -> Table {
        let mut spec = TableSpec::new(size, conflict).unwrap();
        spec.column("n", ColumnType::Int, 0).unwrap();
        spec.column("s", ColumnType::String, 8).unwrap();
        spec.create().unwrap()
    }

    /// Row `key` of a `table()`: its number and its string.
    fn row(t: &Table, key: &[u8]) -> Option<(i64, Vec<u8>)> {
        let mut data = RowData::default();
        t.get(key, &mut data).unwrap().then(|| match (data.value(t.schema(), 0), data.value(t.schema(), 1)) {
            (Value::Int(n), Value::Str(s)) => (n, s.to_vec()),
            other => panic!("unexpected row {other:?}"),
        })
    }

    #[allow(clippy::unnecessary_wraps, reason = "compared with row()'s Option")]
    fn pair(n: i64, s: &[u8]) -> Option<(i64, Vec<u8>)> {
        Some((n, s.to_vec()))
    }

    /// Runs `f` in a forked child that then exits at once, without unwinding or unlocking:
    /// as far as the locks can tell, it died where `f` returned.
    fn die_after(f: impl FnOnce()) {
        // SAFETY: the child runs only `f` and _exit; glibc keeps malloc usable after fork.
        match unsafe { libc::fork() } {
            0 => {
                f();
                // SAFETY: ends the child without running destructors (the lock stays held).
                unsafe { libc::_exit(0) }
            }
            pid => {
                let mut status = 0;
                // SAFETY: pid is our child.
                unsafe { libc::waitpid(pid, &raw mut status, 0) };
                assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child failed: {status}");
            }
        }
    }

    #[test]
    fn rows_are_set_read_updated_and_deleted() {
        let t = table(16, 0.2);
        assert_eq!((t.size(), t.capacity()), (16, 19));
        t.set(b"a", &[(0, Value::Int(1)), (1, Value::Str(b"one"))]).unwrap();
        t.set(b"b", &[(1, Value::Str(b"two"))]).unwrap();
        assert_eq!(row(&t, b"a"), pair(1, b"one"));
        assert_eq!(row(&t, b"b"), pair(0, b"two"), "a new row's missing columns are zero");
        t.set(b"a", &[(0, Value::Int(5))]).unwrap();
        assert_eq!(row(&t, b"a"), pair(5, b"one"), "an update keeps the columns not given");
        assert_eq!(t.count(), 2);
        assert!(t.del(b"a").unwrap());
        assert!(!t.del(b"a").unwrap());
        assert_eq!((row(&t, b"a"), t.exists(b"b").unwrap(), t.count()), (None, true, 1));
    }

    #[test]
    fn update_existing_writes_only_rows_that_are_there() {
        let t = table(8, 0.0);
        assert!(!t.update_existing(b"gone", &[(0, Value::Int(1))]).unwrap());
        assert_eq!((row(&t, b"gone"), t.count()), (None, 0), "no row is made");
        t.set(b"here", &[(0, Value::Int(1)), (1, Value::Str(b"x"))]).unwrap();
        assert!(t.update_existing(b"here", &[(0, Value::Int(7))]).unwrap());
        assert_eq!(row(&t, b"here"), pair(7, b"x"));
        assert!(t.update_existing(b"here", &[(0, Value::Str(b"no"))]).is_err(), "values are checked as by set");
    }

    #[test]
    fn incr_creates_and_adds_and_refuses_strings() {
        let t = table(8, 0.0);
        assert_eq!(t.incr(b"k", 0, Value::Int(3)).unwrap(), Value::Int(3));
        assert_eq!(t.incr(b"k", 0, Value::Int(-5)).unwrap(), Value::Int(-2));
        assert!(matches!(t.incr(b"k", 1, Value::Int(1)), Err(TableError::NotNumeric(_))));
    }

    #[test]
    fn a_full_table_refuses_new_rows_but_takes_updates() {
        let t = table(4, 0.0);
        for i in 0..4 {
            t.set(format!("k{i}").as_bytes(), &[(0, Value::Int(i))]).unwrap();
        }
        assert!(matches!(t.set(b"k4", &[]), Err(TableError::Full { capacity: 4 })));
        t.set(b"k0", &[(0, Value::Int(9))]).unwrap();
        assert!(t.del(b"k1").unwrap());
        t.set(b"k4", &[]).unwrap();
        assert_eq!(t.count(), 4);
    }

    #[test]
    fn stats_count_every_kind_of_write() {
        // One bucket: every row after the first meets the others.
        let t = table(1, 1.0);
        assert_eq!(t.stats(), TableStats { rows: 0, conflicts: 0, max_chain: 0, inserts: 0, updates: 0, deletes: 0, capacity: 2, free: 2 });
        t.set(b"a", &[(0, Value::Int(1))]).unwrap();
        t.set(b"b", &[]).unwrap();
        t.set(b"a", &[(0, Value::Int(2)), (1, Value::Str(b"x"))]).unwrap();
        t.set(b"a", &[]).unwrap();
        assert_eq!(t.incr(b"b", 0, Value::Int(5)).unwrap(), Value::Int(5));
        assert!(matches!(t.set(b"c", &[]), Err(TableError::Full { .. })), "a refused row is no insert");
        assert!(t.del(b"a").unwrap() && !t.del(b"a").unwrap());
        assert_eq!(t.incr(b"c", 0, Value::Int(1)).unwrap(), Value::Int(1));
        let expected = TableStats { rows: 2, conflicts: 2, max_chain: 1, inserts: 3, updates: 3, deletes: 1, capacity: 2, free: 0 };
        assert_eq!(t.stats(), expected);
    }

    #[test]
    fn keys_and_strings_that_do_not_fit_are_errors() {
        let t = table(4, 0.0);
        assert!(matches!(t.set(b"", &[]), Err(TableError::EmptyKey)));
        t.set(&[b'k'; KEY_MAX], &[]).unwrap();
        let err = t.set(&[b'k'; KEY_MAX + 1], &[]).unwrap_err().to_string();
        assert!(err.contains("64 bytes long") && err.contains("at most 63"), "{err}");
        let err = t.set(b"x", &[(1, Value::Str(b"123456789"))]).unwrap_err().to_string();
        assert!(err.contains("column 's'") && err.contains("at most 8 bytes"), "{err}");
        assert_eq!(t.count(), 1, "a refused set changes nothing");
    }

    #[test]
    fn iteration_visits_every_row_once() {
        let t = table(64, 0.2);
        for i in 0..70 {
            t.set(format!("uid:{i}").as_bytes(), &[(0, Value::Int(i))]).unwrap();
        }
        let mut rows = Vec::new();
        for b in 0..t.buckets() {
            t.read_bucket(b, &mut rows).unwrap();
        }
        let mut seen: Vec<i64> = rows.iter().map(|(_, data)| if let Value::Int(n) = data.value(t.schema(), 0) { n } else { -1 }).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..70).collect::<Vec<_>>());
    }

    #[test]
    fn a_writer_killed_mid_update_leaves_the_old_row() {
        let t = table(8, 0.0);
        t.set(b"k", &[(0, Value::Int(1)), (1, Value::Str(b"one"))]).unwrap();
        die_after(|| {
            let slot = t.locate(b"k").unwrap();
            let locked = t.lock(slot.stripe).unwrap();
            let (_, link) = t.find(&slot, b"k").unwrap();
            // What `update` does, cut short after the first of two columns.
            let stripe = t.store.stripe(slot.stripe);
            // SAFETY: the lock is held.
            unsafe {
                std::ptr::copy_nonoverlapping(t.store.data(link), t.store.undo(slot.stripe), t.store.data_size());
                stripe.undo_row.store(link, Ordering::Release);
                t.schema.write(t.store.data(link), 0, &Value::Int(2));
            }
            std::mem::forget(locked);
        });
        assert_eq!(row(&t, b"k"), pair(1, b"one"));
        t.set(b"k", &[(0, Value::Int(3)), (1, Value::Str(b"three"))]).unwrap();
        assert_eq!(row(&t, b"k"), pair(3, b"three"));
    }

    #[test]
    fn rows_a_dead_writer_claimed_or_unlinked_are_released() {
        let t = table(4, 0.0);
        t.set(b"gone", &[]).unwrap();
        die_after(|| {
            // A delete cut short after its unlink, then an insert cut short after its claim.
            let gone = t.locate(b"gone").unwrap();
            let locked = t.lock(gone.stripe).unwrap();
            let (_, link) = t.find(&gone, b"gone").unwrap();
            t.store.head(gone.bucket).store(t.store.row(link).next.load(Ordering::Relaxed), Ordering::Release);
            t.claim(gone.stripe).unwrap();
            std::mem::forget(locked);
        });
        assert!(!t.exists(b"gone").unwrap());
        for i in 0..4 {
            t.set(format!("k{i}").as_bytes(), &[]).unwrap();
        }
        assert_eq!(t.count(), 4, "all four rows are usable again and counted exactly");
    }
}
