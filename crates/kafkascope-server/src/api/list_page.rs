//! Sorting and paging done on the server, so that a page of a
//! 10,000-partition cluster never ships the whole list: the topic and group
//! lists, and the partitions of one topic or one group.
//!
//! `?sort=<key>&order=asc|desc&offset=N&limit=N`; each endpoint names the
//! keys it sorts by. Unknown figures (`null`) sort last in either order, so
//! "largest lag first" never starts with groups whose lag is unknown. Ties
//! keep the snapshot's order (names, or topic then partition), so pages are
//! stable.

use std::cmp::Ordering;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;

/// `sort`, `order`, `offset` and `limit` from the query string. A bad value
/// is a 400 in the API's JSON shape naming the parameter, which axum's own
/// `Query` rejection (plain text) would not be.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PageQuery {
    /// A sort key the endpoint names; its natural order when absent.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
    pub offset: Option<usize>,
    pub limit: Option<usize>,
}

/// The paging parameters as written, before the numbers are read.
#[derive(Deserialize)]
struct PageParams {
    sort: Option<String>,
    order: Option<String>,
    offset: Option<String>,
    limit: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for PageQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Query(params) =
            Query::<PageParams>::try_from_uri(&parts.uri).map_err(|e| ApiError::BadParameter {
                name: "query".into(),
                message: e.body_text(),
            })?;
        Ok(PageQuery {
            sort: params.sort,
            order: params.order,
            offset: whole_number("offset", params.offset)?,
            limit: whole_number("limit", params.limit)?,
        })
    }
}

fn whole_number(name: &str, text: Option<String>) -> Result<Option<usize>, ApiError> {
    text.map(|text| {
        text.parse().map_err(|_| ApiError::BadParameter {
            name: name.into(),
            message: format!("{text:?} is not a whole number"),
        })
    })
    .transpose()
}

/// What one item is sorted by under a key.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue<'a> {
    Text(&'a str),
    Number(Option<f64>),
}

/// A sort key an endpoint accepts and how to read it from an item.
pub type SortKey<T> = (&'static str, fn(&T) -> SortValue<'_>);

/// One page of a list, with how many items matched in all.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// Items that matched the filters, before paging.
    pub total: usize,
    pub offset: usize,
    pub items: Vec<T>,
}

/// Sorts `items` as `query` asks (by one of `keys`) and cuts the page.
pub fn page<T>(
    mut items: Vec<T>,
    query: &PageQuery,
    keys: &[SortKey<T>],
) -> Result<Page<T>, ApiError> {
    let descending = match query.order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::BadParameter {
                name: "order".into(),
                message: format!("{other:?} is not asc or desc"),
            });
        }
    };
    if let Some(name) = &query.sort {
        let Some((_, read)) = keys.iter().find(|(key, _)| key == name) else {
            let known: Vec<&str> = keys.iter().map(|(key, _)| *key).collect();
            return Err(ApiError::BadParameter {
                name: "sort".into(),
                message: format!("unknown sort key {name:?}; one of {}", known.join(", ")),
            });
        };
        items.sort_by(|a, b| compare(&read(a), &read(b), descending));
    } else if descending {
        items.reverse();
    }
    let total = items.len();
    let offset = query.offset.unwrap_or(0).min(total);
    let limit = query.limit.unwrap_or(usize::MAX);
    let items = items.into_iter().skip(offset).take(limit).collect();
    Ok(Page {
        total,
        offset,
        items,
    })
}

fn compare(a: &SortValue<'_>, b: &SortValue<'_>, descending: bool) -> Ordering {
    let flip = |o: Ordering| if descending { o.reverse() } else { o };
    match (a, b) {
        (SortValue::Text(a), SortValue::Text(b)) => flip(a.cmp(b)),
        (SortValue::Number(Some(a)), SortValue::Number(Some(b))) => flip(a.total_cmp(b)),
        // Unknown last, whatever the order.
        (SortValue::Number(None), SortValue::Number(Some(_))) => Ordering::Greater,
        (SortValue::Number(Some(_)), SortValue::Number(None)) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

/// A count or size as a sort value.
pub fn number<N: Into<f64>>(value: Option<N>) -> SortValue<'static> {
    SortValue::Number(value.map(Into::into))
}

/// A yes/no flag as a sort value: yes sorts after no, first when descending.
pub fn flag(value: bool) -> SortValue<'static> {
    number(Some(u8::from(value)))
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    #[derive(Debug)]
    struct Item {
        name: &'static str,
        lag: Option<i32>,
    }

    const KEYS: &[SortKey<Item>] = &[
        ("name", |i| SortValue::Text(i.name)),
        ("lag", |i| number(i.lag)),
    ];

    fn items() -> Vec<Item> {
        [("a", Some(5)), ("b", None), ("c", Some(9)), ("d", Some(5))]
            .into_iter()
            .map(|(name, lag)| Item { name, lag })
            .collect()
    }

    fn names(query: PageQuery) -> Vec<&'static str> {
        page(items(), &query, KEYS)
            .unwrap()
            .items
            .iter()
            .map(|i| i.name)
            .collect()
    }

    fn query(sort: &str, order: &str) -> PageQuery {
        PageQuery {
            sort: Some(sort.into()),
            order: Some(order.into()),
            ..PageQuery::default()
        }
    }

    async fn from_uri(uri: &str) -> Result<PageQuery, ApiError> {
        let (mut parts, ()) = Request::get(uri).body(()).unwrap().into_parts();
        PageQuery::from_request_parts(&mut parts, &()).await
    }

    #[test]
    fn unknown_values_sort_last_in_both_orders_and_ties_keep_name_order() {
        assert_eq!(names(query("lag", "desc")), ["c", "a", "d", "b"]);
        assert_eq!(names(query("lag", "asc")), ["a", "d", "c", "b"]);
        assert_eq!(names(query("name", "desc")), ["d", "c", "b", "a"]);
    }

    #[test]
    fn offset_and_limit_cut_the_page_and_total_counts_all() {
        let page = page(
            items(),
            &PageQuery {
                offset: Some(1),
                limit: Some(2),
                ..query("lag", "desc")
            },
            KEYS,
        )
        .unwrap();
        assert_eq!(page.total, 4);
        assert_eq!(page.offset, 1);
        let names: Vec<_> = page.items.iter().map(|i| i.name).collect();
        assert_eq!(names, ["a", "d"]);
    }

    #[test]
    fn unknown_sort_key_or_order_names_the_parameter() {
        let err = page(items(), &query("size", "asc"), KEYS).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad parameter sort: unknown sort key \"size\"; one of name, lag"
        );
        let err = page(items(), &query("lag", "up"), KEYS).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad parameter order: \"up\" is not asc or desc"
        );
    }

    #[tokio::test]
    async fn paging_parameters_are_read_from_the_query_string_among_others() {
        assert_eq!(
            from_uri("/x?filter=a&sort=lag&order=desc&offset=100&limit=25").await,
            Ok(PageQuery {
                sort: Some("lag".into()),
                order: Some("desc".into()),
                offset: Some(100),
                limit: Some(25),
            })
        );
        assert_eq!(from_uri("/x").await, Ok(PageQuery::default()));
    }

    #[tokio::test]
    async fn a_paging_number_that_is_not_a_whole_number_is_a_bad_parameter() {
        assert_eq!(
            from_uri("/x?offset=-1").await,
            Err(ApiError::BadParameter {
                name: "offset".into(),
                message: "\"-1\" is not a whole number".into(),
            })
        );
        assert_eq!(
            from_uri("/x?limit=ten").await,
            Err(ApiError::BadParameter {
                name: "limit".into(),
                message: "\"ten\" is not a whole number".into(),
            })
        );
    }
}
