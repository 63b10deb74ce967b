//! The calls kafkascope makes to Kafka Connect's REST API and the models of
//! their answers, from the API's documentation: `GET /`,
//! `GET /connectors?expand=status&expand=info` and
//! `GET /connectors/{name}/topics`. Fields the models do not name (and
//! later versions add) are ignored; states and types a later version adds
//! are kept as written.

use std::collections::BTreeMap;

use kafkascope_client::http_client::{BasicAuth, HttpClient, HttpError, HttpRequest, HttpUrl};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Every connector with its status and its info (config, tasks) in one
/// answer (Kafka 2.3+, KIP-465).
pub const LIST_CONNECTORS: &str = "/connectors?expand=status&expand=info";

/// Unreadable connectors named one by one; the rest are counted.
const MAX_PROBLEMS: usize = 16;

/// Why a call failed; the message names the call, never the credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestApiError {
    #[error("GET {call}: {error}")]
    Http { call: String, error: HttpError },
    #[error("GET {call}: HTTP {status}: {message}")]
    Status {
        call: String,
        status: u16,
        message: String,
    },
    #[error("GET {call}: not an answer of Connect's REST API: {reason}")]
    NotJson { call: String, reason: String },
}

impl RestApiError {
    /// The HTTP status of a refused call.
    pub fn status(&self) -> Option<u16> {
        match self {
            RestApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// `GET /`: the answering worker's version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ServerInfo {
    pub version: Option<String>,
    pub commit: Option<String>,
    pub kafka_cluster_id: Option<String>,
}

/// `GET /connectors?expand=status&expand=info`, by connector name.
pub type ExpandedConnectors = BTreeMap<String, ExpandedConnector>;

/// Either part may be missing: Connect leaves out what it could not read
/// of a connector created or deleted while it answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ExpandedConnector {
    pub status: Option<ConnectorStatus>,
    pub info: Option<ConnectorInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ConnectorStatus {
    pub connector: StateInfo,
    #[serde(default)]
    pub tasks: Vec<TaskStatus>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StateInfo {
    pub state: String,
    pub worker_id: Option<String>,
    pub trace: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TaskStatus {
    pub id: i32,
    pub state: String,
    pub worker_id: Option<String>,
    pub trace: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ConnectorInfo {
    #[serde(default)]
    pub config: KeptConfig,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// The only config keys kafkascope reads. A connector's config holds its
/// credentials (database passwords, cloud keys, URLs with user info) next
/// to these, and Connect answers them in clear unless a config provider
/// hides them; naming the kept keys here means nothing else is ever
/// deserialized, kept, logged or shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct KeptConfig {
    #[serde(rename = "connector.class")]
    pub connector_class: Option<String>,
    #[serde(rename = "tasks.max")]
    pub tasks_max: Option<String>,
    /// A sink's topic list.
    pub topics: Option<String>,
    #[serde(rename = "topics.regex")]
    pub topics_regex: Option<String>,
    /// The topic of sources that write one (FileStream, many others).
    pub topic: Option<String>,
    /// A sink's own consumer group, where the worker's override policy
    /// allows it.
    #[serde(rename = "consumer.override.group.id")]
    pub consumer_group_override: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
struct ActiveTopics {
    #[serde(default)]
    topics: Vec<String>,
}

/// The topics of `GET /connectors/{name}/topics`: `{"<name>": {"topics":
/// [...]}}`.
pub fn parse_topics(name: &str, body: &[u8]) -> Result<Vec<String>, RestApiError> {
    let mut by_name: BTreeMap<String, ActiveTopics> = parse_json(&topics_path(name), body)?;
    Ok(by_name.remove(name).map(|t| t.topics).unwrap_or_default())
}

pub fn parse_server_info(body: &[u8]) -> Result<ServerInfo, RestApiError> {
    parse_json("/", body)
}

/// The connectors of the listing, and what was wrong with those that
/// could not be read (each named); they are left out, the others count.
pub fn parse_connectors(body: &[u8]) -> Result<(ExpandedConnectors, Vec<String>), RestApiError> {
    let raw: BTreeMap<String, serde_json::Value> = parse_json(LIST_CONNECTORS, body)?;
    let mut connectors = ExpandedConnectors::new();
    let mut problems = Vec::new();
    for (name, value) in raw {
        match serde_json::from_value::<ExpandedConnector>(value) {
            Ok(connector) => {
                connectors.insert(name, connector);
            }
            Err(error) => problems.push(format!("connector {name}: {error}")),
        }
    }
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(format!("{more} more connectors unreadable"));
    }
    Ok((connectors, problems))
}

fn parse_json<T: DeserializeOwned>(call: &str, body: &[u8]) -> Result<T, RestApiError> {
    serde_json::from_slice(body).map_err(|e| RestApiError::NotJson {
        call: call.to_string(),
        reason: e.to_string(),
    })
}

/// `/connectors/{name}/topics`, the name percent-encoded (names may hold
/// any character but control characters).
pub fn topics_path(name: &str) -> String {
    format!("/connectors/{}/topics", encode_path_segment(name))
}

fn encode_path_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// One worker's REST API: its URL, credentials and the client to reach it.
#[derive(Debug, Clone, Copy)]
pub struct RestApi<'a> {
    pub client: &'a HttpClient,
    pub base: &'a HttpUrl,
    pub basic_auth: Option<&'a BasicAuth>,
}

impl RestApi<'_> {
    pub async fn server_info(&self) -> Result<ServerInfo, RestApiError> {
        let body = self.get("/").await?;
        parse_server_info(&body)
    }

    pub async fn connectors(&self) -> Result<(ExpandedConnectors, Vec<String>), RestApiError> {
        let body = self.get(LIST_CONNECTORS).await?;
        parse_connectors(&body)
    }

    pub async fn topics(&self, name: &str) -> Result<Vec<String>, RestApiError> {
        let body = self.get(&topics_path(name)).await?;
        parse_topics(name, &body)
    }

    /// The body of a successful answer; any other status is an error with
    /// Connect's own message (`{"error_code": 404, "message": "..."}`).
    async fn get(&self, path: &str) -> Result<bytes::Bytes, RestApiError> {
        let url = self.base.joined(path);
        let request = HttpRequest {
            basic_auth: self.basic_auth,
            ..HttpRequest::get(&url, "application/json")
        };
        let answer = self
            .client
            .send(request)
            .await
            .map_err(|error| RestApiError::Http {
                call: path.to_string(),
                error,
            })?;
        if !answer.is_success() {
            return Err(RestApiError::Status {
                call: path.to_string(),
                status: answer.status,
                message: error_message(&answer.body),
            });
        }
        Ok(answer.body)
    }
}

#[derive(Deserialize)]
struct ErrorAnswer {
    message: String,
}

/// Connect's error message, or the start of whatever else answered (a
/// proxy's page).
pub fn error_message(body: &[u8]) -> String {
    match serde_json::from_slice::<ErrorAnswer>(body) {
        Ok(error) => kafkascope_client::http_client::excerpt(error.message.as_bytes()),
        Err(_) => kafkascope_client::http_client::excerpt(body),
    }
}
