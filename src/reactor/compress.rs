//! `http_compression`: gzip for whole response bodies the client accepts it for.
//!
//! Only complete bodies are compressed (streams go out as the application writes them),
//! only types that compress (text, JSON, JavaScript, XML, SVG), and only above a size
//! where gzip's header does not eat the gain.

use std::io::Write;

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use hyper::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use hyper::{Response, StatusCode};

use super::body::ResponseBody;

const MIN_SIZE: usize = 256;
/// Bodies above this are compressed off the reactor threads.
const BLOCKING_SIZE: usize = 64 * 1024;

/// Whether an `Accept-Encoding` header admits gzip (a `q=0` refuses it).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("");
        let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q == 0.0)));
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

fn compressible(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.starts_with("text/") || ["json", "javascript", "xml", "svg"].iter().any(|k| ct.contains(k))
}

/// Gzips the body in place when worthwhile; adds `Content-Encoding` and `Vary`.
pub async fn gzip_response(resp: &mut Response<ResponseBody>) {
    let status = resp.status();
    if status == StatusCode::PARTIAL_CONTENT || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return;
    }
    let headers = resp.headers();
    if headers.contains_key(CONTENT_ENCODING) || !headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(compressible) {
        return;
    }
    let ResponseBody::Full(Some(data)) = resp.body() else { return };
    if data.len() < MIN_SIZE {
        return;
    }
    let data = data.clone();
    let compressed = if data.len() > BLOCKING_SIZE {
        match tokio::task::spawn_blocking(move || gzip(&data)).await {
            Ok(c) => c,
            Err(_) => return,
        }
    } else {
        gzip(&data)
    };
    let Some(compressed) = compressed else { return };
    *resp.body_mut() = ResponseBody::full(compressed);
    let headers = resp.headers_mut();
    headers.remove(CONTENT_LENGTH);
    headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.append(VARY, HeaderValue::from_static("Accept-Encoding"));
}

fn gzip(data: &[u8]) -> Option<Bytes> {
    // Level 1, as Swoole's default http_compression_level: most of the gain, least CPU.
    let mut enc = GzEncoder::new(Vec::with_capacity(data.len() / 3), Compression::new(1));
    enc.write_all(data).ok()?;
    enc.finish().ok().map(Bytes::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accept_encoding_parsing() {
        assert!(accepts_gzip(&headers("gzip, deflate, br")));
        assert!(accepts_gzip(&headers("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&headers("*")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&headers("br, deflate")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[tokio::test]
    async fn compresses_text_and_leaves_the_rest() {
        let text = "hello world ".repeat(100);
        let mut resp = Response::new(ResponseBody::full(text.clone()));
        resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        gzip_response(&mut resp).await;
        assert_eq!(resp.headers()[CONTENT_ENCODING], "gzip");
        let ResponseBody::Full(Some(body)) = resp.body() else { panic!() };
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut out).unwrap();
        assert_eq!(out, text);

        let mut png = Response::new(ResponseBody::full(vec![0u8; 1000]));
        png.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("image/png"));
        gzip_response(&mut png).await;
        assert!(!png.headers().contains_key(CONTENT_ENCODING));

        let mut small = Response::new(ResponseBody::full("tiny"));
        small.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        gzip_response(&mut small).await;
        assert!(!small.headers().contains_key(CONTENT_ENCODING));
    }
}
