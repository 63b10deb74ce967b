//! kafkascope's consumer statuses in Burrow's vocabulary: the names its v3
//! API returns and the numeric codes of its `StatusConstant`.
//!
//! Burrow has no "not enough data" status. Its own evaluator reports a
//! partition whose window is still filling as `OK` with `complete` below 1,
//! so the API does the same: a Burrow client keeps treating the group as
//! present and healthy, and `complete` says how much to trust that. The
//! metrics keep the distinction (code 0), since an alert can use it.

use kafkascope_collector::snapshot::{GroupStatus, PartitionStatus};

/// Burrow's `StatusConstant` values.
pub const NOTFOUND: u8 = 0;
pub const OK: u8 = 1;
pub const WARN: u8 = 2;
pub const ERR: u8 = 3;
pub const STOP: u8 = 4;
pub const STALL: u8 = 5;
pub const REWIND: u8 = 6;

/// Every group status, in severity order (the state set in `/metrics`).
pub const GROUP_STATUSES: [GroupStatus; 4] = [
    GroupStatus::NotEnoughData,
    GroupStatus::Ok,
    GroupStatus::Warn,
    GroupStatus::Err,
];

/// Burrow's name for a code; `UNKNOWN` outside its range, as Burrow says.
pub fn name(code: u8) -> &'static str {
    match code {
        NOTFOUND => "NOTFOUND",
        OK => "OK",
        WARN => "WARN",
        ERR => "ERR",
        STOP => "STOP",
        STALL => "STALL",
        REWIND => "REWIND",
        _ => "UNKNOWN",
    }
}

/// The code `/metrics` exports for a group: not enough data is 0.
pub fn group_code(status: GroupStatus) -> u8 {
    match status {
        GroupStatus::NotEnoughData => NOTFOUND,
        GroupStatus::Ok => OK,
        GroupStatus::Warn => WARN,
        GroupStatus::Err => ERR,
    }
}

/// The code `/metrics` exports for a partition: not enough data is 0.
pub fn partition_code(status: PartitionStatus) -> u8 {
    match status {
        PartitionStatus::NotEnoughData => NOTFOUND,
        PartitionStatus::Ok => OK,
        PartitionStatus::Warn => WARN,
        PartitionStatus::Stop => STOP,
        PartitionStatus::Stall => STALL,
        PartitionStatus::Rewind => REWIND,
    }
}

/// The code the Burrow API reports for a group: not enough data reads OK.
pub fn api_group_code(status: GroupStatus) -> u8 {
    group_code(status).max(OK)
}

/// The code the Burrow API reports for a partition: not enough data reads OK.
pub fn api_partition_code(status: PartitionStatus) -> u8 {
    partition_code(status).max(OK)
}

/// The label value `/metrics` and the JSON API use for a group status.
pub fn group_label(status: GroupStatus) -> &'static str {
    match status {
        GroupStatus::NotEnoughData => "NOT_ENOUGH_DATA",
        GroupStatus::Ok => "OK",
        GroupStatus::Warn => "WARN",
        GroupStatus::Err => "ERR",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_enough_data_is_code_0_in_metrics_and_ok_in_the_api() {
        assert_eq!(group_code(GroupStatus::NotEnoughData), 0);
        assert_eq!(name(api_group_code(GroupStatus::NotEnoughData)), "OK");
        assert_eq!(partition_code(PartitionStatus::NotEnoughData), 0);
        assert_eq!(
            name(api_partition_code(PartitionStatus::NotEnoughData)),
            "OK"
        );
    }

    #[test]
    fn codes_are_burrows() {
        let partitions = [
            PartitionStatus::Ok,
            PartitionStatus::Warn,
            PartitionStatus::Stop,
            PartitionStatus::Stall,
            PartitionStatus::Rewind,
        ];
        let named: Vec<(u8, &str)> = partitions
            .into_iter()
            .map(|s| (api_partition_code(s), name(api_partition_code(s))))
            .collect();
        assert_eq!(
            named,
            [
                (1, "OK"),
                (2, "WARN"),
                (4, "STOP"),
                (5, "STALL"),
                (6, "REWIND")
            ]
        );
        assert_eq!(api_group_code(GroupStatus::Err), 3);
        assert_eq!(name(3), "ERR");
        assert_eq!(name(7), "UNKNOWN");
    }

    #[test]
    fn group_labels_match_the_json_names() {
        for status in GROUP_STATUSES {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, group_label(status));
        }
    }
}
