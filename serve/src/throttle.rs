//! MP4 `speed` / `buffer` as nginx's `limit_rate_after` / `limit_rate`: the first `buffer`
//! bytes go at full speed, then at most `speed` bytes per second.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

pin_project_lite::pin_project! {
    /// A body sent no faster than the limits allow.
    pub struct Throttle<B> {
        #[pin]
        inner: B,
        sent: u64,
        buffer: u64,
        speed: u64,
        start: Instant,
        #[pin]
        sleep: Sleep,
        pending: Option<Frame<Bytes>>,
    }
}

impl<B> Throttle<B> {
    /// `speed` in bytes per second (must be > 0), `buffer` in bytes.
    pub fn new(inner: B, speed: u64, buffer: u64) -> Self {
        let now = Instant::now();
        Throttle {
            inner,
            sent: 0,
            buffer,
            speed: speed.max(1),
            start: now,
            sleep: tokio::time::sleep_until(now),
            pending: None,
        }
    }
}

fn frame_len(f: &Frame<Bytes>) -> u64 {
    f.data_ref().map_or(0, |d| d.len() as u64)
}

impl<B: Body<Data = Bytes>> Body for Throttle<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let mut me = self.project();
        loop {
            if let Some(frame) = me.pending.take() {
                let n = frame_len(&frame);
                let after = (*me.sent + n).saturating_sub(*me.buffer);
                let due = *me.start + Duration::from_secs_f64(after as f64 / *me.speed as f64);
                if Instant::now() < due {
                    me.sleep.as_mut().reset(due);
                    if me.sleep.as_mut().poll(cx).is_pending() {
                        *me.pending = Some(frame);
                        return Poll::Pending;
                    }
                }
                *me.sent += n;
                return Poll::Ready(Some(Ok(frame)));
            }
            match me.inner.as_mut().poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    let n = frame_len(&frame);
                    if *me.sent + n <= *me.buffer {
                        *me.sent += n;
                        return Poll::Ready(Some(Ok(frame)));
                    }
                    *me.pending = Some(frame);
                }
                other => return other,
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.pending.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let mut h = self.inner.size_hint();
        if let Some(p) = &self.pending {
            let n = frame_len(p);
            if let Some(u) = h.upper() {
                h.set_upper(u + n);
            }
            h.set_lower(h.lower() + n);
        }
        h
    }
}

use std::future::Future;
