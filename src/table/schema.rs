//! Columns, where each sits in a row, and the values that go in and come out.
//!
//! A row's data is the columns in declaration order, each 8-byte aligned: an int is an
//! `i64`, a float an `f64`, a string a `u32` length followed by `size` bytes. Numbers are
//! read and written as single 8-byte atomic accesses, so a number is never torn.

// Pointers into the shared region are cast to wider types at offsets that the layout
// keeps aligned; each cast's SAFETY note says why.
#![allow(clippy::cast_ptr_alignment)]

use std::sync::atomic::{AtomicU64, Ordering};

use super::error::TableError;

/// The longest `size` a string column may declare: 16 MiB.
pub const STRING_MAX: u32 = 1 << 24;

/// Swoole's column type numbers (`Swoole\Table::TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// `TYPE_INT` (1): a 64-bit signed integer.
    Int = 1,
    /// `TYPE_FLOAT` (2): a 64-bit float.
    Float = 2,
    /// `TYPE_STRING` (3): up to the column's `size` bytes.
    String = 3,
}

impl ColumnType {
    /// The type of Swoole's number `code`; `Err(ColumnType)` for any other.
    pub fn from_code(code: i64) -> Result<Self, TableError> {
        match code {
            1 => Ok(ColumnType::Int),
            2 => Ok(ColumnType::Float),
            3 => Ok(ColumnType::String),
            other => Err(TableError::ColumnType(other)),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub kind: ColumnType,
    /// The longest string value in bytes (0 for numbers).
    pub size: u32,
    offset: usize,
}

/// A value written to or read from a row. Strings borrow: a read row is first copied
/// out of shared memory into a `RowData` (under the lock), then decoded from there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// An integer (converted when written to a float column).
    Int(i64),
    /// A float (truncated when written to an int column).
    Float(f64),
    /// A string's bytes, borrowed from the caller or from a `RowData`.
    Str(&'a [u8]),
}

/// A private copy of one row's data, 8-aligned like the row itself.
#[derive(Clone, Debug, Default)]
pub struct RowData {
    words: Vec<u64>,
}

impl RowData {
    /// Copies `len` bytes (a multiple of 8) from a row.
    ///
    /// # Safety
    /// `src` is a row's data, readable for `len` bytes, whose stripe lock is held.
    pub(super) unsafe fn copy_from(&mut self, src: *const u8, len: usize) {
        self.words.resize(len / 8, 0);
        // SAFETY: per the contract; the buffer was just sized to len bytes.
        unsafe { std::ptr::copy_nonoverlapping(src, self.words.as_mut_ptr().cast::<u8>(), len) };
    }

    /// Column `col`'s value in this row.
    pub fn value(&self, schema: &Schema, col: usize) -> Value<'_> {
        // SAFETY: the buffer holds a whole row of this schema (copy_from sized it), and
        // its string lengths are clamped to the column sizes by `read`.
        unsafe { schema.read(self.words.as_ptr().cast::<u8>(), col) }
    }

    /// Every column's value, in declaration order.
    pub fn values<'a>(&'a self, schema: &'a Schema) -> impl Iterator<Item = Value<'a>> + 'a {
        (0..schema.columns().len()).map(move |col| self.value(schema, col))
    }
}

/// A table's columns in declaration order, and the row data size they add up to.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    columns: Vec<Column>,
    data_size: usize,
}

impl Schema {
    /// Adds a column; `size` matters only for strings (numbers always take 8 bytes, as
    /// in current Swoole).
    pub fn add(&mut self, name: &str, kind: ColumnType, size: i64) -> Result<(), TableError> {
        if name.is_empty() {
            return Err(TableError::ColumnName);
        }
        if self.columns.iter().any(|c| c.name == name) {
            return Err(TableError::DuplicateColumn(name.to_owned()));
        }
        let size = match kind {
            ColumnType::String => match u32::try_from(size) {
                Ok(n) if (1..=STRING_MAX).contains(&n) => n,
                _ => return Err(TableError::StringSize { column: name.to_owned(), size, max: STRING_MAX }),
            },
            ColumnType::Int | ColumnType::Float => 0,
        };
        let width = match kind {
            ColumnType::String => (4 + size as usize).next_multiple_of(8),
            _ => 8,
        };
        self.columns.push(Column { name: name.to_owned(), kind, size, offset: self.data_size });
        self.data_size += width;
        Ok(())
    }

    /// The columns, in declaration order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The index of column `name`; `None` when the table has none.
    pub fn index_of(&self, name: &[u8]) -> Option<usize> {
        self.columns.iter().position(|c| c.name.as_bytes() == name)
    }

    /// The index of column `name`, or an error that lists the columns.
    pub fn require(&self, name: &[u8]) -> Result<usize, TableError> {
        self.index_of(name).ok_or_else(|| TableError::NoColumn {
            column: String::from_utf8_lossy(name).into_owned(),
            columns: self.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
        })
    }

    /// Bytes of one row's data, a multiple of 8.
    pub(super) fn data_size(&self) -> usize {
        self.data_size
    }

    /// Whether `input` fits column `col`; checked before any lock is taken.
    pub(super) fn check(&self, col: usize, input: &Value) -> Result<(), TableError> {
        let c = &self.columns[col];
        match (c.kind, input) {
            (ColumnType::String, Value::Str(s)) if s.len() > c.size as usize => {
                Err(TableError::ValueTooLong { column: c.name.clone(), len: s.len(), size: c.size })
            }
            (ColumnType::String, Value::Str(_)) | (ColumnType::Int | ColumnType::Float, Value::Int(_) | Value::Float(_)) => Ok(()),
            (kind, _) => Err(TableError::WrongType { column: c.name.clone(), kind }),
        }
    }

    /// Writes one column of a row.
    ///
    /// # Safety
    /// `data` is the data of a row whose stripe lock this process holds, and `input`
    /// passed `check`.
    pub(super) unsafe fn write(&self, data: *mut u8, col: usize, input: &Value) {
        let c = &self.columns[col];
        // SAFETY: offsets lie within data_size and are 8-aligned in an 8-aligned row.
        unsafe {
            let at = data.add(c.offset);
            match (c.kind, *input) {
                (ColumnType::Int, Value::Int(n)) => number(at).store(n as u64, Ordering::Relaxed),
                (ColumnType::Int, Value::Float(f)) => number(at).store(f as i64 as u64, Ordering::Relaxed),
                (ColumnType::Float, Value::Float(f)) => number(at).store(f.to_bits(), Ordering::Relaxed),
                (ColumnType::Float, Value::Int(n)) => number(at).store((n as f64).to_bits(), Ordering::Relaxed),
                (ColumnType::String, Value::Str(s)) => {
                    std::ptr::copy_nonoverlapping(s.as_ptr(), at.add(4), s.len());
                    at.cast::<u32>().write(s.len() as u32);
                }
                _ => {}
            }
        }
    }

    /// Reads one column of a row.
    ///
    /// # Safety
    /// `data` is a row's data that nobody writes while the result lives: a `RowData`
    /// copy, or a shared row under its stripe lock for a number.
    pub(super) unsafe fn read<'a>(&self, data: *const u8, col: usize) -> Value<'a> {
        let c = &self.columns[col];
        // SAFETY: as in `write`; a string length is clamped to the column size.
        unsafe {
            let at = data.add(c.offset).cast_mut();
            match c.kind {
                ColumnType::Int => Value::Int(number(at).load(Ordering::Relaxed) as i64),
                ColumnType::Float => Value::Float(f64::from_bits(number(at).load(Ordering::Relaxed))),
                ColumnType::String => {
                    let len = (at.cast::<u32>().read() as usize).min(c.size as usize);
                    Value::Str(std::slice::from_raw_parts(at.add(4), len))
                }
            }
        }
    }
}

/// An 8-byte number slot as an atomic, so each access is one untearable instruction.
///
/// # Safety
/// `at` is 8-aligned and lies in a live shared region.
unsafe fn number<'a>(at: *mut u8) -> &'a AtomicU64 {
    // SAFETY: per the contract; AtomicU64 has u64's layout.
    unsafe { AtomicU64::from_ptr(at.cast::<u64>()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_8_aligned_in_declaration_order() {
        let mut s = Schema::default();
        s.add("id", ColumnType::Int, 4).unwrap();
        s.add("name", ColumnType::String, 5).unwrap();
        s.add("score", ColumnType::Float, 0).unwrap();
        let offsets: Vec<usize> = s.columns().iter().map(|c| c.offset).collect();
        assert_eq!(offsets, vec![0, 8, 24]);
        assert_eq!(s.data_size(), 32);
    }

    #[test]
    fn bad_columns_are_refused_with_their_name() {
        let mut s = Schema::default();
        assert!(matches!(ColumnType::from_code(4), Err(TableError::ColumnType(4))));
        let err = s.add("name", ColumnType::String, 0).unwrap_err().to_string();
        assert!(err.contains("'name'") && err.contains("needs a size"), "{err}");
        s.add("a", ColumnType::Int, 0).unwrap();
        assert!(matches!(s.add("a", ColumnType::Float, 0), Err(TableError::DuplicateColumn(_))));
        let err = s.require(b"b").unwrap_err().to_string();
        assert!(err.contains("'b'") && err.contains("its columns: a"), "{err}");
    }

    #[test]
    fn values_round_trip_and_long_strings_are_refused() {
        let mut s = Schema::default();
        s.add("n", ColumnType::Int, 0).unwrap();
        s.add("f", ColumnType::Float, 0).unwrap();
        s.add("s", ColumnType::String, 3).unwrap();
        let mut shared = vec![0u64; s.data_size() / 8];
        let data = shared.as_mut_ptr().cast::<u8>();
        assert!(s.check(2, &Value::Str(b"abcd")).is_err());
        for (col, input) in [(0, Value::Int(-7)), (1, Value::Float(2.5)), (2, Value::Str(b"abc"))] {
            s.check(col, &input).unwrap();
            // SAFETY: `row` is 8-aligned, data_size bytes, and private to this test.
            unsafe { s.write(data, col, &input) };
        }
        let mut row = RowData::default();
        // SAFETY: as above.
        unsafe { row.copy_from(data, s.data_size()) };
        assert_eq!(row.values(&s).collect::<Vec<_>>(), vec![Value::Int(-7), Value::Float(2.5), Value::Str(b"abc")]);
    }
}
