//! `LaravelS\Runtime\Atomic` and `Atomic\Long`: `Swoole\Atomic` and `Swoole\Atomic\Long`
//! over `crate::table::SharedAtomic`.
//!
//! One difference from Swoole: both hold a signed 64-bit integer. `Swoole\Atomic\Long`
//! does too; `Swoole\Atomic` holds an unsigned 32-bit one (and wraps at 2^32).

use std::time::Duration;

use ext_php_rs::prelude::*;

use super::table::TableException;
use crate::table::SharedAtomic;

fn shared(value: i64, class: &str) -> PhpResult<SharedAtomic> {
    SharedAtomic::new(value).map_err(|e| PhpException::from_class::<TableException>(format!("{class}: {e}")))
}

/// A counter in shared memory: made before the server forks (in a `ServerStart` handler),
/// every process adds to the same value. `wait()` and `wakeup()` use it as a flag between
/// processes, as Swoole's do.
#[php_class]
#[php(name = "LaravelS\\Runtime\\Atomic")]
pub struct Atomic {
    inner: SharedAtomic,
}

#[php_impl]
impl Atomic {
    /// A new counter starting at `$value`.
    #[php(defaults(value = 0))]
    pub fn __construct(value: i64) -> PhpResult<Self> {
        Ok(Atomic { inner: shared(value, "Atomic")? })
    }

    /// Adds and returns the new value.
    #[php(defaults(add_value = 1))]
    pub fn add(&self, add_value: i64) -> i64 {
        self.inner.add(add_value)
    }

    /// Subtracts and returns the new value.
    #[php(defaults(sub_value = 1))]
    pub fn sub(&self, sub_value: i64) -> i64 {
        self.inner.sub(sub_value)
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.inner.get()
    }

    /// Replaces the value.
    pub fn set(&self, value: i64) {
        self.inner.set(value);
    }

    /// Sets `$new_value` if the value is `$cmp_value`; whether it did.
    pub fn cmpset(&self, cmp_value: i64, new_value: i64) -> bool {
        self.inner.cmpset(cmp_value, new_value)
    }

    /// When the value is 1, takes it back to 0 and returns true. While it is 0, sleeps
    /// until a `wakeup()` or `$timeout` seconds (0 or less: no limit, as in Swoole), then
    /// returns whether this process took the flag that wakeup set: when one wakeup wakes
    /// several processes, one gets true and the others false, at once. False as well on
    /// timeout, on a signal, and when the value is neither 0 nor 1.
    #[php(defaults(timeout = 1.0))]
    pub fn wait(&self, timeout: f64) -> bool {
        let limit = (timeout > 0.0).then(|| Duration::try_from_secs_f64(timeout).unwrap_or(Duration::MAX));
        self.inner.wait(limit)
    }

    /// Sets a 0 value to 1 and wakes up to `$count` waiting processes; a value already
    /// non-zero is left alone and wakes nobody. Always true, as in Swoole.
    #[php(defaults(count = 1))]
    pub fn wakeup(&self, count: i64) -> bool {
        self.inner.wakeup(u32::try_from(count.max(0)).unwrap_or(u32::MAX));
        true
    }
}

/// `Swoole\Atomic\Long`: a signed 64-bit counter in shared memory, made before the
/// server forks like Atomic. Swoole's has no `wait()` and `wakeup()`, nor does this one.
#[php_class]
#[php(name = "LaravelS\\Runtime\\Atomic\\Long")]
pub struct AtomicLong {
    inner: SharedAtomic,
}

#[php_impl]
impl AtomicLong {
    /// A new counter starting at `$value`.
    #[php(defaults(value = 0))]
    pub fn __construct(value: i64) -> PhpResult<Self> {
        Ok(AtomicLong { inner: shared(value, "Atomic\\Long")? })
    }

    /// Adds and returns the new value (wrapping past the 64-bit limits).
    #[php(defaults(add_value = 1))]
    pub fn add(&self, add_value: i64) -> i64 {
        self.inner.add(add_value)
    }

    /// Subtracts and returns the new value.
    #[php(defaults(sub_value = 1))]
    pub fn sub(&self, sub_value: i64) -> i64 {
        self.inner.sub(sub_value)
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.inner.get()
    }

    /// Replaces the value.
    pub fn set(&self, value: i64) {
        self.inner.set(value);
    }

    /// Sets `$new_value` if the value is `$cmp_value`; whether it did.
    pub fn cmpset(&self, cmp_value: i64, new_value: i64) -> bool {
        self.inner.cmpset(cmp_value, new_value)
    }
}
