//! The batch calls: a JavaScript array of URLs read into one buffer, signed by the core,
//! and handed back as the core's pieces of joined text (one string per slice a thread
//! signed), which `signMany` in main.js splits at '\n'. Measured against the other ways
//! (bench/bench.js, 100,000 URLs): joining in JavaScript costs ~80 ns per URL
//! (`Array.prototype.join`), and an array of strings made here (`napi_create_string` and
//! `napi_set_element` per URL) ~1.6x the time of one latin1 string split in JavaScript.

use std::sync::Arc;

use cdn_secure_token::{self as core, ErrorKind, Prepared, SignedBatch};
use napi::bindgen_prelude::{Array, Env, FromNapiValue, JsValue, Latin1String, Task, Unknown};
use napi::sys;
use napi_derive::napi;

use crate::value::{append_utf8, catch, Fail, Value};
use crate::PreparedOptions;

/// Memory that `signMany` reuses from call to call when the caller passes it: the URLs read
/// from the array and the signed batch with its worker buffers (the core's `SignedBatch`).
/// Without one, a call of a large batch gets fresh memory and pays its page faults again.
/// Holds nothing between calls but that memory; not for two calls at once (`signManyAsync`
/// takes none).
#[napi]
#[derive(Default)]
pub struct SignBuffer {
    input: Vec<u8>,
    ends: Vec<usize>,
    urls: Vec<&'static str>,
    /// The first item that is not a string, and what it is.
    stop: Option<(usize, Value)>,
    batch: SignedBatch,
}

#[napi]
impl SignBuffer {
    #[napi(constructor)]
    pub fn new() -> Self {
        SignBuffer::default()
    }
}

impl SignBuffer {
    /// Reads the array `urls` as UTF-8 (lone surrogates become U+FFFD, as in every N-API
    /// string), up to its first item that is not a string.
    pub fn read(&mut self, urls: &Unknown<'_>) -> Result<(), Fail> {
        self.input.clear();
        self.ends.clear();
        self.stop = None;
        let env = urls.value().env;
        // SAFETY: `urls` and each item are values of this call's environment, and `urls` is
        // an array when it is read as one.
        unsafe {
            if !urls.is_array()? {
                let v = Value::from_napi_value(env, urls.raw())?;
                return Err(v.wrong(ErrorKind::Url, "urls", "an array of strings"));
            }
            let urls = Array::from_napi_value(env, urls.raw())?;
            self.ends.reserve(urls.len() as usize);
            for i in 0..urls.len() {
                // A getter of the array that throws: its exception propagates as it is.
                // (napi-rs's `Array::get`, not inlined, costs ~36 instructions per URL more.)
                let mut item = std::ptr::null_mut();
                napi::check_status!(sys::napi_get_element(env, urls.raw(), i, &mut item))?;
                let item = Unknown::from_napi_value(env, item)?;
                let status = append_utf8(&item, &mut self.input);
                if status == sys::Status::napi_string_expected {
                    self.stop = Some((i as usize, Value::from_napi_value(env, item.raw())?));
                    return Ok(());
                }
                napi::check_status!(status)?;
                self.ends.push(self.input.len());
            }
        }
        Ok(())
    }

    /// Signs what `read` read; an item that was not a string fails after the URLs before
    /// it, so that the first bad item is the one reported.
    pub fn sign(&mut self, signer: &core::Signer, p: &Prepared) -> Result<(), Fail> {
        let text = std::str::from_utf8(&self.input).map_err(|_| Fail::internal())?;
        let mut urls = recycle(std::mem::take(&mut self.urls));
        let mut start = 0;
        for &end in &self.ends {
            urls.push(text.get(start..end).ok_or_else(Fail::internal)?);
            start = end;
        }
        let signed = signer.sign_many_into(&urls, p, &mut self.batch);
        self.urls = recycle(urls);
        signed?;
        match self.stop.take() {
            Some((i, v)) => Err(v.wrong(ErrorKind::Url, "url", "a string").at(i)),
            None => Ok(()),
        }
    }

    /// The signed batch as latin1 strings (signed links are ASCII, so latin1 is exact and
    /// saves V8 the UTF-8 decoding): its one piece of joined text, or an array of its pieces
    /// (a parallel batch; an array for one piece costs ~2,000 instructions, callgrind).
    pub fn pieces(&self, env: &Env) -> Result<sys::napi_value, Fail> {
        let latin1 = |text: &str| Ok(env.create_string_latin1(text)?.raw());
        let mut pieces = self.batch.pieces();
        let (first, second) = (pieces.next().unwrap_or_default(), pieces.next());
        let Some(second) = second else {
            return latin1(first);
        };
        let mut array = env.create_array(2)?;
        for (i, piece) in [first, second].into_iter().chain(pieces).enumerate() {
            array.set(i as u32, latin1(piece)?)?;
        }
        Ok(array.raw())
    }
}

/// An emptied vector's allocation, for references of another lifetime: the buffer's list
/// of URLs is kept between calls without borrowing the text of a call (collecting a mapped
/// `vec::IntoIter` into a vector of the same layout reuses its allocation).
fn recycle<'b>(mut v: Vec<&str>) -> Vec<&'b str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
}

/// The work of `signJoinedAsync` and `signManyAsync`: arguments read on the JavaScript
/// thread, hashing (and joining the pieces of a parallel batch) on a libuv worker.
pub struct BatchTask {
    pub signer: Arc<core::Signer>,
    pub work: Option<Result<(Work, Arc<PreparedOptions>), Fail>>,
}

/// What is signed: a joined text, or a read array in its buffer.
pub enum Work {
    Text(String),
    List(Box<SignBuffer>),
}

impl Task for BatchTask {
    type Output = Result<String, Fail>;
    type JsValue = Latin1String;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let work = self.work.take();
        Ok(catch(|| {
            let (work, p) = work.unwrap_or_else(|| Err(Fail::internal()))?;
            let batch = match work {
                Work::Text(text) => self.signer.sign_joined(&text, b'\n', &p.prepared)?,
                Work::List(mut buf) => {
                    buf.sign(&self.signer, &p.prepared)?;
                    buf.batch
                }
            };
            Ok(batch.into_joined())
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Latin1String> {
        output
            .map(Latin1String::from)
            .map_err(|f| f.into_napi(&env))
    }
}
