//! Connections per broker, made on first use and replaced when they break,
//! with exponential backoff so a dead broker costs one quick error per cycle
//! rather than a connect timeout on every request.
//!
//! Each broker has `connections_per_broker` lanes. Lane 0 carries everything
//! by default; callers with large independent requests spread them over
//! lanes so the broker works on them in parallel.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::config::ClientConfig;
use crate::connection::Connection;
use crate::error::{ClientError, Result};

#[derive(Default)]
struct Slot {
    connection: Option<Connection>,
    consecutive_failures: u32,
    retry_at: Option<Instant>,
    last_error: Option<ClientError>,
}

#[derive(Default)]
struct PoolState {
    /// Broker id → `host:port`, from the latest Metadata answer.
    brokers: BTreeMap<i32, String>,
    slots: HashMap<(String, usize), Arc<tokio::sync::Mutex<Slot>>>,
}

/// Connections to every broker of one cluster.
pub struct BrokerPool {
    config: ClientConfig,
    bootstrap: Vec<String>,
    state: Mutex<PoolState>,
}

impl BrokerPool {
    pub fn new(bootstrap: Vec<String>, config: ClientConfig) -> Self {
        Self {
            config,
            bootstrap,
            state: Mutex::new(PoolState::default()),
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Requests sent so far over this pool's connections, by API name.
    pub fn request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.config.request_counts.snapshot()
    }

    /// Replaces the broker directory, as learnt from Metadata.
    pub fn set_brokers(&self, brokers: impl IntoIterator<Item = (i32, String)>) {
        self.state.lock().expect("pool lock").brokers = brokers.into_iter().collect();
    }

    pub fn brokers(&self) -> BTreeMap<i32, String> {
        self.state.lock().expect("pool lock").brokers.clone()
    }

    /// The connection to broker `id`, connecting if needed.
    pub async fn connection_to(&self, broker_id: i32) -> Result<Connection> {
        self.connection_on_lane(broker_id, 0).await
    }

    /// The connection on lane `lane` (modulo the lanes configured) to broker `id`.
    pub async fn connection_on_lane(&self, broker_id: i32, lane: usize) -> Result<Connection> {
        let addr = self
            .state
            .lock()
            .expect("pool lock")
            .brokers
            .get(&broker_id)
            .cloned()
            .ok_or(ClientError::UnknownBroker { broker_id })?;
        self.connection_to_addr_on_lane(&addr, lane).await
    }

    /// A connection to any broker: known brokers first, then bootstrap servers.
    pub async fn any_connection(&self) -> Result<Connection> {
        let known: Vec<String> = self.brokers().into_values().collect();
        let mut errors = Vec::new();
        for addr in known.iter().chain(self.bootstrap.iter()) {
            match self.connection_to_addr(addr).await {
                Ok(connection) => return Ok(connection),
                Err(e) => errors.push(e.to_string()),
            }
        }
        Err(ClientError::NoBrokerReachable(errors.join("; ")))
    }

    pub async fn connection_to_addr(&self, addr: &str) -> Result<Connection> {
        self.connection_to_addr_on_lane(addr, 0).await
    }

    async fn connection_to_addr_on_lane(&self, addr: &str, lane: usize) -> Result<Connection> {
        let lane = lane % self.config.connections_per_broker.max(1);
        let slot = self.slot(addr, lane);
        // Held across the connect so concurrent callers share one attempt.
        let mut slot = slot.lock().await;
        if let Some(connection) = slot.connection.as_ref().filter(|c| c.is_usable()) {
            return Ok(connection.clone());
        }
        if let (Some(retry_at), Some(last_error)) = (slot.retry_at, &slot.last_error) {
            let now = Instant::now();
            if retry_at > now {
                return Err(ClientError::BackingOff {
                    addr: addr.to_string(),
                    retry_in: retry_at - now,
                    last_error: last_error.to_string(),
                });
            }
        }
        match Connection::connect(addr, &self.config).await {
            Ok(connection) => {
                *slot = Slot {
                    connection: Some(connection.clone()),
                    ..Slot::default()
                };
                Ok(connection)
            }
            Err(error) => {
                slot.connection = None;
                slot.consecutive_failures += 1;
                slot.retry_at = Some(Instant::now() + self.backoff(slot.consecutive_failures));
                slot.last_error = Some(error.clone());
                Err(error)
            }
        }
    }

    fn slot(&self, addr: &str, lane: usize) -> Arc<tokio::sync::Mutex<Slot>> {
        self.state
            .lock()
            .expect("pool lock")
            .slots
            .entry((addr.to_string(), lane))
            .or_default()
            .clone()
    }

    fn backoff(&self, failures: u32) -> std::time::Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
        self.config
            .reconnect_backoff
            .saturating_mul(factor)
            .min(self.config.reconnect_backoff_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let pool = BrokerPool::new(
            vec![],
            ClientConfig {
                reconnect_backoff: Duration::from_millis(100),
                reconnect_backoff_max: Duration::from_millis(700),
                ..ClientConfig::default()
            },
        );
        let delays: Vec<u128> = (1..=5).map(|n| pool.backoff(n).as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 700, 700]);
    }

    #[tokio::test]
    async fn refused_connection_backs_off_instead_of_reconnecting() {
        // Bind then drop a listener: the port is very likely closed now.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        drop(listener);
        let pool = BrokerPool::new(vec![addr.clone()], ClientConfig::default());
        assert!(matches!(
            pool.connection_to_addr(&addr).await,
            Err(ClientError::Connect { .. })
        ));
        assert!(matches!(
            pool.connection_to_addr(&addr).await,
            Err(ClientError::BackingOff { .. })
        ));
    }

    #[tokio::test]
    async fn unknown_broker_id_is_reported() {
        let pool = BrokerPool::new(vec![], ClientConfig::default());
        assert!(matches!(
            pool.connection_to(7).await,
            Err(ClientError::UnknownBroker { broker_id: 7 })
        ));
    }
}
