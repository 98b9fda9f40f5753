//! `swoole_tables`: name => `['size' => rows, 'column' => [['name', 'type', 'size'], ...]]`,
//! shape-checked here; the PHP side makes each `Swoole\Table` from the view before the fork
//! (`php/Server/SwooleTables.php`), and the table itself checks sizes and duplicates.

use serde_json::{Map, Value};

use super::{invalid, ConfigError};

/// Swoole\Table's column types.
pub const TYPE_INT: i64 = 1;
pub const TYPE_FLOAT: i64 = 2;
pub const TYPE_STRING: i64 = 3;

#[derive(Debug, Clone, PartialEq)]
pub struct TableDefinition {
    pub name: String,
    pub size: i64,
    pub conflict_proportion: f64,
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// `TYPE_INT`, `TYPE_FLOAT` or `TYPE_STRING`.
    pub kind: i64,
    /// Bytes of a `TYPE_STRING` value (at least 1); ignored for numbers.
    pub size: i64,
}

pub(super) fn parse(v: Option<&Value>) -> Result<Vec<TableDefinition>, ConfigError> {
    let fix = "set 'swoole_tables' => ['ws' => ['size' => 1024, 'column' => [['name' => 'value', 'type' => Swoole\\Table::TYPE_INT]]]]";
    let empty = Map::new();
    let tables = match v {
        None | Some(Value::Null) => &empty,
        Some(Value::Array(a)) if a.is_empty() => &empty,
        Some(Value::Object(o)) => o,
        Some(other) => return Err(invalid("swoole_tables", format!("expected name => ['size' => rows, 'column' => [...]], got {}", php_type(other)), fix)),
    };
    tables.iter().map(|(name, def)| table(name, def)).collect()
}

fn table(name: &str, def: &Value) -> Result<TableDefinition, ConfigError> {
    let key = format!("swoole_tables.{name}");
    let size = match def.get("size") {
        Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| invalid(&format!("{key}.size"), "the number of rows is missing or not an integer", "e.g. 'size' => 1024"))?;
    let columns: Vec<(String, &Value)> = match def.get("column") {
        Some(Value::Array(a)) if !a.is_empty() => a.iter().enumerate().map(|(i, c)| (i.to_string(), c)).collect(),
        Some(Value::Object(o)) if !o.is_empty() => o.iter().map(|(i, c)| (i.clone(), c)).collect(),
        _ => {
            return Err(invalid(
                &format!("{key}.column"),
                "the table needs a list of columns",
                "e.g. 'column' => [['name' => 'value', 'type' => Swoole\\Table::TYPE_INT]]",
            ))
        }
    };
    let conflict_proportion = match def.get("conflict_proportion") {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.2),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0.0),
        _ => 0.2,
    };
    let columns = columns.into_iter().map(|(i, c)| column(c, &format!("{key}.column[{i}]"))).collect::<Result<_, _>>()?;
    Ok(TableDefinition { name: name.to_owned(), size, conflict_proportion, columns })
}

fn column(c: &Value, key: &str) -> Result<Column, ConfigError> {
    let name = match c.get("name") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(invalid(&format!("{key}.name"), "every column needs a name", "['name' => 'value', 'type' => Swoole\\Table::TYPE_INT]")),
    };
    // As strict as Swoole: the type is one of the constants, not a string of it.
    let kind = match c.get("type") {
        Some(Value::Number(n)) if matches!(n.as_i64(), Some(TYPE_INT | TYPE_FLOAT | TYPE_STRING)) => n.as_i64().unwrap_or_default(),
        other => {
            return Err(invalid(
                &format!("{key}.type"),
                format!("{} is not a column type", other.map_or("NULL".into(), php_export)),
                "Swoole\\Table::TYPE_INT, TYPE_FLOAT or TYPE_STRING",
            ))
        }
    };
    let size = match c.get("size") {
        Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
        None | Some(Value::Null) => Some(0),
        _ => None,
    };
    let size = match (kind, size) {
        (TYPE_STRING, Some(n)) if n >= 1 => n,
        (TYPE_STRING, _) => {
            return Err(invalid(&format!("{key}.size"), "a TYPE_STRING column needs the length of its longest value in bytes", "e.g. 'size' => 64"))
        }
        (_, size) => size.unwrap_or(0),
    };
    Ok(Column { name, kind, size })
}

/// A value as PHP's `var_export()` prints a scalar.
fn php_export(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{s}'"),
        Value::Array(_) | Value::Object(_) => "array".into(),
    }
}

/// PHP's `get_debug_type()` of a value.
fn php_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) | Value::Object(_) => "array",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error(v: Value) -> String {
        parse(Some(&v)).unwrap_err().to_string()
    }

    #[test]
    fn the_readme_table_parses() {
        let t = parse(Some(&json!({"ws": {"size": 1024, "column": [{"name": "value", "type": 1, "size": 8}, {"name": "s", "type": 3, "size": 64}]}}))).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].name.as_str(), t[0].size, t[0].conflict_proportion), ("ws", 1024, 0.2));
        assert_eq!(t[0].columns[1], Column { name: "s".into(), kind: TYPE_STRING, size: 64 });
        assert_eq!(parse(Some(&json!({"t": {"size": "64", "column": [{"name": "v", "type": 2}]}}))).unwrap()[0].size, 64, "a string of digits counts");
        assert!(parse(Some(&json!([]))).unwrap().is_empty());
    }

    #[test]
    fn a_wrong_entry_names_its_key() {
        // The messages PHP gave before the check moved here (tests/ext/table.php).
        let starts = |e: String, prefix: &str| assert!(e.starts_with(&format!("laravels.{prefix}")), "{e}");
        starts(error(json!({"ws": {"column": [{"name": "v", "type": 1}]}})), "swoole_tables.ws.size: the number of rows is missing");
        starts(error(json!({"ws": {"size": 8}})), "swoole_tables.ws.column: the table needs a list");
        starts(error(json!({"ws": {"size": 8, "column": [{"name": "v", "type": 9}]}})), "swoole_tables.ws.column[0].type: 9 is not a column type");
        starts(error(json!({"ws": {"size": 8, "column": [{"name": "v", "type": "int"}]}})), "swoole_tables.ws.column[0].type: 'int' is not");
        starts(
            error(json!({"ws": {"size": 8, "column": [{"name": "v", "type": 1}, {"type": 1}]}})),
            "swoole_tables.ws.column[1].name: every column needs a name",
        );
        starts(error(json!({"ws": {"size": 8, "column": [{"name": "s", "type": 3}]}})), "swoole_tables.ws.column[0].size: a TYPE_STRING column needs");
        starts(error(json!("ws")), "swoole_tables: expected name => ");
        assert!(error(json!({"ws": {"size": 8, "column": [{"name": "v", "type": 9}]}})).contains("TYPE_INT"));
    }
}
