//! Tables and atomics shared by forked processes, as a server's workers share them:
//! exact totals under concurrent writers, and a writer SIGKILLed at random moments
//! leaving no deadlock and no torn row.

use std::time::{Duration, Instant};

use laravels::table::{ColumnType, RowData, SharedAtomic, Table, TableSpec, Value};

/// Forks a child that runs `f` and exits (1 if it panicked). Returns its pid.
fn spawn(f: impl FnOnce()) -> libc::pid_t {
    // SAFETY: the child only runs `f` then _exit; glibc keeps malloc usable after fork.
    match unsafe { libc::fork() } {
        0 => {
            let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_ok();
            // SAFETY: ends the child without running the parent's destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        pid => pid,
    }
}

/// Waits for a child; returns its wait status.
fn reap(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    // SAFETY: pid is our child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    status
}

fn table(size: i64) -> Table {
    let mut spec = TableSpec::new(size, 0.2).unwrap();
    spec.column("n", ColumnType::Int, 0).unwrap();
    spec.column("f", ColumnType::Float, 0).unwrap();
    spec.column("s", ColumnType::String, 24).unwrap();
    spec.create().unwrap()
}

/// A row whose three columns must always agree: n, n as a float, n as text.
fn write_consistent(t: &Table, key: &[u8], n: i64) -> bool {
    let text = n.to_string();
    t.set(key, &[(0, Value::Int(n)), (1, Value::Float(n as f64)), (2, Value::Str(text.as_bytes()))]).is_ok()
}

fn assert_consistent(t: &Table, key: &[u8], row: &RowData) {
    let values: Vec<Value> = row.values(t.schema()).collect();
    match values[..] {
        [Value::Int(n), Value::Float(f), Value::Str(s)] => {
            assert!(f == n as f64 && s == n.to_string().as_bytes(), "torn row {}: {values:?}", String::from_utf8_lossy(key))
        }
        _ => panic!("unexpected row {values:?}"),
    }
}

#[test]
fn concurrent_writers_reach_exact_totals() {
    let t = table(256);
    let counter = SharedAtomic::new(0).unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            spawn(|| {
                for i in 0..20_000 {
                    t.incr(format!("row{}", i % 8).as_bytes(), 0, Value::Int(1)).unwrap();
                    counter.add(1);
                }
            })
        })
        .collect();
    for pid in children {
        assert_eq!(reap(pid), 0);
    }
    let mut row = RowData::default();
    for k in 0..8 {
        assert!(t.get(format!("row{k}").as_bytes(), &mut row).unwrap());
        assert_eq!(row.value(t.schema(), 0), Value::Int(10_000));
    }
    assert_eq!((counter.get(), t.count()), (80_000, 8));
}

#[test]
fn writers_killed_at_random_leave_whole_rows_and_free_locks() {
    // Few buckets, so the killed writers and the checks meet on the same stripes.
    let t = table(16);
    for k in 0..16 {
        assert!(write_consistent(&t, format!("k{k}").as_bytes(), 0));
    }
    let watchdog = Instant::now();
    for round in 0..40u64 {
        let writers: Vec<_> = (0..2)
            .map(|w| {
                spawn(|| {
                    // Updates of three columns, and rows deleted and inserted again.
                    let mut n = (round * 2 + w) as i64;
                    loop {
                        n += 1;
                        let key = format!("k{}", n % 19);
                        if n % 5 == 0 {
                            t.del(key.as_bytes()).unwrap();
                        }
                        write_consistent(&t, key.as_bytes(), n);
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_micros(300 + round * 97 % 2000));
        for pid in writers {
            // SAFETY: pid is our child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            reap(pid);
        }
        let mut rows = Vec::new();
        for b in 0..t.buckets() {
            t.read_bucket(b, &mut rows).unwrap();
        }
        for (key, row) in &rows {
            assert_consistent(&t, key, row);
        }
        assert_eq!(t.count(), rows.len(), "round {round}: the row count matches the rows");
        assert!(watchdog.elapsed() < Duration::from_secs(30), "a lock was never released");
    }
    // Every row is still usable: rows a dead writer claimed were released.
    for k in 0..t.capacity() {
        write_consistent(&t, format!("fill{k}").as_bytes(), 1);
    }
    assert_eq!(t.count(), t.capacity() as usize, "the table fills to its capacity exactly");
}

#[test]
fn atomic_wait_is_woken_from_another_process() {
    let a = SharedAtomic::new(0).unwrap();
    let started = Instant::now();
    let waker = spawn(|| {
        std::thread::sleep(Duration::from_millis(50));
        a.wakeup(1);
    });
    assert!(a.wait(Some(Duration::from_secs(5))), "woken");
    assert!(started.elapsed() >= Duration::from_millis(40) && started.elapsed() < Duration::from_secs(4));
    assert_eq!((reap(waker), a.get()), (0, 0), "wait() takes the flag back to 0");
    assert!(!a.wait(Some(Duration::from_millis(20))), "no wakeup: times out");
    a.wakeup(1);
    assert!(a.wait(Some(Duration::ZERO)), "a wakeup before the wait is not lost");
    a.set(5);
    assert!(!a.wait(None), "a value other than 0 or 1 is not a flag: returns at once");
    assert!(a.cmpset(5, 7) && !a.cmpset(5, 8));
    assert_eq!((a.add(3), a.sub(20)), (10, -10));
}
