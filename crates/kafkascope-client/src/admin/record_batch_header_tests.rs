//! Batches built by kafka-protocol's encoder, then read by our parser: exact
//! timestamps per offset and codec, control records, LogAppendTime, cuts at
//! every length, bit flips and garbage.

use bytes::{Bytes, BytesMut};
use kafka_protocol::records::{
    Compression, Record, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

fn record(offset: i64, timestamp: i64) -> Record {
    Record {
        transactional: false,
        control: false,
        delete_horizon: false,
        partition_leader_epoch: 0,
        producer_id: -1,
        producer_epoch: -1,
        timestamp_type: TimestampType::Creation,
        offset,
        // Constant offset - sequence keeps the encoder from splitting the batch.
        sequence: offset as i32,
        timestamp,
        key: Some(Bytes::from(format!("key-{offset}"))),
        value: Some(Bytes::from(format!("value-{offset}-{}", "x".repeat(20)))),
        headers: Default::default(),
    }
}

/// One batch holding `timestamps.len()` records from `base`.
fn batch(base: i64, timestamps: &[i64], compression: Compression) -> Vec<u8> {
    let records: Vec<Record> = (base..)
        .zip(timestamps)
        .map(|(offset, &ts)| record(offset, ts))
        .collect();
    encode(&records, compression)
}

fn encode(records: &[Record], compression: Compression) -> Vec<u8> {
    let mut buf = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression,
    };
    RecordBatchEncoder::encode(&mut buf, records, &options).expect("encodable batch");
    buf.to_vec()
}

/// A transaction marker batch at `offset`.
fn control_batch(offset: i64) -> Vec<u8> {
    let mut marker = record(offset, 1);
    marker.control = true;
    marker.transactional = true;
    marker.producer_id = 7;
    marker.producer_epoch = 0;
    // Control key: version 0, type 1 (commit).
    marker.key = Some(Bytes::from_static(&[0, 0, 0, 1]));
    marker.value = Some(Bytes::from_static(&[0, 0, 0, 0, 0, 0]));
    encode(&[marker], Compression::None)
}

/// Marks a batch LogAppendTime stamped at `append_time`, as a broker does.
fn with_log_append_time(mut batch: Vec<u8>, append_time: i64) -> Vec<u8> {
    batch[22] |= 1 << 3;
    batch[35..43].copy_from_slice(&append_time.to_be_bytes());
    let crc = crc32c::crc32c(&batch[21..]);
    batch[17..21].copy_from_slice(&crc.to_be_bytes());
    batch
}

fn found(records: &[u8], offset: i64, hwm: i64) -> Result<Located, BatchError> {
    locate(records, Position::at(offset), hwm)
}

fn ts(timestamp: i64) -> Result<Located, BatchError> {
    Ok(Located::Found(RecordAt::Timestamp(timestamp)))
}

fn read_more(next: i64, skipped_control: bool) -> Result<Located, BatchError> {
    Ok(Located::ReadMore(Position {
        next,
        skipped_control,
    }))
}

#[test]
fn header_fields_are_read_as_encoded() {
    let bytes = batch(10, &[1_000, 1_001, 1_005, 1_009], Compression::Lz4);
    let header = RecordBatchHeader::parse(&bytes).unwrap();
    assert_eq!(header.base_offset, 10);
    assert_eq!(header.total_len(), bytes.len());
    assert_eq!(header.magic, 2);
    assert_eq!(header.codec(), 3);
    assert_eq!(header.last_offset_delta, 3);
    assert_eq!(header.last_offset(), 13);
    assert_eq!(
        (header.base_timestamp, header.max_timestamp),
        (1_000, 1_009)
    );
    assert_eq!(header.record_count, 4);
    assert_eq!((header.producer_id, header.producer_epoch), (-1, -1));
    assert!(!header.is_control() && !header.is_transactional() && !header.is_log_append_time());
    let marker = RecordBatchHeader::parse(&control_batch(3)).unwrap();
    assert!(marker.is_control() && marker.is_transactional());
}

#[test]
fn offset_at_batch_base_is_the_base_timestamp() {
    let bytes = batch(10, &[1_000, 1_001, 1_005], Compression::None);
    assert_eq!(found(&bytes, 10, 13), ts(1_000));
    // A fetch below the batch (a compacted gap) reads the batch's first record.
    assert_eq!(found(&bytes, 8, 13), ts(1_000));
}

#[test]
fn offset_inside_a_batch_is_read_from_its_record_for_every_codec() {
    for codec in [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let bytes = batch(10, &[1_000, 1_001, 1_005, 1_009], codec);
        assert_eq!(found(&bytes, 11, 14), ts(1_001), "{codec:?}");
        assert_eq!(found(&bytes, 13, 14), ts(1_009), "{codec:?}");
    }
}

#[test]
fn batches_ending_before_the_offset_are_skipped() {
    let mut bytes = batch(0, &[100, 101, 102], Compression::None);
    bytes.extend(batch(3, &[200, 201, 202], Compression::Zstd));
    assert_eq!(found(&bytes, 4, 6), ts(201));
    assert_eq!(found(&bytes, 3, 6), ts(200));
    assert_eq!(found(&bytes, 2, 6), ts(102));
}

#[test]
fn log_append_time_is_the_batch_max_timestamp_at_any_offset() {
    let bytes = with_log_append_time(batch(5, &[1_000, 1_001], Compression::Lz4), 9_000);
    assert!(
        RecordBatchHeader::parse(&bytes)
            .unwrap()
            .is_log_append_time()
    );
    assert_eq!(found(&bytes, 5, 7), ts(9_000));
    assert_eq!(found(&bytes, 6, 7), ts(9_000));
}

#[test]
fn control_batches_are_skipped_to_the_next_data_record() {
    let mut bytes = control_batch(4);
    bytes.extend(batch(5, &[500, 501], Compression::None));
    assert_eq!(found(&bytes, 4, 7), ts(500));
}

#[test]
fn only_control_records_up_to_the_high_watermark() {
    let mut bytes = control_batch(4);
    bytes.extend(control_batch(5));
    assert_eq!(
        found(&bytes, 4, 6),
        Ok(Located::Found(RecordAt::OnlyControlRecords))
    );
    // The broker stopped short of the watermark: fetch more, remembering the markers.
    assert_eq!(found(&bytes, 4, 9), read_more(6, true));
}

#[test]
fn offset_at_or_past_the_high_watermark_is_the_log_end() {
    let bytes = batch(0, &[1, 2], Compression::None);
    assert_eq!(found(&bytes, 2, 2), Ok(Located::Found(RecordAt::AtLogEnd)));
    assert_eq!(found(&[], 7, 2), Ok(Located::Found(RecordAt::AtLogEnd)));
    assert_eq!(found(&[], 1, 2), read_more(1, false));
}

#[test]
fn a_cut_at_every_length_reads_the_header_or_asks_for_more() {
    let first = batch(10, &[1_000, 1_002, 1_004], Compression::None);
    let mut bytes = first.clone();
    bytes.extend(batch(13, &[2_000, 2_001], Compression::Lz4));
    let whole = bytes.len();
    for cut in 0..=whole {
        let bytes = &bytes[..cut];
        // At a batch base, the header alone answers.
        let expected = if cut < HEADER_LEN {
            read_more(10, false)
        } else {
            ts(1_000)
        };
        assert_eq!(found(bytes, 10, 15), expected, "base, cut at {cut}");
        // Inside the first batch, the whole batch is needed.
        let expected = if cut < first.len() {
            read_more(11, false)
        } else {
            ts(1_002)
        };
        assert_eq!(found(bytes, 11, 15), expected, "inside, cut at {cut}");
        // In the second batch: skip the first once it is whole.
        let expected = match cut {
            c if c < first.len() + HEADER_LEN => read_more(13, false),
            _ => ts(2_000),
        };
        assert_eq!(found(bytes, 13, 15), expected, "second, cut at {cut}");
        let expected = if cut < whole {
            read_more(14, false)
        } else {
            ts(2_001)
        };
        assert_eq!(
            found(bytes, 14, 15),
            expected,
            "second inside, cut at {cut}"
        );
    }
}

#[test]
fn a_flipped_byte_is_an_error_or_a_plausible_answer_never_a_panic() {
    let original = batch(10, &[1_000, 1_002, 1_004], Compression::Zstd);
    for at in 0..original.len() {
        for bit in 0..8 {
            let mut bytes = original.clone();
            bytes[at] ^= 1 << bit;
            let result = found(&bytes, 11, 13);
            // Bytes the CRC covers (attributes onwards) and the CRC itself
            // cannot change without the header checks or the CRC noticing.
            if at >= 17 {
                assert!(result.is_err(), "byte {at} bit {bit}: {result:?}");
            }
        }
    }
}

#[test]
fn garbage_never_panics() {
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..2_000 {
        let len = rng.random_range(0..200);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if len > 16 && rng.random_bool(0.5) {
            bytes[16] = 2;
        }
        let _ = found(&bytes, rng.random_range(-1..100), rng.random_range(-1..200));
    }
}

#[test]
fn a_valid_crc_over_hostile_records_is_an_error() {
    // Claims 1000 records of which none is there: must not allocate or panic.
    let mut bytes = batch(0, &[5, 6], Compression::None);
    bytes[57..61].copy_from_slice(&1_000_i32.to_be_bytes());
    bytes[23..27].copy_from_slice(&1_500_i32.to_be_bytes());
    let crc = crc32c::crc32c(&bytes[21..]);
    bytes[17..21].copy_from_slice(&crc.to_be_bytes());
    assert!(matches!(
        found(&bytes, 5, 2_000),
        Err(BatchError::Malformed { offset: 0, .. })
    ));
}

#[test]
fn old_message_formats_are_reported_as_unsupported() {
    let mut bytes = batch(3, &[1, 2], Compression::None);
    bytes[16] = 1;
    assert_eq!(
        found(&bytes, 3, 5),
        Err(BatchError::OldMessageFormat {
            offset: 3,
            magic: 1
        })
    );
    assert_eq!(
        found(&bytes, 3, 5).unwrap_err().to_string(),
        "message format v0/v1 not supported (magic 1 at offset 3)"
    );
    bytes[16] = 0;
    assert!(matches!(
        found(&bytes[..20], 3, 5),
        Err(BatchError::OldMessageFormat { magic: 0, .. })
    ));
}

#[test]
fn a_corrupted_batch_fails_its_crc() {
    let mut bytes = batch(3, &[1, 2], Compression::None);
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    assert!(matches!(
        found(&bytes, 4, 5),
        Err(BatchError::Crc { offset: 3, .. })
    ));
}

/// Property: for random batches, codecs and offsets, the parser's answer is
/// the timestamp kafka-protocol's own decoder gives that record.
#[test]
fn round_trip_against_kafka_protocol_decoder() {
    let codecs = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];
    let mut rng = StdRng::seed_from_u64(42);
    for case in 0..200 {
        let mut bytes = Vec::new();
        let mut next_offset = rng.random_range(0..1_000_i64);
        let mut timestamp = rng.random_range(0..2_000_000_000_000_i64);
        let start = next_offset;
        for _ in 0..rng.random_range(1..4) {
            // Non-decreasing within a batch, as producers write them.
            let timestamps: Vec<i64> = (0..rng.random_range(1..12))
                .map(|_| {
                    timestamp += rng.random_range(0..5_000);
                    timestamp
                })
                .collect();
            let codec = codecs[rng.random_range(0..codecs.len())];
            bytes.extend(batch(next_offset, &timestamps, codec));
            next_offset += timestamps.len() as i64;
        }
        let decoded: Vec<Record> = RecordBatchDecoder::decode_all(&mut Bytes::from(bytes.clone()))
            .unwrap()
            .into_iter()
            .flat_map(|set| set.records)
            .collect();
        for expected in &decoded {
            let answer = found(&bytes, expected.offset, next_offset);
            assert_eq!(answer, ts(expected.timestamp), "case {case}, from {start}");
        }
        assert_eq!(
            found(&bytes, next_offset, next_offset),
            Ok(Located::Found(RecordAt::AtLogEnd))
        );
    }
}

/// Offsets 10-13 (zstd), a marker at 14, 15-16 (lz4), markers at 17 and 18.
fn mixed_log() -> (Vec<u8>, usize) {
    let mut bytes = batch(10, &[1_000, 1_001, 1_005, 1_009], Compression::Zstd);
    bytes.extend(control_batch(14));
    let second_data_at = bytes.len();
    bytes.extend(batch(15, &[2_000, 2_003], Compression::Lz4));
    bytes.extend(control_batch(17));
    bytes.extend(control_batch(18));
    (bytes, second_data_at)
}

fn each(records: &[u8], offsets: &[i64], hwm: i64) -> Vec<Result<Located, BatchError>> {
    let from: Vec<Position> = offsets.iter().map(|&o| Position::at(o)).collect();
    locate_each(records, &from, hwm)
}

#[test]
fn several_offsets_are_settled_in_one_walk_in_the_order_asked() {
    let (bytes, _) = mixed_log();
    assert_eq!(
        each(&bytes, &[19, 13, 10, 17, 14, 12, 16, 18], 19),
        vec![
            Ok(Located::Found(RecordAt::AtLogEnd)),
            ts(1_009),
            ts(1_000),
            Ok(Located::Found(RecordAt::OnlyControlRecords)),
            ts(2_000),
            ts(1_005),
            ts(2_003),
            Ok(Located::Found(RecordAt::OnlyControlRecords)),
        ]
    );
    // Offsets that meet the same markers each remember them.
    assert_eq!(
        each(&bytes, &[14, 17, 18], 25),
        vec![ts(2_000), read_more(19, true), read_more(19, true)]
    );
}

#[test]
fn offsets_past_a_cut_read_more_while_those_before_it_are_answered() {
    let (bytes, second_data_at) = mixed_log();
    // Cut inside the second data batch: its header is there, its records not.
    let cut = &bytes[..second_data_at + HEADER_LEN + 3];
    assert_eq!(
        each(cut, &[11, 14, 15, 16, 17], 19),
        vec![
            ts(1_001),
            ts(2_000),
            ts(2_000),
            read_more(16, false),
            read_more(17, false),
        ]
    );
}

#[test]
fn a_corrupt_batch_fails_only_the_offsets_that_reach_it() {
    let (mut bytes, second_data_at) = mixed_log();
    let last_of_second = second_data_at
        + RecordBatchHeader::parse(&bytes[second_data_at..])
            .unwrap()
            .total_len()
        - 1;
    bytes[last_of_second] ^= 0xff;
    let answers = each(&bytes, &[13, 14, 16, 18], 19);
    assert_eq!(answers[0], ts(1_009));
    for (i, answer) in answers.iter().enumerate().skip(1) {
        assert!(
            matches!(answer, Err(BatchError::Crc { offset: 15, .. })),
            "position {i}: {answer:?}"
        );
    }
}

/// Property: in random logs cut anywhere, every position of a random set
/// gets from the shared walk exactly what it gets walking alone.
#[test]
fn a_shared_walk_answers_each_offset_as_a_walk_alone_does() {
    let codecs = [Compression::None, Compression::Lz4, Compression::Zstd];
    let mut rng = StdRng::seed_from_u64(11);
    for case in 0..300 {
        let start = rng.random_range(0..100_i64);
        let (mut bytes, mut next) = (Vec::new(), start);
        for _ in 0..rng.random_range(1..6) {
            if rng.random_bool(0.3) {
                bytes.extend(control_batch(next));
                next += 1;
            } else {
                let count = rng.random_range(1..6);
                let timestamps: Vec<i64> = (0..count).map(|i| next * 10 + i).collect();
                let codec = codecs[rng.random_range(0..codecs.len())];
                bytes.extend(batch(next, &timestamps, codec));
                next += count;
            }
        }
        let cut = rng.random_range(0..=bytes.len());
        let hwm = rng.random_range(next - 1..next + 2);
        let offsets: Vec<i64> = (0..rng.random_range(1..6))
            .map(|_| rng.random_range(start..next + 2))
            .collect();
        let alone: Vec<_> = offsets
            .iter()
            .map(|&o| found(&bytes[..cut], o, hwm))
            .collect();
        assert_eq!(
            each(&bytes[..cut], &offsets, hwm),
            alone,
            "case {case}: offsets {offsets:?}, cut {cut} of {}",
            bytes.len()
        );
    }
}

/// Regression: stepping past a batch whose last offset is i64::MAX (the
/// base offset is outside the CRC) overflowed.
#[test]
fn a_batch_ending_at_the_largest_offset_does_not_overflow() {
    let mut marker = control_batch(4);
    marker[..8].copy_from_slice(&i64::MAX.to_be_bytes());
    assert_eq!(
        found(&marker, 5, i64::MAX),
        Ok(Located::Found(RecordAt::OnlyControlRecords))
    );
    let mut data = batch(0, &[1, 2], Compression::None);
    data[..8].copy_from_slice(&(i64::MAX - 1).to_be_bytes());
    assert_eq!(
        found(&data, i64::MAX, i64::MAX),
        Ok(Located::Found(RecordAt::AtLogEnd))
    );
    assert_eq!(found(&data, i64::MAX - 1, i64::MAX), ts(1));
}
