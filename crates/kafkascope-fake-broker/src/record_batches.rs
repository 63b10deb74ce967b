//! Records a fake partition holds, as v2 record batches.
//!
//! A test declares batches (offsets, timestamps, codec, control markers,
//! LogAppendTime); Fetch encodes them with kafka-protocol's encoder and then
//! stamps what a broker would (the LogAppendTime flag and time), so clients
//! read bytes shaped like a real broker's log.

use bytes::{Bytes, BytesMut};
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};

/// The LogAppendTime flag in the batch attributes (low byte at offset 22).
const LOG_APPEND_TIME_BIT: u8 = 1 << 3;
const ATTRIBUTES_AT: usize = 21;
const CRC_AT: usize = 17;
const MAX_TIMESTAMP_AT: usize = 35;
/// A producer id for transactional batches and their markers.
const TRANSACTIONAL_PRODUCER: i64 = 4_000;

/// One record batch of a fake partition's log.
#[derive(Debug, Clone)]
pub struct BatchSpec {
    pub base_offset: i64,
    /// One CreateTime timestamp per record, for offsets `base_offset..`.
    /// Keep them non-decreasing: the encoder writes the smallest as the
    /// batch's base timestamp, where a producer writes the first.
    pub timestamps: Vec<i64>,
    pub compression: Compression,
    /// `Some(t)`: the topic uses LogAppendTime and the broker stamped the
    /// batch at `t` (records keep their CreateTime deltas).
    pub log_append_time: Option<i64>,
    pub transactional: bool,
    /// A transaction marker (commit) batch of one control record.
    pub control: bool,
    /// Bytes of each record's value, to make batches as large as a test needs.
    pub value_size: usize,
}

impl BatchSpec {
    /// An uncompressed CreateTime data batch.
    pub fn data(base_offset: i64, timestamps: impl IntoIterator<Item = i64>) -> Self {
        Self {
            base_offset,
            timestamps: timestamps.into_iter().collect(),
            compression: Compression::None,
            log_append_time: None,
            transactional: false,
            control: false,
            value_size: 8,
        }
    }

    /// A commit marker at `offset`, ending a transaction.
    pub fn commit_marker(offset: i64, timestamp: i64) -> Self {
        Self {
            control: true,
            transactional: true,
            ..Self::data(offset, [timestamp])
        }
    }

    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    pub fn log_append_time(mut self, append_time: i64) -> Self {
        self.log_append_time = Some(append_time);
        self
    }

    pub fn transactional(mut self) -> Self {
        self.transactional = true;
        self
    }

    pub fn value_size(mut self, bytes: usize) -> Self {
        self.value_size = bytes;
        self
    }

    /// One past the batch's last offset.
    pub fn end_offset(&self) -> i64 {
        self.base_offset + self.timestamps.len().max(1) as i64
    }

    pub fn last_offset(&self) -> i64 {
        self.end_offset() - 1
    }

    /// The batch as a broker stores and serves it.
    pub fn encode(&self) -> Bytes {
        let records: Vec<Record> = (self.base_offset..)
            .zip(&self.timestamps)
            .map(|(offset, &timestamp)| self.record(offset, timestamp))
            .collect();
        let mut buf = BytesMut::new();
        let options = RecordEncodeOptions {
            version: 2,
            compression: self.compression,
        };
        // The specs are the test's own data: a failure here is a broken test.
        RecordBatchEncoder::encode(&mut buf, &records, &options)
            .unwrap_or_else(|e| panic!("fake batch at {} not encodable: {e}", self.base_offset));
        if let Some(append_time) = self.log_append_time {
            stamp_log_append_time(&mut buf, append_time);
        }
        buf.freeze()
    }

    fn record(&self, offset: i64, timestamp: i64) -> Record {
        let (key, value) = if self.control {
            // Control key: version 0, type 1 (commit); value: version 0, coordinator epoch 0.
            (vec![0, 0, 0, 1], vec![0; 6])
        } else {
            (
                format!("key-{offset}").into_bytes(),
                vec![b'v'; self.value_size],
            )
        };
        let producer_id = if self.transactional {
            TRANSACTIONAL_PRODUCER
        } else {
            -1
        };
        Record {
            transactional: self.transactional,
            control: self.control,
            delete_horizon: false,
            partition_leader_epoch: 0,
            producer_id,
            producer_epoch: i16::from(self.transactional) - 1,
            timestamp_type: TimestampType::Creation,
            offset,
            // Offset minus sequence must stay constant or the encoder splits the batch.
            sequence: (offset - self.base_offset) as i32,
            timestamp,
            key: Some(Bytes::from(key)),
            value: Some(Bytes::from(value)),
            headers: Default::default(),
        }
    }
}

/// What a broker does on append under LogAppendTime: set the flag, put its
/// clock in maxTimestamp, and seal the batch with a new CRC.
fn stamp_log_append_time(batch: &mut BytesMut, append_time: i64) {
    batch[ATTRIBUTES_AT + 1] |= LOG_APPEND_TIME_BIT;
    batch[MAX_TIMESTAMP_AT..MAX_TIMESTAMP_AT + 8].copy_from_slice(&append_time.to_be_bytes());
    let crc = crc32c::crc32c(&batch[ATTRIBUTES_AT..]);
    batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
}
