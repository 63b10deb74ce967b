//! Functions applied to each element of an instant vector (`abs`, `ceil`,
//! `floor`, `round`, `sqrt`, `exp`, `ln`, `log2`, `log10`, `clamp`,
//! `clamp_min`, `clamp_max`), and the labels `absent` reports.
//!
//! Each drops the metric name, as in Prometheus, since the value no longer
//! means what the metric did.

use promql_parser::label::MatchOp;
use promql_parser::parser::Expr;

use crate::source::{Labels, METRIC_NAME};
use crate::value::{Sample, without_metric_name};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathFunction {
    Abs,
    Ceil,
    Floor,
    /// `round(v, to_nearest = 1)`.
    Round,
    Sqrt,
    Exp,
    Ln,
    Log2,
    Log10,
    /// `clamp(v, min, max)`.
    Clamp,
    ClampMin,
    ClampMax,
}

impl MathFunction {
    pub fn from_name(name: &str) -> Option<Self> {
        use MathFunction::*;
        Some(match name {
            "abs" => Abs,
            "ceil" => Ceil,
            "floor" => Floor,
            "round" => Round,
            "sqrt" => Sqrt,
            "exp" => Exp,
            "ln" => Ln,
            "log2" => Log2,
            "log10" => Log10,
            "clamp" => Clamp,
            "clamp_min" => ClampMin,
            "clamp_max" => ClampMax,
            _ => return None,
        })
    }

    /// Applies the function to every element; `params` are the evaluated
    /// scalar arguments after the vector.
    pub fn apply(self, samples: Vec<Sample>, params: &[f64]) -> Vec<Sample> {
        let param = |i: usize| params.get(i).copied().unwrap_or(f64::NAN);
        if self == MathFunction::Clamp && param(1) < param(0) {
            // Prometheus returns nothing rather than pick a bound.
            return Vec::new();
        }
        let to_nearest = params.first().copied().unwrap_or(1.0);
        let apply = |v: f64| match self {
            MathFunction::Abs => v.abs(),
            MathFunction::Ceil => v.ceil(),
            MathFunction::Floor => v.floor(),
            MathFunction::Round => round(v, to_nearest),
            MathFunction::Sqrt => v.sqrt(),
            MathFunction::Exp => v.exp(),
            MathFunction::Ln => v.ln(),
            MathFunction::Log2 => v.log2(),
            MathFunction::Log10 => v.log10(),
            MathFunction::Clamp => go_max(param(0), go_min(param(1), v)),
            MathFunction::ClampMin => go_max(param(0), v),
            MathFunction::ClampMax => go_min(param(0), v),
        };
        samples
            .into_iter()
            .map(|s| Sample {
                labels: without_metric_name(s.labels),
                value: apply(s.value),
            })
            .collect()
    }
}

/// Rounds half up (towards +Inf) to a multiple of `to_nearest`, with
/// Prometheus's arithmetic: a zero `to_nearest` gives NaN.
fn round(v: f64, to_nearest: f64) -> f64 {
    let inverse = 1.0 / to_nearest;
    (v * inverse + 0.5).floor() / inverse
}

/// Go's `math.Max`: NaN wins, and +0 is above -0 (Rust's `max` ignores NaN).
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_positive() { a } else { b }
    } else {
        a.max(b)
    }
}

/// Go's `math.Min`: NaN wins, and -0 is below +0.
fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() { a } else { b }
    } else {
        a.min(b)
    }
}

/// The labels `absent(…)` and `absent_over_time(…)` give their one element:
/// those the argument's selector pins with `label="value"`, unless the
/// label has another matcher too. Any other argument gives none.
pub fn absent_labels(argument: &Expr) -> Labels {
    let selector = match unwrap_parens(argument) {
        Expr::VectorSelector(vs) => vs,
        Expr::MatrixSelector(ms) => &ms.vs,
        _ => return Labels::new(),
    };
    let mut labels = Labels::new();
    let mut ambiguous = Vec::new();
    for matcher in &selector.matchers.matchers {
        if matcher.name == METRIC_NAME {
            continue;
        }
        match matcher.op {
            MatchOp::Equal if !labels.contains_key(&matcher.name) => {
                labels.insert(matcher.name.clone(), matcher.value.clone());
            }
            _ => ambiguous.push(&matcher.name),
        }
    }
    // An empty value means no label at all.
    labels.retain(|name, value| !value.is_empty() && !ambiguous.contains(&name));
    labels
}

/// Prometheus looks through parentheses around function arguments.
pub fn unwrap_parens(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(paren) = expr {
        expr = &paren.expr;
    }
    expr
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(value: f64) -> Sample {
        let labels = [("__name__", "lag"), ("topic", "a")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Sample { labels, value }
    }

    fn values(function: MathFunction, inputs: &[f64], params: &[f64]) -> Vec<f64> {
        let samples = inputs.iter().map(|&v| sample(v)).collect();
        function
            .apply(samples, params)
            .into_iter()
            .map(|s| s.value)
            .collect()
    }

    #[test]
    fn math_functions_drop_the_metric_name() {
        let out = MathFunction::Abs.apply(vec![sample(-2.5)], &[]);
        assert_eq!(out[0].value, 2.5);
        assert!(!out[0].labels.contains_key("__name__"));
        assert_eq!(out[0].labels["topic"], "a");
    }

    #[test]
    fn round_goes_half_up_to_the_nearest_multiple() {
        assert_eq!(
            values(MathFunction::Round, &[2.5, -2.5, 0.4], &[]),
            vec![3.0, -2.0, 0.0]
        );
        assert_eq!(
            values(MathFunction::Round, &[1234.0, 0.26], &[100.0]),
            vec![1200.0, 0.0]
        );
        assert_eq!(values(MathFunction::Round, &[0.26], &[0.1]), vec![0.3]);
        assert!(values(MathFunction::Round, &[5.0], &[0.0])[0].is_nan());
    }

    #[test]
    fn clamps_follow_go_min_and_max() {
        let inputs = [-1.0, 5.0, f64::NAN];
        let clamped = values(MathFunction::Clamp, &inputs, &[0.0, 3.0]);
        assert_eq!(clamped[..2], [0.0, 3.0]);
        assert!(clamped[2].is_nan());
        assert_eq!(
            values(MathFunction::ClampMin, &[-1.0, 5.0], &[0.0]),
            vec![0.0, 5.0]
        );
        assert_eq!(
            values(MathFunction::ClampMax, &[-1.0, 5.0], &[0.0]),
            vec![-1.0, 0.0]
        );
        // A NaN bound makes every value NaN, unlike Rust's f64::max.
        assert!(values(MathFunction::ClampMin, &[1.0], &[f64::NAN])[0].is_nan());
        // max below min: nothing at all.
        assert!(values(MathFunction::Clamp, &inputs, &[3.0, 0.0]).is_empty());
        assert!(go_max(-0.0, 0.0).is_sign_positive());
        assert!(go_min(0.0, -0.0).is_sign_negative());
    }

    fn absent_of(query: &str) -> Labels {
        let Expr::Call(call) = promql_parser::parser::parse(query).unwrap() else {
            panic!("{query} is not a call");
        };
        absent_labels(&call.args.args[0])
    }

    #[test]
    fn absent_labels_come_from_unambiguous_equality_matchers() {
        let labels = absent_of(r#"absent(lag{a="1", b=~"x", c="2", c="3", d="", e="4"})"#);
        let pairs: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(pairs, vec![("a", "1"), ("e", "4")]);
        assert_eq!(absent_of(r#"absent(((lag{a="1"})))"#).len(), 1);
        assert_eq!(absent_of(r#"absent_over_time(lag{a="1"}[5m])"#).len(), 1);
        assert!(absent_of(r#"absent(sum(lag{a="1"}))"#).is_empty());
        assert!(absent_of(r#"absent({__name__="lag"})"#).is_empty());
    }
}
