//! TLS on a listening port: the rustls server config made from `swoole.ssl_cert_file` and
//! `swoole.ssl_key_file` when the port is bound (so a bad file stops start-up, before any
//! fork), and the handshake each connection then does on its own task.
//!
//! ALPN offers `h2` only with `swoole.open_http2_protocol`; `http/1.1` always.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;

/// A client that opens a connection and says nothing holds a `max_connection` permit; on
/// a TCP port (`sockets`) it gets this long to finish the handshake. HTTP ports give it
/// `http.header_timeout`.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

const CERT_KEY: &str = "ssl_cert_file";
const KEY_KEY: &str = "ssl_key_file";

/// Why the certificate or key cannot be used; each names the setting, the file and the fix.
#[derive(Debug, Error)]
pub enum TlsError {
    #[error("laravels.swoole.{key}: cannot read {}: {source}. Fix: check the path (relative paths start at the app's base path) and that the user running the server may read it", path.display())]
    /// The file cannot be read.
    Read {
        /// The setting that names the file: `ssl_cert_file` or `ssl_key_file`.
        key: &'static str,
        /// The file as configured.
        path: PathBuf,
        /// The read error.
        source: std::io::Error,
    },
    #[error("laravels.swoole.{key}: {} is not valid PEM ({detail}). Fix: use the PEM text file ('-----BEGIN ...-----' blocks), not DER or PKCS#12", path.display())]
    /// The file is not PEM text.
    Pem {
        /// The setting that names the file: `ssl_cert_file` or `ssl_key_file`.
        key: &'static str,
        /// The file as configured.
        path: PathBuf,
        /// What the PEM parser reported.
        detail: String,
    },
    #[error("laravels.swoole.ssl_cert_file: {} holds no certificate. Fix: point it at the PEM certificate ('-----BEGIN CERTIFICATE-----'), its chain after it", path.display())]
    /// The certificate file is PEM but has no certificate block.
    NoCertificate {
        /// The `ssl_cert_file` file.
        path: PathBuf,
    },
    #[error("laravels.swoole.ssl_key_file: {} holds no private key. Fix: point it at the certificate's unencrypted PEM private key ('-----BEGIN PRIVATE KEY-----', 'RSA PRIVATE KEY' or 'EC PRIVATE KEY')", path.display())]
    /// The key file has no unencrypted private key block.
    NoKey {
        /// The `ssl_key_file` file.
        path: PathBuf,
    },
    #[error("laravels.swoole.ssl_key_file: the key in {} does not belong to the certificate in {}. Fix: use the private key the certificate was issued for", key.display(), cert.display())]
    /// The private key is not the certificate's.
    Mismatch {
        /// The `ssl_cert_file` file.
        cert: PathBuf,
        /// The `ssl_key_file` file.
        key: PathBuf,
    },
    #[error("laravels.swoole.ssl_cert_file / ssl_key_file: {} with {} cannot be used: {source}. Fix: use an X.509 certificate with an RSA, ECDSA (P-256, P-384) or Ed25519 key", cert.display(), key.display())]
    /// rustls refused the pair (an unsupported key type or certificate).
    Rejected {
        /// The `ssl_cert_file` file.
        cert: PathBuf,
        /// The `ssl_key_file` file.
        key: PathBuf,
        /// rustls's reason.
        source: rustls::Error,
    },
}

/// Reads the certificate chain and key and makes the acceptor every connection of the
/// port shares.
pub fn acceptor(files: &TlsFiles, http2: bool) -> Result<TlsAcceptor, TlsError> {
    let certs = read_certificates(&files.cert_file)?;
    let key = read_key(&files.key_file)?;
    let rejected = |source| TlsError::Rejected { cert: files.cert_file.clone(), key: files.key_file.clone(), source };
    // ring, not rustls's default aws-lc-rs: the same ciphers without a C/cmake build.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(rejected)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                TlsError::Mismatch { cert: files.cert_file.clone(), key: files.key_file.clone() }
            }
            other => rejected(other),
        })?;
    config.alpn_protocols = if http2 { vec![b"h2".to_vec(), b"http/1.1".to_vec()] } else { vec![b"http/1.1".to_vec()] };
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let text = read(CERT_KEY, path)?;
    let certs = CertificateDer::pem_slice_iter(&text).collect::<Result<Vec<_>, _>>().map_err(|e| pem_error(CERT_KEY, path, e))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { path: path.to_owned() });
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let text = read(KEY_KEY, path)?;
    // The first key block of any of the three encodings; an encrypted key has none.
    PrivateKeyDer::from_pem_slice(&text).map_err(|e| match e {
        pem::Error::NoItemsFound => TlsError::NoKey { path: path.to_owned() },
        other => pem_error(KEY_KEY, path, other),
    })
}

fn read(key: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read { key, path: path.to_owned(), source })
}

fn pem_error(key: &'static str, path: &Path, e: pem::Error) -> TlsError {
    TlsError::Pem { key, path: path.to_owned(), detail: e.to_string() }
}

/// The handshake, on the connection's own task, finished within `limit` (`None`: no
/// limit). An error (a plain-HTTP client, a timeout) ends this connection only: the
/// stream is dropped, which closes the socket. Which HTTP follows is read from the
/// stream's first bytes (an ALPN `h2` client sends the HTTP/2 preface), not from ALPN.
pub async fn handshake<S>(acceptor: &TlsAcceptor, stream: S, limit: Option<Duration>) -> std::io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let Some(limit) = limit else { return acceptor.accept(stream).await };
    match tokio::time::timeout(limit, acceptor.accept(stream)).await {
        Ok(result) => result,
        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate for "localhost" and its key, and a second, unrelated key
    /// (`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 ...`).
    const CERT: &str = include_str!("../../tests/fixtures/tls/cert.pem");
    const KEY: &str = include_str!("../../tests/fixtures/tls/key.pem");
    const OTHER_KEY: &str = include_str!("../../tests/fixtures/tls/other-key.pem");

    struct Dir(PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Writes `cert` and `key` into a fresh directory and loads them.
    fn load(name: &str, cert: &str, key: &str) -> (Result<TlsAcceptor, TlsError>, Dir) {
        let dir = Dir(std::env::temp_dir().join(format!("laravels-tls-{name}-{}", std::process::id())));
        std::fs::create_dir_all(&dir.0).unwrap();
        let files = TlsFiles { cert_file: dir.0.join("cert.pem"), key_file: dir.0.join("key.pem") };
        std::fs::write(&files.cert_file, cert).unwrap();
        std::fs::write(&files.key_file, key).unwrap();
        (acceptor(&files, true), dir)
    }

    fn message(r: Result<TlsAcceptor, TlsError>) -> String {
        match r {
            Ok(_) => panic!("the files were accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_matching_pair_loads_and_offers_h2_only_when_enabled() {
        let (ok, dir) = load("ok", CERT, KEY);
        let Ok(h2) = ok else { panic!("the pair was refused") };
        assert_eq!(h2.config().alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
        let files = TlsFiles { cert_file: dir.0.join("cert.pem"), key_file: dir.0.join("key.pem") };
        let Ok(h1) = acceptor(&files, false) else { panic!("the pair was refused") };
        assert_eq!(h1.config().alpn_protocols, [b"http/1.1".to_vec()]);
        // Certificate and key in one file work too.
        let both = TlsFiles { cert_file: dir.0.join("both.pem"), key_file: dir.0.join("both.pem") };
        std::fs::write(&both.cert_file, format!("{CERT}{KEY}")).unwrap();
        assert!(acceptor(&both, true).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_handshake_not_finished_within_the_limit_is_given_up() {
        let (ok, _d) = load("stall", CERT, KEY);
        let Ok(acceptor) = ok else { panic!("the pair was refused") };
        // A client that connected and sends nothing.
        let (_client, server) = tokio::io::duplex(4096);
        let started = tokio::time::Instant::now();
        let Err(e) = handshake(&acceptor, server, Some(Duration::from_secs(5))).await else { panic!("no handshake happened") };
        assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }

    #[test]
    fn a_missing_file_names_the_setting_and_the_path() {
        let files = TlsFiles { cert_file: "/nonexistent/laravels/cert.pem".into(), key_file: "/nonexistent/key.pem".into() };
        let e = message(acceptor(&files, false));
        assert!(e.starts_with("laravels.swoole.ssl_cert_file: cannot read /nonexistent/laravels/cert.pem"), "{e}");
        assert!(e.contains("Fix:"), "{e}");
    }

    #[test]
    fn files_without_pem_blocks_are_named() {
        let (e, _d) = load("nocert", "not a certificate\n", KEY);
        let e = message(e);
        assert!(e.contains("ssl_cert_file") && e.contains("cert.pem") && e.contains("no certificate"), "{e}");
        // The key file given where the certificate belongs: no certificate in it.
        let (e, _d) = load("swapped", KEY, CERT);
        let e = message(e);
        assert!(e.contains("ssl_cert_file") && e.contains("no certificate"), "{e}");
        let (e, _d) = load("nokey", CERT, CERT);
        let e = message(e);
        assert!(e.contains("ssl_key_file") && e.contains("key.pem") && e.contains("no private key"), "{e}");
    }

    #[test]
    fn broken_pem_is_named() {
        let truncated = &CERT[..CERT.len() - 30];
        let (e, _d) = load("badpem", truncated, KEY);
        let e = message(e);
        assert!(e.contains("ssl_cert_file") && e.contains("cert.pem") && e.contains("not valid PEM"), "{e}");
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let (e, _d) = load("mismatch", CERT, OTHER_KEY);
        let e = message(e);
        assert!(e.contains("ssl_key_file") && e.contains("does not belong") && e.contains("key.pem") && e.contains("cert.pem"), "{e}");
    }
}
