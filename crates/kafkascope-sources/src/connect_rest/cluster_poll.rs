//! One poll of one Connect cluster: every configured worker's `GET /` at
//! once (so a dead worker shows), the listing from the first in order that
//! answers (the next if its listing fails), and the connectors' topics,
//! read a few at a time and only every few polls.

use std::collections::BTreeMap;
use std::time::Instant;

use futures::StreamExt;
use kafkascope_client::http_client::HttpClient;

use super::cluster_figures::{ClusterAnswers, WorkerProbe, cluster_figures};
use super::rest_api::{ExpandedConnectors, RestApi, RestApiError, ServerInfo};
use super::settings::{ConnectClusterSettings, ConnectRestSettings};
use crate::connect_rest_figures::ConnectClusterFigures;
use crate::source::TargetStatus;

/// The role of every Connect target in its status.
const ROLE: &str = "connect";

/// What a Connect cluster's poller keeps between polls.
pub struct ClusterPoller {
    settings: ConnectClusterSettings,
    client: HttpClient,
    topics_concurrency: usize,
    topics_every_polls: u32,
    polls: u64,
    /// Each connector's topics as last read.
    topics: BTreeMap<String, Vec<String>>,
    /// The last topics call answered 403 (`topic.tracking.enable=false`):
    /// until one succeeds, each refresh asks for one connector only.
    tracking_disabled: bool,
}

/// What a URL's probe and listing came to.
struct UrlOutcome {
    info: Result<ServerInfo, RestApiError>,
    probe_ms: f64,
    listing_error: Option<RestApiError>,
}

impl ClusterPoller {
    pub fn new(settings: ConnectClusterSettings, shared: &ConnectRestSettings) -> Self {
        Self {
            client: shared.http_client(&settings),
            settings,
            topics_concurrency: shared.topics_concurrency.max(1),
            topics_every_polls: shared.topics_every_polls.max(1),
            polls: 0,
            topics: BTreeMap::new(),
            tracking_disabled: false,
        }
    }

    pub async fn poll(&mut self) -> (Vec<TargetStatus>, ConnectClusterFigures) {
        let started = Instant::now();
        let mut outcomes = self.probe_all().await;
        let mut requests = outcomes.len();
        let listing = self.first_listing(&mut outcomes, &mut requests).await;
        let (answered_by, connectors, mut problems) = match listing {
            Some((index, (connectors, problems))) => (Some(index), connectors, problems),
            None => (None, ExpandedConnectors::new(), Vec::new()),
        };
        if let Some(index) = answered_by {
            let (sent, topic_problems) = self.refresh_topics(index, &connectors).await;
            requests += sent;
            problems.extend(topic_problems);
        }
        self.polls += 1;
        let probes = self.probes(&outcomes);
        let answers = ClusterAnswers {
            probes: &probes,
            answered_by,
            connectors: &connectors,
            topics: &self.topics,
        };
        let mut figures = cluster_figures(&self.settings, answers);
        figures.requests = requests;
        figures.problems = problems;
        let statuses = statuses(&figures, &outcomes, answered_by, started);
        (statuses, figures)
    }

    /// The listing of the first URL in order that answered `GET /` and
    /// whose listing succeeds (a worker still starting or rebalancing may
    /// refuse it), with that URL's index; each refusal is kept on its URL.
    async fn first_listing(
        &self,
        outcomes: &mut [UrlOutcome],
        requests: &mut usize,
    ) -> Option<(usize, (ExpandedConnectors, Vec<String>))> {
        for (index, outcome) in outcomes.iter_mut().enumerate() {
            if outcome.info.is_err() {
                continue;
            }
            *requests += 1;
            match self.api(index).connectors().await {
                Ok(listed) => return Some((index, listed)),
                Err(error) => outcome.listing_error = Some(error),
            }
        }
        None
    }

    fn api(&self, index: usize) -> RestApi<'_> {
        RestApi {
            client: &self.client,
            base: &self.settings.urls[index],
            basic_auth: self.settings.basic_auth.as_ref(),
        }
    }

    async fn probe_all(&self) -> Vec<UrlOutcome> {
        let probes = (0..self.settings.urls.len()).map(|index| async move {
            let started = Instant::now();
            let info = self.api(index).server_info().await;
            UrlOutcome {
                info,
                probe_ms: started.elapsed().as_secs_f64() * 1000.0,
                listing_error: None,
            }
        });
        futures::future::join_all(probes).await
    }

    fn probes(&self, outcomes: &[UrlOutcome]) -> Vec<WorkerProbe> {
        self.settings
            .urls
            .iter()
            .zip(outcomes)
            .map(|(url, outcome)| WorkerProbe {
                url: url.to_string(),
                authority: url.authority.clone(),
                info: outcome.info.as_ref().ok().cloned(),
            })
            .collect()
    }

    /// Reads the topics of the connectors due (all, every few polls; those
    /// not seen before, at once), `topics_concurrency` at a time. Returns
    /// the requests sent and what failed.
    async fn refresh_topics(
        &mut self,
        index: usize,
        connectors: &ExpandedConnectors,
    ) -> (usize, Vec<String>) {
        self.topics.retain(|name, _| connectors.contains_key(name));
        let refresh_all = self
            .polls
            .is_multiple_of(u64::from(self.topics_every_polls));
        let mut due: Vec<String> = connectors
            .keys()
            .filter(|name| refresh_all || !self.topics.contains_key(*name))
            .cloned()
            .collect();
        if self.tracking_disabled {
            due.truncate(1);
        }
        let api = self.api(index);
        let answers: Vec<(String, Result<Vec<String>, RestApiError>)> = futures::stream::iter(due)
            .map(move |name| async move {
                let topics = api.topics(&name).await;
                (name, topics)
            })
            .buffer_unordered(self.topics_concurrency)
            .collect()
            .await;
        let sent = answers.len();
        let mut failures = Vec::new();
        let mut disabled = false;
        for (name, answer) in answers {
            match answer {
                Ok(topics) => {
                    self.topics.insert(name, topics);
                }
                Err(error) => {
                    disabled |= error.status() == Some(403);
                    failures.push(error.to_string());
                }
            }
        }
        if sent > 0 {
            self.tracking_disabled = disabled && failures.len() == sent;
        }
        (sent, summarize_topic_failures(failures))
    }
}

/// The first topics failure and how many there were, as one problem.
fn summarize_topic_failures(mut failures: Vec<String>) -> Vec<String> {
    failures.sort();
    match failures.first() {
        None => Vec::new(),
        Some(first) if failures.len() == 1 => vec![format!("topics unread: {first}")],
        Some(first) => vec![format!(
            "topics of {} connectors unread; {first}",
            failures.len()
        )],
    }
}

/// Each URL's status: down if it did not answer `GET /` or its listing
/// failed; the answering one carries the samples (connectors and tasks)
/// and what could not be read.
fn statuses(
    figures: &ConnectClusterFigures,
    outcomes: &[UrlOutcome],
    answered_by: Option<usize>,
    started: Instant,
) -> Vec<TargetStatus> {
    let total_ms = started.elapsed().as_secs_f64() * 1000.0;
    figures
        .urls
        .iter()
        .zip(outcomes)
        .enumerate()
        .map(|(index, (url, outcome))| {
            let error = match (&outcome.info, &outcome.listing_error) {
                (Err(error), _) | (Ok(_), Some(error)) => Some(error.to_string()),
                (Ok(_), None) => None,
            };
            let answered = answered_by == Some(index);
            let samples = if answered {
                figures.connectors.len()
                    + figures
                        .connectors
                        .iter()
                        .map(|c| c.tasks.len())
                        .sum::<usize>()
            } else {
                0
            };
            TargetStatus {
                target: url.clone(),
                role: ROLE.to_string(),
                broker: None,
                up: error.is_none(),
                duration_ms: if answered { total_ms } else { outcome.probe_ms },
                samples,
                error: if answered && !figures.problems.is_empty() {
                    Some(figures.problems.join("; "))
                } else {
                    error
                },
            }
        })
        .collect()
}
