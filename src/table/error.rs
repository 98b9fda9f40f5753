//! What can go wrong with a table or an atomic, worded for the developer who reads it.

use std::io;

use thiserror::Error;

use super::hash_table::{KEY_MAX, MAX_ROWS};

#[derive(Debug, Error)]
pub enum TableError {
    #[error("the table size must be between 1 and {MAX_ROWS} rows, got {0}")]
    Size(i64),
    #[error("conflict_proportion must be between 0 and 1, got {0}")]
    ConflictProportion(f64),
    #[error("column type {0} is unknown: use Table::TYPE_INT (1), Table::TYPE_FLOAT (2) or Table::TYPE_STRING (3)")]
    ColumnType(i64),
    #[error("column '{column}' is TYPE_STRING and needs a size between 1 and {max} (its longest value in bytes), got {size}")]
    StringSize { column: String, size: i64, max: u32 },
    #[error("a column name must not be empty")]
    ColumnName,
    #[error("column '{0}' is defined twice")]
    DuplicateColumn(String),
    #[error("the table has no columns: call column() before create()")]
    NoColumns,
    #[error("the table is already created: columns can only be added before create()")]
    AlreadyCreated,
    #[error("the table is not created yet: call create() after defining its columns")]
    NotCreated,
    #[error("the table was destroyed in this process (destroy() unmapped its memory here); create a new table to store rows again")]
    Destroyed,
    #[error("destroy() was called while another call on this table was running (from a __toString or an error handler); the table stays as it was")]
    InUse,
    #[error("the key is empty; a key is 1 to {KEY_MAX} bytes")]
    EmptyKey,
    #[error("the key '{start}...' is {len} bytes long; a key is at most {KEY_MAX} bytes")]
    KeyTooLong { start: String, len: usize },
    #[error("the value for column '{column}' is {len} bytes long; the column holds at most {size} bytes (raise its size)")]
    ValueTooLong { column: String, len: usize, size: u32 },
    #[error("column '{column}' is {kind:?}: a value of another type was given")]
    WrongType { column: String, kind: super::schema::ColumnType },
    #[error("the table has no column '{column}' (its columns: {columns})")]
    NoColumn { column: String, columns: String },
    #[error("column '{0}' is TYPE_STRING: incr and decr need a TYPE_INT or TYPE_FLOAT column")]
    NotNumeric(String),
    #[error("the table is full ({capacity} rows)")]
    Full { capacity: u32 },
    #[error("could not map {bytes} bytes of shared memory: {source}")]
    Map { bytes: usize, source: io::Error },
    #[error("a process-shared lock failed: {0}")]
    Lock(io::Error),
}
