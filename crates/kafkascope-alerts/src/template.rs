//! The part of Prometheus's alert templates that rules use: `{{ $labels.x }}`
//! (or `.Labels.x`), `{{ $value }}` (or `.Value`), and pipelines through
//! `humanize`, `humanize1024`, `humanizePercentage`, `humanizeDuration`,
//! `printf "<format>"`, `toUpper` and `toLower`. A template is read once,
//! when its rule is loaded, so a mistake is reported by `rules check` and
//! not at the first alert; numbers are written the way Go writes them, so
//! a message reads the same as from Prometheus.

use std::collections::BTreeMap;

/// A template read into literal text and placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Action { input: Input, pipeline: Vec<Step> },
}

#[derive(Debug, Clone, PartialEq)]
enum Input {
    Value,
    Label(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Humanize,
    Humanize1024,
    HumanizePercentage,
    HumanizeDuration,
    Printf(String),
    ToUpper,
    ToLower,
}

/// What a placeholder is filled with.
enum Filled {
    Number(f64),
    Text(String),
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("unclosed action in {text:?}"))?;
            parts.push(parse_action(after[..end].trim_matches(['-', ' ']))?);
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// The text with `labels` and `value` filled in; a label the alert does
    /// not have is empty, as in Prometheus.
    pub fn expand(&self, labels: &BTreeMap<String, String>, value: f64) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Action { input, pipeline } => {
                    let mut filled = match input {
                        Input::Value => Filled::Number(value),
                        Input::Label(name) => {
                            Filled::Text(labels.get(name).cloned().unwrap_or_default())
                        }
                    };
                    for step in pipeline {
                        filled = Filled::Text(step.apply(filled));
                    }
                    out.push_str(&filled.into_text());
                }
            }
        }
        out
    }
}

fn parse_action(action: &str) -> Result<Part, String> {
    let mut stages = action.split('|').map(str::trim);
    let first = stages.next().unwrap_or_default();
    let mut pipeline = Vec::new();
    let input = match first.strip_prefix("printf ") {
        // `printf "%.1f" $value`: the input comes last.
        Some(args) => {
            let (format, input) = quoted_then_rest(args)?;
            pipeline.push(Step::Printf(format));
            parse_input(input.trim())?
        }
        None => parse_input(first)?,
    };
    for stage in stages {
        pipeline.push(parse_step(stage)?);
    }
    Ok(Part::Action { input, pipeline })
}

fn parse_input(text: &str) -> Result<Input, String> {
    if matches!(text, "$value" | ".Value") {
        return Ok(Input::Value);
    }
    let label = text
        .strip_prefix("$labels.")
        .or_else(|| text.strip_prefix(".Labels."))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'));
    match label {
        Some(name) => Ok(Input::Label(name.to_string())),
        None => Err(format!(
            "{{{{ {text} }}}}: only $value and $labels.<name> can be used in a template"
        )),
    }
}

fn parse_step(text: &str) -> Result<Step, String> {
    Ok(match text {
        "humanize" => Step::Humanize,
        "humanize1024" => Step::Humanize1024,
        "humanizePercentage" => Step::HumanizePercentage,
        "humanizeDuration" => Step::HumanizeDuration,
        "toUpper" => Step::ToUpper,
        "toLower" => Step::ToLower,
        _ => match text.strip_prefix("printf ") {
            Some(args) => {
                let (format, rest) = quoted_then_rest(args)?;
                if !rest.trim().is_empty() {
                    return Err(format!("printf in a pipeline takes only a format: {text}"));
                }
                Step::Printf(format)
            }
            None => return Err(format!("unknown template function {text:?}")),
        },
    })
}

fn quoted_then_rest(text: &str) -> Result<(String, &str), String> {
    let text = text.trim_start();
    let body = text
        .strip_prefix('"')
        .ok_or_else(|| format!("printf needs a quoted format: {text}"))?;
    let end = body
        .find('"')
        .ok_or_else(|| format!("unclosed printf format: {text}"))?;
    Ok((body[..end].to_string(), &body[end + 1..]))
}

impl Filled {
    fn number(&self) -> f64 {
        match self {
            Filled::Number(v) => *v,
            Filled::Text(t) => t.trim().parse().unwrap_or(f64::NAN),
        }
    }

    fn into_text(self) -> String {
        match self {
            Filled::Number(v) => go_shortest(v),
            Filled::Text(t) => t,
        }
    }
}

impl Step {
    fn apply(&self, input: Filled) -> String {
        match self {
            Step::Humanize => humanize(input.number(), 1000.0),
            Step::Humanize1024 => humanize_1024(input.number()),
            Step::HumanizePercentage => format!("{}%", go_g(input.number() * 100.0, 4)),
            Step::HumanizeDuration => humanize_duration(input.number()),
            Step::Printf(format) => printf(format, input),
            Step::ToUpper => input.into_text().to_uppercase(),
            Step::ToLower => input.into_text().to_lowercase(),
        }
    }
}

fn humanize(v: f64, _base: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return go_g(v, 4);
    }
    let (mut v, mut prefix) = (v, "");
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
    } else {
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if v.abs() >= 1.0 {
                break;
            }
            prefix = p;
            v *= 1000.0;
        }
    }
    format!("{}{prefix}", go_g(v, 4))
}

fn humanize_1024(v: f64) -> String {
    if v.abs() <= 1.0 || !v.is_finite() {
        return go_g(v, 4);
    }
    let (mut v, mut prefix) = (v, "");
    for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
        if v.abs() < 1024.0 {
            break;
        }
        prefix = p;
        v /= 1024.0;
    }
    format!("{}{prefix}", go_g(v, 4))
}

fn humanize_duration(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return format!("{}s", go_g(v, 4));
    }
    if v.abs() >= 1.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        let v = v.abs();
        let whole = v as i64;
        let (days, hours) = (whole / 86_400, (whole / 3_600) % 24);
        let (minutes, seconds) = ((whole / 60) % 60, whole % 60);
        return if days != 0 {
            format!("{sign}{days}d {hours}h {minutes}m {seconds}s")
        } else if hours != 0 {
            format!("{sign}{hours}h {minutes}m {seconds}s")
        } else if minutes != 0 {
            format!("{sign}{minutes}m {seconds}s")
        } else {
            format!("{sign}{}s", go_g(v, 4))
        };
    }
    let (mut v, mut prefix) = (v, "");
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", go_g(v, 4))
}

/// Go's `printf` with one value: its first verb (`%.2f`, `%d`, `%s`,
/// `%v`, `%g`, `%e`, with a precision) takes the value, `%%` is a percent
/// sign, and the text around is kept.
fn printf(format: &str, input: Filled) -> String {
    let mut out = String::new();
    let mut input = Some(input);
    let mut rest = format;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let spec = &rest[start + 1..];
        let precision_len = spec
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let (precision, after) = spec.split_at(precision_len);
        let precision: Option<usize> = precision.strip_prefix('.').and_then(|p| p.parse().ok());
        let Some(verb) = after.chars().next() else {
            out.push('%');
            return out;
        };
        rest = &after[verb.len_utf8()..];
        if verb == '%' {
            out.push('%');
            continue;
        }
        match input.take() {
            Some(value) => out.push_str(&format_verb(verb, precision, value)),
            None => out.push_str("%!(MISSING)"),
        }
    }
    out.push_str(rest);
    out
}

fn format_verb(verb: char, precision: Option<usize>, input: Filled) -> String {
    match verb {
        'f' | 'F' => format!("{:.*}", precision.unwrap_or(6), input.number()),
        'd' => format!("{}", input.number().trunc() as i64),
        'e' => go_e(input.number(), precision.unwrap_or(6)),
        'g' => precision.map_or_else(|| go_shortest(input.number()), |p| go_g(input.number(), p)),
        _ => input.into_text(),
    }
}

/// `%v` of a float64 in Go: the shortest digits, in exponent form below
/// 1e-4 or from 1e6 on (`1e+06`, as Prometheus's messages show it).
pub fn go_shortest(v: f64) -> String {
    if let Some(special) = special(v) {
        return special;
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let text = format!("{v:e}");
        return go_exponent(&text);
    }
    format!("{v}")
}

/// Go's `%.<p>g`: `p` significant digits, trailing zeros dropped, exponent
/// form when the exponent is below -4 or at least `p`.
fn go_g(v: f64, p: usize) -> String {
    if let Some(special) = special(v) {
        return special;
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let p = p.max(1);
    let scientific = format!("{:.*e}", p - 1, v);
    let exp: i32 = scientific
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let (mantissa, e) = scientific.split_once('e').unwrap_or((&scientific, "0"));
        return go_exponent(&format!("{}e{e}", trim_zeros(mantissa)));
    }
    let decimals = (p as i32 - 1 - exp).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

fn go_e(v: f64, p: usize) -> String {
    special(v).unwrap_or_else(|| go_exponent(&format!("{v:.p$e}")))
}

fn special(v: f64) -> Option<String> {
    if v.is_nan() {
        Some("NaN".to_string())
    } else if v.is_infinite() {
        Some(if v > 0.0 { "+Inf" } else { "-Inf" }.to_string())
    } else {
        None
    }
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// Rust's `1.5e6` as Go's `1.5e+06`.
fn go_exponent(text: &str) -> String {
    let Some((mantissa, exp)) = text.split_once('e') else {
        return text.to_string();
    };
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(text: &str, value: f64) -> String {
        let labels = BTreeMap::from([
            ("group".to_string(), "billing".to_string()),
            ("topic".to_string(), "orders".to_string()),
        ]);
        Template::parse(text).unwrap().expand(&labels, value)
    }

    #[test]
    fn labels_and_values_fill_in() {
        assert_eq!(
            expand(
                "{{ $labels.group }} lags on {{$labels.topic}}: {{ $value }}",
                42.0
            ),
            "billing lags on orders: 42"
        );
        assert_eq!(
            expand("{{ .Labels.group }}/{{ .Value }}", 0.5),
            "billing/0.5"
        );
        assert_eq!(expand("[{{ $labels.missing }}]", 1.0), "[]");
        assert_eq!(expand("no actions", 1.0), "no actions");
    }

    #[test]
    fn values_are_written_as_go_writes_them() {
        assert_eq!(expand("{{ $value }}", 1_000_000.0), "1e+06");
        assert_eq!(expand("{{ $value }}", 123_456.0), "123456");
        assert_eq!(expand("{{ $value }}", 0.000_01), "1e-05");
        assert_eq!(expand("{{ $value }}", f64::NAN), "NaN");
    }

    #[test]
    fn humanize_functions_match_prometheus() {
        assert_eq!(expand("{{ $value | humanize }}", 1_234_567.0), "1.235M");
        assert_eq!(expand("{{ $value | humanize }}", 0.5), "500m");
        assert_eq!(expand("{{ $value | humanize }}", 12.0), "12");
        assert_eq!(expand("{{ $value | humanize1024 }}", 1_048_576.0), "1Mi");
        assert_eq!(
            expand("{{ $value | humanizePercentage }}", 0.8567),
            "85.67%"
        );
        assert_eq!(expand("{{ $value | humanizeDuration }}", 90.0), "1m 30s");
        assert_eq!(
            expand("{{ $value | humanizeDuration }}", 93_784.0),
            "1d 2h 3m 4s"
        );
        assert_eq!(expand("{{ $value | humanizeDuration }}", 2.5), "2.5s");
        assert_eq!(expand("{{ $value | humanizeDuration }}", 0.25), "250ms");
    }

    #[test]
    fn printf_and_case_functions() {
        assert_eq!(expand("{{ printf \"%.2f\" $value }}", 2.345_67), "2.35");
        assert_eq!(expand("{{ $value | printf \"%.1f%%\" }}", 85.25), "85.2%");
        assert_eq!(expand("{{ printf \"%d\" $value }}", 7.9), "7");
        assert_eq!(expand("{{ $labels.group | toUpper }}", 0.0), "BILLING");
    }

    #[test]
    fn mistakes_are_reported_when_read() {
        assert_eq!(
            Template::parse("{{ $labels.group").unwrap_err(),
            "unclosed action in \"{{ $labels.group\""
        );
        assert_eq!(
            Template::parse("{{ $value | shout }}").unwrap_err(),
            "unknown template function \"shout\""
        );
        assert_eq!(
            Template::parse("{{ .Foo }}").unwrap_err(),
            "{{ .Foo }}: only $value and $labels.<name> can be used in a template"
        );
    }
}
