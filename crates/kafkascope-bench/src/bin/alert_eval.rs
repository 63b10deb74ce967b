//! What evaluating the curated alert rules costs at the bench size, without
//! a cluster: a history store holding a cluster of 1,000 topics x 10
//! partitions and 1,000 groups x 20 partitions (about 166,000 series),
//! written cycle after cycle every 5 s, and the curated rules evaluated
//! after each cycle as `serve` does. Every group is made to alert (dead,
//! ERR, far behind and falling further behind), the worst case for the
//! four group rules: 4,000 alerts.
//!
//! Usage: alert_eval DIR [--cycles N] [--steady N]
//!
//! Prints the median wall time of an evaluation of all the rules (as
//! `kafkascope_alert_evaluation_seconds` shows it) over the cycles, then
//! over `--steady N` more evaluations at the last cycle, once every alert
//! fires, with their mean CPU time. Run it with `MALLOC_ARENA_MAX=1` to
//! allocate as `serve` does (one malloc arena).

use anyhow::{Context, bail};
use kafkascope_alerts::default_rules::default_rules;
use kafkascope_alerts::rule_set::RuleSet;
use kafkascope_query::{
    LabelMatcher, Labels, METRIC_NAME, MatchKind, SeriesRef, SeriesSource, SeriesWithSamples,
    SourceError,
};
use kafkascope_store::{Matcher, SeriesId, SeriesKey, Store, StoreConfig};

const INTERVAL_MS: i64 = 5_000;
const GROUPS: usize = 1_000;
const TOPICS: usize = 1_000;

/// The store as the query engine reads it (as `serve`'s history does).
struct StoreRead<'a>(&'a Store);

fn store_matcher(m: &LabelMatcher) -> Result<Matcher, SourceError> {
    let invalid = |e| SourceError::with_cause(format!("matcher on {}", m.name), e);
    Ok(match &m.kind {
        MatchKind::Equal => Matcher::equal(&m.name, &m.value),
        MatchKind::NotEqual => Matcher::not_equal(&m.name, &m.value),
        MatchKind::Regex(_) => Matcher::matches(&m.name, &m.value).map_err(invalid)?,
        MatchKind::NotRegex(_) => Matcher::not_matches(&m.name, &m.value).map_err(invalid)?,
    })
}

fn labels_of(key: SeriesKey) -> Labels {
    let (name, labels) = key.into_parts();
    let mut labels: Labels = labels.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    labels.insert(METRIC_NAME.to_string(), name);
    labels
}

fn matchers(m: &[LabelMatcher]) -> Result<Vec<Matcher>, SourceError> {
    m.iter().map(store_matcher).collect()
}

fn series_of(result: kafkascope_store::QueryResult) -> Vec<SeriesWithSamples> {
    result
        .series
        .into_iter()
        .map(|s| {
            let series = SeriesRef {
                id: u64::from(s.id),
                labels: labels_of(s.key),
            };
            (series, s.samples)
        })
        .collect()
}

fn failed(e: kafkascope_store::StoreError) -> SourceError {
    SourceError::with_cause("reading samples", e)
}

impl SeriesSource for StoreRead<'_> {
    fn select(
        &self,
        m: &[LabelMatcher],
        _start_ms: i64,
        _end_ms: i64,
    ) -> Result<Vec<SeriesRef>, SourceError> {
        Ok(self
            .0
            .select(&matchers(m)?)
            .into_iter()
            .map(|(id, key)| SeriesRef {
                id: u64::from(id),
                labels: labels_of(key),
            })
            .collect())
    }

    fn samples(
        &self,
        s: &SeriesRef,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<(i64, f64)>, SourceError> {
        let id = u32::try_from(s.id).map_err(|_| SourceError::new("series id out of range"))?;
        Ok(self
            .0
            .samples(id, start_ms, end_ms)
            .map_err(failed)?
            .samples)
    }

    fn select_with_samples(
        &self,
        m: &[LabelMatcher],
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<SeriesWithSamples>, SourceError> {
        Ok(series_of(
            self.0
                .query(&matchers(m)?, start_ms, end_ms)
                .map_err(failed)?,
        ))
    }

    fn select_latest(
        &self,
        m: &[LabelMatcher],
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<SeriesWithSamples>, SourceError> {
        Ok(series_of(
            self.0
                .query_latest(&matchers(m)?, start_ms, end_ms)
                .map_err(failed)?,
        ))
    }

    fn label_names(&self, _start_ms: i64, _end_ms: i64) -> Result<Vec<String>, SourceError> {
        Ok(self.0.label_names(&[]))
    }

    fn label_values(
        &self,
        name: &str,
        _start_ms: i64,
        _end_ms: i64,
    ) -> Result<Vec<String>, SourceError> {
        Ok(self.0.label_values(name, &[]))
    }
}

fn key(name: &str, labels: &[(&str, String)]) -> SeriesKey {
    SeriesKey::new(name, labels.iter().map(|(k, v)| (k.to_string(), v.clone())))
}

/// Every series of the synthetic cluster with the value it keeps.
fn register(store: &mut Store) -> anyhow::Result<Vec<(SeriesId, f64)>> {
    let cluster = ("cluster", "bench".to_string());
    let mut series = Vec::new();
    let mut add = |store: &mut Store, key: SeriesKey, value: f64| -> anyhow::Result<()> {
        series.push((store.series_id(&key)?, value));
        Ok(())
    };
    for g in 0..GROUPS {
        let group = ("consumergroup", format!("bench-group-{g:05}"));
        for (name, value) in [
            ("kafkascope_consumergroup_status_code", 3.0),
            ("kafkascope_consumergroup_max_lag_seconds", 4_000.0),
            (
                "kafkascope_consumergroup_falling_behind_messages_per_minute",
                10.0,
            ),
            ("kafkascope_consumergroup_lag", 500.0),
            ("kafkascope_consumergroup_members", 0.0),
        ] {
            add(store, key(name, &[cluster.clone(), group.clone()]), value)?;
        }
        let reason = ("reason", "lag_without_members".to_string());
        add(
            store,
            key(
                "kafkascope_consumergroup_dead",
                &[cluster.clone(), group.clone(), reason],
            ),
            1.0,
        )?;
        for p in 0..20 {
            let topic = (
                "topic",
                format!("bench-topic-{:05}", (g * 2 + p / 10) % TOPICS),
            );
            let partition = ("partition", (p % 10).to_string());
            for name in [
                "kafka_consumergroup_current_offset",
                "kafka_consumergroup_lag",
                "kafkascope_consumergroup_partition_lag_seconds",
                "kafkascope_consumergroup_partition_status_code",
            ] {
                let labels = [
                    cluster.clone(),
                    group.clone(),
                    partition.clone(),
                    topic.clone(),
                ];
                add(store, key(name, &labels), p as f64)?;
            }
        }
    }
    for t in 0..TOPICS {
        let topic = ("topic", format!("bench-topic-{t:05}"));
        for p in 0..10 {
            let partition = ("partition", p.to_string());
            for name in [
                "kafka_topic_partition_current_offset",
                "kafka_topic_partition_oldest_offset",
                "kafka_topic_partition_in_sync_replica",
                "kafka_topic_partition_leader",
                "kafka_topic_partition_replicas",
                "kafka_topic_partition_under_replicated_partition",
                "kafka_topic_partition_leader_is_preferred",
                "kafkascope_partition_size_bytes",
            ] {
                add(
                    store,
                    key(name, &[cluster.clone(), partition.clone(), topic.clone()]),
                    1.0,
                )?;
            }
        }
    }
    for name in [
        "kafkascope_offline_partitions",
        "kafkascope_under_min_isr_partitions",
        "kafkascope_not_preferred_leader_partitions",
        "kafkascope_partitions",
        "kafka_brokers",
    ] {
        add(store, key(name, std::slice::from_ref(&cluster)), 0.0)?;
    }
    Ok(series)
}

/// CPU time of this process's threads so far, in ms (the evaluation's
/// threads are this one and the ones it spawns and joins).
fn process_cpu_ms() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat")?;
    // utime and stime are the 14th and 15th fields, after the command's ")".
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11..13)
        .unwrap_or(&[])
        .iter()
        .filter_map(|f| f.parse::<f64>().ok())
        .sum();
    Ok(ticks * 1_000.0 / 100.0)
}

struct Figures {
    wall_ms: Vec<f64>,
}

impl Figures {
    fn median(&self) -> f64 {
        let mut sorted = self.wall_ms.clone();
        sorted.sort_by(f64::total_cmp);
        sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .context("usage: alert_eval DIR [--cycles N] [--steady N]")?;
    let (mut cycles, mut steady) = (150usize, 100usize);
    while let Some(flag) = args.next() {
        let value: usize = args.next().context("a number after the flag")?.parse()?;
        match flag.as_str() {
            "--cycles" => cycles = value,
            "--steady" => steady = value,
            other => bail!("unknown flag {other}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = StoreConfig::new(&dir);
    config.wal_fsync = false;
    let mut store = Store::open(config)?;
    let series = register(&mut store)?;
    let start = 1_800_000_000_000i64 + INTERVAL_MS;
    let mut rules = RuleSet::new(default_rules());
    let mut during = Figures {
        wall_ms: Vec::new(),
    };
    let mut at = start;
    for _ in 0..cycles {
        store.append(at, series.iter().copied())?;
        rules.evaluate(&StoreRead(&store), at);
        during.wall_ms.push(rules.evaluation_seconds() * 1e3);
        at += INTERVAL_MS;
    }
    at -= INTERVAL_MS;
    let mut firing = Figures {
        wall_ms: Vec::new(),
    };
    let cpu_before = process_cpu_ms()?;
    for _ in 0..steady {
        rules.evaluate(&StoreRead(&store), at);
        firing.wall_ms.push(rules.evaluation_seconds() * 1e3);
    }
    let cpu_per_evaluation = (process_cpu_ms()? - cpu_before) / steady.max(1) as f64;
    let alerts = rules.active().count();
    println!("series={}", series.len());
    println!("rules={}", rules.entries().len());
    println!("alerts_active={alerts}");
    println!(
        "cycles={cycles} evaluation_wall_ms_median={:.1}",
        during.median()
    );
    println!(
        "steady={steady} evaluation_wall_ms_median={:.1} evaluation_cpu_ms_mean={cpu_per_evaluation:.1}",
        firing.median()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
