//! ListGroups: each broker lists only the groups it coordinates, as in Kafka.

use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{GroupId, ListGroupsRequest, ListGroupsResponse};

use super::{Api, Ctx, s};
use crate::cluster_state::GroupSpec;

pub(super) struct ListGroups;

impl Api for ListGroups {
    type Req = ListGroupsRequest;

    fn handle(ctx: &mut Ctx, req: ListGroupsRequest, _version: i16) -> ListGroupsResponse {
        let groups = ctx
            .model
            .groups
            .values()
            .filter(|g| g.coordinator == ctx.broker_id && wanted(&req, g))
            .map(|g| {
                ListedGroup::default()
                    .with_group_id(GroupId(s(&g.id)))
                    .with_protocol_type(s(&g.protocol_type))
                    .with_group_state(s(&g.state))
                    .with_group_type(s("classic"))
            })
            .collect();
        ListGroupsResponse::default().with_groups(groups)
    }

    fn error(_req: &ListGroupsRequest, _version: i16, code: i16) -> ListGroupsResponse {
        ListGroupsResponse::default().with_error_code(code)
    }
}

/// The v4 state filter and v5 type filter; Kafka compares both case-insensitively and an
/// empty filter matches everything. Every fake group is a "classic" group.
fn wanted(req: &ListGroupsRequest, group: &GroupSpec) -> bool {
    let state_ok = req.states_filter.is_empty()
        || req
            .states_filter
            .iter()
            .any(|st| st.as_str().eq_ignore_ascii_case(&group.state));
    let type_ok = req.types_filter.is_empty()
        || req
            .types_filter
            .iter()
            .any(|t| t.as_str().eq_ignore_ascii_case("classic"));
    state_ok && type_ok
}
