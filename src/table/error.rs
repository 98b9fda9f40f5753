//! What can go wrong with a table or an atomic, worded for the developer who reads it.

use std::io;

use thiserror::Error;

use super::hash_table::{KEY_MAX, MAX_ROWS};

/// Why a table or atomic call failed; `ext/table.rs` throws it with the table's name.
#[derive(Debug, Error)]
pub enum TableError {
    /// The table's `size` is below 1 or above `MAX_ROWS`, or its memory would overflow.
    #[error("the table size must be between 1 and {MAX_ROWS} rows, got {0}")]
    Size(i64),
    /// `conflict_proportion` is outside 0 to 1.
    #[error("conflict_proportion must be between 0 and 1, got {0}")]
    ConflictProportion(f64),
    /// A column type number other than `TYPE_INT`, `TYPE_FLOAT` or `TYPE_STRING`.
    #[error("column type {0} is unknown: use Table::TYPE_INT (1), Table::TYPE_FLOAT (2) or Table::TYPE_STRING (3)")]
    ColumnType(i64),
    /// A `TYPE_STRING` column declared with a size outside 1 to `STRING_MAX` bytes.
    #[error("column '{column}' is TYPE_STRING and needs a size between 1 and {max} (its longest value in bytes), got {size}")]
    StringSize {
        /// The column's name.
        column: String,
        /// The size given.
        size: i64,
        /// The largest size allowed, in bytes.
        max: u32,
    },
    /// `column()` was given an empty name.
    #[error("a column name must not be empty")]
    ColumnName,
    /// `column()` was given a name the table already has.
    #[error("column '{0}' is defined twice")]
    DuplicateColumn(String),
    /// `create()` on a table with no columns.
    #[error("the table has no columns: call column() before create()")]
    NoColumns,
    /// `column()` after `create()`.
    #[error("the table is already created: columns can only be added before create()")]
    AlreadyCreated,
    /// A row operation before `create()`.
    #[error("the table is not created yet: call create() after defining its columns")]
    NotCreated,
    /// A call after `destroy()` in this process.
    #[error("the table was destroyed in this process (destroy() unmapped its memory here); create a new table to store rows again")]
    Destroyed,
    /// `destroy()` called re-entrantly, while another call on the same table runs.
    #[error("destroy() was called while another call on this table was running (from a __toString or an error handler); the table stays as it was")]
    InUse,
    /// A row key of zero bytes.
    #[error("the key is empty; a key is 1 to {KEY_MAX} bytes")]
    EmptyKey,
    /// A row key longer than `KEY_MAX` bytes (never truncated).
    #[error("the key '{start}...' is {len} bytes long; a key is at most {KEY_MAX} bytes")]
    KeyTooLong {
        /// The key's first 16 bytes, for the message.
        start: String,
        /// The key's length in bytes.
        len: usize,
    },
    /// A string longer than its column's size (never truncated).
    #[error("the value for column '{column}' is {len} bytes long; the column holds at most {size} bytes (raise its size)")]
    ValueTooLong {
        /// The column's name.
        column: String,
        /// The value's length in bytes.
        len: usize,
        /// The column's size in bytes.
        size: u32,
    },
    /// A string for a number column, or a number for a string column.
    #[error("column '{column}' is {kind:?}: a value of another type was given")]
    WrongType {
        /// The column's name.
        column: String,
        /// The column's type.
        kind: super::schema::ColumnType,
    },
    /// A column name the table does not define.
    #[error("the table has no column '{column}' (its columns: {columns})")]
    NoColumn {
        /// The name asked for.
        column: String,
        /// The table's columns, comma-separated.
        columns: String,
    },
    /// `incr` or `decr` on a `TYPE_STRING` column, or by a string.
    #[error("column '{0}' is TYPE_STRING: incr and decr need a TYPE_INT or TYPE_FLOAT column")]
    NotNumeric(String),
    /// A new row did not fit: every row of the pool is in use.
    #[error("the table is full ({capacity} rows)")]
    Full {
        /// The rows the table holds in all.
        capacity: u32,
    },
    /// `mmap` of the shared memory failed (a table, an atomic, the client list, the doorbell).
    #[error("could not map {bytes} bytes of shared memory: {source}")]
    Map {
        /// The size asked for, in bytes.
        bytes: usize,
        /// The error `mmap` returned.
        source: io::Error,
    },
    /// A stripe lock could not be set up or taken (a holder that died is no error: its stripe is repaired).
    #[error("a process-shared lock failed: {0}")]
    Lock(io::Error),
}
