//! A snapshot's figures as store series: exactly the samples `/metrics`
//! shows, under the same names and labels, so one PromQL query means the
//! same against kafkascope's history and against a Prometheus scraping it.

use kafkascope_collector::ClusterSnapshot;
use kafkascope_exposition::{LabelValue, Sample, for_each_sample, for_each_source_sample};
use kafkascope_sources::SourceSnapshot;
use kafkascope_store::SeriesKey;

/// Every sample of `snapshot` with its series key. Samples that are not
/// finite numbers are left out (the store keeps measurements, not NaN).
pub fn snapshot_series(snapshot: &ClusterSnapshot) -> Vec<(SeriesKey, f64)> {
    let mut series = Vec::new();
    for_each_sample(snapshot, |sample| keep(&mut series, sample));
    series
}

/// Every sample of a source's poll with its series key.
pub fn source_series(snapshot: &SourceSnapshot) -> Vec<(SeriesKey, f64)> {
    let mut series = Vec::new();
    for_each_source_sample(snapshot, |sample| keep(&mut series, sample));
    series
}

fn keep(series: &mut Vec<(SeriesKey, f64)>, sample: &Sample<'_>) {
    if !sample.value.is_finite() {
        return;
    }
    let labels = sample.labels.iter().map(|(name, value)| {
        let value = match value {
            LabelValue::Str(s) => (*s).to_string(),
            LabelValue::Int(n) => n.to_string(),
        };
        ((*name).to_string(), value)
    });
    let name = format!("{}{}", sample.family, sample.suffix);
    series.push((SeriesKey::new(name, labels), sample.value));
}

#[cfg(test)]
mod tests {
    use kafkascope_collector::snapshot::{Broker, Partition, Topic};

    use super::*;

    #[test]
    fn series_carry_the_metrics_names_and_labels() {
        let snapshot = ClusterSnapshot {
            cluster: "prod".into(),
            collected_at_ms: 1_000,
            brokers: vec![Broker {
                id: 1,
                reachable: true,
                in_metadata: true,
                ..Broker::default()
            }],
            topics: [(
                "orders".to_string(),
                Topic {
                    name: "orders".into(),
                    partitions: vec![Partition {
                        partition: 0,
                        leader: Some(1),
                        replicas: vec![1],
                        isr: vec![1],
                        latest_offset: Some(42),
                        earliest_offset: Some(2),
                        ..Partition::default()
                    }],
                    ..Topic::default()
                },
            )]
            .into(),
            ..ClusterSnapshot::default()
        };
        let series = snapshot_series(&snapshot);
        let find = |name: &str, labels: &[(&str, &str)]| {
            let key = SeriesKey::new(
                name,
                labels.iter().map(|(k, v)| (k.to_string(), v.to_string())),
            );
            series.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
        };
        let partition = [("cluster", "prod"), ("topic", "orders"), ("partition", "0")];
        assert_eq!(
            find("kafka_topic_partition_current_offset", &partition),
            Some(42.0)
        );
        assert_eq!(
            find("kafka_topic_partition_oldest_offset", &partition),
            Some(2.0)
        );
        assert_eq!(find("kafka_brokers", &[("cluster", "prod")]), Some(1.0));
        // Every sample is a distinct series.
        let mut keys: Vec<&SeriesKey> = series.iter().map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), series.len());
    }
}
