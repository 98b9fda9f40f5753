//! `LaravelS\Runtime\alias_class()`: `class_alias()` for the extension's own classes.
//!
//! `Swoole\Table`, `Swoole\Atomic` and `Swoole\Atomic\Long` must be the very classes
//! `LaravelS\Runtime\Table`, `Atomic` and `Atomic\Long` (a table the runtime creates
//! must pass a `Swoole\Table` type hint), but before PHP 8.3 `class_alias()` refuses a
//! class declared by an extension. This calls the engine function `class_alias()` itself
//! calls, which has no such restriction (PHP 8.3 merely lifted the check).
//! php/Compat/AliasLoader.php uses it for those names.

use std::ffi::c_char;

use ext_php_rs::builders::ModuleBuilder;
use ext_php_rs::prelude::*;
use ext_php_rs::zend::ClassEntry;

/// The engine's alias registration (`ZEND_API`), as `class_alias()` calls it.
type RegisterAlias = unsafe extern "C" fn(name: *const c_char, name_len: usize, ce: *mut ClassEntry, persistent: bool) -> i32;

/// Found in the php binary when first needed, not linked: the stub generator
/// (cargo-php) loads this library outside PHP, where the symbol does not exist.
fn register_alias() -> Option<RegisterAlias> {
    // SAFETY: dlsym with a NUL-terminated name; a non-null result is the engine function
    // of the signature above (Zend/zend_API.h).
    let f = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"zend_register_class_alias_ex".as_ptr()) };
    // SAFETY: as above; a function pointer has the size of a data pointer here.
    (!f.is_null()).then(|| unsafe { std::mem::transmute::<*mut libc::c_void, RegisterAlias>(f) })
}

/// Declares `$alias` as another name of the loaded class `$class`, for this request;
/// false if `$class` is unknown or `$alias` is taken.
#[php_function]
#[php(name = "LaravelS\\Runtime\\alias_class")]
pub fn alias_class(class: &str, alias: &str) -> bool {
    let (Some(ce), Some(register)) = (ClassEntry::try_find(class), register_alias()) else { return false };
    // SAFETY: `ce` is a live class entry for the whole request; the name is copied (and
    // lower-cased) by the engine; `persistent = false` ties the alias to this request,
    // as class_alias() does.
    unsafe { register(alias.as_ptr().cast(), alias.len(), std::ptr::from_ref(ce).cast_mut(), false) == 0 }
}

pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module.function(wrap_function!(alias_class))
}
