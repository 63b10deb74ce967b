//! What a broker offers (from its ApiVersions answer) and which version of a
//! request we and the broker both speak.

use std::collections::HashMap;

use kafka_protocol::messages::ApiVersionsResponse;
use kafka_protocol::protocol::Request;

/// The broker's supported range per API key.
#[derive(Debug, Clone, Default)]
pub struct ApiVersionTable {
    ranges: HashMap<i16, (i16, i16)>,
}

impl ApiVersionTable {
    pub fn from_response(response: &ApiVersionsResponse) -> Self {
        let ranges = response
            .api_keys
            .iter()
            .map(|k| (k.api_key, (k.min_version, k.max_version)))
            .collect();
        Self { ranges }
    }

    /// The broker's range for `api_key`, if it offers the API at all.
    pub fn range(&self, api_key: i16) -> Option<(i16, i16)> {
        self.ranges.get(&api_key).copied()
    }

    /// The highest version of `R` both sides speak, no higher than `cap`.
    /// `None` when there is no overlap: the broker does not offer the API to us.
    pub fn negotiate<R: Request>(&self, cap: Option<i16>) -> Option<i16> {
        let (broker_min, broker_max) = self.range(R::KEY)?;
        let ours_max = cap.map_or(R::VERSIONS.max, |c| c.min(R::VERSIONS.max));
        let max = broker_max.min(ours_max);
        let min = broker_min.max(R::VERSIONS.min);
        (min <= max).then_some(max)
    }

    pub fn offered(&self, api_key: i16) -> String {
        match self.range(api_key) {
            Some((min, max)) => format!("v{min}..v{max}"),
            None => "nothing".to_string(),
        }
    }
}

/// The request's name (`MetadataRequest`), for errors and self-metrics.
pub fn request_name<R: Request>() -> &'static str {
    let full = std::any::type_name::<R>();
    full.rsplit("::").next().unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::api_versions_response::ApiVersion;
    use kafka_protocol::messages::{ListOffsetsRequest, MetadataRequest, OffsetFetchRequest};
    use kafka_protocol::protocol::Message;

    fn table(entries: &[(i16, i16, i16)]) -> ApiVersionTable {
        let response = ApiVersionsResponse::default().with_api_keys(
            entries
                .iter()
                .map(|&(key, min, max)| {
                    ApiVersion::default()
                        .with_api_key(key)
                        .with_min_version(min)
                        .with_max_version(max)
                })
                .collect(),
        );
        ApiVersionTable::from_response(&response)
    }

    #[test]
    fn picks_highest_common_version() {
        let t = table(&[(3, 0, 7), (2, 0, 100)]);
        assert_eq!(t.negotiate::<MetadataRequest>(None), Some(7));
        assert_eq!(
            t.negotiate::<ListOffsetsRequest>(None),
            Some(ListOffsetsRequest::VERSIONS.max)
        );
        assert_eq!(t.negotiate::<ListOffsetsRequest>(Some(5)), Some(5));
    }

    #[test]
    fn missing_or_disjoint_api_is_none() {
        // A broker that only speaks versions newer than any we know.
        let t = table(&[(3, 500, 600)]);
        assert_eq!(t.negotiate::<MetadataRequest>(None), None);
        assert_eq!(t.negotiate::<OffsetFetchRequest>(None), None);
        assert_eq!(t.offered(9), "nothing");
    }

    #[test]
    fn request_name_is_the_type_name() {
        assert_eq!(request_name::<MetadataRequest>(), "MetadataRequest");
    }
}
