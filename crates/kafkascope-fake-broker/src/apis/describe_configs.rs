//! DescribeConfigs: topic (type 2) and broker (type 4) configs from the model.

use std::collections::BTreeMap;

use kafka_protocol::ResponseError;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult,
};
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse};

use super::{Api, Ctx, s};

const TOPIC: i8 = 2;
const BROKER: i8 = 4;
/// ConfigSource values Kafka reports for topic overrides and broker properties.
const DYNAMIC_TOPIC_CONFIG: i8 = 1;
const STATIC_BROKER_CONFIG: i8 = 4;

pub(super) struct DescribeConfigs;

impl Api for DescribeConfigs {
    type Req = DescribeConfigsRequest;

    fn handle(
        ctx: &mut Ctx,
        req: DescribeConfigsRequest,
        _version: i16,
    ) -> DescribeConfigsResponse {
        let results = req.resources.iter().map(|r| describe(ctx, r)).collect();
        DescribeConfigsResponse::default().with_results(results)
    }

    fn error(req: &DescribeConfigsRequest, _version: i16, code: i16) -> DescribeConfigsResponse {
        let results = req
            .resources
            .iter()
            .map(|r| failed(r, code, "unsupported version"))
            .collect();
        DescribeConfigsResponse::default().with_results(results)
    }
}

fn describe(ctx: &Ctx, res: &DescribeConfigsResource) -> DescribeConfigsResult {
    let name = res.resource_name.as_str();
    let (configs, source) = match res.resource_type {
        TOPIC => match ctx.model.topics.get(name) {
            Some(t) => (&t.configs, DYNAMIC_TOPIC_CONFIG),
            None => {
                let msg = format!("Topic {name} does not exist");
                return failed(res, ResponseError::UnknownTopicOrPartition.code(), &msg);
            }
        },
        BROKER => match ctx.model.brokers.iter().find(|b| b.id.to_string() == name) {
            Some(b) => (&b.configs, STATIC_BROKER_CONFIG),
            None => return failed(res, ResponseError::InvalidRequest.code(), "unknown broker"),
        },
        other => {
            let msg = format!("resource type {other} is not supported by the fake");
            return failed(res, ResponseError::InvalidRequest.code(), &msg);
        }
    };
    DescribeConfigsResult::default()
        .with_resource_type(res.resource_type)
        .with_resource_name(res.resource_name.clone())
        .with_error_message(None)
        .with_configs(entries(configs, res.configuration_keys.as_deref(), source))
}

/// `keys` = null means every config, as in Kafka; unknown keys are silently skipped.
fn entries(
    configs: &BTreeMap<String, String>,
    keys: Option<&[kafka_protocol::protocol::StrBytes]>,
    source: i8,
) -> Vec<DescribeConfigsResourceResult> {
    configs
        .iter()
        .filter(|(k, _)| keys.is_none_or(|ks| ks.iter().any(|w| w.as_str() == k.as_str())))
        .map(|(k, v)| {
            DescribeConfigsResourceResult::default()
                .with_name(s(k))
                .with_value(Some(s(v)))
                .with_config_source(source)
        })
        .collect()
}

fn failed(res: &DescribeConfigsResource, code: i16, msg: &str) -> DescribeConfigsResult {
    DescribeConfigsResult::default()
        .with_error_code(code)
        .with_error_message(Some(s(msg)))
        .with_resource_type(res.resource_type)
        .with_resource_name(res.resource_name.clone())
}
