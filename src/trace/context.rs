//! W3C Trace Context (<https://www.w3.org/TR/trace-context/>): the `traceparent` header a
//! request may carry, and the context of the server span the master starts for it.

use std::fmt::Write as _;

/// A span's place in a trace: `traceparent`'s trace id, parent id and flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    /// The whole trace's id (16 bytes, never all zero).
    pub trace_id: [u8; 16],
    /// The span's id (8 bytes, never all zero).
    pub span_id: [u8; 8],
    /// `trace-flags`; bit 0 is `sampled`.
    pub flags: u8,
}

impl TraceContext {
    /// Parses a `traceparent` value. Version 00 must be exactly 55 characters; a later
    /// version is read by its first four fields, as the recommendation asks of a version-00
    /// parser. Anything else (version ff, upper-case hex, all-zero ids) is `None`: the
    /// server then starts a new trace.
    pub fn parse(value: &[u8]) -> Option<Self> {
        let value = std::str::from_utf8(value).ok()?.trim_matches([' ', '\t']);
        if value.len() < 55 {
            return None;
        }
        let version = hex::<1>(&value[0..2])?[0];
        if version == 0xff || (version == 0 && value.len() != 55) || (version > 0 && value.len() > 55 && value.as_bytes()[55] != b'-') {
            return None;
        }
        let bytes = value.as_bytes();
        if bytes[2] != b'-' || bytes[35] != b'-' || bytes[52] != b'-' {
            return None;
        }
        let trace_id = hex::<16>(&value[3..35])?;
        let span_id = hex::<8>(&value[36..52])?;
        let flags = hex::<1>(&value[53..55])?[0];
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(TraceContext { trace_id, span_id, flags })
    }

    /// A new trace, sampled, for a request that brought no (believed) context.
    pub fn root() -> Self {
        TraceContext { trace_id: nonzero(), span_id: nonzero(), flags: 0x01 }
    }

    /// A child span of this one: same trace and flags, a new span id.
    pub fn child(&self) -> Self {
        TraceContext { trace_id: self.trace_id, span_id: nonzero(), flags: self.flags }
    }

    /// Whether the `sampled` flag is set.
    pub fn sampled(&self) -> bool {
        self.flags & 0x01 == 0x01
    }

    /// The version-00 `traceparent` value naming this span as the parent.
    pub fn header(&self) -> String {
        format!("00-{}-{}-{:02x}", lower_hex(&self.trace_id), lower_hex(&self.span_id), self.flags)
    }
}

/// Lower-case hex, as `traceparent` and OTLP's JSON encoding write ids.
pub fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `N` bytes from `2 * N` lower-case hex digits (upper case is invalid in `traceparent`).
fn hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// Random bytes, never all zero (an all-zero id is invalid). fastrand's per-thread
/// generator: ids need to be unique and unpredictable enough to not collide, not secret.
fn nonzero<const N: usize>() -> [u8; N] {
    loop {
        let mut out = [0u8; N];
        fastrand::fill(&mut out);
        if out != [0u8; N] {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_EXAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn the_specs_example_round_trips() {
        let ctx = TraceContext::parse(SPEC_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(lower_hex(&ctx.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(lower_hex(&ctx.span_id), "00f067aa0ba902b7");
        assert!(ctx.sampled());
        assert_eq!(ctx.header(), SPEC_EXAMPLE);
    }

    #[test]
    fn invalid_values_start_a_new_trace() {
        for bad in [
            "",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
        ] {
            assert_eq!(TraceContext::parse(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn a_later_version_is_read_by_its_first_fields() {
        let ctx = TraceContext::parse(b"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds").unwrap();
        assert_eq!(lower_hex(&ctx.span_id), "00f067aa0ba902b7");
        assert_eq!(TraceContext::parse(b"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"), None);
    }

    #[test]
    fn a_child_keeps_the_trace_and_gets_its_own_span() {
        let parent = TraceContext::parse(SPEC_EXAMPLE.as_bytes()).unwrap();
        let child = parent.child();
        assert_eq!(child.trace_id, parent.trace_id);
        assert_ne!(child.span_id, parent.span_id);
        assert_eq!(child.flags, parent.flags);
        let (a, b) = (TraceContext::root(), TraceContext::root());
        assert_ne!(a.trace_id, b.trace_id);
        assert!(a.sampled());
    }
}
