//! Record batches (message format v2) as a Fetch answer carries them: the
//! fixed header read without touching the records, and the walk from
//! offsets to the first data record at or after each, all offsets of one
//! partition in one pass over its batches.
//!
//! Pure: bytes in, answer out. A broker cuts its answer at a byte limit, so
//! the last batch (or even the first, past the first partition of a request)
//! may be incomplete, and an offset may lie past the bytes; that is not an
//! error here but a [`Located::ReadMore`] telling the caller where to fetch
//! again. Only a complete batch is checked against its CRC; of an incomplete
//! one only the header is used.

use std::panic::{AssertUnwindSafe, catch_unwind};

use bytes::Bytes;
use kafka_protocol::compression::{Decompressor, Gzip, Lz4, Snappy, Zstd};

use super::RecordAt;

/// Bytes of the v2 header, base offset through record count.
pub const HEADER_LEN: usize = 61;
/// baseOffset and batchLength: what `batchLength` does not count.
const LOG_OVERHEAD: usize = 12;
const MAGIC_AT: usize = 16;
/// The CRC covers everything from the attributes to the end of the batch.
const ATTRIBUTES_AT: usize = 21;
const CURRENT_MAGIC: i8 = 2;

const CODEC_MASK: i16 = 0b111;
const LOG_APPEND_TIME: i16 = 1 << 3;
const TRANSACTIONAL: i16 = 1 << 4;
const CONTROL: i16 = 1 << 5;
/// Set by the log cleaner: `baseTimestamp` then holds the delete horizon,
/// not the first record's timestamp.
const DELETE_HORIZON: i16 = 1 << 6;

/// Why a batch could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    #[error("message format v0/v1 not supported (magic {magic} at offset {offset})")]
    OldMessageFormat { offset: i64, magic: i8 },
    #[error("record batch at offset {offset}: unknown magic {magic}")]
    UnknownMagic { offset: i64, magic: i8 },
    #[error(
        "record batch at offset {offset}: CRC {stored:#010x} stored, {computed:#010x} computed"
    )]
    Crc {
        offset: i64,
        stored: u32,
        computed: u32,
    },
    #[error("record batch at offset {offset}: {reason}")]
    Malformed { offset: i64, reason: String },
}

/// The fixed part of a v2 record batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordBatchHeader {
    pub base_offset: i64,
    /// Bytes after this field: the whole batch is `batch_length + 12` bytes.
    pub batch_length: i32,
    pub partition_leader_epoch: i32,
    pub magic: i8,
    pub crc: u32,
    pub attributes: i16,
    pub last_offset_delta: i32,
    /// The first record's timestamp (CreateTime), unless the delete horizon
    /// flag says the cleaner reused it.
    pub base_timestamp: i64,
    /// The largest record timestamp; the append time under LogAppendTime.
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub record_count: i32,
}

impl RecordBatchHeader {
    /// Reads a header from the start of `bytes` (at least [`HEADER_LEN`]
    /// bytes), checking only what makes the header itself usable.
    pub fn parse(bytes: &[u8]) -> Result<Self, BatchError> {
        if bytes.len() < HEADER_LEN {
            return Err(BatchError::Malformed {
                offset: -1,
                reason: format!("{} bytes are too few for a batch header", bytes.len()),
            });
        }
        let mut r = FieldReader(bytes);
        // Cannot fail: the length was checked above.
        let mut read = || {
            Some(RecordBatchHeader {
                base_offset: r.i64()?,
                batch_length: r.i32()?,
                partition_leader_epoch: r.i32()?,
                magic: r.i8()?,
                crc: r.u32()?,
                attributes: r.i16()?,
                last_offset_delta: r.i32()?,
                base_timestamp: r.i64()?,
                max_timestamp: r.i64()?,
                producer_id: r.i64()?,
                producer_epoch: r.i16()?,
                base_sequence: r.i32()?,
                record_count: r.i32()?,
            })
        };
        let header = read().ok_or_else(|| BatchError::Malformed {
            offset: -1,
            reason: "header cut short".into(),
        })?;
        check_magic(header.base_offset, header.magic)?;
        header.validate()?;
        Ok(header)
    }

    fn validate(&self) -> Result<(), BatchError> {
        let malformed = |reason: String| BatchError::Malformed {
            offset: self.base_offset,
            reason,
        };
        if self.base_offset < 0 {
            return Err(malformed("negative base offset".into()));
        }
        if (self.batch_length as i64) < (HEADER_LEN - LOG_OVERHEAD) as i64 {
            return Err(malformed(format!(
                "batch length {} is shorter than the header",
                self.batch_length
            )));
        }
        if self.last_offset_delta < 0 || self.record_count < 0 {
            return Err(malformed(format!(
                "negative last offset delta ({}) or record count ({})",
                self.last_offset_delta, self.record_count
            )));
        }
        if self
            .base_offset
            .checked_add(self.last_offset_delta.into())
            .is_none()
        {
            return Err(malformed("last offset overflows".into()));
        }
        Ok(())
    }

    /// The whole batch's size in bytes, header included.
    pub fn total_len(&self) -> usize {
        LOG_OVERHEAD + self.batch_length.max(0) as usize
    }

    pub fn last_offset(&self) -> i64 {
        self.base_offset
            .saturating_add(i64::from(self.last_offset_delta))
    }

    /// Compression codec: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.
    pub fn codec(&self) -> i16 {
        self.attributes & CODEC_MASK
    }

    pub fn is_log_append_time(&self) -> bool {
        self.attributes & LOG_APPEND_TIME != 0
    }

    pub fn is_transactional(&self) -> bool {
        self.attributes & TRANSACTIONAL != 0
    }

    pub fn is_control(&self) -> bool {
        self.attributes & CONTROL != 0
    }

    pub fn has_delete_horizon(&self) -> bool {
        self.attributes & DELETE_HORIZON != 0
    }
}

fn check_magic(offset: i64, magic: i8) -> Result<(), BatchError> {
    match magic {
        CURRENT_MAGIC => Ok(()),
        0 | 1 => Err(BatchError::OldMessageFormat { offset, magic }),
        _ => Err(BatchError::UnknownMagic { offset, magic }),
    }
}

/// Where a walk stands: the next offset to account for, and whether control
/// records were skipped on the way to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub next: i64,
    pub skipped_control: bool,
}

impl Position {
    pub fn at(offset: i64) -> Self {
        Position {
            next: offset,
            skipped_control: false,
        }
    }
}

/// What a walk over one Fetch answer found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Located {
    Found(RecordAt),
    /// The bytes ran out first: fetch again from `next`. When `next` is
    /// where the answer began, its first batch came cut, and only the first
    /// partition of a request is sure to get that whole.
    ReadMore(Position),
}

/// Finds what a consumer at `from.next` reads next in `records` (a Fetch
/// answer for that offset), given the partition's high watermark.
pub fn locate(records: &[u8], from: Position, high_watermark: i64) -> Result<Located, BatchError> {
    locate_each(records, &[from], high_watermark)
        .pop()
        .unwrap_or(Ok(Located::ReadMore(from)))
}

/// [`locate`] for several positions of one partition at once, in one pass
/// over the batches: answer `i` is what `locate` gives `from[i]`. `records`
/// must start at or below the lowest position (a Fetch from it). A batch is
/// decompressed only when some position lies inside it, and then once.
pub fn locate_each(
    records: &[u8],
    from: &[Position],
    high_watermark: i64,
) -> Vec<Result<Located, BatchError>> {
    let mut walks: Vec<Walk> = from.iter().map(|&at| Walk { at, outcome: None }).collect();
    let mut rest = records;
    while let Some(after) = walk_batch(rest, high_watermark, &mut walks) {
        rest = after;
    }
    walks
        .into_iter()
        .map(|walk| walk.outcome.unwrap_or(Ok(Located::ReadMore(walk.at))))
        .collect()
}

/// One position's walk; `outcome` is set once it is settled.
struct Walk {
    at: Position,
    outcome: Option<Result<Located, BatchError>>,
}

impl Walk {
    fn pending(&self) -> bool {
        self.outcome.is_none()
    }
}

/// Moves every pending walk through the batch at the start of `rest`;
/// returns the bytes after that batch, or `None` when the walks are all
/// settled or the bytes end (the pending ones then read more).
fn walk_batch<'a>(rest: &'a [u8], high_watermark: i64, walks: &mut [Walk]) -> Option<&'a [u8]> {
    for walk in walks
        .iter_mut()
        .filter(|w| w.pending() && w.at.next >= high_watermark)
    {
        walk.outcome = Some(Ok(Located::Found(end_of_log(walk.at))));
    }
    if !walks.iter().any(Walk::pending) {
        return None;
    }
    let header = match next_header(rest) {
        Ok(Some(header)) => header,
        Ok(None) => return None,
        Err(error) => return fail_pending(walks, error),
    };
    let complete = rest.len() >= header.total_len();
    let batch = &rest[..header.total_len().min(rest.len())];
    if complete && let Err(error) = check_crc(&header, batch) {
        return fail_pending(walks, error);
    }
    let mut records = BatchRecords {
        header: &header,
        batch,
        complete,
        payload: None,
    };
    for walk in walks
        .iter_mut()
        .filter(|w| w.pending() && header.last_offset() >= w.at.next)
    {
        records.advance(walk);
    }
    complete.then(|| &rest[header.total_len()..])
}

/// A batch the walk cannot pass fails every walk that has to pass it.
fn fail_pending<'a>(walks: &mut [Walk], error: BatchError) -> Option<&'a [u8]> {
    for walk in walks.iter_mut().filter(|w| w.pending()) {
        walk.outcome = Some(Err(error.clone()));
    }
    None
}

/// One batch as the walks meet it, its records decompressed on first need.
struct BatchRecords<'a> {
    header: &'a RecordBatchHeader,
    batch: &'a [u8],
    complete: bool,
    payload: Option<Result<Bytes, BatchError>>,
}

impl BatchRecords<'_> {
    /// Settles or advances a walk whose position is at most this batch's
    /// last offset.
    fn advance(&mut self, walk: &mut Walk) {
        // Saturating: the base offset is outside the CRC, and a hostile one
        // may put the last offset at i64::MAX.
        let after = self.header.last_offset().saturating_add(1);
        if self.header.is_control() {
            walk.at = Position {
                next: after,
                skipped_control: true,
            };
            return;
        }
        match self.timestamp_from(walk.at.next) {
            Ok(InBatch::At(timestamp)) => {
                walk.outcome = Some(Ok(Located::Found(RecordAt::Timestamp(timestamp))));
            }
            Ok(InBatch::NeedWholeBatch) => walk.outcome = Some(Ok(Located::ReadMore(walk.at))),
            // Compaction removed the batch's last records but kept its offsets.
            Ok(InBatch::NoneLeft) => walk.at.next = after,
            Err(error) => walk.outcome = Some(Err(error)),
        }
    }

    /// The timestamp of the first record at or after `next` (at most the
    /// batch's last offset), from the header when it says.
    fn timestamp_from(&mut self, next: i64) -> Result<InBatch, BatchError> {
        let header = self.header;
        if header.is_log_append_time() {
            // The broker stamped the whole batch; record deltas are the producer's.
            return Ok(InBatch::At(header.max_timestamp));
        }
        if next <= header.base_offset && !header.has_delete_horizon() {
            return Ok(InBatch::At(header.base_timestamp));
        }
        if !self.complete {
            return Ok(InBatch::NeedWholeBatch);
        }
        let batch = self.batch;
        let payload = self
            .payload
            .get_or_insert_with(|| decompress(header, &batch[HEADER_LEN..]))
            .as_ref()
            .map_err(Clone::clone)?;
        Ok(match first_record_from(header, payload, next)? {
            Some(timestamp) => InBatch::At(timestamp),
            None => InBatch::NoneLeft,
        })
    }
}

fn end_of_log(at: Position) -> RecordAt {
    if at.skipped_control {
        RecordAt::OnlyControlRecords
    } else {
        RecordAt::AtLogEnd
    }
}

/// The header at the start of `rest`, or `None` when too few bytes are left
/// to read one (the broker's byte limit cut it).
fn next_header(rest: &[u8]) -> Result<Option<RecordBatchHeader>, BatchError> {
    if rest.len() > MAGIC_AT {
        let base_offset = FieldReader(rest).i64().unwrap_or(-1);
        check_magic(base_offset, rest[MAGIC_AT] as i8)?;
    }
    if rest.len() < HEADER_LEN {
        return Ok(None);
    }
    RecordBatchHeader::parse(rest).map(Some)
}

fn check_crc(header: &RecordBatchHeader, batch: &[u8]) -> Result<(), BatchError> {
    let computed = crc32c::crc32c(&batch[ATTRIBUTES_AT..]);
    if computed == header.crc {
        Ok(())
    } else {
        Err(BatchError::Crc {
            offset: header.base_offset,
            stored: header.crc,
            computed,
        })
    }
}

enum InBatch {
    At(i64),
    NeedWholeBatch,
    NoneLeft,
}

/// The records section of a batch, uncompressed. Codecs come from
/// kafka-protocol; a decompressor panicking on hostile bytes is an error.
fn decompress(header: &RecordBatchHeader, payload: &[u8]) -> Result<Bytes, BatchError> {
    fn run<D: Decompressor<Bytes, Buf = Bytes>>(payload: &[u8]) -> anyhow::Result<Bytes> {
        D::decompress(&mut Bytes::copy_from_slice(payload), |out| {
            Ok(std::mem::take(out))
        })
    }
    let malformed = |reason: String| BatchError::Malformed {
        offset: header.base_offset,
        reason,
    };
    let codec = header.codec();
    let result = catch_unwind(AssertUnwindSafe(|| match codec {
        0 => Ok(Bytes::copy_from_slice(payload)),
        1 => run::<Gzip>(payload),
        2 => run::<Snappy>(payload),
        3 => run::<Lz4>(payload),
        4 => run::<Zstd>(payload),
        other => Err(anyhow::anyhow!("unknown compression codec {other}")),
    }));
    match result {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) => Err(malformed(format!("codec {codec}: {error:#}"))),
        Err(_) => Err(malformed(format!("codec {codec}: decompressor panicked"))),
    }
}

/// Walks the records (length, attributes, timestampDelta, offsetDelta, ...)
/// reading only the two deltas of each.
fn first_record_from(
    header: &RecordBatchHeader,
    mut records: &[u8],
    next: i64,
) -> Result<Option<i64>, BatchError> {
    let malformed = |reason: &str| BatchError::Malformed {
        offset: header.base_offset,
        reason: reason.to_string(),
    };
    for _ in 0..header.record_count {
        let length = read_varint(&mut records).ok_or_else(|| malformed("bad record length"))?;
        let length = usize::try_from(length).map_err(|_| malformed("negative record length"))?;
        if records.len() < length {
            return Err(malformed("record runs past the end of the batch"));
        }
        let (mut record, after) = records.split_at(length);
        records = after;
        record = record.get(1..).ok_or_else(|| malformed("empty record"))?;
        let timestamp_delta =
            read_varlong(&mut record).ok_or_else(|| malformed("bad timestamp delta"))?;
        let offset_delta = read_varint(&mut record).ok_or_else(|| malformed("bad offset delta"))?;
        let offset = header.base_offset.checked_add(offset_delta.into());
        if offset.is_some_and(|o| o >= next) {
            return header
                .base_timestamp
                .checked_add(timestamp_delta)
                .map(Some)
                .ok_or_else(|| malformed("record timestamp overflows"));
        }
    }
    Ok(None)
}

/// A zigzag varint of at most `max_bytes` bytes.
fn read_zigzag(bytes: &mut &[u8], max_bytes: usize) -> Option<i64> {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().take(max_bytes).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *bytes = &bytes[i + 1..];
            return Some((value >> 1) as i64 ^ -((value & 1) as i64));
        }
    }
    None
}

fn read_varint(bytes: &mut &[u8]) -> Option<i32> {
    read_zigzag(bytes, 5).and_then(|v| i32::try_from(v).ok())
}

fn read_varlong(bytes: &mut &[u8]) -> Option<i64> {
    read_zigzag(bytes, 10)
}

/// Big-endian fields read in order; `None` once the bytes run out.
struct FieldReader<'a>(&'a [u8]);

impl FieldReader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_at_checked(N)?;
        self.0 = rest;
        head.try_into().ok()
    }
    fn i8(&mut self) -> Option<i8> {
        self.take::<1>().map(i8::from_be_bytes)
    }
    fn i16(&mut self) -> Option<i16> {
        self.take::<2>().map(i16::from_be_bytes)
    }
    fn i32(&mut self) -> Option<i32> {
        self.take::<4>().map(i32::from_be_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take::<4>().map(u32::from_be_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.take::<8>().map(i64::from_be_bytes)
    }
}

#[cfg(test)]
#[path = "record_batch_header_tests.rs"]
mod tests;
