//! `tracing`: W3C Trace Context for every request, and where server spans are exported
//! (OTLP over HTTP, JSON encoding). Off by default.

use serde_json::{Map, Value};

use super::values::{bool_value, section, string_value};
use super::{invalid, ConfigError};

/// The service name spans carry when `tracing.service_name` is empty.
pub const DEFAULT_SERVICE_NAME: &str = "laravels";

/// The `tracing` section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TracingConfig {
    /// `tracing.enabled`: a server span per request, its `traceparent` given to the app.
    pub enabled: bool,
    /// `tracing.otlp_endpoint`: where spans are posted; `None`: propagation only.
    pub otlp_endpoint: Option<OtlpEndpoint>,
    /// `tracing.service_name`: the spans' `service.name` resource attribute.
    pub service_name: String,
}

/// An OTLP/HTTP receiver: `http://host:port[/base]`, spans posted to `<base>/v1/traces`
/// as `OTEL_EXPORTER_OTLP_ENDPOINT` means it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpEndpoint {
    /// `host:port` (port 4318, OTLP/HTTP's, when the URL has none).
    pub authority: String,
    /// The request path, ending in `/v1/traces`.
    pub path: String,
}

impl OtlpEndpoint {
    /// The URL spans are posted to, for messages.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.authority, self.path)
    }

    fn parse(text: &str) -> Result<Self, ConfigError> {
        let key = "tracing.otlp_endpoint";
        let Some(rest) = text.strip_prefix("http://") else {
            let fix = "use an http:// URL of an OpenTelemetry Collector (or any OTLP/HTTP receiver), e.g. http://127.0.0.1:4318; a collector forwards to TLS backends";
            return Err(invalid(key, format!("'{text}' is not an http:// URL"), fix));
        };
        let (authority, base) = rest.find('/').map_or((rest, ""), |i| (&rest[..i], &rest[i..]));
        let bad = || invalid(key, format!("'{text}' has no valid host and port"), "use http://host:port, e.g. http://127.0.0.1:4318");
        if authority.is_empty() || authority.contains(['@', '?', '#', ' ']) || base.contains(['?', '#']) {
            return Err(bad());
        }
        let has_port =
            authority.rsplit_once(':').is_some_and(|(host, port)| !host.is_empty() && !host.ends_with(':') && port.parse::<u16>().is_ok_and(|p| p > 0));
        if authority.contains(':') && !authority.starts_with('[') && !has_port {
            return Err(bad());
        }
        let authority = if has_port { authority.to_owned() } else { format!("{authority}:4318") };
        Ok(OtlpEndpoint { authority, path: format!("{}/v1/traces", base.trim_end_matches('/')) })
    }
}

impl TracingConfig {
    /// Parses the `tracing` section (missing or empty: off).
    pub(super) fn parse(top: &Map<String, Value>) -> Result<Self, ConfigError> {
        let fix = "set 'tracing' => ['enabled' => true, 'otlp_endpoint' => 'http://127.0.0.1:4318']";
        let section = section(top, "tracing", fix)?;
        let enabled = bool_value(section.get("enabled"), "tracing.enabled", false)?;
        let endpoint = string_value(section.get("otlp_endpoint"), "tracing.otlp_endpoint", "")?;
        let otlp_endpoint = match endpoint.trim() {
            "" => None,
            text => Some(OtlpEndpoint::parse(text)?),
        };
        let name = string_value(section.get("service_name"), "tracing.service_name", "")?;
        let service_name = if name.trim().is_empty() { DEFAULT_SERVICE_NAME.to_owned() } else { name.trim().to_owned() };
        Ok(TracingConfig { enabled, otlp_endpoint, service_name })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: serde_json::Value) -> Result<TracingConfig, ConfigError> {
        TracingConfig::parse(v.as_object().unwrap())
    }

    #[test]
    fn off_without_the_section() {
        let t = parse(json!({})).unwrap();
        assert!(!t.enabled);
        assert_eq!(t.otlp_endpoint, None);
        assert_eq!(t.service_name, "laravels");
    }

    #[test]
    fn endpoints_as_otel_exporter_otlp_endpoint_means_them() {
        let t = parse(json!({"tracing": {"enabled": "true", "otlp_endpoint": "http://127.0.0.1:4318", "service_name": "shop"}})).unwrap();
        assert!(t.enabled);
        assert_eq!(t.otlp_endpoint.unwrap().url(), "http://127.0.0.1:4318/v1/traces");
        assert_eq!(t.service_name, "shop");
        let e = parse(json!({"tracing": {"otlp_endpoint": "http://collector/otlp/"}})).unwrap().otlp_endpoint.unwrap();
        assert_eq!((e.authority.as_str(), e.path.as_str()), ("collector:4318", "/otlp/v1/traces"));
        let e = parse(json!({"tracing": {"otlp_endpoint": "http://[::1]:9999"}})).unwrap().otlp_endpoint.unwrap();
        assert_eq!(e.authority, "[::1]:9999");
    }

    #[test]
    fn bad_values_name_the_key() {
        for bad in ["https://collector:4318", "collector:4318", "http://:4318", "http://host:port", "http://host:0", "http://a@b:1"] {
            let e = parse(json!({"tracing": {"otlp_endpoint": bad}})).unwrap_err().to_string();
            assert!(e.contains("tracing.otlp_endpoint"), "{bad}: {e}");
        }
        let e = parse(json!({"tracing": {"enabled": "maybe"}})).unwrap_err().to_string();
        assert!(e.contains("tracing.enabled"), "{e}");
    }
}
