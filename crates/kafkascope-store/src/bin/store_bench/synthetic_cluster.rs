//! A synthetic cluster's figures, cycle after cycle: monotonic offsets at per-topic rates,
//! consumers a small lag behind (often none), occasional under-replication.

use kafkascope_store::{SeriesId, SeriesKey, Store, StoreError};

pub const PARTITIONS_PER_TOPIC: usize = 10;
const TOPICS_PER_GROUP: usize = 2;
const BROKERS: usize = 5;

/// Deterministic noise: the same (seed, n) gives the same number on every run.
fn noise(seed: u64, n: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(n.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Partition {
    rate_per_s: u64,
    log_start: i64,
    log_end: i64,
    ids: [SeriesId; 8],
}

struct GroupPartition {
    partition: usize,
    committed: i64,
    ids: [SeriesId; 5],
}

pub struct SyntheticCluster {
    partitions: Vec<Partition>,
    group_partitions: Vec<GroupPartition>,
    topic_ids: Vec<[SeriesId; 3]>,
    group_ids: Vec<[SeriesId; 4]>,
    broker_ids: Vec<[SeriesId; 4]>,
    cluster_ids: [SeriesId; 5],
    cycle: u64,
}

fn labels(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn register<const N: usize>(
    store: &mut Store,
    names: [&str; N],
    labels: &[(String, String)],
) -> Result<[SeriesId; N], StoreError> {
    let mut ids = [0; N];
    for (id, name) in ids.iter_mut().zip(names) {
        *id = store.series_id(&SeriesKey::new(
            format!("kafkascope_{name}"),
            labels.to_vec(),
        ))?;
    }
    Ok(ids)
}

impl SyntheticCluster {
    pub fn register(store: &mut Store, topics: usize, groups: usize) -> Result<Self, StoreError> {
        let mut partitions = Vec::new();
        let mut topic_ids = Vec::new();
        for t in 0..topics {
            // One topic in ten is idle; the rest produce 1..=400 records/s per partition.
            let rate = if t % 10 == 3 {
                0
            } else {
                1 + noise(1, t as u64) % 400
            };
            let topic = format!("topic-{t:04}");
            topic_ids.push(register(
                store,
                [
                    "topic_partitions",
                    "topic_size_bytes",
                    "topic_messages_in_per_second",
                ],
                &labels(&[("topic", topic.clone())]),
            )?);
            for p in 0..PARTITIONS_PER_TOPIC {
                let ids = register(
                    store,
                    [
                        "partition_log_end_offset",
                        "partition_log_start_offset",
                        "partition_size_bytes",
                        "partition_messages_in_per_second",
                        "partition_leader",
                        "partition_replicas",
                        "partition_in_sync_replicas",
                        "partition_under_replicated",
                    ],
                    &labels(&[("topic", topic.clone()), ("partition", p.to_string())]),
                )?;
                let start = (noise(2, (t * 100 + p) as u64) % 1_000_000) as i64;
                partitions.push(Partition {
                    rate_per_s: rate,
                    log_start: start,
                    log_end: start + 5_000_000,
                    ids,
                });
            }
        }
        let mut group_partitions = Vec::new();
        let mut group_ids = Vec::new();
        for g in 0..groups {
            let group = format!("group-{g:04}");
            group_ids.push(register(
                store,
                [
                    "group_members",
                    "group_lag",
                    "group_lag_seconds_max",
                    "group_state",
                ],
                &labels(&[("group", group.clone())]),
            )?);
            for k in 0..TOPICS_PER_GROUP {
                let t = (g + k * 7) % topics;
                for p in 0..PARTITIONS_PER_TOPIC {
                    let partition = t * PARTITIONS_PER_TOPIC + p;
                    let ids = register(
                        store,
                        [
                            "group_partition_committed_offset",
                            "group_partition_lag",
                            "group_partition_lag_seconds",
                            "group_partition_lag_status",
                            "group_partition_commit_rate",
                        ],
                        &labels(&[
                            ("group", group.clone()),
                            ("topic", format!("topic-{t:04}")),
                            ("partition", p.to_string()),
                        ]),
                    )?;
                    let committed = partitions[partition].log_end;
                    group_partitions.push(GroupPartition {
                        partition,
                        committed,
                        ids,
                    });
                }
            }
        }
        let mut broker_ids = Vec::new();
        for b in 0..BROKERS {
            broker_ids.push(register(
                store,
                [
                    "broker_up",
                    "broker_leaders",
                    "broker_partitions",
                    "broker_log_dir_bytes",
                ],
                &labels(&[("broker", b.to_string())]),
            )?);
        }
        let cluster_ids = register(
            store,
            ["brokers", "topics", "partitions", "groups", "cycle_seconds"],
            &labels(&[("cluster", "bench".to_string())]),
        )?;
        Ok(Self {
            partitions,
            group_partitions,
            topic_ids,
            group_ids,
            broker_ids,
            cluster_ids,
            cycle: 0,
        })
    }

    /// Advances the cluster by `elapsed_s` and writes every figure into `out`.
    pub fn next_cycle(&mut self, elapsed_s: u64, out: &mut Vec<(SeriesId, f64)>) {
        out.clear();
        self.cycle += 1;
        let c = self.cycle;
        let mut topic_size = vec![0f64; self.topic_ids.len()];
        let mut topic_rate = vec![0f64; self.topic_ids.len()];
        for (n, p) in self.partitions.iter_mut().enumerate() {
            let jitter = noise(c, n as u64);
            let produced = if p.rate_per_s == 0 {
                0
            } else {
                (p.rate_per_s * elapsed_s * (90 + jitter % 21) / 100) as i64
            };
            p.log_end += produced;
            if jitter.is_multiple_of(1_000) {
                p.log_start += (p.log_end - p.log_start) / 4;
            }
            let size = ((p.log_end - p.log_start) * 180) as f64;
            let rate = (produced as f64 / elapsed_s as f64 * 100.0).round() / 100.0;
            let in_sync = if jitter % 5_000 == 1 { 2.0 } else { 3.0 };
            topic_size[n / PARTITIONS_PER_TOPIC] += size;
            topic_rate[n / PARTITIONS_PER_TOPIC] += rate;
            let values = [
                p.log_end as f64,
                p.log_start as f64,
                size,
                rate,
                (n % BROKERS) as f64,
                3.0,
                in_sync,
                f64::from(in_sync < 3.0),
            ];
            out.extend(p.ids.iter().copied().zip(values));
        }
        self.group_cycle(c, elapsed_s, out);
        for (t, ids) in self.topic_ids.iter().enumerate() {
            let values = [PARTITIONS_PER_TOPIC as f64, topic_size[t], topic_rate[t]];
            out.extend(ids.iter().copied().zip(values));
        }
        for (b, ids) in self.broker_ids.iter().enumerate() {
            let leaders = (self.partitions.len() / BROKERS) as f64;
            let values = [
                1.0,
                leaders,
                leaders * 3.0,
                (noise(c, b as u64) % 1_000_000) as f64,
            ];
            out.extend(ids.iter().copied().zip(values));
        }
        let counts = [
            BROKERS as f64,
            self.topic_ids.len() as f64,
            self.partitions.len() as f64,
            self.group_ids.len() as f64,
            0.2 + (noise(c, 7) % 100) as f64 / 1_000.0,
        ];
        out.extend(self.cluster_ids.iter().copied().zip(counts));
    }

    fn group_cycle(&mut self, c: u64, elapsed_s: u64, out: &mut Vec<(SeriesId, f64)>) {
        let per_group = TOPICS_PER_GROUP * PARTITIONS_PER_TOPIC;
        let mut group_lag = vec![0f64; self.group_ids.len()];
        let mut group_lag_s = vec![0f64; self.group_ids.len()];
        for (n, gp) in self.group_partitions.iter_mut().enumerate() {
            let p = &self.partitions[gp.partition];
            let jitter = noise(c ^ 0x5555, n as u64);
            // Three in ten group-partitions are caught up; the rest trail by under ~3 s.
            let behind = if jitter % 10 < 3 || p.rate_per_s == 0 {
                0
            } else {
                (jitter >> 8) % (p.rate_per_s * 3 + 1)
            };
            let previous = gp.committed;
            gp.committed = gp.committed.max(p.log_end - behind as i64);
            let lag = p.log_end - gp.committed;
            let lag_s = if lag == 0 {
                0.0
            } else {
                (lag as f64 / p.rate_per_s as f64 * 1_000.0).round() / 1_000.0
            };
            let status = if jitter.is_multiple_of(997) { 2.0 } else { 1.0 };
            let commit_rate = ((gp.committed - previous) as f64 / elapsed_s as f64).round();
            group_lag[n / per_group] += lag as f64;
            group_lag_s[n / per_group] = group_lag_s[n / per_group].max(lag_s);
            let values = [gp.committed as f64, lag as f64, lag_s, status, commit_rate];
            out.extend(gp.ids.iter().copied().zip(values));
        }
        for (g, ids) in self.group_ids.iter().enumerate() {
            let members = (1 + g % 4) as f64;
            out.extend(
                ids.iter()
                    .copied()
                    .zip([members, group_lag[g], group_lag_s[g], 3.0]),
            );
        }
    }
}
