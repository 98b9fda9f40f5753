//! `LaravelS\Runtime\Table`: `Swoole\Table`'s PHP API over `crate::table::Table`.
//!
//! Converts zvals to the column types (as Swoole does: `"5"` into an int column is 5)
//! and rows back to arrays. A full table is a warning and `false`, as in Swoole; every
//! other problem is a `TableException` naming the table, the key or the column.
//!
//! After `destroy()` the table is gone from this process: as in Swoole, `count()`,
//! `getSize()` and `getMemorySize()` answer 0 and `stats()` false, and every other
//! method throws (Swoole stops the process with a fatal error instead).

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::VecDeque;

use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::error::php_error;
use ext_php_rs::flags::{DataType, ErrorType};
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ArrayKey, ZendHashTable, ZendStr, Zval};
use ext_php_rs::zend::ce;

use super::convert::bytes_zval;
use crate::table::{self as core, ColumnType, RowData, TableError, TableSpec, Value};

/// A table used wrongly: a bad column, key or value, or a table not created yet.
#[php_class]
#[php(name = "LaravelS\\Runtime\\TableException")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct TableException;

enum State {
    Defining(TableSpec),
    Created(Created),
    /// After `destroy()`: this process's mapping is gone. `$size` and `$memorySize` keep
    /// what `create()` set, as Swoole's properties do.
    Destroyed {
        size: u32,
        memory_size: usize,
    },
}

struct Created {
    table: core::Table,
    /// Each column's array key, made once: PHP reuses a string key's cached hash.
    keys: Vec<ColumnKey>,
    /// The row `get()` copies out of shared memory, reused from call to call. Taken out
    /// and put back, never borrowed: a fatal error while building the result cannot
    /// leave it locked.
    scratch: Cell<RowData>,
}

/// A column name as PHP array key: `"7"` is the integer key 7 in a PHP array.
enum ColumnKey {
    Index(i64),
    Name(ZBox<ZendStr>),
}

impl ColumnKey {
    fn new(name: &str) -> Self {
        match name.parse::<i64>() {
            Ok(n) if n.to_string() == name => ColumnKey::Index(n),
            _ => ColumnKey::Name(ZendStr::new(name, false)),
        }
    }

    fn array_key(&self) -> ArrayKey<'_> {
        match self {
            ColumnKey::Index(n) => ArrayKey::Long(*n),
            ColumnKey::Name(s) => ArrayKey::ZendString(s),
        }
    }
}

/// Rows of the current bucket, copied under its lock, for `foreach`.
#[derive(Default)]
struct Cursor {
    next_bucket: u32,
    rows: VecDeque<(Vec<u8>, RowData)>,
}

/// A table of rows in shared memory, created before the server forks so every process
/// reads and writes the same rows. Keys are strings of 1 to 63 bytes; a longer key, or
/// a string longer than its column's size, throws (Swoole truncates). `$size` and
/// `$memorySize` are set by `create()`, null before.
#[php_class]
#[php(name = "LaravelS\\Runtime\\Table")]
#[php(implements(ce = ce::iterator, stub = "\\Iterator"))]
#[php(implements(ce = ce::countable, stub = "\\Countable"))]
pub struct Table {
    name: String,
    state: State,
    cursor: Cursor,
    /// Calls using the created table right now (see `InUse`).
    in_use: Cell<u32>,
}

/// The created table, lent to one method call. While any is alive `destroy()` refuses:
/// PHP code that runs inside the call (a key's __toString, an error handler turning a
/// warning into an exception) could otherwise unmap the rows the call is using. A fatal
/// error skips the drop and leaves the table marked in use: it then cannot be
/// destroyed, which is safe.
struct InUse<'a> {
    created: &'a Created,
    count: &'a Cell<u32>,
}

impl std::ops::Deref for InUse<'_> {
    type Target = Created;

    fn deref(&self) -> &Created {
        self.created
    }
}

impl Drop for InUse<'_> {
    fn drop(&mut self) {
        self.count.set(self.count.get() - 1);
    }
}

#[php_impl]
impl Table {
    const TYPE_INT: i64 = 1;
    const TYPE_FLOAT: i64 = 2;
    const TYPE_STRING: i64 = 3;

    /// `$size` rows (rounded up to a power of two), plus `$conflict_proportion` of that
    /// again; `$name` appears in warnings and errors (`swoole_tables` gives e.g. wsTable).
    #[php(defaults(conflict_proportion = 0.2, name = String::new()))]
    pub fn __construct(size: i64, conflict_proportion: f64, name: String) -> PhpResult<Self> {
        let spec = TableSpec::new(size, conflict_proportion).map_err(|e| error(&name, e))?;
        Ok(Table { name, state: State::Defining(spec), cursor: Cursor::default(), in_use: Cell::new(0) })
    }

    /// Adds a column: `TYPE_INT` and `TYPE_FLOAT` take 8 bytes, `TYPE_STRING` `$size` bytes.
    #[php(defaults(size = 0))]
    pub fn column(&mut self, name: String, r#type: i64, size: i64) -> PhpResult<bool> {
        let spec = match &mut self.state {
            State::Defining(spec) => spec,
            State::Created(_) => return Err(error(&self.name, TableError::AlreadyCreated)),
            State::Destroyed { .. } => return Err(error(&self.name, TableError::Destroyed)),
        };
        let kind = ColumnType::from_code(r#type).map_err(|e| error(&self.name, e))?;
        spec.column(&name, kind, size).map_err(|e| error(&self.name, e))?;
        Ok(true)
    }

    /// Maps the shared memory; call it before the server starts.
    pub fn create(&mut self) -> PhpResult<bool> {
        match &self.state {
            State::Defining(spec) => {
                let table = spec.create().map_err(|e| error(&self.name, e))?;
                let keys = table.schema().columns().iter().map(|c| ColumnKey::new(&c.name)).collect();
                self.state = State::Created(Created { table, keys, scratch: Cell::default() });
                Ok(true)
            }
            State::Created(_) => Ok(true),
            State::Destroyed { .. } => Err(error(&self.name, TableError::Destroyed)),
        }
    }

    /// Unmaps the table's shared memory in this process; afterwards every method but
    /// `count()`, `getSize()`, `getMemorySize()` and `stats()` throws. Processes forked before
    /// keep their own mapping and rows; the memory goes back to the system when the
    /// last process unmaps it (or exits).
    pub fn destroy(&mut self) -> PhpResult<bool> {
        let State::Created(created) = &self.state else { return Err(self.unusable()) };
        if self.in_use.get() > 0 {
            return Err(error(&self.name, TableError::InUse));
        }
        let (size, memory_size) = (created.table.size(), created.table.memory_size());
        // Dropping the table unmaps it; rows copied for iteration go with it.
        self.state = State::Destroyed { size, memory_size };
        self.cursor = Cursor::default();
        Ok(true)
    }

    /// Writes the row's columns found in `$value` (others keep their value, or start at
    /// 0 / '' in a new row; keys that are no column are ignored). False when the table
    /// is full.
    pub fn set(&self, key: &Zval, value: &ZendHashTable) -> PhpResult<bool> {
        let created = self.created()?;
        let columns = created.table.schema().columns();
        let mut texts: Vec<(usize, Cow<[u8]>)> = Vec::new();
        let mut values: Vec<(usize, Value)> = Vec::with_capacity(columns.len());
        for (i, (column, array_key)) in columns.iter().zip(&created.keys).enumerate() {
            let Some(v) = value.get(array_key.array_key()).map(Zval::dereference) else { continue };
            match column.kind {
                ColumnType::Int => values.push((i, Value::Int(number(v, &column.name, Zval::coerce_to_long, &self.name)?))),
                ColumnType::Float => values.push((i, Value::Float(number(v, &column.name, Zval::coerce_to_double, &self.name)?))),
                ColumnType::String => texts.push((i, text(v).ok_or_else(|| self.type_error(&column.name, v))?)),
            }
        }
        values.extend(texts.iter().map(|(i, t)| (*i, Value::Str(t))));
        match created.table.set(&key_bytes(key), &values) {
            Ok(()) => Ok(true),
            Err(e) => self.full_is_false(e).map(|()| false),
        }
    }

    /// The row as `[column => value]`, or one column's value with `$field`; false when
    /// there is no such row.
    pub fn get(&self, key: &Zval, field: Option<BinarySlice<u8>>) -> PhpResult<Zval> {
        let created = self.created()?;
        let schema = created.table.schema();
        let col = field.map(|f| schema.require(&f)).transpose().map_err(|e| error(&self.name, e))?;
        let mut row = created.scratch.take();
        let found = created.table.get(&key_bytes(key), &mut row).map_err(|e| error(&self.name, e));
        let result = match (found, col) {
            (Ok(false), _) => Ok(false_zval()),
            (Ok(true), Some(col)) => Ok(value_zval(row.value(schema, col))),
            (Ok(true), None) => Ok(row_zval(&created, &row)),
            (Err(e), _) => Err(e),
        };
        created.scratch.set(row);
        result
    }

    /// Whether row `$key` exists.
    pub fn exists(&self, key: &Zval) -> PhpResult<bool> {
        self.created()?.table.exists(&key_bytes(key)).map_err(|e| error(&self.name, e))
    }

    /// Alias of `exists()`.
    pub fn exist(&self, key: &Zval) -> PhpResult<bool> {
        self.exists(key)
    }

    /// Removes the row; false if there was none.
    pub fn del(&self, key: &Zval) -> PhpResult<bool> {
        self.created()?.table.del(&key_bytes(key)).map_err(|e| error(&self.name, e))
    }

    /// Alias of `del()`.
    pub fn delete(&self, key: &Zval) -> PhpResult<bool> {
        self.del(key)
    }

    /// Adds `$incrby` (1 when omitted) to a numeric column, creating the row at 0 first;
    /// the new value, or false when the table is full.
    pub fn incr(&self, key: &Zval, column: BinarySlice<u8>, incrby: Option<&Zval>) -> PhpResult<Number> {
        self.add(key, column, incrby, false)
    }

    /// Subtracts `$decrby`; as `incr()`.
    pub fn decr(&self, key: &Zval, column: BinarySlice<u8>, decrby: Option<&Zval>) -> PhpResult<Number> {
        self.add(key, column, decrby, true)
    }

    /// Rows in the table (0 before `create()` and after `destroy()`).
    pub fn count(&self) -> i64 {
        self.created().map_or(0, |c| c.table.count() as i64)
    }

    /// The size given to the constructor, rounded up to a power of two (0 after `destroy()`).
    pub fn get_size(&self) -> i64 {
        match &self.state {
            State::Defining(spec) => i64::from(spec.size()),
            State::Created(c) => i64::from(c.table.size()),
            State::Destroyed { .. } => 0,
        }
    }

    /// Bytes of shared memory the table occupies (0 before `create()` and after `destroy()`).
    pub fn get_memory_size(&self) -> i64 {
        self.created().map_or(0, |c| c.table.memory_size() as i64)
    }

    /// `$table->size`: `getSize()` as `create()` found it; null before `create()`.
    #[php(getter, name = "size")]
    pub fn size_property(&self) -> Option<i64> {
        match &self.state {
            State::Defining(_) => None,
            State::Created(c) => Some(i64::from(c.table.size())),
            State::Destroyed { size, .. } => Some(i64::from(*size)),
        }
    }

    /// `$table->memorySize`: `getMemorySize()` as `create()` found it; null before `create()`.
    #[php(getter, name = "memorySize")]
    pub fn memory_size_property(&self) -> Option<i64> {
        match &self.state {
            State::Defining(_) => None,
            State::Created(c) => Some(c.table.memory_size() as i64),
            State::Destroyed { memory_size, .. } => Some(*memory_size as i64),
        }
    }

    /// Swoole's statistics, summed over every process; false before `create()` and after
    /// `destroy()`. `num`: rows; `insert_count`, `update_count`, `delete_count`: rows
    /// created, written again, removed; `conflict_count`: rows created in a bucket that
    /// already held rows; `conflict_max_level`: the most rows such a bucket held;
    /// `total_slice_num` and `available_slice_num`: all rows and free rows (every row
    /// comes from one pool here, where Swoole counts only the rows beyond one per bucket).
    pub fn stats(&self) -> Zval {
        let Ok(created) = self.created() else { return false_zval() };
        let s = created.table.stats();
        let mut ht = ZendHashTable::with_capacity(8);
        let entries = [
            ("num", s.rows as i64),
            ("conflict_count", s.conflicts as i64),
            ("conflict_max_level", i64::from(s.max_chain)),
            ("insert_count", s.inserts as i64),
            ("update_count", s.updates as i64),
            ("delete_count", s.deletes as i64),
            ("available_slice_num", i64::from(s.free)),
            ("total_slice_num", i64::from(s.capacity)),
        ];
        for (key, value) in entries {
            let _ = ht.insert(key, value);
        }
        let mut z = Zval::new();
        z.set_hashtable(ht);
        z
    }

    /// Iteration (`foreach`) goes bucket by bucket, each copied whole under its lock,
    /// so rows written meanwhile by other processes are seen whole or not at all.
    pub fn rewind(&mut self) -> PhpResult<()> {
        self.check_not_destroyed()?;
        self.cursor = Cursor::default();
        self.fill()
    }

    /// Whether the iteration has a current row.
    pub fn valid(&self) -> PhpResult<bool> {
        self.check_not_destroyed()?;
        Ok(!self.cursor.rows.is_empty())
    }

    /// The current row of the iteration, as `get()` returns it.
    pub fn current(&self) -> PhpResult<Zval> {
        self.check_not_destroyed()?;
        Ok(match (self.created(), self.cursor.rows.front()) {
            (Ok(created), Some((_, row))) => row_zval(&created, row),
            _ => Zval::null(),
        })
    }

    /// The current row's key.
    pub fn key(&self) -> PhpResult<Zval> {
        self.check_not_destroyed()?;
        Ok(self.cursor.rows.front().map_or_else(Zval::null, |(key, _)| bytes_zval(key)))
    }

    /// Moves to the next row.
    pub fn next(&mut self) -> PhpResult<()> {
        self.check_not_destroyed()?;
        self.cursor.rows.pop_front();
        self.fill()
    }
}

impl Table {
    fn created(&self) -> PhpResult<InUse<'_>> {
        match &self.state {
            State::Created(created) => {
                self.in_use.set(self.in_use.get() + 1);
                Ok(InUse { created, count: &self.in_use })
            }
            _ => Err(self.unusable()),
        }
    }

    /// Why a method that needs the rows cannot run.
    fn unusable(&self) -> PhpException {
        match &self.state {
            State::Destroyed { .. } => error(&self.name, TableError::Destroyed),
            _ => error(&self.name, TableError::NotCreated),
        }
    }

    /// Iteration over a table not created yet finds no rows; over a destroyed one, throws.
    fn check_not_destroyed(&self) -> PhpResult<()> {
        match &self.state {
            State::Destroyed { .. } => Err(self.unusable()),
            _ => Ok(()),
        }
    }

    /// Copies the rows of the next non-empty bucket once the current ones are used up.
    fn fill(&mut self) -> PhpResult<()> {
        let State::Created(Created { table, .. }) = &self.state else { return Ok(()) };
        let mut rows = Vec::new();
        while rows.is_empty() && self.cursor.next_bucket < table.buckets() {
            table.read_bucket(self.cursor.next_bucket, &mut rows).map_err(|e| error(&self.name, e))?;
            self.cursor.next_bucket += 1;
        }
        self.cursor.rows.extend(rows);
        Ok(())
    }

    fn add(&self, key: &Zval, column: BinarySlice<u8>, by: Option<&Zval>, negate: bool) -> PhpResult<Number> {
        let created = self.created()?;
        let table = &created.table;
        let col = table.schema().require(&column).map_err(|e| error(&self.name, e))?;
        let column = &table.schema().columns()[col].name;
        let by = match (table.schema().columns()[col].kind, by.map(Zval::dereference)) {
            (ColumnType::Float, Some(v)) => Value::Float(number(v, column, Zval::coerce_to_double, &self.name)?),
            (_, Some(v)) => Value::Int(number(v, column, Zval::coerce_to_long, &self.name)?),
            (_, None) => Value::Int(1),
        };
        let by = match (by, negate) {
            (Value::Int(n), true) => Value::Int(n.wrapping_neg()),
            (Value::Float(f), true) => Value::Float(-f),
            (by, _) => by,
        };
        match table.incr(&key_bytes(key), col, by) {
            Ok(Value::Int(n)) => Ok(Number::Int(n)),
            Ok(Value::Float(f)) => Ok(Number::Float(f)),
            Ok(Value::Str(_)) => Ok(Number::False),
            Err(e) => self.full_is_false(e).map(|()| Number::False),
        }
    }

    /// A full table warns, and the caller answers false (Swoole's behaviour); any other
    /// error throws.
    fn full_is_false(&self, e: TableError) -> PhpResult<()> {
        let TableError::Full { capacity } = e else { return Err(error(&self.name, e)) };
        let message =
            format!("{}: the table is full ({capacity} rows for size {}); the row was not written. Fix: raise the table's size", self.label(), self.get_size());
        php_error(&ErrorType::Warning, &message);
        Ok(())
    }

    fn type_error(&self, column: &str, v: &Zval) -> PhpException {
        PhpException::from_class::<TableException>(format!("{}: column '{column}' takes a string, got {:?}", self.label(), v.get_type()))
    }

    fn label(&self) -> String {
        label(&self.name)
    }
}

fn label(name: &str) -> String {
    if name.is_empty() {
        "Table".to_owned()
    } else {
        format!("Table {name}")
    }
}

fn error(name: &str, e: TableError) -> PhpException {
    PhpException::from_class::<TableException>(format!("{}: {e}", label(name)))
}

/// A key as bytes: strings as they are, other scalars as PHP prints them (Swoole's
/// `string $key` in coercive mode).
fn key_bytes(key: &Zval) -> Cow<'_, [u8]> {
    text(key.dereference()).unwrap_or(Cow::Borrowed(b""))
}

fn text(v: &Zval) -> Option<Cow<'_, [u8]>> {
    match v.zend_str() {
        Some(s) => Some(Cow::Borrowed(s.as_bytes())),
        None => v.coerce_to_string().map(|s| Cow::Owned(s.into_bytes())),
    }
}

fn number<T>(v: &Zval, column: &str, coerce: fn(&Zval) -> Option<T>, table: &str) -> PhpResult<T> {
    coerce(v).ok_or_else(|| PhpException::from_class::<TableException>(format!("{}: column '{column}' takes a number, got {:?}", label(table), v.get_type())))
}

/// A copied row as `[column => value]`.
fn row_zval(created: &Created, row: &RowData) -> Zval {
    let mut ht = ZendHashTable::with_capacity(created.keys.len() as u32);
    for (key, v) in created.keys.iter().zip(row.values(created.table.schema())) {
        let _ = ht.insert(key.array_key(), value_zval(v));
    }
    let mut z = Zval::new();
    z.set_hashtable(ht);
    z
}

fn value_zval(v: Value) -> Zval {
    let mut z = Zval::new();
    match v {
        Value::Int(n) => z.set_long(n),
        Value::Float(f) => z.set_double(f),
        Value::Str(s) => return bytes_zval(s),
    }
    z
}

/// What `incr()` and `decr()` answer, written straight into PHP's return value.
pub enum Number {
    Int(i64),
    Float(f64),
    /// The table is full.
    False,
}

impl IntoZval for Number {
    const TYPE: DataType = DataType::Mixed;
    const NULLABLE: bool = false;

    fn set_zval(self, zv: &mut Zval, _persistent: bool) -> ext_php_rs::error::Result<()> {
        match self {
            Number::Int(n) => zv.set_long(n),
            Number::Float(f) => zv.set_double(f),
            Number::False => zv.set_bool(false),
        }
        Ok(())
    }
}

fn false_zval() -> Zval {
    let mut z = Zval::new();
    z.set_bool(false);
    z
}
