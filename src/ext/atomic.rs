//! `LaravelS\Runtime\Atomic`: `Swoole\Atomic` over `crate::table::SharedAtomic`.
//!
//! One difference from Swoole: the value is a signed 64-bit integer, where
//! `Swoole\Atomic` holds an unsigned 32-bit one (and wraps at 2^32).

use std::time::Duration;

use ext_php_rs::prelude::*;

use super::table::TableException;
use crate::table::SharedAtomic;

/// A counter in shared memory: made before the server forks (in a ServerStart handler),
/// every process adds to the same value.
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
        let inner = SharedAtomic::new(value).map_err(|e| PhpException::from_class::<TableException>(format!("Atomic: {e}")))?;
        Ok(Atomic { inner })
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

    /// While the value is 0, sleeps until wakeup() or `$timeout` seconds (negative: no
    /// limit). True when woken (the value, 1, is taken back to 0); false on timeout or
    /// when the value is neither 0 nor 1.
    #[php(defaults(timeout = 1.0))]
    pub fn wait(&self, timeout: f64) -> bool {
        let limit = (timeout >= 0.0).then(|| Duration::try_from_secs_f64(timeout).unwrap_or(Duration::MAX));
        self.inner.wait(limit)
    }

    /// Sets a 0 value to 1 and wakes up to `$count` waiting processes.
    #[php(defaults(count = 1))]
    pub fn wakeup(&self, count: i64) -> bool {
        self.inner.wakeup(u32::try_from(count.max(0)).unwrap_or(u32::MAX));
        true
    }
}
