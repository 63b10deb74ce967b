//! Planning function calls: which functions are in the subset and how each
//! one's arguments become plan nodes.
//!
//! The parser has already checked each call's arity and argument types, so
//! only what it cannot know is checked here: that a range argument is a
//! selector (not a subquery) and what string arguments say.

use promql_parser::parser::{Call, Expr};

use super::{Plan, Planner, bad_query};
use crate::error::QueryError;
use crate::functions::{MathFunction, absent_labels, unwrap_parens};
use crate::label_functions::LabelRewrite;
use crate::range_functions::RangeFunction;

impl Planner {
    pub(super) fn plan_call(&mut self, call: &Call) -> Result<Plan, QueryError> {
        let name = call.func.name;
        let args: Vec<&Expr> = call.args.args.iter().map(AsRef::as_ref).collect();
        if let Some(function) = RangeFunction::from_name(name) {
            return self.plan_range_function(name, function, &args);
        }
        if let Some(function) = MathFunction::from_name(name) {
            let (input, params) = args.split_first().ok_or_else(|| missing_argument(name))?;
            return Ok(Plan::Math {
                function,
                input: self.boxed(input)?,
                params: params
                    .iter()
                    .map(|param| self.plan(param))
                    .collect::<Result<_, _>>()?,
            });
        }
        match (name, args.as_slice()) {
            ("time", []) => Ok(Plan::Time),
            ("vector", [value]) => Ok(Plan::ToVector(self.boxed(value)?)),
            ("scalar", [input]) => Ok(Plan::ToScalar(self.boxed(input)?)),
            ("absent", [input]) => Ok(Plan::Absent {
                labels: absent_labels(input),
                input: self.boxed(input)?,
            }),
            ("absent_over_time", [input]) => Ok(Plan::Absent {
                labels: absent_labels(input),
                input: Box::new(Plan::Range(self.range_selector(name, input)?)),
            }),
            ("histogram_quantile", [quantile, input]) => Ok(Plan::HistogramQuantile {
                quantile: self.boxed(quantile)?,
                input: self.boxed(input)?,
            }),
            ("label_replace", [input, destination, replacement, source, regex]) => {
                let rewrite = LabelRewrite::replace(
                    string_arg(destination)?,
                    string_arg(replacement)?,
                    string_arg(source)?,
                    string_arg(regex)?,
                )?;
                self.relabel(input, rewrite)
            }
            ("label_join", [input, destination, separator, sources @ ..]) => {
                let sources: Vec<&str> = sources
                    .iter()
                    .map(|source| string_arg(source))
                    .collect::<Result<_, _>>()?;
                let rewrite =
                    LabelRewrite::join(string_arg(destination)?, string_arg(separator)?, &sources)?;
                self.relabel(input, rewrite)
            }
            _ => Err(QueryError::unsupported(format!("function {name}()"))),
        }
    }

    /// A range function: its one range selector plus, for
    /// `quantile_over_time(q, v[d])` and `predict_linear(v[d], t)`, the
    /// scalar on the other side of it.
    fn plan_range_function(
        &mut self,
        name: &str,
        function: RangeFunction,
        args: &[&Expr],
    ) -> Result<Plan, QueryError> {
        let (range, param) = match (function, args) {
            (RangeFunction::QuantileOverTime, [q, range]) => (range, Some(q)),
            (RangeFunction::PredictLinear, [range, t]) => (range, Some(t)),
            (_, [range]) => (range, None),
            _ => return Err(bad_query(&format!("wrong arguments to {name}()"))),
        };
        Ok(Plan::RangeFunction {
            function,
            selector: self.range_selector(name, range)?,
            param: param.map(|p| self.boxed(p)).transpose()?,
        })
    }

    /// The selector index of a `v[d]` argument.
    fn range_selector(&mut self, function: &str, arg: &Expr) -> Result<usize, QueryError> {
        match unwrap_parens(arg) {
            Expr::MatrixSelector(ms) => self.add_selector(&ms.vs, Some(ms.range)),
            Expr::Subquery(_) => Err(QueryError::unsupported("subquery")),
            _ => Err(bad_query(&format!(
                "{function}() expects a range vector selector"
            ))),
        }
    }

    fn relabel(&mut self, input: &Expr, rewrite: LabelRewrite) -> Result<Plan, QueryError> {
        Ok(Plan::Relabel {
            input: self.boxed(input)?,
            rewrite,
        })
    }
}

/// The text of a string argument (`count_values`' label, `label_replace`'s
/// arguments); the parser has checked that it is one.
pub(super) fn string_arg(expr: &Expr) -> Result<&str, QueryError> {
    match unwrap_parens(expr) {
        Expr::StringLiteral(literal) => Ok(&literal.val),
        _ => Err(bad_query("expected a string literal")),
    }
}

fn missing_argument(name: &str) -> QueryError {
    bad_query(&format!("{name}() needs an argument"))
}
