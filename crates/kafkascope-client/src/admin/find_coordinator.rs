//! FindCoordinator for groups named by the user (the CLI's `--group`),
//! batched where the broker supports v4's coordinator keys.

use std::collections::BTreeMap;

use kafka_protocol::messages::FindCoordinatorRequest;

use super::{Admin, Partial, ShardError, kafka_error, str_bytes};
use crate::connection::Connection;
use crate::error::Result;

const API: &str = "FindCoordinatorRequest";
const GROUP_KEY_TYPE: i8 = 0;

impl Admin {
    /// Group id → coordinator broker id.
    pub async fn find_group_coordinators(
        &self,
        groups: &[String],
    ) -> Result<Partial<BTreeMap<String, i32>>> {
        let connection = self.pool.any_connection().await?;
        let version = connection.version_for::<FindCoordinatorRequest>(None)?;
        if version >= 4 {
            return batched(&connection, version, groups).await;
        }
        let mut found = Partial::<BTreeMap<String, i32>>::empty();
        for group in groups {
            let request = FindCoordinatorRequest::default()
                .with_key(str_bytes(group))
                .with_key_type(GROUP_KEY_TYPE);
            let response = connection.send_at(&request, version).await?;
            if response.error_code == 0 {
                found.value.insert(group.clone(), response.node_id.0);
            } else {
                found
                    .errors
                    .push(group_error(&connection, group, response.error_code));
            }
        }
        Ok(found)
    }
}

async fn batched(
    connection: &Connection,
    version: i16,
    groups: &[String],
) -> Result<Partial<BTreeMap<String, i32>>> {
    let request = FindCoordinatorRequest::default()
        .with_key_type(GROUP_KEY_TYPE)
        .with_coordinator_keys(groups.iter().map(|g| str_bytes(g)).collect());
    let response = connection.send_at(&request, version).await?;
    let mut found = Partial::<BTreeMap<String, i32>>::empty();
    for coordinator in response.coordinators {
        let group = coordinator.key.to_string();
        if coordinator.error_code == 0 {
            found.value.insert(group, coordinator.node_id.0);
        } else {
            found
                .errors
                .push(group_error(connection, &group, coordinator.error_code));
        }
    }
    Ok(found)
}

fn group_error(connection: &Connection, group: &str, code: i16) -> ShardError {
    ShardError {
        broker: None,
        api: API,
        subject: format!("group {group}"),
        error: kafka_error(connection, API, code, format!(" for group {group}")),
    }
}
