//! ISR changes and leader elections, from the wording of Kafka 4.x (and
//! the leader-driven messages older brokers share): `kafka.cluster.Partition`,
//! `state.change.logger`, and the controller's `ReplicationControlManager`
//! and `PartitionChangeBuilder`.

use super::DetectContext;
use super::fields::{after, between, id, id_list, int_after, topic_partition};
use crate::event::{Detected, IsrChange};
use crate::record::Record;

/// `[Partition t-0 broker=0] Shrinking ISR from 0,1,2 to 0,1. Leader: (...)`
/// and `Expanding ISR from 0,1 to 0,1,2`: the leader's own change, old and
/// new in the line.
pub fn leader_driven_isr_change(
    record: &Record<'_>,
    context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    let shrinking = message.contains("Shrinking ISR from ");
    let key = if shrinking {
        "Shrinking ISR from "
    } else {
        "Expanding ISR from "
    };
    let Some((topic, partition)) = partition_of(message) else {
        return;
    };
    let Some(lists) = after(message, key) else {
        return;
    };
    let Some((old, rest)) = lists.split_once(" to ") else {
        return;
    };
    let new = rest.split(['.', ' ']).next().unwrap_or("");
    let (Some(old_isr), Some(new_isr)) = (id_list(old), id_list(new)) else {
        return;
    };
    let leader = int_after(message, " broker=").and_then(id);
    let change = IsrChange {
        topic: topic.clone(),
        partition,
        old_isr,
        new_isr: new_isr.clone(),
        leader,
    };
    out.push(if shrinking {
        Detected::IsrShrink(change)
    } else {
        Detected::IsrExpand(change)
    });
    // The same change confirmed later must not count again.
    context
        .isr
        .observe(&topic, partition, new_isr, leader, &mut Vec::new());
}

/// `[Partition t-0 broker=0] ISR updated to 0,2,1  and version updated to 2`.
pub fn isr_updated(record: &Record<'_>, context: &mut DetectContext<'_>, out: &mut Vec<Detected>) {
    let message = record.message();
    let (Some((topic, partition)), Some(list)) = (
        partition_of(message),
        between(message, "ISR updated to ", " "),
    ) else {
        return;
    };
    let leader = int_after(message, " broker=").and_then(id);
    if let Some(isr) = id_list(list) {
        context.isr.observe(&topic, partition, isr, leader, out);
    }
}

/// A partition registration as brokers (`state.change.logger`) and
/// controllers log it: `Skipped the become-follower state change for t-0
/// with topic id ..., partition registration PartitionRegistration(replicas=[1, 2, 0],
/// ..., isr=[1, 0], ..., leader=1, ...)` or `Replayed PartitionRecord for
/// new partition t-0 with topic ID ... and PartitionRegistration(...)`.
pub fn partition_registration(
    record: &Record<'_>,
    context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    let name = between(message, "state change for ", " with topic id")
        .or_else(|| between(message, "for new partition ", " with topic ID"));
    let (Some((topic, partition)), Some(list)) = (
        name.and_then(topic_partition),
        between(message, ", isr=[", "]"),
    ) else {
        return;
    };
    let leader = int_after(message, ", leader=").and_then(id);
    if let Some(isr) = id_list(list) {
        context.isr.observe(&topic, partition, isr, leader, out);
    }
}

/// `[Broker id=0] Leader t-1 with topic id Some(...) starts at leader epoch 1
/// from offset 0 with partition epoch 1, high watermark 0, ISR [0,1], ...
/// Previous leader Some(2) and previous leader epoch was 0.`: the new
/// leader's own account, its ISR, and an election when another broker led.
pub fn leader_started(
    record: &Record<'_>,
    context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    let Some(name) = between(message, "] Leader ", " with topic id") else {
        return;
    };
    let Some((topic, partition)) = topic_partition(name) else {
        return;
    };
    let leader = int_after(message, "[Broker id=").and_then(id);
    if let Some(isr) = between(message, ", ISR [", "]").and_then(id_list) {
        context.isr.observe(&topic, partition, isr, leader, out);
    }
    let previous_leader =
        between(message, "Previous leader Some(", ")").and_then(|text| text.parse::<i32>().ok());
    if let (Some(leader), Some(previous)) = (leader, previous_leader)
        && previous != leader
    {
        out.push(Detected::LeaderElection {
            topic,
            partition,
            leader,
            previous_leader,
            leader_epoch: int_after(message, "starts at leader epoch ").and_then(id),
            unclean: false,
        });
    }
}

/// `Setting new leader for topicId {id}, partition {p} to {leader} using an
/// unclean election` (the controller names the topic by id).
pub fn unclean_election(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    let (Some(topic), Some(partition), Some(leader)) = (
        between(message, "for topicId ", ","),
        int_after(message, ", partition ").and_then(id),
        between(message, ", partition ", " using an unclean election")
            .and_then(|text| after(text, " to "))
            .and_then(|text| text.trim().parse().ok()),
    ) else {
        return;
    };
    out.push(Detected::LeaderElection {
        topic: topic.to_string(),
        partition,
        leader,
        previous_leader: None,
        leader_epoch: None,
        unclean: true,
    });
}

/// The partition of a `[Partition t-0 broker=0]` log prefix.
fn partition_of(message: &str) -> Option<(String, i32)> {
    topic_partition(between(message, "[Partition ", " broker=")?)
}
