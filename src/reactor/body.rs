//! The response body type: the whole body at once, or parts as a worker streams them.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;

use super::job::Reply;
use crate::trace::{Ending, OpenSpan};

/// A streamed body that ended without its worker finishing it.
#[derive(Debug, thiserror::Error)]
#[error("the worker stopped before the end of the streamed body")]
pub struct Aborted;

/// The body hyper sends for a response the master or a worker made.
pub enum ResponseBody {
    /// The whole body in one frame; `None` for an empty body (or once it was sent).
    Full(Option<Bytes>),
    /// The first part, then `Chunk`s from the worker's reply channel until it closes.
    Stream {
        /// The body bytes that came with the response head; `None` once sent.
        first: Option<Bytes>,
        /// The job's reply channel: `Reply::Chunk`s until the worker ends the stream.
        rest: mpsc::Receiver<Reply>,
    },
    /// Another body whose end also ends the request's server span (`tracing`).
    Traced(Box<Traced>),
}

/// A body and the span it ends: at its last frame, at an aborted stream, or, dropped
/// before its end, when the client went away (a body hyper never sends, for `HEAD`, 204
/// or 304, counts as sent).
pub struct Traced {
    inner: ResponseBody,
    span: OpenSpan,
    bodyless: bool,
}

impl Drop for Traced {
    fn drop(&mut self) {
        let sent = self.bodyless || self.inner.is_end_stream();
        self.span.end(if sent { Ending::Sent } else { Ending::ClientGone });
    }
}

impl ResponseBody {
    /// A body of `data`, sent whole (no data frame when it is empty).
    pub fn full(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        ResponseBody::Full((!data.is_empty()).then_some(data))
    }

    /// This body, ending `span` when it ends. `bodyless`: hyper sends no body (a `HEAD`
    /// request, a 204 or 304 answer), so the head is the whole response.
    pub fn traced(self, span: OpenSpan, bodyless: bool) -> Self {
        ResponseBody::Traced(Box::new(Traced { inner: self, span, bodyless }))
    }

    /// A body of no bytes.
    pub fn empty() -> Self {
        ResponseBody::Full(None)
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            ResponseBody::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            ResponseBody::Stream { first, rest } => {
                if let Some(d) = first.take().filter(|d| !d.is_empty()) {
                    return Poll::Ready(Some(Ok(Frame::data(d))));
                }
                loop {
                    return match rest.poll_recv(cx) {
                        Poll::Ready(Some(Reply::Chunk(d))) if d.is_empty() => continue,
                        Poll::Ready(Some(Reply::Chunk(d))) => Poll::Ready(Some(Ok(Frame::data(d)))),
                        // The worker died or ran out of time mid-stream: abort the connection
                        // so the client cannot take the truncated body for a whole one.
                        Poll::Ready(Some(_)) => Poll::Ready(Some(Err(Aborted))),
                        Poll::Ready(None) => Poll::Ready(None),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
            ResponseBody::Traced(traced) => {
                let polled = Pin::new(&mut traced.inner).poll_frame(cx);
                match &polled {
                    Poll::Ready(None) => traced.span.end(Ending::Sent),
                    Poll::Ready(Some(Err(_))) => traced.span.end(Ending::Aborted),
                    _ => {}
                }
                polled
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Traced(traced) => traced.inner.is_end_stream(),
            other => matches!(other, ResponseBody::Full(None)),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            ResponseBody::Full(None) => SizeHint::with_exact(0),
            ResponseBody::Stream { .. } => SizeHint::default(),
            ResponseBody::Traced(traced) => traced.inner.size_hint(),
        }
    }
}
