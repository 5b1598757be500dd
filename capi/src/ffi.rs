//! The one set of pointer helpers (the shape of rustls-ffi's `ffi.rs`): a C pointer becomes a
//! Rust value only through these macros, each with its one NULL / length check; a NULL gives
//! `ST_ERR_NULL_POINTER` naming the argument. Handles are [`Castable`] boxes. Each macro holds
//! an `unsafe` block and is used only in an exported function, whose contract (the crate docs)
//! says the pointer is NULL or valid for that use.

use std::cell::RefCell;

use cdn_secure_token::{Error, SignedBatch};

use crate::prelude::*;

pub(crate) type Outcome = Result<(), st_status>;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) fn set_last_error(msg: String) {
    // A thread being torn down has no slot left; the status alone still tells the caller.
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = msg);
}

/// The thread's last error, taken out of its slot.
pub(crate) fn take_last_error() -> String {
    LAST_ERROR.try_with(RefCell::take).unwrap_or_default()
}

/// `status`, with `msg` as the thread's last error.
pub(crate) fn fail(status: st_status, msg: String) -> st_status {
    set_last_error(msg);
    status
}

pub(crate) fn null(name: &str) -> st_status {
    fail(st_status::ST_ERR_NULL_POINTER, format!("{name} is NULL"))
}

pub(crate) fn argument(msg: String) -> st_status {
    fail(st_status::ST_ERR_INVALID_ARGUMENT, msg)
}

/// A core error becomes its status (its kind's number; the C boundary's own for text that is
/// not UTF-8), its message the thread's last error: `?` on any core call is the whole error
/// mapping.
impl From<Error> for st_status {
    fn from(e: Error) -> st_status {
        let status = match e {
            Error::NotUtf8 { .. } => st_status::ST_ERR_INVALID_UTF8,
            _ => status_of(e.kind()),
        };
        fail(status, e.to_string())
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

/// A handle as `&RustType` (required).
macro_rules! try_ref_from_ptr {
    ($p:ident) => {{
        let p = $crate::ffi::rust_ptr($p).cast_const();
        $crate::ffi::try_in!(p, stringify!($p))
    }};
}

/// A handle as `&mut RustType` (required; used by no one else during the call).
macro_rules! try_mut_from_ptr {
    ($p:ident) => {{
        let p = $crate::ffi::rust_ptr($p);
        // SAFETY: NULL or a live handle used by no one else (the exported function's contract).
        unsafe { p.as_mut() }.ok_or_else(|| $crate::ffi::null(stringify!($p)))?
    }};
}

/// An optional input struct or handle (`const T *`): `None` for NULL.
macro_rules! opt_in {
    ($p:expr) => {{
        let p = $p;
        // SAFETY: NULL or valid and unmodified during the call (the exported function's contract).
        unsafe { p.as_ref() }
    }};
}

/// A required input struct (`const T *`, not a handle).
macro_rules! try_in {
    ($p:ident) => {
        $crate::ffi::try_in!($p, stringify!($p))
    };
    ($p:expr, $name:expr) => {
        $crate::ffi::opt_in!($p).ok_or_else(|| $crate::ffi::null($name))?
    };
}

/// Takes a handle back as its `Box` (consuming it); `None` for NULL.
macro_rules! opt_box_from_ptr {
    ($p:ident) => {{
        let p = $crate::ffi::rust_ptr($p);
        // SAFETY: NULL or a live handle from Box::into_raw, not used afterwards (contract).
        (!p.is_null()).then(|| unsafe { Box::from_raw(p) })
    }};
}

/// `len` elements at `p`, `None` when `p` is NULL.
macro_rules! opt_slice {
    ($p:expr, $len:expr, $name:expr) => {{
        let (p, len) = ($p, $len);
        // SAFETY: NULL or `len` readable elements, unmodified during the call (contract).
        unsafe { $crate::ffi::slice_in(p, len, $name) }?
    }};
}

/// `count` elements at `p` (NULL allowed when `count == 0`).
macro_rules! try_slice {
    ($p:expr, $count:expr, $name:expr) => {{
        let count = $count;
        match $crate::ffi::opt_slice!($p, count, $name) {
            Some(s) => s,
            None if count == 0 => &[],
            None => return Err($crate::ffi::null($name)),
        }
    }};
}

/// The required bytes `(ptr, len)`.
macro_rules! try_bytes {
    ($p:ident, $len:expr) => {
        $crate::ffi::try_bytes!($p, $len, stringify!($p))
    };
    ($p:expr, $len:expr, $name:expr) => {
        $crate::ffi::opt_slice!($p.cast::<u8>(), $len, $name)
            .ok_or_else(|| $crate::ffi::null($name))?
    };
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
        let bytes = $crate::ffi::opt_slice!(s.ptr.cast::<u8>(), s.len, $name);
        bytes.map(|b| $crate::ffi::utf8(b, $name)).transpose()?
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
    opt_box_from_ptr, opt_in, opt_out, opt_slice, try_bytes, try_in, try_mut_from_ptr, try_opt_str,
    try_out, try_out_buf, try_ref_from_ptr, try_slice, try_str,
};

/// # Safety
/// `ptr` is NULL or points to `len` readable `T` that stay unmodified for `'a`.
pub(crate) unsafe fn slice_in<'a, T>(
    ptr: *const T, len: usize, name: &str,
) -> Result<Option<&'a [T]>, st_status> {
    if ptr.is_null() {
        return Ok(None);
    }
    if len == 0 {
        return Ok(Some(&[])); // a pointer to nothing need not be aligned
    }
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(argument(format!("{name} is larger than any object")));
    }
    // SAFETY: non-NULL, size bounded by isize::MAX, `len` elements (caller contract).
    Ok(Some(unsafe { std::slice::from_raw_parts(ptr, len) }))
}

pub(crate) fn utf8<'a>(bytes: &'a [u8], name: &'static str) -> Result<&'a str, st_status> {
    let not_utf8 = |e: std::str::Utf8Error| Error::NotUtf8 {
        name,
        position: e.valid_up_to(),
    };
    Ok(std::str::from_utf8(bytes).map_err(not_utf8)?)
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

    /// [`OutPtr::write`] as the last step of an exported body.
    pub(crate) fn put(self, value: T) -> Outcome {
        self.write(value);
        Ok(())
    }
}

/// A checked output buffer (made only by `try_out_buf!`); nothing is written until
/// [`OutBuf::write`] or [`OutBuf::write_batch`].
pub(crate) struct OutBuf {
    buf: *mut u8,
    cap: usize,
    out_len: OutPtr<usize>,
}

impl OutBuf {
    /// # Safety
    /// `out_len` is non-NULL and writable; `buf` is valid for `cap` bytes of writes (NULL
    /// only with `cap == 0`), overlapping no input, for the rest of the exported call.
    pub(crate) unsafe fn new(buf: *mut u8, cap: usize, out_len: *mut usize) -> Self {
        OutBuf {
            buf,
            cap,
            out_len: OutPtr(out_len),
        }
    }

    /// Writes `s`.
    pub(crate) fn write(&self, s: &str) -> Outcome {
        self.fill(s.len(), |out| out.copy_from_slice(s.as_bytes()))
    }

    /// Writes a batch's signed URLs with `sep` between them, copied once, straight into the
    /// caller's buffer (the core's `SignedBatch::write_joined`).
    pub(crate) fn write_batch(&self, batch: &SignedBatch, sep: u8) -> Outcome {
        self.fill(batch.joined_len(), |out| batch.write_joined(sep, out))
    }

    /// `len` bytes filled by `f`, and a NUL when room allows; when they do not fit, only the
    /// size needed goes to `*out_len`.
    fn fill(&self, len: usize, f: impl FnOnce(&mut [u8])) -> Outcome {
        self.out_len.write(len);
        if len > self.cap {
            let msg = format!(
                "output buffer too small: {len} bytes needed, capacity {}",
                self.cap
            );
            return Err(fail(st_status::ST_ERR_BUFFER_TOO_SMALL, msg));
        }
        if self.cap == 0 {
            return Ok(()); // nothing to write, not even a NUL (and `buf` may be NULL)
        }
        // SAFETY: at most cap bytes at `buf`, which is non-NULL as cap > 0 and overlaps no
        // Rust memory (`new`'s contract).
        let out = unsafe { std::slice::from_raw_parts_mut(self.buf, (len + 1).min(self.cap)) };
        f(&mut out[..len]);
        if let Some(nul) = out.get_mut(len) {
            *nul = 0;
        }
        Ok(())
    }
}
