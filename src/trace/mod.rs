//! Tracing: a W3C `traceparent` per request, and OTLP/HTTP export of a server span for it.
//! The master does it all, without PHP: the application only sees the `traceparent` of the
//! server span (its parent for any span it makes) in the request's headers.
//!
//! # Layout
//! - `context.rs`: `traceparent` parsing and formatting, new ids.
//! - `span.rs`: the server span, open while the response goes out, then finished.
//! - `otlp.rs`: the exporter, batching finished spans to an OTLP/HTTP receiver.
//! - this file: the `Tracer` the reactor holds, which starts a span for a request head.

mod context;
mod otlp;
mod span;

pub use context::TraceContext;
pub use otlp::ExportStats;
pub use span::{Ending, FinishedSpan, OpenSpan, Value};

use std::sync::atomic::Ordering;
use std::sync::Arc;

use hyper::header::{HeaderMap, HeaderName, HeaderValue, HOST, USER_AGENT};
use tokio::sync::mpsc;

use crate::config::TracingConfig;

static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
static TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// Starts server spans and hands finished ones to the exporter. Cheap to clone.
#[derive(Clone)]
pub struct Tracer {
    spans: Option<mpsc::Sender<FinishedSpan>>,
    /// What the exporter did, and spans dropped because its queue was full.
    pub stats: Arc<ExportStats>,
}

/// What a request is, for its span's name and attributes.
pub struct RequestFacts<'a> {
    /// The request method.
    pub method: &'a str,
    /// The target's path.
    pub path: &'a str,
    /// The target's query, without `?`.
    pub query: Option<&'a str>,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The HTTP version, as OpenTelemetry writes it (`1.1`, `2`).
    pub version: &'static str,
    /// The peer's address (empty on a unix socket).
    pub client: &'a str,
    /// The local port the request came on.
    pub server_port: u16,
}

impl Tracer {
    /// A tracer for `config`; with an OTLP endpoint, its exporter runs on the current
    /// tokio runtime. `None` when tracing is off.
    pub fn start_exporter(config: &TracingConfig) -> Option<Self> {
        if !config.enabled {
            return None;
        }
        let stats = Arc::new(ExportStats::default());
        let spans = config.otlp_endpoint.clone().map(|endpoint| {
            let (tx, rx) = mpsc::channel(otlp::QUEUE);
            tokio::spawn(otlp::run(rx, endpoint, config.service_name.clone(), stats.clone()));
            tx
        });
        Some(Tracer { spans, stats })
    }

    /// Starts the server span of a request and rewrites its trace headers for the
    /// application: the `traceparent` it sees is the server span's. A `traceparent` is
    /// believed only from a trusted peer (`trusted_proxies`); from anyone else it is
    /// replaced, and `tracestate` dropped, so a client cannot join or poison a trace.
    pub fn start(&self, headers: &mut HeaderMap, trusted_peer: bool, facts: &RequestFacts<'_>) -> OpenSpan {
        let parent = trusted_peer.then(|| headers.get(&TRACEPARENT).and_then(|v| TraceContext::parse(v.as_bytes()))).flatten();
        if parent.is_none() {
            headers.remove(&TRACESTATE);
        }
        let context = parent.map_or_else(TraceContext::root, |p| p.child());
        if let Ok(value) = HeaderValue::from_str(&context.header()) {
            headers.insert(TRACEPARENT.clone(), value);
        }
        let text = |s: &str| Value::Text(s.to_owned());
        let mut attributes = vec![
            ("http.request.method", text(facts.method)),
            ("url.path", text(facts.path)),
            ("url.scheme", text(facts.scheme)),
            ("network.protocol.version", text(facts.version)),
            ("server.port", Value::Int(i64::from(facts.server_port))),
        ];
        if let Some(query) = facts.query {
            attributes.push(("url.query", text(query)));
        }
        if !facts.client.is_empty() {
            attributes.push(("client.address", text(facts.client)));
        }
        if let Some(host) = headers.get(HOST).and_then(|v| v.to_str().ok()) {
            attributes.push(("server.address", text(host.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h))));
        }
        if let Some(agent) = headers.get(USER_AGENT).and_then(|v| v.to_str().ok()) {
            attributes.push(("user_agent.original", text(agent)));
        }
        OpenSpan::new(self.clone(), context, parent.map(|p| p.span_id), facts.method.to_owned(), attributes)
    }

    /// Queues a finished span for export; sampled ones only, and only with an endpoint.
    fn export(&self, span: FinishedSpan) {
        let Some(spans) = &self.spans else { return };
        if !span.context.sampled() {
            return;
        }
        if spans.try_send(span).is_err() {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}
