//! Serializing long sequences item by item, straight to the writer.

use serde::{Serialize, Serializer};

/// A sequence serialized from a fresh iterator, one item at a time, so that a report
/// never holds all its entries at once. `F` makes the iterator.
pub(crate) struct Streamed<F>(pub(crate) F);

impl<F, I> Serialize for Streamed<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}
