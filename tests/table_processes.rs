//! Tables and atomics shared by forked processes, as a server's workers share them:
//! exact totals under concurrent writers, a writer `SIGKILLed` at random moments leaving
//! no deadlock and no torn row, statistics summed over every process, and Atomic's
//! wait/wakeup between processes.

use std::time::{Duration, Instant};

use laravels::table::{ColumnType, RowData, SharedAtomic, Table, TableSpec, Value};

/// Forks a child that runs `f` and exits (1 if it panicked). Returns its pid.
fn spawn(f: impl FnOnce()) -> libc::pid_t {
    // SAFETY: the child only runs `f` then _exit; glibc keeps malloc usable after fork.
    match unsafe { libc::fork() } {
        0 => {
            let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_ok();
            // SAFETY: ends the child without running the parent's destructors.
            unsafe { libc::_exit(i32::from(!ok)) }
        }
        pid => pid,
    }
}

/// Forks a child that exits with what `f` returns.
fn spawn_code(f: impl FnOnce() -> i32) -> libc::pid_t {
    // SAFETY: as in `spawn`.
    match unsafe { libc::fork() } {
        0 => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(1);
            // SAFETY: as in `spawn`.
            unsafe { libc::_exit(code) }
        }
        pid => pid,
    }
}

/// A child's exit code.
fn exit_code(status: i32) -> i32 {
    assert!(libc::WIFEXITED(status), "the child did not exit: status {status}");
    libc::WEXITSTATUS(status)
}

/// Whether process `pid` sleeps in a futex, as /proc tells (wchan reads "0" where the
/// kernel hides it: the state alone must do then).
fn asleep_in_wait(pid: libc::pid_t) -> bool {
    let (Ok(stat), Ok(wchan)) = (std::fs::read_to_string(format!("/proc/{pid}/stat")), std::fs::read_to_string(format!("/proc/{pid}/wchan"))) else {
        return false;
    };
    let state = stat.rsplit_once(") ").map(|(_, rest)| rest.split(' ').next().unwrap_or(""));
    state == Some("S") && (wchan.starts_with("futex") || wchan == "0")
}

/// Waits until every one of `pids` has announced itself on `ready` and sleeps in a `wait()`.
fn wait_until_asleep(pids: &[libc::pid_t], ready: &SharedAtomic) {
    let watchdog = Instant::now();
    while ready.get() < pids.len() as i64 || !pids.iter().all(|&pid| asleep_in_wait(pid)) {
        assert!(watchdog.elapsed() < Duration::from_secs(30), "the waiters never went to sleep");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Waits for a child; returns its wait status.
fn reap(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    // SAFETY: pid is our child.
    unsafe { libc::waitpid(pid, &raw mut status, 0) };
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
            #[allow(clippy::float_cmp, reason = "the float column holds exactly the int written beside it")]
            let same = f == n as f64;
            assert!(same && s == n.to_string().as_bytes(), "torn row {}: {values:?}", String::from_utf8_lossy(key));
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

#[test]
fn stats_are_counted_by_every_process() {
    let t = &table(64);
    let children: Vec<_> = (0..3)
        .map(|p| {
            spawn(move || {
                for i in 0..1000 {
                    // Each process: 10 rows of its own, written 100 times each, then 5 removed.
                    t.incr(format!("p{p}:{}", i % 10).as_bytes(), 0, Value::Int(1)).unwrap();
                }
                for i in 0..5 {
                    assert!(t.del(format!("p{p}:{i}").as_bytes()).unwrap());
                }
            })
        })
        .collect();
    for pid in children {
        assert_eq!(reap(pid), 0);
    }
    let s = t.stats();
    assert_eq!((s.rows, s.inserts, s.updates, s.deletes), (15, 30, 2970, 15));
    assert_eq!((s.capacity, s.free), (t.capacity(), t.capacity() - 15));
    assert!(s.conflicts <= 30 && (s.conflicts == 0) == (s.max_chain == 0));
}

#[test]
fn a_wakeup_of_several_sleepers_gives_the_flag_to_one_and_returns_the_others_at_once() {
    let flag = SharedAtomic::new(0).unwrap();
    let ready = SharedAtomic::new(0).unwrap();
    let wait = || {
        ready.add(1);
        if flag.wait(Some(Duration::from_secs(30))) {
            10
        } else {
            11
        }
    };
    let sleepers: Vec<_> = (0..3).map(|_| spawn_code(wait)).collect();
    wait_until_asleep(&sleepers, &ready);
    let started = Instant::now();
    flag.wakeup(3);
    let mut codes: Vec<i32> = sleepers.iter().map(|&pid| exit_code(reap(pid))).collect();
    codes.sort_unstable();
    assert_eq!(codes, [10, 11, 11], "one takes the flag, the others get false");
    assert!(started.elapsed() < Duration::from_secs(15), "the losers returned at once, not at their timeout");
    assert_eq!(flag.get(), 0);
}

#[test]
fn wakeup_of_one_wakes_one_sleeper_and_the_next_wakes_the_other() {
    let flag = SharedAtomic::new(0).unwrap();
    let ready = SharedAtomic::new(0).unwrap();
    let wait = || {
        ready.add(1);
        if flag.wait(Some(Duration::from_secs(30))) {
            10
        } else {
            11
        }
    };
    let sleepers = [spawn_code(wait), spawn_code(wait)];
    wait_until_asleep(&sleepers, &ready);
    flag.wakeup(1);
    let mut status = 0;
    let first = loop {
        // SAFETY: both are our children; WNOHANG returns 0 while one runs.
        if let Some(&pid) = sleepers.iter().find(|&&pid| unsafe { libc::waitpid(pid, &raw mut status, libc::WNOHANG) } == pid) {
            break pid;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(exit_code(status), 10, "the woken sleeper took the flag");
    let other = if first == sleepers[0] { sleepers[1] } else { sleepers[0] };
    // SAFETY: other is our child.
    assert_eq!(unsafe { libc::waitpid(other, &raw mut status, libc::WNOHANG) }, 0, "the other still sleeps");
    assert!(asleep_in_wait(other));
    flag.wakeup(1);
    assert_eq!(exit_code(reap(other)), 10, "the next wakeup wakes it");
}
