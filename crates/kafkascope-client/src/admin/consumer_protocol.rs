//! The consumer protocol's assignment blob, as carried opaquely in
//! DescribeGroups: a 2-byte version, then the assignment at that version.
//!
//! Read here rather than with kafka-protocol's decoder: the blob is written
//! by whichever client leads the group, and that decoder reserves room for
//! as many entries as an array's length says before reading one, so a
//! blob declaring two billion topics made kafkascope abort. Every count is
//! held to what the bytes left could hold.

use bytes::{Buf, Bytes};

/// Topic → partitions assigned to one member, or `None` when the blob is
/// empty (mid-rebalance) or not in a form we can read.
pub fn decode_consumer_assignment(blob: &Bytes) -> Option<Vec<(String, Vec<i32>)>> {
    let mut buf = blob.clone();
    // Versions 0 to 3 share the assigned partitions; newer versions only
    // append fields, which are left unread.
    let _version = buf.try_get_i16().ok()?;
    // A topic takes at least its name's length (2) and its array's (4).
    let topics = count(&mut buf, 6)?;
    let mut assigned = Vec::with_capacity(topics);
    for _ in 0..topics {
        let name_len = usize::try_from(buf.try_get_i16().ok()?).ok()?;
        if buf.remaining() < name_len {
            return None;
        }
        let name = String::from_utf8(buf.copy_to_bytes(name_len).to_vec()).ok()?;
        let partitions = count(&mut buf, 4)?;
        let mut numbers = Vec::with_capacity(partitions);
        for _ in 0..partitions {
            numbers.push(buf.try_get_i32().ok()?);
        }
        assigned.push((name, numbers));
    }
    Some(assigned)
}

/// An array's length, if the bytes left could hold that many entries of at
/// least `entry_bytes` each (a null array reads as empty).
fn count(buf: &mut Bytes, entry_bytes: usize) -> Option<usize> {
    match buf.try_get_i32().ok()? {
        -1 => Some(0),
        n => {
            let n = usize::try_from(n).ok()?;
            (n.checked_mul(entry_bytes)? <= buf.remaining()).then_some(n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::{BufMut, BytesMut};
    use kafka_protocol::messages::ConsumerProtocolAssignment;
    use kafka_protocol::messages::TopicName;
    use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition;
    use kafka_protocol::protocol::{Encodable, StrBytes};

    fn encoded(version: i16) -> Bytes {
        let assignment = ConsumerProtocolAssignment::default().with_assigned_partitions(vec![
            TopicPartition::default()
                .with_topic(TopicName(StrBytes::from_static_str("orders")))
                .with_partitions(vec![0, 2]),
        ]);
        let mut buf = BytesMut::new();
        buf.put_i16(version);
        assignment.encode(&mut buf, version).unwrap();
        buf.freeze()
    }

    #[test]
    fn decodes_v0_and_v3_assignments() {
        for version in [0, 3] {
            assert_eq!(
                decode_consumer_assignment(&encoded(version)),
                Some(vec![("orders".to_string(), vec![0, 2])])
            );
        }
    }

    #[test]
    fn empty_or_garbage_blob_is_none() {
        assert_eq!(decode_consumer_assignment(&Bytes::new()), None);
        assert_eq!(
            decode_consumer_assignment(&Bytes::from_static(&[0, 0, 0xff])),
            None
        );
    }

    #[test]
    fn a_blob_declaring_two_billion_topics_is_refused_not_allocated() {
        let mut blob = BytesMut::new();
        blob.put_i16(0);
        blob.put_i32(i32::MAX);
        blob.put_i16(1);
        blob.put_u8(b'a');
        assert_eq!(decode_consumer_assignment(&blob.freeze()), None);
        let mut blob = BytesMut::new();
        blob.put_i16(3);
        blob.put_i32(1);
        blob.put_i16(1);
        blob.put_u8(b'a');
        blob.put_i32(i32::MAX);
        assert_eq!(decode_consumer_assignment(&blob.freeze()), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// Fuzzing: any blob is an assignment or `None`, never a panic.
        #[test]
        fn fuzz_any_blob_is_an_assignment_or_none(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = decode_consumer_assignment(&Bytes::from(bytes));
        }

        #[test]
        fn assignments_read_back_at_every_version(
            topics in proptest::collection::btree_map("[a-z0-9._-]{1,20}", proptest::collection::vec(0i32..1000, 0..6), 0..5),
            version in 0i16..=3,
        ) {
            let assignment = ConsumerProtocolAssignment::default().with_assigned_partitions(
                topics
                    .iter()
                    .map(|(topic, partitions)| {
                        TopicPartition::default()
                            .with_topic(TopicName(StrBytes::from_string(topic.clone())))
                            .with_partitions(partitions.clone())
                    })
                    .collect(),
            );
            let mut buf = BytesMut::new();
            buf.put_i16(version);
            assignment.encode(&mut buf, version).unwrap();
            let expected: Vec<(String, Vec<i32>)> = topics.into_iter().collect();
            proptest::prop_assert_eq!(decode_consumer_assignment(&buf.freeze()), Some(expected));
        }
    }
}
