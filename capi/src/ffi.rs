//! The one set of pointer helpers (the shape of rustls-ffi's `ffi.rs`): handles are
//! [`Castable`] boxes, pointers become references through `try_ref_from_ptr!` /
//! `try_mut_from_ptr!` / `try_box_from_ptr!`, borrowed inputs through `try_bytes!` /
//! `try_str!` / `try_opt_str!` / `try_slice!`, outputs through `try_out!` ([`OutPtr`]) and
//! [`OutBuf`]. Each helper returns `ST_ERR_NULL_POINTER` naming the argument, and the
//! message of the last failing call is kept per thread for `st_last_error`.
//!
//! Every macro expands to an `unsafe` block: it is used only inside an `unsafe extern "C"`
//! function whose `# Safety` section states that the pointer is NULL or valid for what the
//! helper does with it.

use std::cell::RefCell;
use std::ffi::c_char;

use cdn_secure_token::Error;

use crate::status::{status_of, st_status};
use crate::types::st_str;

pub(crate) type Outcome = Result<(), st_status>;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) fn set_last_error(msg: String) {
    // A thread being torn down has no slot left; the status alone still tells the caller.
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = msg);
}

pub(crate) fn last_error() -> String {
    LAST_ERROR
        .try_with(|e| e.borrow().clone())
        .unwrap_or_default()
}

pub(crate) fn null(name: &str) -> st_status {
    set_last_error(format!("{name} is NULL"));
    st_status::ST_ERR_NULL_POINTER
}

pub(crate) fn argument(msg: String) -> st_status {
    set_last_error(msg);
    st_status::ST_ERR_INVALID_ARGUMENT
}

pub(crate) fn core_error(e: &Error) -> st_status {
    set_last_error(e.to_string());
    status_of(e.kind())
}

/// An opaque C handle that is a `Box<RustType>` on the Rust side: created by
/// [`to_boxed_ptr`], released by [`free_box`].
pub(crate) trait Castable {
    type RustType;
}

pub(crate) fn to_boxed_ptr<C: Castable>(value: C::RustType) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

/// # Safety
/// `p` is NULL or came from [`to_boxed_ptr`] and is not used afterwards.
pub(crate) unsafe fn free_box<C: Castable>(p: *mut C) {
    if !p.is_null() {
        // SAFETY: made by Box::into_raw of a C::RustType (caller contract).
        drop(unsafe { Box::from_raw(p.cast::<C::RustType>()) });
    }
}

/// # Safety
/// `p` is NULL or a live handle from [`to_boxed_ptr`], not mutated during `'a`.
pub(crate) unsafe fn ref_from<'a, C: Castable>(p: *const C) -> Option<&'a C::RustType> {
    // SAFETY: caller contract.
    unsafe { p.cast::<C::RustType>().as_ref() }
}

/// # Safety
/// `p` is NULL or a live handle from [`to_boxed_ptr`], used by no one else during `'a`.
pub(crate) unsafe fn mut_from<'a, C: Castable>(p: *mut C) -> Option<&'a mut C::RustType> {
    // SAFETY: caller contract.
    unsafe { p.cast::<C::RustType>().as_mut() }
}

/// # Safety
/// `p` is a non-NULL live handle from [`to_boxed_ptr`], not used afterwards.
pub(crate) unsafe fn box_from<C: Castable>(p: *mut C) -> Box<C::RustType> {
    // SAFETY: made by Box::into_raw of a C::RustType (caller contract).
    unsafe { Box::from_raw(p.cast::<C::RustType>()) }
}

/// `&RustType` of a handle, or `ST_ERR_NULL_POINTER` naming it.
macro_rules! try_ref_from_ptr {
    ($p:ident) => {{
        let p = $p;
        // SAFETY: the exported function's contract: NULL or a live handle.
        match unsafe { $crate::ffi::ref_from(p) } {
            Some(r) => r,
            None => return Err($crate::ffi::null(stringify!($p))),
        }
    }};
}

/// `&mut RustType` of a handle, or `ST_ERR_NULL_POINTER` naming it.
macro_rules! try_mut_from_ptr {
    ($p:ident) => {{
        let p = $p;
        // SAFETY: the exported function's contract: NULL or a live handle used by no one else.
        match unsafe { $crate::ffi::mut_from(p) } {
            Some(r) => r,
            None => return Err($crate::ffi::null(stringify!($p))),
        }
    }};
}

/// Takes a handle back as its `Box` (the handle is consumed), or `ST_ERR_NULL_POINTER`.
macro_rules! try_box_from_ptr {
    ($p:ident) => {{
        let p = $p;
        if p.is_null() {
            return Err($crate::ffi::null(stringify!($p)));
        }
        // SAFETY: the exported function's contract: a live handle, not used afterwards.
        unsafe { $crate::ffi::box_from(p) }
    }};
}

/// `&T` of an optional struct pointer (`None` for NULL).
macro_rules! opt_ref {
    ($p:expr) => {{
        let p = $p;
        // SAFETY: the exported function's contract: NULL or a valid, aligned value.
        unsafe { p.as_ref() }
    }};
}

/// `count` elements at `p` (NULL allowed when `count == 0`).
macro_rules! try_slice {
    ($p:ident, $count:expr) => {{
        let (p, count) = ($p, $count);
        // SAFETY: the exported function's contract: `count` readable elements at `p`.
        unsafe { $crate::ffi::slice_in(p, count, stringify!($p)) }?
    }};
}

/// The bytes `(ptr, len)`, required.
macro_rules! try_bytes {
    ($p:ident, $len:expr) => {{
        let (p, len) = ($p, $len);
        // SAFETY: the exported function's contract: `len` readable bytes at `p`.
        unsafe { $crate::ffi::bytes_in(p, len, stringify!($p)) }?
    }};
}

/// The UTF-8 string `(ptr, len)`, required; `ST_ERR_INVALID_UTF8` names it.
macro_rules! try_str {
    ($p:ident, $len:expr) => {
        $crate::ffi::try_str!($p, $len, stringify!($p))
    };
    ($p:expr, $len:expr, $name:expr) => {{
        let (p, len) = ($p, $len);
        // SAFETY: the exported function's contract: `len` readable bytes at `p`.
        let bytes = unsafe { $crate::ffi::bytes_in(p, len, $name) }?;
        $crate::ffi::utf8(bytes, $name)?
    }};
}

/// An optional UTF-8 string (`st_str` with `ptr = NULL` = absent).
macro_rules! try_opt_str {
    ($s:expr, $name:expr) => {{
        let s: $crate::types::st_str = $s;
        if s.ptr.is_null() {
            None
        } else {
            Some($crate::ffi::try_str!(s.ptr, s.len, $name))
        }
    }};
}

/// An out-parameter, checked for NULL before any work is done.
macro_rules! try_out {
    ($p:ident) => {{
        let p = $p;
        if p.is_null() {
            return Err($crate::ffi::null(stringify!($p)));
        }
        // SAFETY: the exported function's contract: NULL or writable; checked non-NULL.
        unsafe { $crate::ffi::OutPtr::new(p) }
    }};
}

pub(crate) use {
    opt_ref, try_box_from_ptr, try_bytes, try_mut_from_ptr, try_opt_str, try_out,
    try_ref_from_ptr, try_slice, try_str,
};

/// # Safety
/// `ptr`, when not NULL, points to `len` readable bytes that stay unmodified for `'a`.
pub(crate) unsafe fn bytes_in<'a>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<&'a [u8], st_status> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: forwarded contract.
    unsafe { slice_in(ptr.cast::<u8>(), len, name) }
}

/// # Safety
/// `ptr`, when not NULL, points to `count` readable `T` that stay unmodified for `'a`.
pub(crate) unsafe fn slice_in<'a, T>(
    ptr: *const T,
    count: usize,
    name: &str,
) -> Result<&'a [T], st_status> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null(name));
    }
    if count > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(argument(format!("{name} is larger than any object")));
    }
    // SAFETY: non-NULL, size bounded by isize::MAX, `count` elements (caller contract).
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

pub(crate) fn utf8<'a>(bytes: &'a [u8], name: &str) -> Result<&'a str, st_status> {
    std::str::from_utf8(bytes).map_err(|e| {
        set_last_error(format!(
            "{name} is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ));
        st_status::ST_ERR_INVALID_UTF8
    })
}

/// A writable out-parameter; written with `ptr::write` (the memory may be uninitialized).
pub(crate) struct OutPtr<T>(*mut T);

impl<T> OutPtr<T> {
    /// # Safety
    /// `p` is non-NULL, aligned and writable for the rest of the exported call.
    pub(crate) unsafe fn new(p: *mut T) -> Self {
        OutPtr(p)
    }

    pub(crate) fn write(self, value: T) {
        // SAFETY: guaranteed by `new`'s contract.
        unsafe { self.0.write(value) }
    }
}

/// A checked `(char *buf, size_t cap, size_t *out_len)` output; nothing is written until
/// [`OutBuf::write`].
pub(crate) struct OutBuf {
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
}

impl OutBuf {
    /// Checks the pointers up front, so that no work is done for a call that cannot succeed.
    ///
    /// # Safety
    /// `buf` is NULL or valid for `cap` bytes of writes, `out_len` NULL or writable, both for
    /// the rest of the exported call and not overlapping any input.
    pub(crate) unsafe fn new(
        buf: *mut c_char,
        cap: usize,
        out_len: *mut usize,
        name: &str,
    ) -> Result<Self, st_status> {
        if out_len.is_null() {
            return Err(null(&format!("{name}_len")));
        }
        if buf.is_null() && cap != 0 {
            return Err(null(name));
        }
        Ok(OutBuf {
            buf: buf.cast(),
            cap,
            out_len,
        })
    }

    /// Writes `items` separated by `sep` (no trailing separator), NUL-terminated when room
    /// allows; when they do not fit, only the size needed goes to `*out_len`.
    pub(crate) fn write_joined<S: AsRef<[u8]>>(&self, items: &[S], sep: u8) -> Outcome {
        let len = items
            .iter()
            .map(|s| s.as_ref().len())
            .sum::<usize>()
            .saturating_add(items.len().saturating_sub(1));
        if len > self.cap {
            // SAFETY: out_len checked non-NULL, writable by `new`'s contract.
            unsafe { self.out_len.write(len) };
            set_last_error(format!(
                "output buffer too small: {len} bytes needed, capacity {}",
                self.cap
            ));
            return Err(st_status::ST_ERR_BUFFER_TOO_SMALL);
        }
        let mut at = 0;
        for (i, s) in items.iter().enumerate() {
            let s = s.as_ref();
            // SAFETY: the pieces and separators add up to exactly `len <= cap` bytes, so every
            // destination lies inside the caller's buffer (non-NULL whenever len > 0, since
            // NULL comes only with cap == 0); Rust sources cannot overlap it.
            unsafe {
                if i > 0 {
                    self.buf.add(at).write(sep);
                    at += 1;
                }
                std::ptr::copy_nonoverlapping(s.as_ptr(), self.buf.add(at), s.len());
            }
            at += s.len();
        }
        // SAFETY: len < cap is inside the buffer; out_len is writable.
        unsafe {
            if len < self.cap {
                self.buf.add(len).write(0);
            }
            self.out_len.write(len);
        }
        Ok(())
    }

    pub(crate) fn write(&self, s: &str) -> Outcome {
        self.write_joined(&[s], 0)
    }
}

/// The strings of an `st_str` array, each required and UTF-8; an error carries the index.
///
/// # Safety
/// Every element points to its `len` readable bytes, unmodified for `'a`.
pub(crate) unsafe fn strs<'a>(
    items: &[st_str],
    name: &str,
) -> Result<Vec<&'a str>, (usize, st_status)> {
    let one = |s: &st_str| {
        // SAFETY: forwarded contract.
        let bytes = unsafe { bytes_in(s.ptr, s.len, name) }?;
        utf8(bytes, name)
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, s) in items.iter().enumerate() {
        out.push(one(s).map_err(|st| (i, st))?);
    }
    Ok(out)
}
