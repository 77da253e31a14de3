//! Work handed from one thread to the next in chunks: a build's writing thread hands written
//! claims to the recording one, a posting's reading thread hands read claims to the posting one.
//! Items cross a bounded channel a chunk at a time (one hand-over per chunk, not per item), and the
//! bound on chunks in flight keeps memory flat however much work goes through.

use std::sync::mpsc::SyncSender;

/// The sending end: collects items and sends each full chunk.
pub(crate) struct ChunkSender<T> {
    send: SyncSender<Vec<T>>,
    chunk: Vec<T>,
    size: usize,
}

impl<T> ChunkSender<T> {
    /// Sends chunks of `size` items through `send`.
    pub(crate) fn new(send: SyncSender<Vec<T>>, size: usize) -> Self {
        ChunkSender { send, chunk: Vec::with_capacity(size), size }
    }

    /// Adds `item`, sending the chunk once it is full (waiting while the channel is). False when
    /// the receiving thread has stopped: the caller stops too.
    pub(crate) fn push(&mut self, item: T) -> bool {
        self.chunk.push(item);
        if self.chunk.len() < self.size {
            return true;
        }
        let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(self.size));
        self.send.send(full).is_ok()
    }

    /// Sends the last, partly filled chunk (nothing when the receiving thread has stopped).
    pub(crate) fn finish(self) {
        if !self.chunk.is_empty() {
            let _ = self.send.send(self.chunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_arrive_in_order_in_full_chunks_then_the_rest() {
        let (send, receive) = std::sync::mpsc::sync_channel(8);
        let mut sender = ChunkSender::new(send, 3);
        for i in 0..7 {
            assert!(sender.push(i));
        }
        sender.finish();
        let chunks: Vec<Vec<i32>> = receive.iter().collect();
        assert_eq!(chunks, [vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
    }

    #[test]
    fn a_stopped_receiver_is_reported_when_a_chunk_is_sent() {
        let (send, receive) = std::sync::mpsc::sync_channel(8);
        drop(receive);
        let mut sender = ChunkSender::new(send, 2);
        assert!(sender.push(1), "the chunk is not full yet");
        assert!(!sender.push(2));
    }
}
