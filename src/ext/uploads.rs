//! PHP's list of the request's uploaded files, `SG(rfc1867_uploaded_files)`, for the
//! files the master spooled: `is_uploaded_file()` and `move_uploaded_file()` accept a path
//! only when it is a key there (`ext/standard/basic_functions.c`), and only a web SAPI's
//! multipart parser (`main/rfc1867.c`) fills it, never the CLI's.
//!
//! Entries follow rfc1867.c: the table is request memory, initialised with a destructor
//! that releases the value; each entry's key and value are one non-persistent
//! `zend_string`, the value held as an `IS_PTR` zval (what `zend_hash_add_ptr()` stores).
//! `move_uploaded_file()` deletes its entry once the file is moved; [`forget`] deletes the
//! rest at the end of the request. Neither unlinks a file: the master removes what is left
//! of a request's spooled files (an already moved one is simply gone). At process exit
//! PHP destroys the (by then empty) table as it does under php-fpm.

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::os::raw::c_char;

use ext_php_rs::boxed::ZBox;
use ext_php_rs::ffi::{_zend_new_array, zend_hash_add, zend_hash_str_del, zend_hash_str_find, zend_string, zval, HashTable, IS_PTR};
use ext_php_rs::types::{ZendStr, Zval};
use ext_php_rs::zend::SapiGlobals;

/// The size rfc1867.c gives the table.
const INITIAL_SIZE: u32 = 8;

thread_local! {
    /// The paths this request added (PHP runs on one thread): what [`forget`] deletes.
    static ADDED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// rfc1867.c's `free_filename`: releases the value's reference to the path (the key's
/// own reference is released by the hash table).
unsafe extern "C" fn release_path(value: *mut zval) {
    // SAFETY: PHP calls the destructor with a live entry of this table, whose value is an
    // IS_PTR zval holding a zend_string reference owned by the entry (see `register`).
    unsafe { drop(ZBox::<ZendStr>::from_raw((*value).value.ptr.cast())) };
}

/// The table, created as rfc1867.c creates it when PHP has none yet (always, in the CLI).
fn table(globals: &mut SapiGlobals) -> *mut HashTable {
    if globals.rfc1867_uploaded_files.is_null() {
        // SAFETY: `_zend_new_array` is `ALLOC_HASHTABLE` + `zend_hash_init(ht, size,
        // ZVAL_PTR_DTOR, 0)` (request memory, PHP aborts on failure); swapping the
        // destructor of the still empty table gives rfc1867.c's own. The table then lives,
        // as PHP's, until request shutdown destroys it.
        unsafe {
            let ht = _zend_new_array(INITIAL_SIZE);
            (*ht).pDestructor = Some(release_path);
            globals.rfc1867_uploaded_files = ht;
        }
    }
    globals.rfc1867_uploaded_files
}

/// Makes `paths` uploaded files of this request. A path PHP already lists is left alone
/// (and not forgotten by this request).
pub fn register(globals: &mut SapiGlobals, paths: &[String]) {
    let ht = table(globals);
    for path in paths {
        // SAFETY: `ht` is PHP's live uploaded-files table; `path` outlives the lookup.
        let listed = unsafe { !zend_hash_str_find(ht, path.as_ptr().cast::<c_char>(), path.len()).is_null() };
        if listed {
            continue;
        }
        let name: *mut zend_string = ZendStr::new(path, false).into_raw().cast();
        // The entry owns the reference the value points to: this zval is a bitwise copy
        // source, never dropped.
        let mut value = ManuallyDrop::new(Zval::new());
        value.value.ptr = name.cast();
        value.u1.type_info = IS_PTR;
        // SAFETY: the key is a live non-persistent zend_string; `zend_hash_add` copies the
        // zval and takes its own reference to the key, so the entry holds two: the key's
        // and the value's (released by `release_path`), as `zend_hash_add_ptr` leaves them.
        let added = unsafe { zend_hash_add(ht, name, &raw mut *value) };
        if added.is_null() {
            // SAFETY: not stored: the only reference is ours.
            unsafe { drop(ZBox::<ZendStr>::from_raw(name.cast())) };
        } else {
            ADDED.with_borrow_mut(|added| added.push(path.clone()));
        }
    }
}

/// Deletes every entry this request added and `move_uploaded_file()` did not take.
pub fn forget(globals: &mut SapiGlobals) {
    let ht = globals.rfc1867_uploaded_files;
    let paths = ADDED.with_borrow_mut(std::mem::take);
    if ht.is_null() {
        return;
    }
    for path in paths {
        // SAFETY: `ht` is PHP's live table; deleting a key that is gone (moved) is a no-op,
        // and a present entry's destructor is `release_path`'s convention.
        unsafe { zend_hash_str_del(ht, path.as_ptr().cast::<c_char>(), path.len()) };
    }
}
