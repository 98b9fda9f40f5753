//! Signatures, as Pusher documents them: HMAC-SHA256 with the app secret, in lower-case
//! hex.
//!
//! - A private or presence subscription carries `auth`: the app key, `:`, and the
//!   signature of `socket_id:channel` (then `:channel_data` on a presence channel).
//! - An HTTP API call carries `auth_signature`: the signature of the method, the path and
//!   its other query parameters (sorted by name, joined as `k=v&k=v`), one per line; and
//!   `body_md5`, the body's MD5 in hex.
//!
//! Pure functions: no state, no I/O.

use md5::Digest;
use ring::hmac;

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// The bytes of a hex string (either case); `None` for anything else.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes.chunks(2).map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?)).collect()
}

/// `hex(HMAC-SHA256(secret, text))`.
pub fn sign(secret: &str, text: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hex(hmac::sign(&key, text.as_bytes()).as_ref())
}

/// Whether `signature` (hex) is `text`'s, compared in constant time.
pub fn verify(secret: &str, text: &str, signature: &str) -> bool {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    unhex(signature).is_some_and(|tag| hmac::verify(&key, text.as_bytes(), &tag).is_ok())
}

/// What a subscription signs: `socket_id:channel`, then `:channel_data` for presence.
fn subscription_text(socket_id: &str, channel: &str, channel_data: Option<&str>) -> String {
    match channel_data {
        Some(data) => format!("{socket_id}:{channel}:{data}"),
        None => format!("{socket_id}:{channel}"),
    }
}

/// The `auth` value a subscription to `channel` by `socket_id` must carry: `key:signature`.
pub fn subscription_auth(key: &str, secret: &str, socket_id: &str, channel: &str, channel_data: Option<&str>) -> String {
    format!("{key}:{}", sign(secret, &subscription_text(socket_id, channel, channel_data)))
}

/// Whether `auth` authorizes `socket_id` on `channel` (with the presence `channel_data`
/// it came with): the app's key, then a valid signature.
pub fn verify_subscription(key: &str, secret: &str, socket_id: &str, channel: &str, channel_data: Option<&str>, auth: &str) -> bool {
    let Some((given_key, signature)) = auth.split_once(':') else { return false };
    given_key == key && verify(secret, &subscription_text(socket_id, channel, channel_data), signature)
}

/// Why an HTTP API call is refused (answered 401).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApiAuthError {
    /// A required query parameter is missing.
    #[error("the query lacks {0}")]
    Missing(&'static str),
    /// `auth_key` is not the app's key.
    #[error("unknown auth_key")]
    Key,
    /// `auth_version` is not 1.0.
    #[error("auth_version must be 1.0")]
    Version,
    /// `auth_timestamp` is more than 600 s from the server's clock.
    #[error("auth_timestamp is not within 600 seconds of the server's time")]
    Timestamp,
    /// `body_md5` is not the body's MD5.
    #[error("body_md5 does not match the body")]
    BodyMd5,
    /// `auth_signature` is not the request's.
    #[error("invalid auth_signature")]
    Signature,
}

/// Checks a signed HTTP API request: `query` its decoded parameters, `now` Unix seconds.
pub fn verify_api(key: &str, secret: &str, method: &str, path: &str, query: &[(String, String)], body: &[u8], now: u64) -> Result<(), ApiAuthError> {
    let get = |name: &'static str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).ok_or(ApiAuthError::Missing(name));
    if get("auth_key")? != key {
        return Err(ApiAuthError::Key);
    }
    if get("auth_version")? != "1.0" {
        return Err(ApiAuthError::Version);
    }
    let timestamp: u64 = get("auth_timestamp")?.parse().map_err(|_| ApiAuthError::Timestamp)?;
    if timestamp.abs_diff(now) > 600 {
        return Err(ApiAuthError::Timestamp);
    }
    if !body.is_empty() && !get("body_md5")?.eq_ignore_ascii_case(&hex(&md5::Md5::digest(body))) {
        return Err(ApiAuthError::BodyMd5);
    }
    let signature = get("auth_signature")?;
    let mut params: Vec<(String, &str)> = query.iter().filter(|(k, _)| k != "auth_signature").map(|(k, v)| (k.to_ascii_lowercase(), v.as_str())).collect();
    params.sort();
    let joined: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let text = format!("{method}\n{path}\n{}", joined.join("&"));
    if verify(secret, &text, signature) {
        Ok(())
    } else {
        Err(ApiAuthError::Signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231 test case 2.
        assert_eq!(sign("Jefe", "what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert!(verify("Jefe", "what do ya want for nothing?", "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843"));
        assert!(!verify("Jefe", "what do ya want for nothing!", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
        assert!(!verify("Jefe", "x", "not hex"));
    }

    #[test]
    fn subscriptions_sign_socket_channel_and_presence_data() {
        let auth = subscription_auth("key", "secret", "1234.5678", "private-orders", None);
        assert_eq!(auth, format!("key:{}", sign("secret", "1234.5678:private-orders")));
        assert!(verify_subscription("key", "secret", "1234.5678", "private-orders", None, &auth));
        assert!(!verify_subscription("key", "secret", "1234.5679", "private-orders", None, &auth), "another socket");
        assert!(!verify_subscription("key", "secret", "1234.5678", "private-other", None, &auth), "another channel");
        assert!(!verify_subscription("other", "secret", "1234.5678", "private-orders", None, &auth), "another app key");
        assert!(!verify_subscription("key", "secret", "1234.5678", "private-orders", None, "key"), "no signature");
        let data = r#"{"user_id":1,"user_info":{"name":"A"}}"#;
        let auth = subscription_auth("key", "secret", "1.2", "presence-room", Some(data));
        assert_eq!(auth, format!("key:{}", sign("secret", &format!("1.2:presence-room:{data}"))));
        assert!(verify_subscription("key", "secret", "1.2", "presence-room", Some(data), &auth));
        assert!(!verify_subscription("key", "secret", "1.2", "presence-room", Some(r#"{"user_id":2}"#), &auth), "data changed after signing");
    }

    fn signed_query(body: &[u8], timestamp: u64, secret: &str) -> Vec<(String, String)> {
        let mut q = vec![
            ("auth_key".to_owned(), "key".to_owned()),
            ("auth_timestamp".to_owned(), timestamp.to_string()),
            ("auth_version".to_owned(), "1.0".to_owned()),
            ("body_md5".to_owned(), hex(&md5::Md5::digest(body))),
        ];
        let text = format!("POST\n/apps/1/events\n{}", q.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"));
        q.push(("auth_signature".to_owned(), sign(secret, &text)));
        q
    }

    #[test]
    fn api_requests_are_signed_over_method_path_and_sorted_query() {
        let body = br#"{"name":"e","channel":"c","data":"{}"}"#;
        // MD5 as RFC 1321 gives it.
        assert_eq!(hex(&md5::Md5::digest(b"abc")), "900150983cd24fb0d6963f7d28e17f72");
        let q = signed_query(body, 1_000_000, "secret");
        assert_eq!(verify_api("key", "secret", "POST", "/apps/1/events", &q, body, 1_000_100), Ok(()));
        // The order the parameters come in does not matter.
        let mut reversed = q.clone();
        reversed.reverse();
        assert_eq!(verify_api("key", "secret", "POST", "/apps/1/events", &reversed, body, 1_000_000), Ok(()));
        assert_eq!(verify_api("key", "other", "POST", "/apps/1/events", &q, body, 1_000_000), Err(ApiAuthError::Signature));
        assert_eq!(verify_api("key", "secret", "POST", "/apps/2/events", &q, body, 1_000_000), Err(ApiAuthError::Signature));
        assert_eq!(verify_api("key", "secret", "POST", "/apps/1/events", &q, b"{}", 1_000_000), Err(ApiAuthError::BodyMd5));
        assert_eq!(verify_api("key", "secret", "POST", "/apps/1/events", &q, body, 1_000_601), Err(ApiAuthError::Timestamp));
        assert_eq!(verify_api("nope", "secret", "POST", "/apps/1/events", &q, body, 1_000_000), Err(ApiAuthError::Key));
        let partial: Vec<_> = q.iter().filter(|(k, _)| k != "auth_signature").cloned().collect();
        assert_eq!(verify_api("key", "secret", "POST", "/apps/1/events", &partial, body, 1_000_000), Err(ApiAuthError::Missing("auth_signature")));
    }
}
