//! Bursts of ERROR records: N of them within a window of log time, one
//! event per burst.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::event::Detected;

/// When ERROR records make a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BurstConfig {
    /// ERROR (or FATAL) records...
    pub errors: u32,
    /// ...within this much log time.
    pub window_ms: i64,
}

impl Default for BurstConfig {
    fn default() -> Self {
        BurstConfig {
            errors: 20,
            window_ms: 60_000,
        }
    }
}

/// The burst state of one file: the times of its last `errors` ERRORs.
#[derive(Debug, Clone, Default)]
pub struct ErrorBurst {
    recent: VecDeque<i64>,
    in_burst: bool,
}

impl ErrorBurst {
    /// Counts an ERROR logged at `at_ms`; the burst's event when this one
    /// starts a burst. A burst lasts while every `errors` consecutive
    /// ERRORs fall within the window.
    pub fn error_at(&mut self, at_ms: i64, config: BurstConfig) -> Option<Detected> {
        let needed = config.errors.max(1) as usize;
        self.recent.push_back(at_ms);
        if self.recent.len() > needed {
            self.recent.pop_front();
        }
        let oldest = *self.recent.front()?;
        let full = self.recent.len() == needed && at_ms - oldest <= config.window_ms;
        let started = full && !self.in_burst;
        self.in_burst = full;
        started.then_some(Detected::ErrorBurst {
            errors: config.errors,
            window_ms: config.window_ms,
            since_ms: oldest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: BurstConfig = BurstConfig {
        errors: 3,
        window_ms: 1_000,
    };

    #[test]
    fn one_event_per_burst_and_a_new_one_after_a_quiet_spell() {
        let mut burst = ErrorBurst::default();
        let events: Vec<_> = [0, 100, 200, 300, 400, 5_000, 9_000, 9_100, 9_200]
            .into_iter()
            .filter_map(|at| burst.error_at(at, CONFIG))
            .collect();
        assert_eq!(
            events,
            [
                Detected::ErrorBurst {
                    errors: 3,
                    window_ms: 1_000,
                    since_ms: 0
                },
                Detected::ErrorBurst {
                    errors: 3,
                    window_ms: 1_000,
                    since_ms: 9_000
                },
            ]
        );
    }

    #[test]
    fn errors_spread_wider_than_the_window_are_no_burst() {
        let mut burst = ErrorBurst::default();
        let events = [0, 600, 1_200, 1_800, 2_400]
            .into_iter()
            .filter_map(|at| burst.error_at(at, CONFIG))
            .count();
        assert_eq!(events, 0);
    }
}
