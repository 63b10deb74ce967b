//! DescribeCluster (KIP-700), where offered: cluster id, controller and
//! fenced brokers in one answer.

use kafka_protocol::messages::DescribeClusterRequest;

use super::{Admin, kafka_error};
use crate::error::Result;

const API: &str = "DescribeClusterRequest";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribedCluster {
    pub cluster_id: String,
    pub controller_id: Option<i32>,
    pub fenced_brokers: Vec<i32>,
}

impl Admin {
    pub async fn describe_cluster(&self) -> Result<DescribedCluster> {
        let connection = self.pool.any_connection().await?;
        let response = connection.send(&DescribeClusterRequest::default()).await?;
        if response.error_code != 0 {
            return Err(kafka_error(
                &connection,
                API,
                response.error_code,
                String::new(),
            ));
        }
        Ok(DescribedCluster {
            cluster_id: response.cluster_id.to_string(),
            controller_id: (response.controller_id.0 >= 0).then_some(response.controller_id.0),
            fenced_brokers: response
                .brokers
                .iter()
                .filter(|b| b.is_fenced)
                .map(|b| b.broker_id.0)
                .collect(),
        })
    }
}
