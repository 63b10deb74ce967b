//! Planning function calls: which functions are in the subset and how each
//! one's arguments become plan nodes.
//!
//! The parser has already checked each call's arity and argument types, so
//! only what it cannot know is checked here: that a range argument is a
//! selector (not a subquery).

use promql_parser::parser::{Call, Expr};

use super::{Plan, Planner, bad_query};
use crate::error::QueryError;
use crate::range_functions::RangeFunction;

impl Planner {
    pub(super) fn plan_call(&mut self, call: &Call) -> Result<Plan, QueryError> {
        let name = call.func.name;
        let args: Vec<&Expr> = call.args.args.iter().map(AsRef::as_ref).collect();
        if let Some(function) = RangeFunction::from_name(name) {
            return self.plan_range_function(name, function, &args);
        }
        Err(QueryError::unsupported(format!("function {name}()")))
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
}

/// Prometheus looks through parentheses around function arguments.
fn unwrap_parens(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(paren) = expr {
        expr = &paren.expr;
    }
    expr
}
