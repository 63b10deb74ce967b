//! The age of the record at an offset: one Fetch per partition leader for
//! every (partition, offset) asked about, read from the record batch header.
//!
//! Interface only so far; the Fetch itself lands with the consumer-health work.

/// What the log holds at an offset, as far as its age is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAt {
    /// A data record with this timestamp, in milliseconds since the epoch
    /// (CreateTime, or LogAppendTime when the topic uses it).
    Timestamp(i64),
    /// Only transaction control records (commit/abort markers) between the
    /// offset and the high watermark: nothing is left to consume.
    OnlyControlRecords,
    /// The offset is at or past the high watermark: nothing to read.
    AtLogEnd,
    /// The offset is below the log start (deleted by retention); the field
    /// is the log start offset when the broker said it.
    BelowLogStart(Option<i64>),
}
