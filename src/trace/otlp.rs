//! OTLP/HTTP export of finished spans: batched on the master's reactor, posted as OTLP's
//! JSON encoding (`application/json`) to `<tracing.otlp_endpoint>/v1/traces`, the way an
//! OpenTelemetry Collector or any OTLP/HTTP receiver takes them. A batch goes out when it
//! holds [`BATCH`] spans or [`LINGER`] after its first span. When the receiver is down or
//! slow the queue fills and later spans are dropped, counted and logged once a minute:
//! tracing never holds a response.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value as Json};
use tokio::sync::mpsc;

use super::context::lower_hex;
use super::span::{FinishedSpan, Value};
use crate::config::OtlpEndpoint;
use crate::log;

/// Spans per request to the receiver, at most.
pub const BATCH: usize = 512;
/// How long a batch waits for more spans after its first.
pub const LINGER: Duration = Duration::from_millis(500);
/// Finished spans that may wait for export; more are dropped.
pub const QUEUE: usize = 8192;
/// How long one export may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Counts of what export did, for logs and tests.
#[derive(Debug, Default)]
pub struct ExportStats {
    /// Spans the receiver accepted.
    pub exported: AtomicU64,
    /// Spans lost: the queue was full, or their batch failed.
    pub dropped: AtomicU64,
    /// Batches the receiver did not take.
    pub failed_batches: AtomicU64,
}

/// Runs the exporter until every sender is gone, then posts what is left.
pub async fn run(mut spans: mpsc::Receiver<FinishedSpan>, endpoint: OtlpEndpoint, service: String, stats: Arc<ExportStats>) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let Some(first) = spans.recv().await else { break };
        batch.push(first);
        let linger = tokio::time::sleep(LINGER);
        tokio::pin!(linger);
        while batch.len() < BATCH {
            tokio::select! {
                () = &mut linger => break,
                next = spans.recv() => match next {
                    Some(span) => batch.push(span),
                    None => break,
                },
            }
        }
        post(&endpoint, &service, std::mem::take(&mut batch), &stats).await;
    }
}

async fn post(endpoint: &OtlpEndpoint, service: &str, batch: Vec<FinishedSpan>, stats: &ExportStats) {
    let count = batch.len() as u64;
    let body = serde_json::to_vec(&request(service, &batch)).unwrap_or_default();
    match tokio::time::timeout(TIMEOUT, send(endpoint, body)).await {
        Ok(Ok(())) => {
            stats.exported.fetch_add(count, Ordering::Relaxed);
        }
        Ok(Err(e)) => failed(endpoint, &e, count, stats),
        Err(_) => failed(endpoint, "no answer within 10 s", count, stats),
    }
}

fn failed(endpoint: &OtlpEndpoint, why: &str, count: u64, stats: &ExportStats) {
    let batches = stats.failed_batches.fetch_add(1, Ordering::Relaxed);
    stats.dropped.fetch_add(count, Ordering::Relaxed);
    // The first failure, then one line per 100: a receiver that is down is one fact.
    if batches % 100 == 0 {
        log::line(
            "master",
            &format!("tracing: could not export {count} span(s) to {}: {why} ({} failed batch(es) so far). Fix: start the OTLP/HTTP receiver there, or correct tracing.otlp_endpoint", endpoint.url(), batches + 1),
        );
    }
}

async fn send(endpoint: &OtlpEndpoint, body: Vec<u8>) -> Result<(), String> {
    let stream = tokio::net::TcpStream::connect(&endpoint.authority).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = hyper::Request::post(&endpoint.path)
        .header(hyper::header::HOST, &endpoint.authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {}", resp.status()))
    }
}

/// An `ExportTraceServiceRequest` in OTLP's JSON encoding: ids in hex, 64-bit integers as
/// decimal strings, enums as numbers.
pub fn request(service: &str, spans: &[FinishedSpan]) -> Json {
    json!({
        "resourceSpans": [{
            "resource": { "attributes": [attribute("service.name", &Value::Text(service.to_owned()))] },
            "scopeSpans": [{
                "scope": { "name": "laravels-rs", "version": env!("CARGO_PKG_VERSION") },
                "spans": spans.iter().map(span).collect::<Vec<_>>(),
            }],
        }],
    })
}

/// `SPAN_KIND_SERVER`.
const KIND_SERVER: u8 = 2;
/// `STATUS_CODE_UNSET`, `STATUS_CODE_ERROR`.
const STATUS_UNSET: u8 = 0;
const STATUS_ERROR: u8 = 2;

fn span(s: &FinishedSpan) -> Json {
    let mut out = json!({
        "traceId": lower_hex(&s.context.trace_id),
        "spanId": lower_hex(&s.context.span_id),
        "flags": u32::from(s.context.flags),
        "name": s.name,
        "kind": KIND_SERVER,
        "startTimeUnixNano": s.start_unix_nanos.to_string(),
        "endTimeUnixNano": s.end_unix_nanos.to_string(),
        "attributes": s.attributes.iter().map(|(k, v)| attribute(k, v)).collect::<Vec<_>>(),
        "status": { "code": if s.is_error() { STATUS_ERROR } else { STATUS_UNSET } },
    });
    if let Some(parent) = s.parent {
        out["parentSpanId"] = Json::String(lower_hex(&parent));
    }
    out
}

fn attribute(key: &str, value: &Value) -> Json {
    let value = match value {
        Value::Text(s) => json!({ "stringValue": s }),
        Value::Int(n) => json!({ "intValue": n.to_string() }),
    };
    json!({ "key": key, "value": value })
}

#[cfg(test)]
mod tests {
    use super::super::context::TraceContext;
    use super::super::span::Ending;
    use super::*;

    #[test]
    fn a_span_in_otlp_json() {
        let context = TraceContext::parse(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        let span = FinishedSpan {
            context,
            parent: Some([1, 2, 3, 4, 5, 6, 7, 8]),
            name: "GET".into(),
            start_unix_nanos: 1_000,
            end_unix_nanos: 2_500,
            attributes: vec![("http.request.method", Value::Text("GET".into())), ("http.response.status_code", Value::Int(503))],
            status: 503,
            ending: Ending::Sent,
        };
        let json = request("shop", &[span]);
        let rs = &json["resourceSpans"][0];
        assert_eq!(rs["resource"]["attributes"][0], json!({"key": "service.name", "value": {"stringValue": "shop"}}));
        let s = &rs["scopeSpans"][0]["spans"][0];
        assert_eq!(s["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(s["spanId"], "00f067aa0ba902b7");
        assert_eq!(s["parentSpanId"], "0102030405060708");
        assert_eq!(s["kind"], 2);
        assert_eq!(s["startTimeUnixNano"], "1000");
        assert_eq!(s["endTimeUnixNano"], "2500");
        assert_eq!(s["attributes"][1], json!({"key": "http.response.status_code", "value": {"intValue": "503"}}));
        assert_eq!(s["status"]["code"], 2, "a 5xx is an error");
    }
}
