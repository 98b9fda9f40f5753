//! One anonymous shared mapping: made before the fork, the same bytes in every process.

use std::io;
use std::ptr::NonNull;

/// Zero-filled memory shared with every process forked after it was mapped.
///
/// Dropping it unmaps this process's view only; the others keep theirs.
pub struct SharedRegion {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the region is plain memory; whoever reads or writes it synchronises through
// the locks and atomics placed inside it.
unsafe impl Send for SharedRegion {}
// SAFETY: as above.
unsafe impl Sync for SharedRegion {}

impl SharedRegion {
    /// Maps `len` zero-filled bytes (at least one).
    pub fn new(len: usize) -> io::Result<Self> {
        let len = len.max(1);
        // SAFETY: a fresh anonymous mapping aliases nothing; the result is checked below.
        let ptr = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED | libc::MAP_ANONYMOUS, -1, 0) };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(SharedRegion { ptr, len })
    }

    /// The first byte; page-aligned.
    pub fn base(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The mapped length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never: a region is at least one byte long.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for SharedRegion {
    fn drop(&mut self) {
        // SAFETY: ptr/len came from our own mmap, and nothing of ours outlives the region
        // (every pointer into it is derived from `&self`).
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}
