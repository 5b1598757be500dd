//! The one set of pointer helpers (the shape of rustls-ffi's `ffi.rs`). Handles are
//! [`Castable`] boxes; `try_ref_from_ptr!` / `try_mut_from_ptr!` / `try_box_from_ptr!` turn
//! them into references, `try_bytes!` / `try_str!` / `try_slice!` / [`st_str::opt`] borrow
//! inputs, `try_out!` / `opt_out!` ([`OutPtr`]) and `try_out_buf!` ([`OutBuf`]) check outputs.
//! A NULL gives `ST_ERR_NULL_POINTER` naming the argument. Each macro holds an `unsafe` block
//! and is used only in an exported function, whose contract (the crate docs) says the pointer
//! is NULL or valid for that use.

use std::cell::RefCell;

use cdn_secure_token::{Error, SignedBatch};

use crate::status::{st_status, status_of};
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

/// A core error becomes its status, its message the thread's last error: `?` on any core
/// call is the whole error mapping.
impl From<Error> for st_status {
    fn from(e: Error) -> st_status {
        set_last_error(e.to_string());
        status_of(e.kind())
    }
}

/// An opaque C handle that is a `Box<RustType>` on the Rust side.
pub(crate) trait Castable {
    type RustType;
}

pub(crate) fn to_boxed_ptr<C: Castable>(value: C::RustType) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

pub(crate) fn rust_ptr<C: Castable>(p: *const C) -> *mut C::RustType {
    p.cast_mut().cast()
}

macro_rules! try_ref_from_ptr {
    ($p:ident) => {{
        let $p = $crate::ffi::rust_ptr($p).cast_const();
        $crate::ffi::try_in!($p)
    }};
}

macro_rules! try_mut_from_ptr {
    ($p:ident) => {{
        let p = $crate::ffi::rust_ptr($p);
        // SAFETY: NULL or a live handle used by no one else (the exported function's contract).
        unsafe { p.as_mut() }.ok_or_else(|| $crate::ffi::null(stringify!($p)))?
    }};
}

/// An optional input struct (`const T *`): `None` for NULL.
macro_rules! opt_in {
    ($p:ident) => {{
        let p = $p;
        // SAFETY: NULL or valid and unmodified: a struct, or a live handle (the exported
        // function's contract).
        unsafe { p.as_ref() }
    }};
}

/// A required input struct (`const T *`, not a handle).
macro_rules! try_in {
    ($p:ident) => {
        $crate::ffi::opt_in!($p).ok_or_else(|| $crate::ffi::null(stringify!($p)))?
    };
}

/// Releases a handle (the body of a `_free` export); NULL is a no-op.
macro_rules! free_box {
    ($p:ident) => {{
        let p = $crate::ffi::rust_ptr($p);
        if !p.is_null() {
            // SAFETY: a live handle from Box::into_raw, not used afterwards (`_free`'s contract).
            drop(unsafe { Box::from_raw(p) });
        }
    }};
}

/// Takes a handle back as its `Box` (consuming it).
macro_rules! try_box_from_ptr {
    ($p:ident) => {{
        let p = $crate::ffi::rust_ptr($p);
        if p.is_null() {
            return Err($crate::ffi::null(stringify!($p)));
        }
        // SAFETY: a live handle from Box::into_raw, not used afterwards (contract).
        unsafe { Box::from_raw(p) }
    }};
}

/// `count` elements at `p` (NULL allowed when `count == 0`).
macro_rules! try_slice {
    ($p:expr, $count:expr, $name:expr) => {{
        let (p, count) = ($p, $count);
        // SAFETY: `count` readable elements at `p` (the exported function's contract).
        unsafe { $crate::ffi::slice_in(p, count, $name) }?
    }};
}

/// The required bytes `(ptr, len)`.
macro_rules! try_bytes {
    ($p:ident, $len:expr) => {
        $crate::ffi::try_bytes!($p, $len, stringify!($p))
    };
    ($p:expr, $len:expr, $name:expr) => {{
        let p = $p;
        if p.is_null() {
            return Err($crate::ffi::null($name));
        }
        $crate::ffi::try_slice!(p.cast::<u8>(), $len, $name)
    }};
}

/// The required UTF-8 string `(ptr, len)`; `ST_ERR_INVALID_UTF8` names it.
macro_rules! try_str {
    ($p:ident, $len:expr) => {
        $crate::ffi::try_str!($p, $len, stringify!($p))
    };
    ($p:expr, $len:expr, $name:expr) => {
        $crate::ffi::utf8($crate::ffi::try_bytes!($p, $len, $name), $name)?
    };
}

/// An optional UTF-8 string: an `st_str` whose `ptr` is NULL is absent.
macro_rules! try_opt_str {
    ($s:expr, $name:expr) => {{
        let s: $crate::types::st_str = $s;
        // SAFETY: NULL or readable for its length (the exported function's contract).
        unsafe { s.opt($name) }?
    }};
}

/// An out-parameter, checked for NULL before any work is done.
macro_rules! try_out {
    ($p:ident) => {{
        if $p.is_null() {
            return Err($crate::ffi::null(stringify!($p)));
        }
        $crate::ffi::opt_out!($p)
    }};
}

/// An optional out-parameter: writing to a NULL one does nothing.
macro_rules! opt_out {
    ($p:ident) => {{
        let p = $p;
        // SAFETY: NULL or writable by the exported function's contract.
        unsafe { $crate::ffi::OutPtr::new(p) }
    }};
}

/// A `(char *buf, size_t cap, size_t *out_len)` output, checked before any work is done.
macro_rules! try_out_buf {
    ($buf:ident, $cap:expr, $out_len:ident) => {{
        let (buf, cap, out_len) = ($buf, $cap, $out_len);
        if out_len.is_null() {
            return Err($crate::ffi::null(stringify!($out_len)));
        }
        if buf.is_null() && cap != 0 {
            return Err($crate::ffi::null(stringify!($buf)));
        }
        // SAFETY: checked as `new` requires; valid by the exported function's contract.
        unsafe { $crate::ffi::OutBuf::new(buf.cast(), cap, out_len) }
    }};
}

pub(crate) use {
    free_box, opt_in, opt_out, try_box_from_ptr, try_bytes, try_in, try_mut_from_ptr, try_opt_str,
    try_out, try_out_buf, try_ref_from_ptr, try_slice, try_str,
};

/// # Safety
/// `ptr`, when not NULL, points to `count` readable `T` that stay unmodified for `'a`.
pub(crate) unsafe fn slice_in<'a, T>(
    ptr: *const T, count: usize, name: &str,
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
        let at = e.valid_up_to();
        set_last_error(format!("{name} is not valid UTF-8 (at byte {at})"));
        st_status::ST_ERR_INVALID_UTF8
    })
}

impl st_str {
    /// The string, `None` when `ptr` is NULL; `ST_ERR_INVALID_UTF8` names it.
    ///
    /// # Safety
    /// `ptr` is NULL or readable for `len` bytes, unmodified for `'a`.
    pub(crate) unsafe fn opt<'a>(self, name: &str) -> Result<Option<&'a str>, st_status> {
        match self.ptr.is_null() {
            true => Ok(None),
            // SAFETY: the caller's contract.
            false => Ok(Some(utf8(
                unsafe { slice_in(self.ptr.cast(), self.len, name) }?,
                name,
            )?)),
        }
    }
}

/// A checked out-parameter (made only by `try_out!`, or by `opt_out!` when NULL means "not
/// wanted"), written with `ptr::write` since the memory may be uninitialized.
#[derive(Clone, Copy)]
pub(crate) struct OutPtr<T>(*mut T);

impl<T> OutPtr<T> {
    /// # Safety
    /// `p` is NULL, or aligned and writable for the rest of the exported call.
    pub(crate) unsafe fn new(p: *mut T) -> Self {
        OutPtr(p)
    }

    /// Writes `value`; nothing when the pointer is NULL.
    pub(crate) fn write(self, value: T) {
        if !self.0.is_null() {
            // SAFETY: guaranteed by `new`'s contract.
            unsafe { self.0.write(value) }
        }
    }
}

/// A checked output buffer (made only by `try_out_buf!`); nothing is written until
/// [`OutBuf::write`].
pub(crate) struct OutBuf {
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
}

impl OutBuf {
    /// # Safety
    /// `out_len` is non-NULL and writable; `buf` is valid for `cap` bytes of writes (NULL
    /// only with `cap == 0`), overlapping no input, for the rest of the exported call.
    pub(crate) unsafe fn new(buf: *mut u8, cap: usize, out_len: *mut usize) -> Self {
        OutBuf { buf, cap, out_len }
    }

    /// Writes `s` and a NUL when room allows; when it does not fit, only the size needed
    /// goes to `*out_len`.
    pub(crate) fn write(&self, s: &str) -> Outcome {
        self.write_pieces(std::iter::once(s), s.len(), b'\n')
    }

    /// [`OutBuf::write`] of a batch's text: its pieces (`len` bytes once joined) copied
    /// once, straight into the caller's buffer, with `sep` between them and in place of
    /// the `'\n'`s inside them (signed links hold no control bytes).
    pub(crate) fn write_batch(&self, batch: &SignedBatch, sep: u8) -> Outcome {
        self.write_pieces(batch.pieces(), batch.joined_len(), sep)
    }

    fn write_pieces<'a>(
        &self, pieces: impl Iterator<Item = &'a str>, len: usize, sep: u8,
    ) -> Outcome {
        if len > self.cap {
            // SAFETY: `new`'s contract.
            unsafe { self.out_len.write(len) };
            let msg = format!(
                "output buffer too small: {len} bytes needed, capacity {}",
                self.cap
            );
            set_last_error(msg);
            return Err(st_status::ST_ERR_BUFFER_TOO_SMALL);
        }
        if len > 0 {
            // SAFETY: len <= cap bytes fit in the caller's buffer, which is non-NULL when
            // len > 0 and overlaps no Rust memory (`new`'s contract).
            let out = unsafe { std::slice::from_raw_parts_mut(self.buf, len) };
            let mut at = 0;
            for (i, piece) in pieces.enumerate() {
                if i > 0 {
                    out[at] = sep;
                    at += 1;
                }
                out[at..at + piece.len()].copy_from_slice(piece.as_bytes());
                at += piece.len();
            }
            if sep != b'\n' {
                out.iter_mut()
                    .filter(|b| **b == b'\n')
                    .for_each(|b| *b = sep);
            }
        }
        // SAFETY: the NUL only when len < cap (the buffer is then non-NULL); out_len is
        // writable (`new`'s contract).
        unsafe {
            if len < self.cap {
                self.buf.add(len).write(0);
            }
            self.out_len.write(len);
        }
        Ok(())
    }
}
