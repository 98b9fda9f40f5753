//! The server span of one request: started when the master reads the request head, ended
//! when the response's last byte is handed to the connection (a streamed body's too), or
//! when the client goes away first.

use std::time::{SystemTime, UNIX_EPOCH};

use super::context::TraceContext;
use super::Tracer;

/// An attribute value, as OTLP types them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `stringValue`.
    Text(String),
    /// `intValue`.
    Int(i64),
}

/// How a span ended, as OTLP's status codes say it: 5xx answers and streams cut short are
/// errors (OpenTelemetry's HTTP conventions leave 4xx unset on a server span).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The whole response went out.
    Sent,
    /// The body stopped before its end (the worker died mid-stream).
    Aborted,
    /// The client went away before the response's end.
    ClientGone,
}

/// A finished server span, ready for export.
#[derive(Debug, Clone)]
pub struct FinishedSpan {
    /// This span's context: its trace and its own id.
    pub context: TraceContext,
    /// The caller's span, when a trusted peer sent a `traceparent`.
    pub parent: Option<[u8; 8]>,
    /// The request method, OpenTelemetry's span name for a route the server does not know.
    pub name: String,
    /// When the master read the request head.
    pub start_unix_nanos: u64,
    /// When the response's last byte went to the connection (or the client left).
    pub end_unix_nanos: u64,
    /// OpenTelemetry's HTTP server attributes.
    pub attributes: Vec<(&'static str, Value)>,
    /// The response status (0 when none was sent).
    pub status: u16,
    /// How the response ended.
    pub ending: Ending,
}

impl FinishedSpan {
    /// Whether OTLP marks it as an error.
    pub fn is_error(&self) -> bool {
        self.status >= 500 || self.ending == Ending::Aborted
    }
}

/// A span still open. Dropping it ends it (as `ClientGone` unless told otherwise).
pub struct OpenSpan {
    tracer: Tracer,
    span: Option<FinishedSpan>,
}

impl OpenSpan {
    pub(super) fn new(tracer: Tracer, context: TraceContext, parent: Option<[u8; 8]>, name: String, attributes: Vec<(&'static str, Value)>) -> Self {
        let start = now_nanos();
        let span = FinishedSpan { context, parent, name, start_unix_nanos: start, end_unix_nanos: start, attributes, status: 0, ending: Ending::ClientGone };
        OpenSpan { tracer, span: Some(span) }
    }

    /// This span's context, which the application gets as its parent.
    pub fn context(&self) -> Option<TraceContext> {
        self.span.as_ref().map(|s| s.context)
    }

    /// The response's status, once known.
    pub fn set_status(&mut self, status: u16) {
        if let Some(span) = &mut self.span {
            span.status = status;
            span.attributes.push(("http.response.status_code", Value::Int(i64::from(status))));
        }
    }

    /// Ends the span now.
    pub fn end(&mut self, ending: Ending) {
        if let Some(mut span) = self.span.take() {
            span.end_unix_nanos = now_nanos().max(span.start_unix_nanos);
            span.ending = ending;
            if ending == Ending::ClientGone {
                span.attributes.push(("laravels.client_gone", Value::Int(1)));
            }
            self.tracer.export(span);
        }
    }
}

impl Drop for OpenSpan {
    fn drop(&mut self) {
        self.end(Ending::ClientGone);
    }
}

fn now_nanos() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}
