//! The declarative model of a fake cluster.
//!
//! Everything here is plain data with builder helpers: the server reads it on every request,
//! so a test can change any field between two requests and the next answer reflects it.

use std::collections::{BTreeMap, HashMap};

use kafka_protocol::messages::ApiKey;

use crate::record_batches::BatchSpec;

/// The whole cluster as the brokers will describe it.
#[derive(Debug, Clone, Default)]
pub struct FakeCluster {
    pub cluster_id: String,
    /// Reported by Metadata and DescribeCluster; -1 means "no controller".
    pub controller_id: i32,
    /// The broker set is fixed once started: one listener is bound per entry.
    pub brokers: Vec<BrokerSpec>,
    pub topics: BTreeMap<String, TopicSpec>,
    pub groups: BTreeMap<String, GroupSpec>,
    /// `Some` turns on SASL for every broker.
    pub sasl: Option<SaslSpec>,
}

/// One broker and its per-broker protocol switches.
#[derive(Debug, Clone, Default)]
pub struct BrokerSpec {
    pub id: i32,
    pub rack: Option<String>,
    /// Omitted from ApiVersions and answered with UNSUPPORTED_VERSION if called anyway.
    pub unsupported_apis: Vec<ApiKey>,
    /// Caps the advertised max version of an API, e.g. OffsetFetch at 7.
    pub max_versions: HashMap<ApiKey, i16>,
    /// Returned by DescribeConfigs for a broker resource (type 4).
    pub configs: BTreeMap<String, String>,
}

/// A topic: partitions plus its topic-level configs.
#[derive(Debug, Clone, Default)]
pub struct TopicSpec {
    pub name: String,
    pub is_internal: bool,
    pub partitions: Vec<PartitionSpec>,
    /// Returned by DescribeConfigs for a topic resource (type 2).
    pub configs: BTreeMap<String, String>,
}

/// One partition's replica assignment and offsets.
#[derive(Debug, Clone, Default)]
pub struct PartitionSpec {
    pub index: i32,
    /// -1 = no leader (Metadata reports LEADER_NOT_AVAILABLE).
    pub leader: i32,
    pub leader_epoch: i32,
    /// The first replica is the preferred leader, as in Kafka.
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub offline_replicas: Vec<i32>,
    pub log_start_offset: i64,
    pub high_watermark: i64,
    /// The read_committed end offset; `None` means equal to the high watermark.
    pub last_stable_offset: Option<i64>,
    /// Reported by DescribeLogDirs on every broker in `replicas`.
    pub size_bytes: i64,
    /// Record batches in offset order, served by Fetch; empty means Fetch
    /// returns no records (offsets alone still answer).
    pub log: Vec<BatchSpec>,
}

/// A classic consumer group.
#[derive(Debug, Clone, Default)]
pub struct GroupSpec {
    pub id: String,
    pub coordinator: i32,
    /// "Stable", "Empty", "PreparingRebalance", "CompletingRebalance" or "Dead".
    pub state: String,
    pub protocol_type: String,
    pub protocol: String,
    pub members: Vec<MemberSpec>,
    /// Committed offsets by (topic, partition).
    pub offsets: BTreeMap<(String, i32), i64>,
    /// Version written in the 2-byte prefix of member assignments (the Java client writes 3;
    /// versions 0 to 3 share one layout).
    pub assignment_version: i16,
}

/// One member of a group and the partitions assigned to it.
#[derive(Debug, Clone, Default)]
pub struct MemberSpec {
    pub member_id: String,
    pub client_id: String,
    pub client_host: String,
    pub assignment: Vec<(String, Vec<i32>)>,
}

/// SASL settings shared by every broker of the cluster.
#[derive(Debug, Clone, Default)]
pub struct SaslSpec {
    /// Enabled mechanisms: any of "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512".
    pub mechanisms: Vec<String>,
    /// (user, password) pairs accepted by every mechanism.
    pub users: Vec<(String, String)>,
}

impl FakeCluster {
    /// An empty cluster; add brokers before starting it.
    pub fn new(cluster_id: impl Into<String>) -> Self {
        Self {
            cluster_id: cluster_id.into(),
            controller_id: -1,
            ..Self::default()
        }
    }

    /// Adds plain brokers (no rack); the first broker ever added becomes the controller.
    pub fn with_brokers(self, ids: impl IntoIterator<Item = i32>) -> Self {
        ids.into_iter()
            .fold(self, |cluster, id| cluster.broker(BrokerSpec::new(id)))
    }

    pub fn broker(mut self, broker: BrokerSpec) -> Self {
        if self.controller_id == -1 {
            self.controller_id = broker.id;
        }
        self.brokers.push(broker);
        self
    }

    pub fn controller(mut self, id: i32) -> Self {
        self.controller_id = id;
        self
    }

    pub fn topic(mut self, topic: TopicSpec) -> Self {
        self.topics.insert(topic.name.clone(), topic);
        self
    }

    pub fn group(mut self, group: GroupSpec) -> Self {
        self.groups.insert(group.id.clone(), group);
        self
    }

    pub fn sasl(mut self, sasl: SaslSpec) -> Self {
        self.sasl = Some(sasl);
        self
    }

    /// Makes broker `id` hide these APIs from ApiVersions and reject them.
    pub fn unsupported_apis(&mut self, id: i32, apis: Vec<ApiKey>) {
        if let Some(b) = self.broker_mut(id) {
            b.unsupported_apis = apis;
        }
    }

    /// Caps the version of `api` advertised and accepted by broker `id`.
    pub fn max_version(&mut self, id: i32, api: ApiKey, max: i16) {
        if let Some(b) = self.broker_mut(id) {
            b.max_versions.insert(api, max);
        }
    }

    /// Caps the version of `api` on every broker.
    pub fn max_version_all(&mut self, api: ApiKey, max: i16) {
        for b in &mut self.brokers {
            b.max_versions.insert(api, max);
        }
    }

    pub fn broker_mut(&mut self, id: i32) -> Option<&mut BrokerSpec> {
        self.brokers.iter_mut().find(|b| b.id == id)
    }

    pub fn topic_mut(&mut self, name: &str) -> Option<&mut TopicSpec> {
        self.topics.get_mut(name)
    }

    pub fn partition_mut(&mut self, topic: &str, index: i32) -> Option<&mut PartitionSpec> {
        let topic = self.topics.get_mut(topic)?;
        topic.partitions.iter_mut().find(|p| p.index == index)
    }

    pub fn group_mut(&mut self, id: &str) -> Option<&mut GroupSpec> {
        self.groups.get_mut(id)
    }

    /// The coordinator of a group: the declared one, or for unknown groups a broker picked
    /// by a stable hash of the name (like Kafka's `__consumer_offsets` partitioning), so
    /// FindCoordinator and the coordinator checks of other APIs always agree.
    pub fn coordinator_of(&self, group_id: &str) -> Option<i32> {
        if let Some(g) = self.groups.get(group_id) {
            return Some(g.coordinator);
        }
        if self.brokers.is_empty() {
            return None;
        }
        let hash = group_id
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        Some(self.brokers[hash as usize % self.brokers.len()].id)
    }

    /// A stable topic id derived from the name, so Metadata v10+ and Fetch v13+ agree.
    pub fn topic_id(name: &str) -> uuid::Uuid {
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u128, |h, b| {
            (h ^ u128::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        uuid::Uuid::from_u128(hash | 1)
    }

    pub(crate) fn topic_by_id(&self, id: uuid::Uuid) -> Option<&TopicSpec> {
        self.topics.values().find(|t| Self::topic_id(&t.name) == id)
    }
}

impl BrokerSpec {
    pub fn new(id: i32) -> Self {
        Self {
            id,
            ..Self::default()
        }
    }

    pub fn rack(mut self, rack: impl Into<String>) -> Self {
        self.rack = Some(rack.into());
        self
    }

    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.configs.insert(key.into(), value.into());
        self
    }
}

impl TopicSpec {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// `count` healthy partitions whose replicas rotate over `brokers` (leader = preferred).
    pub fn spread(name: impl Into<String>, count: i32, brokers: &[i32], rf: usize) -> Self {
        let n = brokers.len().max(1);
        (0..count).fold(Self::new(name), |topic, i| {
            let replicas = (0..rf.min(brokers.len()))
                .map(|r| brokers[(i as usize + r) % n])
                .collect();
            topic.partition(PartitionSpec::new(i, replicas))
        })
    }

    pub fn partition(mut self, partition: PartitionSpec) -> Self {
        self.partitions.push(partition);
        self
    }

    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.configs.insert(key.into(), value.into());
        self
    }

    pub fn internal(mut self) -> Self {
        self.is_internal = true;
        self
    }
}

impl PartitionSpec {
    /// A healthy partition: leader = first replica, ISR = all replicas, empty log.
    pub fn new(index: i32, replicas: Vec<i32>) -> Self {
        Self {
            index,
            leader: replicas.first().copied().unwrap_or(-1),
            isr: replicas.clone(),
            replicas,
            ..Self::default()
        }
    }

    pub fn leader(mut self, leader: i32) -> Self {
        self.leader = leader;
        self
    }

    pub fn epoch(mut self, leader_epoch: i32) -> Self {
        self.leader_epoch = leader_epoch;
        self
    }

    pub fn isr(mut self, isr: Vec<i32>) -> Self {
        self.isr = isr;
        self
    }

    pub fn offline(mut self, offline_replicas: Vec<i32>) -> Self {
        self.offline_replicas = offline_replicas;
        self
    }

    pub fn offsets(mut self, log_start_offset: i64, high_watermark: i64) -> Self {
        self.log_start_offset = log_start_offset;
        self.high_watermark = high_watermark;
        self
    }

    pub fn lso(mut self, last_stable_offset: i64) -> Self {
        self.last_stable_offset = Some(last_stable_offset);
        self
    }

    /// Appends one single-record, uncompressed batch per timestamp from
    /// `first_offset` on (how a producer with `linger.ms=0` writes).
    pub fn records(self, first_offset: i64, timestamps: impl IntoIterator<Item = i64>) -> Self {
        (first_offset..)
            .zip(timestamps)
            .fold(self, |p, (offset, ts)| {
                p.batch(BatchSpec::data(offset, [ts]))
            })
    }

    /// Appends a batch, raising the high watermark to its end if below it.
    pub fn batch(mut self, batch: BatchSpec) -> Self {
        self.high_watermark = self.high_watermark.max(batch.end_offset());
        self.log.push(batch);
        self
    }

    pub fn size(mut self, size_bytes: i64) -> Self {
        self.size_bytes = size_bytes;
        self
    }

    pub fn stable_offset(&self) -> i64 {
        self.last_stable_offset.unwrap_or(self.high_watermark)
    }
}

impl GroupSpec {
    /// An "Empty" consumer group using the range assignor; adding a member makes it "Stable".
    pub fn new(id: impl Into<String>, coordinator: i32) -> Self {
        Self {
            id: id.into(),
            coordinator,
            state: "Empty".into(),
            protocol_type: "consumer".into(),
            protocol: "range".into(),
            assignment_version: 1,
            ..Self::default()
        }
    }

    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = state.into();
        self
    }

    pub fn member(mut self, member: MemberSpec) -> Self {
        if self.state == "Empty" {
            self.state = "Stable".into();
        }
        self.members.push(member);
        self
    }

    pub fn committed(mut self, topic: impl Into<String>, partition: i32, offset: i64) -> Self {
        self.offsets.insert((topic.into(), partition), offset);
        self
    }
}

impl MemberSpec {
    pub fn new(
        member_id: impl Into<String>,
        client_id: impl Into<String>,
        client_host: impl Into<String>,
    ) -> Self {
        Self {
            member_id: member_id.into(),
            client_id: client_id.into(),
            client_host: client_host.into(),
            assignment: Vec::new(),
        }
    }

    pub fn assign(mut self, topic: impl Into<String>, partitions: Vec<i32>) -> Self {
        self.assignment.push((topic.into(), partitions));
        self
    }
}

impl SaslSpec {
    pub fn new<S: Into<String>>(mechanisms: impl IntoIterator<Item = S>) -> Self {
        Self {
            mechanisms: mechanisms.into_iter().map(Into::into).collect(),
            users: Vec::new(),
        }
    }

    pub fn user(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.push((user.into(), password.into()));
        self
    }
}
