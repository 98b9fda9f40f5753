//! Requests refused before anything else looks at them: RFC 9112 3.2's Host rules and
//! RFC 9110 9.1's case-sensitive methods.

use hyper::header::{HeaderMap, HeaderValue, CONNECTION, HOST};
use hyper::{Method, StatusCode, Version};

use super::body::ResponseBody;
use super::http::error;

/// Why a request is refused, with its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// An HTTP/1.1 request without `Host` (RFC 9112 3.2: 400).
    NoHost,
    /// More than one `Host` field line, in any version (RFC 9112 3.2: 400).
    TwoHosts,
    /// A `Host` that is not `uri-host [":" port]` (RFC 9112 3.2: 400).
    BadHost,
    /// A method with lowercase letters: methods are case-sensitive (RFC 9110 9.1), and
    /// Symfony upper-cases `REQUEST_METHOD`, so the app would serve `get` as `GET`; such a
    /// method is not implemented (501). Uppercase extension methods reach the app as sent.
    Method,
}

impl Refusal {
    /// The answer: 400 closes the connection (nginx does the same), 501 does not.
    pub fn response(self) -> hyper::Response<ResponseBody> {
        let (status, message) = match self {
            Refusal::NoHost => (StatusCode::BAD_REQUEST, "an HTTP/1.1 request needs a Host header (RFC 9112 3.2)"),
            Refusal::TwoHosts => (StatusCode::BAD_REQUEST, "more than one Host header (RFC 9112 3.2)"),
            Refusal::BadHost => (StatusCode::BAD_REQUEST, "invalid Host header (RFC 9112 3.2)"),
            Refusal::Method => (StatusCode::NOT_IMPLEMENTED, "unknown method; methods are case-sensitive (RFC 9110 9.1)"),
        };
        let mut resp = error(status, message);
        if status == StatusCode::BAD_REQUEST {
            resp.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
        }
        resp
    }
}

/// Checks the request head; `Some` is the reason to refuse it.
pub fn check(method: &Method, version: Version, headers: &HeaderMap) -> Option<Refusal> {
    if method.as_str().bytes().any(|b| b.is_ascii_lowercase()) {
        return Some(Refusal::Method);
    }
    // HTTP/2 carries the host in `:authority`, which hyper keeps in the URI.
    if version == Version::HTTP_2 {
        return None;
    }
    let mut hosts = headers.get_all(HOST).iter();
    match (hosts.next(), hosts.next()) {
        (_, Some(_)) => Some(Refusal::TwoHosts),
        (None, None) if version == Version::HTTP_11 => Some(Refusal::NoHost),
        (None, None) => None,
        (Some(host), None) => (!valid_host(host.as_bytes())).then_some(Refusal::BadHost),
    }
}

/// `Host = uri-host [ ":" port ]` (RFC 9112 3.2, RFC 3986 3.2.2); empty is allowed for a
/// target URI without an authority.
fn valid_host(value: &[u8]) -> bool {
    if value.is_empty() {
        return true;
    }
    // An authority without userinfo: `http` parses host and port, and rejects what is
    // neither a reg-name, an IPv4 address nor a bracketed IP literal.
    let Ok(text) = std::str::from_utf8(value) else {
        return false;
    };
    !text.contains('@') && port_is_digits(text) && hyper::http::uri::Authority::try_from(text).is_ok_and(|a| !a.host().is_empty())
}

/// `port = *DIGIT` after the host (the `http` crate takes `host:http` as a host).
fn port_is_digits(text: &str) -> bool {
    let port = match text.strip_prefix('[') {
        Some(literal) => literal.split_once(']').map_or("", |(_, rest)| rest),
        None if text.matches(':').count() > 1 => return false,
        None => text.find(':').map_or("", |i| &text[i..]),
    };
    port.is_empty() || port.strip_prefix(':').is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, version: Version, hosts: &[&str]) -> (Method, Version, HeaderMap) {
        let mut headers = HeaderMap::new();
        for h in hosts {
            headers.append(HOST, HeaderValue::from_str(h).unwrap());
        }
        (Method::from_bytes(method.as_bytes()).unwrap(), version, headers)
    }

    fn check((m, v, h): &(Method, Version, HeaderMap)) -> Option<Refusal> {
        super::check(m, *v, h)
    }

    #[test]
    fn host_rules_of_rfc_9112() {
        assert_eq!(check(&parts("GET", Version::HTTP_11, &[])), Some(Refusal::NoHost));
        assert_eq!(check(&parts("GET", Version::HTTP_10, &[])), None, "HTTP/1.0 may omit Host");
        assert_eq!(check(&parts("GET", Version::HTTP_10, &["a", "b"])), Some(Refusal::TwoHosts));
        for bad in ["a b", "example.com:http", "user@example.com", "exa mple", "[::1", "example.com:80:80"] {
            assert_eq!(check(&parts("GET", Version::HTTP_11, &[bad])), Some(Refusal::BadHost), "{bad}");
        }
        for good in ["example.com", "example.com:8080", "127.0.0.1:5200", "[::1]:80", ""] {
            assert_eq!(check(&parts("GET", Version::HTTP_11, &[good])), None, "{good}");
        }
    }

    #[test]
    fn methods_are_case_sensitive() {
        assert_eq!(check(&parts("get", Version::HTTP_11, &["a"])), Some(Refusal::Method));
        assert_eq!(check(&parts("Post", Version::HTTP_11, &["a"])), Some(Refusal::Method));
        assert_eq!(check(&parts("PURGE", Version::HTTP_11, &["a"])), None, "an extension method reaches the app");
    }
}
