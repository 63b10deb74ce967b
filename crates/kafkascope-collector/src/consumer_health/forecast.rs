//! Where a lagging group is heading: from its consume and produce rates over
//! the window, either the time until the lag is gone or how fast it grows.

use crate::snapshot::CatchUpForecast;

/// `lag` is the group's lag now; the rates are records per second summed
/// over its partitions. `None` when the group is not lagging or a rate is
/// unknown. Consuming exactly as fast as producers write never catches up,
/// so it reads as falling behind by zero a minute.
pub fn forecast(
    lag: i64,
    consumed_per_sec: Option<f64>,
    produced_per_sec: Option<f64>,
) -> Option<CatchUpForecast> {
    if lag <= 0 {
        return None;
    }
    let (consumed, produced) = (consumed_per_sec?, produced_per_sec?);
    Some(if consumed > produced {
        CatchUpForecast::CatchingUp {
            seconds: lag as f64 / (consumed - produced),
        }
    } else {
        CatchUpForecast::FallingBehind {
            messages_per_minute: (produced - consumed) * 60.0,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consuming_faster_catches_up() {
        assert_eq!(
            forecast(1_000, Some(30.0), Some(10.0)),
            Some(CatchUpForecast::CatchingUp { seconds: 50.0 })
        );
    }

    #[test]
    fn consuming_slower_falls_behind() {
        assert_eq!(
            forecast(1_000, Some(10.0), Some(12.5)),
            Some(CatchUpForecast::FallingBehind {
                messages_per_minute: 150.0
            })
        );
        assert_eq!(
            forecast(1_000, Some(0.0), Some(0.0)),
            Some(CatchUpForecast::FallingBehind {
                messages_per_minute: 0.0
            })
        );
    }

    #[test]
    fn no_forecast_without_lag_or_rates() {
        assert_eq!(forecast(0, Some(30.0), Some(10.0)), None);
        assert_eq!(forecast(5, None, Some(10.0)), None);
        assert_eq!(forecast(5, Some(1.0), None), None);
    }
}
