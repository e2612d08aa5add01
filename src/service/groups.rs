//! Groups a stream's messages that have already arrived, so that a loaded
//! `ClassifyStream` hands the worker pool one job per group instead of one
//! per message.
//!
//! Bounded by count and by size: a group never holds more than `max_items`
//! messages, nor more than `max_bytes` of them unless a single message is
//! larger on its own. The size bound keeps what one stream (and one
//! admission permit) can hold in memory where it was with one message per
//! job; only small messages are grouped. A message that would overflow a
//! group starts the next one.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};

/// Groups of the ready items of `inner` (see the module comment).
pub(super) struct ReadyGroups<S: Stream, F> {
    inner: S,
    size_of: F,
    max_items: usize,
    max_bytes: usize,
    /// The item that did not fit the previous group: the next group's first.
    carried: Option<S::Item>,
    inner_ended: bool,
}

impl<S: Stream, F> ReadyGroups<S, F>
where
    F: Fn(&S::Item) -> usize,
{
    pub(super) fn new(inner: S, max_items: usize, max_bytes: usize, size_of: F) -> Self {
        Self {
            inner,
            size_of,
            max_items: max_items.max(1),
            max_bytes,
            carried: None,
            inner_ended: false,
        }
    }
}

impl<S, F> Stream for ReadyGroups<S, F>
where
    S: Stream + Unpin,
    S::Item: Unpin,
    F: Fn(&S::Item) -> usize + Unpin,
{
    type Item = Vec<S::Item>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let mut group = Vec::new();
        let mut bytes = 0;
        if let Some(item) = this.carried.take() {
            bytes = (this.size_of)(&item);
            group.push(item);
        }
        while !this.inner_ended && group.len() < this.max_items {
            match this.inner.poll_next_unpin(cx) {
                Poll::Ready(Some(item)) => {
                    let size = (this.size_of)(&item);
                    if !group.is_empty() && bytes + size > this.max_bytes {
                        this.carried = Some(item);
                        break;
                    }
                    bytes += size;
                    group.push(item);
                }
                Poll::Ready(None) => this.inner_ended = true,
                // The waker is registered: a group in hand goes now, an
                // empty one waits for the next message.
                Poll::Pending => break,
            }
        }
        match (group.is_empty(), this.inner_ended) {
            (false, _) => Poll::Ready(Some(group)),
            (true, true) => Poll::Ready(None),
            (true, false) => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::stream;

    use super::*;

    /// The groups of `items`, all ready at once, each item its own size.
    fn groups(items: Vec<usize>, max_items: usize, max_bytes: usize) -> Vec<Vec<usize>> {
        let mut grouped = ReadyGroups::new(stream::iter(items), max_items, max_bytes, |n| *n);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut all = Vec::new();
        loop {
            match grouped.poll_next_unpin(&mut cx) {
                Poll::Ready(Some(group)) => all.push(group),
                Poll::Ready(None) => return all,
                Poll::Pending => panic!("every item was ready"),
            }
        }
    }

    #[test]
    fn ready_items_are_grouped_up_to_the_count() {
        assert_eq!(
            groups(vec![1; 5], 2, 100),
            vec![vec![1, 1], vec![1, 1], vec![1]]
        );
    }

    #[test]
    fn an_item_that_would_overflow_the_size_starts_the_next_group() {
        assert_eq!(
            groups(vec![4, 4, 4, 1, 9, 1], 10, 8),
            vec![vec![4, 4], vec![4, 1], vec![9], vec![1]]
        );
    }

    #[test]
    fn an_oversized_item_travels_alone_and_nothing_is_lost() {
        assert_eq!(
            groups(vec![20, 1, 20], 10, 8),
            vec![vec![20], vec![1], vec![20]]
        );
        assert!(groups(Vec::new(), 4, 8).is_empty());
    }

    #[test]
    fn a_lone_ready_item_is_not_held_back() {
        // One item ready, the next not yet: the first goes out at once.
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
        let mut grouped = ReadyGroups::new(
            tokio_stream::wrappers::UnboundedReceiverStream::new(rx),
            16,
            100,
            |n| *n,
        );
        tx.send(3).unwrap();
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert_eq!(grouped.poll_next_unpin(&mut cx), Poll::Ready(Some(vec![3])));
        assert_eq!(grouped.poll_next_unpin(&mut cx), Poll::Pending);
        tx.send(4).unwrap();
        tx.send(5).unwrap();
        drop(tx);
        assert_eq!(
            grouped.poll_next_unpin(&mut cx),
            Poll::Ready(Some(vec![4, 5]))
        );
        assert_eq!(grouped.poll_next_unpin(&mut cx), Poll::Ready(None));
    }
}
