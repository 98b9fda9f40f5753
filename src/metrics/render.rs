//! Prometheus' text exposition format (version 0.0.4) of the master's metrics: the
//! counters of `Metrics` and a `Gauges` snapshot taken at scrape time. Each family has its
//! `# HELP` and `# TYPE`; the README's metrics table lists the same names.

use std::fmt::Write;

use super::{Metrics, Restart};

/// The `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The workers of one role, as the master sees them now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleGauges {
    /// The `role` label: `http`, `task`, `timer` or `process`.
    pub role: &'static str,
    /// How many the config asks for.
    pub configured: usize,
    /// How many are booted and connected.
    pub connected: usize,
    /// How many of those are on a job.
    pub busy: usize,
}

/// One connected worker process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessGauge {
    /// Its process id (Swoole's `$workerId`).
    pub worker_id: u32,
    /// Its role label.
    pub role: &'static str,
    /// Its resident memory; `None` when /proc could not say.
    pub rss_bytes: Option<u64>,
}

/// What the master knows now, read at scrape time.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// Per role.
    pub roles: Vec<RoleGauges>,
    /// Per connected process.
    pub processes: Vec<ProcessGauge>,
    /// Requests waiting for an HTTP worker.
    pub queue_depth: usize,
    /// Requests answered 503 by the overload policy so far (a counter the dispatcher keeps).
    pub queue_rejected: u64,
    /// Tasks waiting for a task worker.
    pub task_queue_depth: usize,
    /// Open client connections, all ports.
    pub connections: usize,
    /// Open WebSocket connections.
    pub websocket_connections: usize,
    /// The master's resident memory.
    pub master_rss_bytes: Option<u64>,
    /// When the master started, in Unix seconds.
    pub start_time_seconds: u64,
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// The exposition text of `m` and `g`.
pub fn render(m: &Metrics, g: &Gauges) -> String {
    let mut out = String::with_capacity(4096);
    let o = &mut out;
    for (name, help, value) in [
        ("laravels_workers", "Worker processes the config asks for, by role.", (|r: &RoleGauges| r.configured) as fn(&RoleGauges) -> usize),
        ("laravels_workers_connected", "Worker processes booted and connected to the master, by role.", |r| r.connected),
        ("laravels_workers_busy", "Connected worker processes on a job (a request, task or event), by role.", |r| r.busy),
        ("laravels_workers_idle", "Connected worker processes waiting for a job, by role.", |r| r.connected.saturating_sub(r.busy)),
    ] {
        family(o, name, "gauge", help);
        for r in &g.roles {
            let _ = writeln!(o, "{name}{{role=\"{}\"}} {}", r.role, value(r));
        }
    }
    family(o, "laravels_queue_depth", "gauge", "HTTP requests waiting for a worker.");
    let _ = writeln!(o, "laravels_queue_depth {}", g.queue_depth);
    family(o, "laravels_queue_wait_seconds", "histogram", "Time HTTP requests waited in the queue before a worker took them.");
    m.queue_wait.render(o, "laravels_queue_wait_seconds", "");
    family(o, "laravels_queue_rejected_total", "counter", "HTTP requests answered 503 by the overload policy (queue full or waited too long).");
    let _ = writeln!(o, "laravels_queue_rejected_total {}", g.queue_rejected);
    family(o, "laravels_task_queue_depth", "gauge", "Tasks waiting for a task worker.");
    let _ = writeln!(o, "laravels_task_queue_depth {}", g.task_queue_depth);
    family(o, "laravels_requests_total", "counter", "HTTP responses, by status class.");
    for class in 1..=5u16 {
        let _ = writeln!(o, "laravels_requests_total{{code=\"{class}xx\"}} {}", m.responses(class));
    }
    family(o, "laravels_request_duration_seconds", "histogram", "Time from reading an HTTP request's head to its response's head.");
    m.duration.render(o, "laravels_request_duration_seconds", "");
    family(o, "laravels_worker_restarts_total", "counter", "Worker processes that left the pool (and were replaced), by cause.");
    for cause in Restart::ALL {
        let _ = writeln!(o, "laravels_worker_restarts_total{{cause=\"{}\"}} {}", cause.label(), m.restarts(cause));
    }
    family(o, "laravels_worker_memory_bytes", "gauge", "Resident memory of each connected worker process.");
    for p in &g.processes {
        if let Some(rss) = p.rss_bytes {
            let _ = writeln!(o, "laravels_worker_memory_bytes{{worker_id=\"{}\",role=\"{}\"}} {rss}", p.worker_id, p.role);
        }
    }
    family(o, "laravels_master_memory_bytes", "gauge", "Resident memory of the master process.");
    if let Some(rss) = g.master_rss_bytes {
        let _ = writeln!(o, "laravels_master_memory_bytes {rss}");
    }
    family(o, "laravels_connections", "gauge", "Open client connections, all ports.");
    let _ = writeln!(o, "laravels_connections {}", g.connections);
    family(o, "laravels_websocket_connections", "gauge", "Open WebSocket connections.");
    let _ = writeln!(o, "laravels_websocket_connections {}", g.websocket_connections);
    family(o, "laravels_start_time_seconds", "gauge", "When the master started, in Unix seconds.");
    let _ = writeln!(o, "laravels_start_time_seconds {}", g.start_time_seconds);
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn every_family_has_help_and_type_and_its_samples() {
        let m = Metrics::default();
        m.response(200, Duration::from_millis(2));
        m.restart(Restart::MaxRequest);
        let g = Gauges {
            roles: vec![RoleGauges { role: "http", configured: 2, connected: 2, busy: 1 }],
            processes: vec![ProcessGauge { worker_id: 0, role: "http", rss_bytes: Some(1024) }],
            queue_depth: 3,
            websocket_connections: 4,
            ..Gauges::default()
        };
        let text = render(&m, &g);
        for line in [
            "laravels_workers{role=\"http\"} 2",
            "laravels_workers_busy{role=\"http\"} 1",
            "laravels_workers_idle{role=\"http\"} 1",
            "laravels_queue_depth 3",
            "laravels_requests_total{code=\"2xx\"} 1",
            "laravels_requests_total{code=\"5xx\"} 0",
            "laravels_request_duration_seconds_count 1",
            "laravels_worker_restarts_total{cause=\"max_request\"} 1",
            "laravels_worker_memory_bytes{worker_id=\"0\",role=\"http\"} 1024",
            "laravels_websocket_connections 4",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        // Every sample's family is declared before it.
        let mut declared = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                declared.push(rest.split(' ').next().unwrap().to_owned());
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                let base = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).filter(|b| declared.iter().any(|d| d == b)).unwrap_or(name);
                assert!(declared.iter().any(|d| d == base), "{name} has no # TYPE before it");
            }
        }
    }
}
