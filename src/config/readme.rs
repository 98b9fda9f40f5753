//! The README's settings tables, rendered from the key table (`keys.rs`). The test fails
//! when README.md's generated section differs; `LARAVELS_BLESS=1 cargo test --release
//! --quiet readme` rewrites it.

use std::fmt::Write;

use super::keys::{Key, Origin, Support, KEYS};

const BEGIN: &str = "<!-- settings:begin: generated from src/config/keys.rs; LARAVELS_BLESS=1 cargo test --release --quiet readme rewrites it -->";
const END: &str = "<!-- settings:end -->";

/// One table of top-level keys, then one per section with keys of its own, in the order
/// the sections first appear in the key table.
fn render() -> String {
    let shown: Vec<&Key> = KEYS.iter().filter(|k| k.support != Support::Internal).collect();
    let mut out = String::new();
    out.push_str("Top level:\n\n");
    table(&mut out, shown.iter().copied().filter(|k| !k.path.contains('.')));
    let mut sections: Vec<&str> = Vec::new();
    for k in &shown {
        if let Some((section, _)) = k.path.split_once('.') {
            if !sections.contains(&section) {
                sections.push(section);
            }
        }
    }
    for section in sections {
        let _ = write!(out, "\n`{section}`:\n\n");
        table(&mut out, shown.iter().copied().filter(|k| k.path.split_once('.').is_some_and(|(s, _)| s == section)));
    }
    out
}

fn table<'a>(out: &mut String, keys: impl Iterator<Item = &'a Key>) {
    out.push_str("| key | type | default | from | what it does |\n| --- | --- | --- | --- | --- |\n");
    for k in keys {
        let default = if k.default.is_empty() { "-".to_owned() } else { format!("`{}`", k.default) };
        let origin = match k.origin {
            Origin::LaravelS => "LaravelS",
            Origin::Ours => "laravels-rs",
        };
        let _ = writeln!(out, "| `{}` | {} | {default} | {origin} | {} |", k.path, k.kind.name(), k.about);
    }
}

#[test]
fn readme_settings_match_the_key_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let (Some(begin), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md lacks the settings markers:\n{BEGIN}\n{END}");
    };
    let generated = format!("{BEGIN}\n{}{END}", render());
    let current = &readme[begin..end + END.len()];
    if current == generated {
        return;
    }
    if std::env::var_os("LARAVELS_BLESS").is_some() {
        std::fs::write(path, readme.replace(current, &generated)).expect("write README.md");
        return;
    }
    panic!("README.md's settings tables differ from src/config/keys.rs; run LARAVELS_BLESS=1 cargo test --release --quiet readme");
}
