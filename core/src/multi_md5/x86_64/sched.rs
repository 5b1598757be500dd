//! Lane scheduler shared by the SIMD backends.
//!
//! Every lane of an `L`-lane engine holds one message. Each round feeds every
//! lane its next 64-byte block (whole blocks straight from the message, then
//! one or two padded tail blocks from a per-lane buffer) to one call of the
//! engine's compression function. A lane that has consumed its last block
//! emits its digest and takes the next pending message, so messages of any
//! and differing lengths keep the lanes busy. Idle lanes get a dummy block and
//! their state is ignored.

use md5::block_api::compress;

/// MD5 initial state (RFC 1321, 3.3).
const IV: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// Fed to idle lanes.
static IDLE_BLOCK: [u8; 64] = [0; 64];

/// A backend that runs the MD5 compression function on `L` lanes at once.
pub(super) trait Engine<const L: usize>: Copy {
    /// Once no message is pending and at most this many lanes are busy, the
    /// rest of their work is done with the scalar compression function.
    const SCALAR_TAIL: usize;

    /// One MD5 compression per lane: `state[w][i]` is word `w` of lane
    /// `i`'s state, `blocks[i]` is lane `i`'s next block.
    fn compress(self, state: &mut [[u32; L]; 4], blocks: &[&[u8; 64]; L]);
}

/// Where the padded tail starts in `Tail::buf`.
const TAIL: usize = 64;

/// The padded final block(s) of a lane's message.
///
/// All zeros when unused, so that an array of them is cheap to initialise.
#[derive(Clone, Copy)]
struct Tail {
    /// `buf[TAIL..end]` is the message's last `len % 64` bytes, 0x80, zeros
    /// and the bit length, little-endian, in the last 8 bytes. The 64 bytes
    /// before `TAIL` are scratch space for `fill`.
    buf: [u8; TAIL + 128],
    /// Offset in `buf` of the next block to compress.
    pos: usize,
    /// `TAIL + 64` or `TAIL + 128`.
    end: usize,
}

impl Tail {
    const EMPTY: Self = Tail {
        buf: [0; TAIL + 128],
        pos: 0,
        end: 0,
    };

    /// Pads the end of `msg`, given `rest`, its last `msg.len() % 64` bytes.
    #[inline]
    fn fill(&mut self, msg: &[u8], rest: &[u8]) {
        let rem = rest.len();
        self.buf = [0; TAIL + 128];
        match msg.last_chunk::<64>() {
            // A fixed-size copy that ends where the tail bytes end: cheaper
            // than a variable-length one; the bytes it writes before `TAIL`
            // are never read.
            Some(last) => self.buf[TAIL + rem - 64..TAIL + rem].copy_from_slice(last),
            None => super::super::portable::copy_small(&mut self.buf[TAIL..TAIL + rem], rest),
        }
        self.buf[TAIL + rem] = 0x80;
        let end = TAIL + if rem < 56 { 64 } else { 128 };
        // MD5 appends the message length in bits modulo 2^64.
        let bits = (msg.len() as u64).wrapping_mul(8);
        self.buf[end - 8..end].copy_from_slice(&bits.to_le_bytes());
        self.pos = TAIL;
        self.end = end;
    }

    /// The next block, and whether it is the last one.
    #[inline]
    fn next_block(&mut self) -> (&[u8; 64], bool) {
        let pos = self.pos;
        self.pos += 64;
        let block = self.buf[pos..]
            .first_chunk::<64>()
            .expect("busy lane has a tail block left");
        (block, self.pos == self.end)
    }

    /// The blocks not yet compressed.
    fn rest(&self) -> &[[u8; 64]] {
        self.buf[self.pos..self.end].as_chunks::<64>().0
    }
}

fn digest(state: [u32; 4]) -> [u8; 16] {
    let mut d = [0; 16];
    for (chunk, word) in d.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    d
}

/// Hashes `msgs` into `out` (same length) with engine `E`.
pub(super) fn run<'a, const L: usize, E: Engine<L>>(
    engine: E,
    msgs: &[&'a [u8]],
    out: &mut [[u8; 16]],
) {
    const { assert!(L <= 64, "lanes are tracked in a u64") };
    assert_eq!(msgs.len(), out.len());
    if msgs.len() <= E::SCALAR_TAIL {
        return super::super::portable::scalar(msgs, out);
    }

    // Lane `i` works on message `job[i]` (`None`: idle). `body[i]` is what is
    // left of its whole blocks, `tail[i]` its padded final block(s), and
    // `state[w][i]` word `w` of its MD5 state.
    let mut job: [Option<usize>; L] = [None; L];
    let mut body: [&'a [u8]; L] = [&[]; L];
    let mut tail = [Tail::EMPTY; L];
    let mut state = [[0u32; L]; 4];
    let mut pending = msgs.iter().enumerate();
    let mut busy = 0;

    // Starts the next pending message on lane `i`, or leaves it idle.
    macro_rules! refill {
        ($i:expr) => {{
            let i = $i;
            job[i] = pending.next().map(|(j, msg)| {
                let (blocks, rest) = msg.as_chunks::<64>();
                body[i] = blocks.as_flattened();
                tail[i].fill(msg, rest);
                for (w, iv) in state.iter_mut().zip(IV) {
                    w[i] = iv;
                }
                j
            });
            job[i].is_some()
        }};
    }

    for i in 0..L {
        if refill!(i) {
            busy += 1;
        }
    }

    // Fewer than `L` lanes are busy only once the queue is empty.
    while busy == L || busy > E::SCALAR_TAIL {
        // Bit `i` set: lane `i` is given its message's last block.
        let mut last = 0u64;
        let mut blocks = [&IDLE_BLOCK; L];
        for (i, ((block, body), tail)) in
            blocks.iter_mut().zip(&mut body).zip(&mut tail).enumerate()
        {
            if job[i].is_none() {
                continue;
            }
            if let Some((first, rest)) = body.split_first_chunk::<64>() {
                *block = first;
                *body = rest;
            } else {
                let (first, is_last) = tail.next_block();
                *block = first;
                last |= u64::from(is_last) << i;
            }
        }
        engine.compress(&mut state, &blocks);
        while last != 0 {
            let i = last.trailing_zeros() as usize;
            last &= last - 1;
            let j = job[i].expect("a lane given a block is busy");
            out[j] = digest(core::array::from_fn(|w| state[w][i]));
            if !refill!(i) {
                busy -= 1;
            }
        }
    }

    for i in 0..L {
        if let Some(j) = job[i] {
            let mut st = core::array::from_fn(|w| state[w][i]);
            compress(&mut st, body[i].as_chunks::<64>().0);
            compress(&mut st, tail[i].rest());
            out[j] = digest(st);
        }
    }
}

/// Hashes `bufs` (at most `L`), each a message already padded in place into one block, or
/// two where bit `i` of `two` is set: every lane its first block in one call, then the
/// second blocks in another if any message has one.
pub(super) fn run_short<const L: usize, E: Engine<L>>(
    engine: E,
    bufs: &[[u8; 128]],
    two: u64,
    out: &mut [[u8; 16]],
) {
    const { assert!(L <= 64, "lanes are tracked in a u64") };
    assert!(bufs.len() <= L && bufs.len() == out.len());
    let mut state = [[0u32; L]; 4];
    for (w, iv) in state.iter_mut().zip(IV) {
        *w = [iv; L];
    }
    let mut blocks = [&IDLE_BLOCK; L];
    for (block, buf) in blocks.iter_mut().zip(bufs) {
        *block = buf.as_chunks::<64>().0.first().expect("two blocks");
    }
    engine.compress(&mut state, &blocks);
    let lane = |state: &[[u32; L]; 4], i: usize| digest(core::array::from_fn(|w| state[w][i]));
    if two == 0 {
        for (i, o) in out.iter_mut().enumerate() {
            *o = lane(&state, i);
        }
        return;
    }
    for (i, (block, buf)) in blocks.iter_mut().zip(bufs).enumerate() {
        if two >> i & 1 == 0 {
            out[i] = lane(&state, i);
            *block = &IDLE_BLOCK;
        } else {
            *block = buf.as_chunks::<64>().0.last().expect("two blocks");
        }
    }
    engine.compress(&mut state, &blocks);
    for (i, o) in out.iter_mut().enumerate() {
        if two >> i & 1 == 1 {
            *o = lane(&state, i);
        }
    }
}
