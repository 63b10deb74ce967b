//! The consumer protocol's assignment blob, as carried opaquely in
//! DescribeGroups: a 2-byte version, then the assignment at that version.

use bytes::{Buf, Bytes};
use kafka_protocol::messages::ConsumerProtocolAssignment;
use kafka_protocol::protocol::{Decodable, Message};

/// Topic → partitions assigned to one member, or `None` when the blob is
/// empty (mid-rebalance) or not in a form we can read.
pub fn decode_consumer_assignment(blob: &Bytes) -> Option<Vec<(String, Vec<i32>)>> {
    let mut buf = blob.clone();
    let version = buf.try_get_i16().ok()?;
    // Newer versions only append fields; read them as the newest we know.
    let read_as = version.clamp(0, ConsumerProtocolAssignment::VERSIONS.max);
    let assignment = ConsumerProtocolAssignment::decode(&mut buf, read_as).ok()?;
    Some(
        assignment
            .assigned_partitions
            .into_iter()
            .map(|tp| (tp.topic.0.to_string(), tp.partitions))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::{BufMut, BytesMut};
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
}
