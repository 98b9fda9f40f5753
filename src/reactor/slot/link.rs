//! The master's end of a worker socket, registered with the reactor for reading only.
//!
//! tokio's `UnixStream` registers its socket for reading and writing at once. A unix
//! socket's reader and writer share one wait queue, and every time the worker reads a
//! frame the master sent, the freed send buffer signals "writable" on it: with the
//! socket registered for writing, that woke the master's epoll for nothing whenever it
//! slept, a cross-CPU wake-up paid by the worker on every request (measured with `perf`
//! in docs/benchmarks.md, issue 18). The master only needs to wait for writability when
//! a frame does not fit the socket buffer (a large request body): [`WriteHalf`] then
//! registers a second descriptor of the socket for writing, until that write goes through.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

/// Splits an accepted worker connection into its reading half (registered for reading
/// only) and its writing half (not registered while writes go through).
pub(super) fn split(stream: tokio::net::UnixStream) -> io::Result<(ReadHalf, WriteHalf)> {
    // Non-blocking, like every socket tokio hands out; the clone shares that flag.
    let stream = stream.into_std()?;
    let writer = stream.try_clone()?;
    Ok((ReadHalf(register(stream, Interest::READABLE)?), WriteHalf { stream: writer, waiting: None }))
}

/// Registers a socket with the reactor for `interest` only.
fn register(stream: UnixStream, interest: Interest) -> io::Result<AsyncFd<UnixStream>> {
    // SAFETY: the `UnixStream` owns its descriptor, which stays open until the `AsyncFd`
    // drops it, and `as_raw_fd()` always returns that one; nothing swaps the stream.
    unsafe { AsyncFd::register_with_interest(stream, interest) }.map_err(|e| e.into_parts().1)
}

/// The reading half: readable readiness only.
pub(super) struct ReadHalf(AsyncFd<UnixStream>);

impl AsyncRead for ReadHalf {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            let mut guard = ready!(self.0.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            let room = unfilled.len();
            match guard.get_inner().read(unfilled) {
                Ok(n) => {
                    // A short read emptied the socket: the next read waits for epoll
                    // instead of trying once more for EAGAIN (as tokio's own sockets do).
                    if n > 0 && n < room {
                        guard.clear_ready();
                    }
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => guard.clear_ready(),
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

/// The writing half: writes at once; registered for writability only while a write
/// waits for room.
pub(super) struct WriteHalf {
    stream: UnixStream,
    waiting: Option<AsyncFd<UnixStream>>,
}

impl AsyncWrite for WriteHalf {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        loop {
            if let Some(fd) = &self.waiting {
                let mut guard = ready!(fd.poll_write_ready(cx))?;
                if let Ok(written) = guard.try_io(|fd| fd.get_ref().write(buf)) {
                    self.waiting = None;
                    return Poll::Ready(written);
                }
                continue;
            }
            match (&self.stream).write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.waiting = Some(register(self.stream.try_clone()?, Interest::WRITABLE)?);
                }
                written => return Poll::Ready(written),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.stream.shutdown(std::net::Shutdown::Write))
    }
}

impl Drop for WriteHalf {
    /// Like tokio's `OwnedWriteHalf`: dropping the writing half shuts the direction down,
    /// so the process sees the end of the stream even while the reading half lives on.
    fn drop(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn frames_go_both_ways_and_a_full_socket_buffer_waits_for_the_reader() {
        let (master, worker) = tokio::net::UnixStream::pair().unwrap();
        let (mut reader, mut writer) = split(master).unwrap();
        let (mut worker_reader, mut worker_writer) = worker.into_split();
        worker_writer.write_all(b"answer").await.unwrap();
        let mut got = [0u8; 6];
        reader.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"answer");
        // Far more than a unix socket buffer holds: the write must wait for the reader.
        let big = vec![7u8; 4 << 20];
        let sent = big.clone();
        let write = tokio::spawn(async move {
            writer.write_all(&sent).await.unwrap();
            writer
        });
        let mut received = vec![0u8; big.len()];
        worker_reader.read_exact(&mut received).await.unwrap();
        assert!(received == big);
        let writer = write.await.unwrap();
        assert!(writer.waiting.is_none(), "no longer registered once the write went through");
        // Dropping the master's writing half ends the stream for the worker.
        drop(writer);
        assert_eq!(worker_reader.read(&mut got).await.unwrap(), 0, "the worker sees the end of the stream");
        let (_, mut writer) = split(tokio::net::UnixStream::pair().unwrap().0).unwrap();
        assert!(writer.write_all(b"x").await.is_err(), "writing to a closed peer fails");
        drop(worker_reader);
        drop(worker_writer);
        assert_eq!(reader.read(&mut got).await.unwrap(), 0, "end of stream once the worker closed");
    }
}
