//! Spans and requests planned for exact offsets: one span for nearby
//! offsets with a budget grown by 128 bytes an offset, a new span past the
//! 64 KiB reach, refetch hints, and the split at the request bound.

use super::*;

const TOPIC: &str = "events";

fn lookup(partition: i32, offset: i64) -> Lookup {
    Lookup {
        key: ((TOPIC.to_string(), partition), offset),
        topic_id: None,
        position: Position::at(offset),
        refetch: None,
    }
}

fn refetched(partition: i32, offset: i64, refetch: Refetch) -> Lookup {
    Lookup {
        refetch: Some(refetch),
        ..lookup(partition, offset)
    }
}

fn lookups(pairs: &[(i32, i64)]) -> Vec<Lookup> {
    pairs.iter().map(|&(p, o)| lookup(p, o)).collect()
}

/// A span as (partition, fetch offset, budget, offsets).
type Described = (i32, i64, i32, Vec<i64>);

/// Each request as its spans.
fn described(requests: &[Vec<Span>]) -> Vec<Vec<Described>> {
    requests
        .iter()
        .map(|spans| {
            spans
                .iter()
                .map(|s| {
                    let offsets = s.lookups.iter().map(|l| l.key.1).collect();
                    (s.partition.1, s.from.next, s.max_bytes, offsets)
                })
                .collect()
        })
        .collect()
}

#[test]
fn nearby_offsets_of_a_partition_share_one_span_sized_to_reach_the_highest() {
    let requests = plan(lookups(&[(0, 130), (1, 7), (0, 100), (0, 103)]));
    assert_eq!(
        described(&requests),
        vec![vec![
            (0, 100, 512 + 30 * 128, vec![100, 103, 130]),
            (1, 7, 512, vec![7]),
        ]]
    );
    assert_eq!(request_bytes(&requests[0]), 512 + 30 * 128 + 512);
}

#[test]
fn offsets_beyond_a_spans_reach_start_a_span_in_the_next_request() {
    let requests = plan(lookups(&[(0, 0), (0, 508), (0, 509), (0, 2_000), (1, 5)]));
    assert_eq!(
        described(&requests),
        vec![
            vec![(0, 0, 65_536, vec![0, 508]), (1, 5, 512, vec![5])],
            vec![(0, 509, 512, vec![509])],
            vec![(0, 2_000, 512, vec![2_000])],
        ]
    );
}

#[test]
fn refetch_hints_send_a_span_alone_or_with_the_widest_budget() {
    let requests = plan(vec![
        refetched(0, 1_000, Refetch::Alone),
        lookup(0, 0),
        lookup(1, 10),
        refetched(1, 20, Refetch::Wider),
        lookup(2, 3),
    ]);
    assert_eq!(
        described(&requests),
        vec![
            vec![
                (0, 0, 512, vec![0]),
                (1, 10, 65_536, vec![10, 20]),
                (2, 3, 512, vec![3])
            ],
            vec![(0, 1_000, 512, vec![1_000])],
        ]
    );
}

#[test]
fn spans_asking_more_than_one_answer_holds_go_in_two_requests() {
    let wide: Vec<(i32, i64)> = (0..801).flat_map(|p| [(p, 0), (p, 508)]).collect();
    let requests = plan(lookups(&wide));
    let sizes: Vec<usize> = requests.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![800, 1]);
    assert_eq!(request_bytes(&requests[0]), MAX_BYTES);
    assert_eq!(request_bytes(&requests[1]), SPAN_MAX_BYTES);
}

#[test]
fn extreme_offsets_neither_overflow_nor_share_a_span() {
    let requests = plan(lookups(&[(0, i64::MIN), (0, -1), (0, i64::MAX)]));
    assert_eq!(
        described(&requests),
        vec![
            vec![(0, i64::MIN, 512, vec![i64::MIN])],
            vec![(0, -1, 512, vec![-1])],
            vec![(0, i64::MAX, 512, vec![i64::MAX])],
        ]
    );
}
