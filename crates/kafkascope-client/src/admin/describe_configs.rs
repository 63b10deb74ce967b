//! DescribeConfigs for topics: all topics in one request (any broker can
//! answer for topic resources), kept to the keys operators watch.

use std::collections::BTreeMap;

use kafka_protocol::messages::DescribeConfigsRequest;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;

use super::{Admin, Partial, ShardError, kafka_error, str_bytes};
use crate::error::Result;

const API: &str = "DescribeConfigsRequest";
const TOPIC_RESOURCE: i8 = 2;

/// Topic → config name → value.
pub type TopicConfigs = BTreeMap<String, BTreeMap<String, String>>;

impl Admin {
    pub async fn describe_topic_configs(
        &self,
        topics: &[String],
        keys: &[&str],
    ) -> Result<Partial<TopicConfigs>> {
        let connection = self.pool.any_connection().await?;
        let request = DescribeConfigsRequest::default().with_resources(
            topics
                .iter()
                .map(|topic| {
                    DescribeConfigsResource::default()
                        .with_resource_type(TOPIC_RESOURCE)
                        .with_resource_name(str_bytes(topic))
                        // Filtered here rather than by the broker: some
                        // brokers (tansu 0.6) drop the connection when keys
                        // are named.
                        .with_configuration_keys(None)
                })
                .collect(),
        );
        let response = connection.send(&request).await?;
        let mut answer = Partial::<TopicConfigs>::empty();
        for result in response.results {
            let topic = result.resource_name.to_string();
            if result.error_code != 0 {
                let context = format!(" for topic {topic}");
                answer.errors.push(ShardError {
                    broker: None,
                    api: API,
                    error: kafka_error(&connection, API, result.error_code, context),
                    subject: format!("topic {topic}"),
                });
                continue;
            }
            let configs = result
                .configs
                .into_iter()
                .filter(|c| keys.contains(&c.name.as_str()))
                .filter_map(|c| Some((c.name.to_string(), c.value?.to_string())))
                .collect();
            answer.value.insert(topic, configs);
        }
        Ok(answer)
    }
}
