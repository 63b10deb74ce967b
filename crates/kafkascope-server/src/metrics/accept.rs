//! Content negotiation for `/metrics`: OpenMetrics when the `Accept` header
//! offers `application/openmetrics-text` at least as gladly as plain text,
//! Prometheus text 0.0.4 otherwise (including no header at all).

use axum::http::HeaderValue;

use kafkascope_exposition::Format;

/// Prometheus sends e.g. `application/openmetrics-text;version=1.0.0,
/// application/openmetrics-text;version=0.0.1;q=0.75,
/// text/plain;version=0.0.4;q=0.5,*/*;q=0.1`.
pub fn negotiate(accept: Option<&HeaderValue>) -> Format {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return Format::Prometheus;
    };
    let mut openmetrics: f32 = 0.0;
    let mut text: f32 = 0.0;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "application/openmetrics-text" => openmetrics = openmetrics.max(q),
            "text/plain" | "text/*" | "*/*" => text = text.max(q),
            _ => {}
        }
    }
    if openmetrics > 0.0 && openmetrics >= text {
        Format::OpenMetrics
    } else {
        Format::Prometheus
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(accept: &str) -> Format {
        negotiate(Some(&HeaderValue::from_str(accept).unwrap()))
    }

    #[test]
    fn prometheus_scrape_header_gets_openmetrics() {
        assert_eq!(
            pick(
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
            ),
            Format::OpenMetrics
        );
        assert_eq!(pick("application/openmetrics-text"), Format::OpenMetrics);
        assert_eq!(
            pick("Application/OpenMetrics-Text; version=1.0.0"),
            Format::OpenMetrics
        );
    }

    #[test]
    fn everything_else_gets_prometheus_text() {
        assert_eq!(negotiate(None), Format::Prometheus);
        assert_eq!(pick("*/*"), Format::Prometheus);
        assert_eq!(pick("text/plain;version=0.0.4"), Format::Prometheus);
        assert_eq!(pick("application/json"), Format::Prometheus);
        assert_eq!(
            pick("text/plain, application/openmetrics-text;q=0.5"),
            Format::Prometheus
        );
        assert_eq!(pick("application/openmetrics-text;q=0"), Format::Prometheus);
    }
}
