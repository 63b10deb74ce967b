//! How the offsets one broker leads become Fetch requests. A Fetch names a
//! partition once, so one entry, a span, covers several offsets of its
//! partition: it fetches from the lowest with a byte budget grown with the
//! distance to the highest, guessing what an offset takes in the log.
//! Offsets farther apart than the largest budget reaches start a new span;
//! a partition's k-th span goes in the k-th request, so with groups at
//! nearby offsets every partition of a broker fits in one request.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::Lookup;
use crate::admin::TopicPartition;
use crate::admin::record_batch_header::Position;

/// Enough for the batch header and a small first batch; a larger first
/// batch still comes whole when the partition is alone in its request.
pub(super) const PARTITION_MAX_BYTES: i32 = 512;
/// What one offset is guessed to take in the log. Batches of small
/// compressed records take less; larger records leave the span's upper
/// offsets unreached, and those are fetched again with a wider budget.
const BYTES_PER_OFFSET: i64 = 128;
/// The most a span asks of its partition: offsets farther apart are
/// cheaper as two spans than as megabytes of records nobody reads.
pub(super) const SPAN_MAX_BYTES: i32 = 64 * 1024;
/// How many offsets past its first a span reaches, by the guess above.
const SPAN_REACH: i64 = (SPAN_MAX_BYTES - PARTITION_MAX_BYTES) as i64 / BYTES_PER_OFFSET;
/// Kafka's default `fetch.max.bytes`, the bound on one answer: spans that
/// ask more in total go in several requests.
pub(super) const MAX_BYTES: i32 = 50 * 1024 * 1024;

/// How an offset an answer left unread is fetched next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Refetch {
    /// The answer stopped before it: the guess of bytes per offset was
    /// short, so its next span asks for the most.
    Wider,
    /// Not even the batch at the fetch offset came whole: a broker returns
    /// the first batch whole only to the first partition of a request.
    Alone,
}

/// Offsets of one partition read with one fetch entry.
#[derive(Debug)]
pub(super) struct Span {
    pub(super) partition: TopicPartition,
    pub(super) topic_id: Option<Uuid>,
    /// The fetch offset: the lowest lookup's position.
    pub(super) from: Position,
    /// Ordered by position, the first at `from`.
    pub(super) lookups: Vec<Lookup>,
    pub(super) max_bytes: i32,
}

impl Span {
    fn new(lookup: Lookup) -> Self {
        Span {
            partition: lookup.key.0.clone(),
            topic_id: lookup.topic_id,
            from: lookup.position,
            lookups: vec![lookup],
            max_bytes: PARTITION_MAX_BYTES,
        }
    }

    fn width_to(&self, lookup: &Lookup) -> i64 {
        lookup.position.next.saturating_sub(self.from.next)
    }

    fn reaches(&self, lookup: &Lookup) -> bool {
        self.width_to(lookup) <= SPAN_REACH
    }

    fn push(&mut self, lookup: Lookup) {
        self.max_bytes = budget(self.width_to(&lookup));
        self.lookups.push(lookup);
    }

    fn asks(&self, refetch: Refetch) -> bool {
        self.lookups.iter().any(|l| l.refetch == Some(refetch))
    }
}

/// Bytes for a span `width` offsets wide: the first batch and the guess.
fn budget(width: i64) -> i32 {
    let bytes = width
        .max(0)
        .saturating_mul(BYTES_PER_OFFSET)
        .saturating_add(PARTITION_MAX_BYTES.into());
    i32::try_from(bytes)
        .unwrap_or(SPAN_MAX_BYTES)
        .min(SPAN_MAX_BYTES)
}

/// The requests for `lookups`: request k holds every partition's k-th span
/// (split where their budgets pass [`MAX_BYTES`]), and a span holding an
/// offset to be fetched alone is a request of its own.
pub(super) fn plan(lookups: Vec<Lookup>) -> Vec<Vec<Span>> {
    let mut by_partition: BTreeMap<TopicPartition, Vec<Lookup>> = BTreeMap::new();
    for lookup in lookups {
        by_partition
            .entry(lookup.key.0.clone())
            .or_default()
            .push(lookup);
    }
    let mut rounds: Vec<Vec<Span>> = Vec::new();
    let mut lone = Vec::new();
    for lookups in by_partition.into_values() {
        for (k, mut span) in into_spans(lookups).into_iter().enumerate() {
            if span.asks(Refetch::Wider) {
                span.max_bytes = SPAN_MAX_BYTES;
            }
            if span.asks(Refetch::Alone) {
                lone.push(vec![span]);
                continue;
            }
            if rounds.len() <= k {
                rounds.resize_with(k + 1, Vec::new);
            }
            rounds[k].push(span);
        }
    }
    rounds
        .into_iter()
        .flat_map(split_by_bytes)
        .chain(lone)
        .collect()
}

/// One partition's lookups, cut where the next lies beyond a span's reach.
fn into_spans(mut lookups: Vec<Lookup>) -> Vec<Span> {
    lookups.sort_by_key(|l| (l.position.next, l.key.1));
    let mut spans: Vec<Span> = Vec::new();
    for lookup in lookups {
        match spans.last_mut() {
            Some(span) if span.reaches(&lookup) => span.push(lookup),
            _ => spans.push(Span::new(lookup)),
        }
    }
    spans
}

fn split_by_bytes(spans: Vec<Span>) -> Vec<Vec<Span>> {
    let mut requests: Vec<Vec<Span>> = Vec::new();
    let mut room = 0;
    for span in spans {
        let bytes = i64::from(span.max_bytes);
        match requests.last_mut() {
            Some(request) if bytes <= room => {
                request.push(span);
                room -= bytes;
            }
            _ => {
                requests.push(vec![span]);
                room = i64::from(MAX_BYTES) - bytes;
            }
        }
    }
    requests
}

/// What a request's spans ask for in all.
pub(super) fn request_bytes(spans: &[Span]) -> i32 {
    spans
        .iter()
        .fold(0_i32, |sum, span| sum.saturating_add(span.max_bytes))
}

#[cfg(test)]
#[path = "fetch_spans_tests.rs"]
mod tests;
