//! The cluster's membership as the KRaft controllers replay it
//! (`QuorumController`, `ClusterControlManager`) and brokers' own shutdown.

use super::DetectContext;
use super::fields::{after, id, int_after, leading_int};
use crate::event::{Detected, ShutdownPhase};
use crate::record::Record;

/// `[QuorumController id=0] In the new epoch 1, the leader is 1.` (or
/// `(none)`), logged by every controller that follows, and `Becoming the
/// active controller at epoch 1, ...` by the one that leads.
pub fn controller_change(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    if let Some(epoch) = int_after(message, "In the new epoch ") {
        let leader = after(message, "the leader is ")
            .and_then(leading_int)
            .and_then(id);
        out.push(Detected::ControllerChange { epoch, leader });
    } else if let Some(epoch) = int_after(message, "Becoming the active controller at epoch ") {
        let leader = int_after(message, "[QuorumController id=").and_then(id);
        out.push(Detected::ControllerChange { epoch, leader });
    }
}

/// `Replayed initial RegisterBrokerRecord for broker 1: RegisterBrokerRecord(brokerId=1, ..., brokerEpoch=17, ...`
/// and `Replayed RegisterBrokerRecord establishing a new incarnation of broker 2: ...`.
pub fn broker_registered(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    let new_incarnation = message.contains("establishing a new incarnation of broker ");
    let key = if new_incarnation {
        "establishing a new incarnation of broker "
    } else {
        "RegisterBrokerRecord for broker "
    };
    if let Some(broker) = int_after(message, key).and_then(id) {
        out.push(Detected::BrokerRegistered {
            broker,
            broker_epoch: int_after(message, "brokerEpoch="),
            new_incarnation,
        });
    }
}

/// `Replayed BrokerRegistrationChangeRecord modifying the registration for
/// broker 2: BrokerRegistrationChangeRecord(brokerId=2, brokerEpoch=18,
/// fenced=1, inControlledShutdown=0, ...)`: `fenced` is 1 when fenced, -1
/// when unfenced, 0 unchanged; `inControlledShutdown=1` starts a controlled
/// shutdown.
pub fn broker_registration_change(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    let Some(broker) = int_after(message, "modifying the registration for broker ").and_then(id)
    else {
        return;
    };
    let broker_epoch = int_after(message, "brokerEpoch=");
    match int_after(message, "fenced=") {
        Some(1) => out.push(Detected::BrokerFenced {
            broker,
            broker_epoch,
        }),
        Some(-1) => out.push(Detected::BrokerUnfenced {
            broker,
            broker_epoch,
        }),
        _ => {}
    }
    if int_after(message, "inControlledShutdown=") == Some(1) {
        out.push(Detected::BrokerShutdown {
            broker,
            phase: ShutdownPhase::ControlledShutdown,
        });
    }
}

/// `[BrokerServer id=2] shut down completed` (KRaft) or `[KafkaServer id=2]
/// shut down completed` (ZooKeeper mode).
pub fn broker_shut_down(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    let broker = int_after(message, "[BrokerServer id=")
        .or_else(|| int_after(message, "[KafkaServer id="))
        .and_then(id);
    if let Some(broker) = broker {
        out.push(Detected::BrokerShutdown {
            broker,
            phase: ShutdownPhase::Completed,
        });
    }
}
