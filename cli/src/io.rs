//! Everything the tool writes or reads goes through here: one checked writer for standard
//! output (no `println!`, so no panic on a closed or full stdout), warnings to standard error
//! that never fail, and standard input read as bytes, line by line.

use std::io::{self, BufRead, BufWriter, IsTerminal, Write};

use crate::exit::{Failure, EXIT_ERROR};

/// Standard output, buffered and checked.
///
/// A reader that went away (`EPIPE`, e.g. `| head -1`) ends the output quietly: no message,
/// and the command keeps its own exit status. Any other write error (a full disk,
/// `/dev/full`) is kept and reported by [`Out::finish`].
pub struct Out {
    w: BufWriter<io::StdoutLock<'static>>,
    state: State,
}

enum State {
    Open,
    /// The reader closed the pipe: nothing more can be delivered, and nothing is said.
    ReaderGone,
    Failed(io::Error),
}

impl Out {
    pub fn new() -> Self {
        Out {
            w: BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
            state: State::Open,
        }
    }

    /// Writes `text` and a newline. False once nothing more can be written; the caller
    /// then stops producing output.
    pub fn line(&mut self, text: impl AsRef<[u8]>) -> bool {
        let text = text.as_ref();
        self.attempt(|w| {
            w.write_all(text)?;
            w.write_all(b"\n")
        })
    }

    /// Writes `text` as it is (it holds its own newlines).
    pub fn text(&mut self, text: &str) -> bool {
        self.attempt(|w| w.write_all(text.as_bytes()))
    }

    /// Pushes what is buffered to the reader, so a pipeline sees each answer as soon as its
    /// input arrived.
    pub fn flush(&mut self) -> bool {
        self.attempt(|w| w.flush())
    }

    fn attempt(
        &mut self,
        f: impl FnOnce(&mut BufWriter<io::StdoutLock<'static>>) -> io::Result<()>,
    ) -> bool {
        if !matches!(self.state, State::Open) {
            return false;
        }
        match f(&mut self.w) {
            Ok(()) => true,
            Err(e) => {
                self.state = if e.kind() == io::ErrorKind::BrokenPipe {
                    State::ReaderGone
                } else {
                    State::Failed(e)
                };
                false
            }
        }
    }

    /// Flushes and says whether everything was written. A closed pipe is not an error.
    pub fn finish(mut self) -> Result<(), Failure> {
        self.flush();
        match std::mem::replace(&mut self.state, State::ReaderGone) {
            State::Open | State::ReaderGone => Ok(()),
            State::Failed(e) => Err(Failure(format!("cannot write output: {e}"), EXIT_ERROR)),
        }
    }
}

/// A message on standard error, prefixed with the program name. Never fails: if standard
/// error itself cannot be written, there is nobody left to tell.
pub fn warn(msg: &str) {
    let mut e = io::stderr().lock();
    let _ = writeln!(e, "cdn-secure-token: {msg}");
}

/// Calls `f(out, line_number, line)` for each line of standard input, as bytes (any bytes:
/// invalid UTF-8 is the callee's to judge), without its `\n` or `\r\n`. The line number
/// starts at 1. Output is flushed whenever no more input is waiting. Stops early when `f`
/// returns false (the output was closed).
pub fn each_stdin_line(
    out: &mut Out,
    what: &str,
    mut f: impl FnMut(&mut Out, usize, &[u8]) -> bool,
) -> Result<(), Failure> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        warn(&format!(
            "reading {what} from standard input, one per line (Ctrl-D ends)"
        ));
    }
    let mut input = io::BufReader::with_capacity(64 * 1024, stdin.lock());
    let mut line = Vec::new();
    let mut n = 0;
    loop {
        line.clear();
        let read = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure(format!("cannot read standard input: {e}"), EXIT_ERROR))?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        let mut l = line.as_slice();
        if let Some(rest) = l.strip_suffix(b"\n") {
            l = rest.strip_suffix(b"\r").unwrap_or(rest);
        }
        if !f(out, n, l) {
            return Ok(());
        }
        if input.buffer().is_empty() && !out.flush() {
            return Ok(());
        }
    }
}
