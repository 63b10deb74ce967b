//! One notification's delivery: tried again with exponential backoff while
//! the failure may pass (a connection refused, a timeout, a 5xx or 429),
//! at most a bounded number of times, then given up. A refusal that will
//! not pass (a 4xx, a bad address) ends it at once.

use std::future::Future;
use std::time::Duration;

use kafkascope_client::http_client::HttpError;

/// Why a try failed. Never holds a URL or a secret: the receiver's name
/// says where it went.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("{0}")]
    Http(#[from] HttpError),
    #[error("answered HTTP {status}: {excerpt}")]
    Status { status: u16, excerpt: String },
    #[error("encoding the payload: {0}")]
    Encode(String),
    #[error("SMTP: {message}")]
    Smtp { message: String, transient: bool },
    #[error("building the message: {0}")]
    Message(String),
}

impl DeliveryError {
    /// Whether trying again may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            DeliveryError::Http(HttpError::InvalidUrl(_)) => false,
            DeliveryError::Http(_) => true,
            DeliveryError::Status { status, .. } => *status >= 500 || *status == 429,
            DeliveryError::Smtp { transient, .. } => *transient,
            DeliveryError::Encode(_) | DeliveryError::Message(_) => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    pub initial_backoff_ms: i64,
    pub max_backoff_ms: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            initial_backoff_ms: 1_000,
            max_backoff_ms: 60_000,
        }
    }
}

impl RetryPolicy {
    /// The wait after failed try number `failed` (1-based): the initial
    /// backoff doubled each time, up to the maximum.
    pub fn backoff_ms(&self, failed: u32) -> i64 {
        let doublings = failed.saturating_sub(1).min(62);
        self.initial_backoff_ms
            .saturating_mul(1_i64 << doublings)
            .min(self.max_backoff_ms)
    }
}

/// How a delivery ended.
#[derive(Debug)]
pub struct Delivered {
    pub attempts: u32,
    pub result: Result<(), DeliveryError>,
}

/// Runs `attempt` until it succeeds, fails for good or the tries run out;
/// `on_failure` sees each failed try.
pub async fn with_retries<F, Fut>(
    policy: &RetryPolicy,
    mut attempt: F,
    mut on_failure: impl FnMut(&DeliveryError),
) -> Delivered
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), DeliveryError>>,
{
    let mut attempts = 0;
    loop {
        attempts += 1;
        let error = match attempt().await {
            Ok(()) => {
                return Delivered {
                    attempts,
                    result: Ok(()),
                };
            }
            Err(error) => error,
        };
        on_failure(&error);
        if attempts >= policy.attempts || !error.is_retryable() {
            return Delivered {
                attempts,
                result: Err(error),
            };
        }
        let wait = policy.backoff_ms(attempts).max(0) as u64;
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let policy = RetryPolicy {
            attempts: 10,
            initial_backoff_ms: 500,
            max_backoff_ms: 3_000,
        };
        let waits: Vec<i64> = (1..=5).map(|n| policy.backoff_ms(n)).collect();
        assert_eq!(waits, [500, 1_000, 2_000, 3_000, 3_000]);
        assert_eq!(policy.backoff_ms(200), 3_000);
    }

    #[test]
    fn which_failures_are_tried_again() {
        let status = |status| DeliveryError::Status {
            status,
            excerpt: String::new(),
        };
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(status(429).is_retryable());
        assert!(!status(400).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(DeliveryError::Http(HttpError::Connect("refused".into())).is_retryable());
        assert!(!DeliveryError::Http(HttpError::InvalidUrl("bad".into())).is_retryable());
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            initial_backoff_ms: 1,
            max_backoff_ms: 1,
        }
    }

    #[tokio::test]
    async fn a_passing_failure_is_tried_until_the_attempts_run_out() {
        let calls = AtomicU32::new(0);
        let mut seen = Vec::new();
        let delivered = with_retries(
            &fast(),
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(DeliveryError::Status {
                    status: 502,
                    excerpt: "bad gateway".into(),
                })
            },
            |e| seen.push(e.to_string()),
        )
        .await;
        assert_eq!(delivered.attempts, 3);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(seen, ["answered HTTP 502: bad gateway"; 3]);
        assert!(delivered.result.is_err());
    }

    #[tokio::test]
    async fn a_lasting_refusal_ends_at_once_and_a_success_stops_trying() {
        let refused = with_retries(
            &fast(),
            || async {
                Err(DeliveryError::Status {
                    status: 403,
                    excerpt: "forbidden".into(),
                })
            },
            |_| {},
        )
        .await;
        assert_eq!(refused.attempts, 1);

        let calls = AtomicU32::new(0);
        let delivered = with_retries(
            &fast(),
            || async {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(DeliveryError::Http(HttpError::Connect("refused".into())))
                } else {
                    Ok(())
                }
            },
            |_| {},
        )
        .await;
        assert_eq!(delivered.attempts, 2);
        assert!(delivered.result.is_ok());
    }
}
