//! The config parser (src/config/, `ServerConfig::parse`), fed the JSON view of
//! config/laravels.php the PHP side hands it: any value is a typed config or a
//! `ConfigError` naming a `laravels.` key and a fix, never a panic; and a config that
//! parses has a view for the PHP package (`config::view`) and a valid set of settings.
#![no_main]

use laravels::config::{view, ServerConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    match ServerConfig::parse(&json, "/srv/app") {
        Ok(config) => {
            assert!(config.worker_num >= 1, "worker_num {}", config.worker_num);
            let v = view(&config);
            assert!(v.is_object(), "the view is an array");
        }
        Err(e) => {
            let text = e.to_string();
            assert!(text.starts_with("laravels.") && text.contains(". Fix: "), "{text}");
        }
    }
});
