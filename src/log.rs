//! Status lines on stderr, each stamped with UTC time and the role that wrote it.
//!
//! Every process writes its own lines with one `write` call, so lines from the master,
//! the manager and the workers interleave whole. When the server is daemonized, stderr
//! is the log file.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes `[time] [role] message` to stderr.
pub fn line(role: &str, message: &str) {
    let text = format!("[{}] [{role}] {message}\n", utc_now());
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// A line for an event that can repeat thousands of times a second (a connection refused
/// over `max_connection`): at most one line per `every_secs`, counting the events it
/// stands for, so the log says what happens without flooding the disk.
pub struct Throttled {
    role: &'static str,
    every_secs: u64,
    /// Events since the last line.
    pending: AtomicU64,
    /// When the last line was written, in seconds since the epoch.
    last: AtomicU64,
}

impl Throttled {
    /// A throttle writing as `role`, at most one line every `every_secs` seconds.
    pub const fn new(role: &'static str, every_secs: u64) -> Self {
        Throttled { role, every_secs, pending: AtomicU64::new(0), last: AtomicU64::new(0) }
    }

    /// Counts one event; writes `message(count)` when the last line is old enough, and
    /// returns the count it wrote.
    pub fn event(&self, message: impl FnOnce(u64) -> String) -> Option<u64> {
        self.pending.fetch_add(1, Ordering::Relaxed);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let last = self.last.load(Ordering::Relaxed);
        if now < last.saturating_add(self.every_secs) {
            return None;
        }
        // One thread wins the right to write this interval's line.
        self.last.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).ok()?;
        let count = self.pending.swap(0, Ordering::Relaxed);
        line(self.role, &message(count));
        Some(count)
    }
}

/// The current UTC time as `YYYY-MM-DD HH:MM:SS`.
pub fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format_utc(secs)
}

fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_throttled_line_counts_the_events_it_stands_for() {
        let throttled = super::Throttled::new("test", 3600);
        assert_eq!(throttled.event(|n| format!("{n} events")), Some(1), "the first event is written at once");
        assert_eq!(throttled.event(|n| format!("{n} events")), None);
        assert_eq!(throttled.event(|n| format!("{n} events")), None);
        // Pretend the interval has passed.
        throttled.last.store(0, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(throttled.event(|n| format!("{n} events")), Some(3), "the next line counts the two held back");
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(super::format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(super::format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(super::format_utc(1_795_723_199), "2026-11-26 19:59:59");
    }
}
