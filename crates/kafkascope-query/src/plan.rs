//! Turns the parser's PromQL syntax tree into a plan over the supported
//! subset, naming the first construct outside it.
//!
//! Checking the whole tree up front means an unsupported query fails the
//! same way whether or not there is data to evaluate it on.

mod calls;

use std::time::{Duration, SystemTime};

use promql_parser::label::Matchers;
use promql_parser::parser::{
    AggregateExpr, AtModifier, BinModifier, BinaryExpr, Expr, LabelModifier, Offset,
    VectorMatchCardinality, VectorMatchFillValues, VectorSelector,
};

use crate::aggregation::{AggregateOp, Grouping};
use crate::binary_ops::{BinaryOp, Matching};
use crate::error::QueryError;
use crate::functions::MathFunction;
use crate::label_functions::LabelRewrite;
use crate::label_matcher::LabelMatcher;
use crate::query_limits::check_query_size;
use crate::range_functions::RangeFunction;
use crate::selector::{At, Selector};
use crate::set_ops::SetOp;
use crate::source::{Labels, METRIC_NAME};

/// A validated query: the expression tree plus the selectors it reads, which
/// nodes refer to by index so their data can be fetched once per query.
#[derive(Debug, Clone)]
pub struct QueryPlan {
    pub root: Plan,
    pub selectors: Vec<Selector>,
}

#[derive(Debug, Clone)]
pub enum Plan {
    Number(f64),
    /// `time()`: the evaluation time in seconds.
    Time,
    /// An instant vector selector (index into `selectors`).
    Vector(usize),
    /// A range selector: bare only at the top of an instant query, else
    /// the argument of `absent_over_time`.
    Range(usize),
    RangeFunction {
        function: RangeFunction,
        selector: usize,
        /// The scalar argument of `quantile_over_time`, `predict_linear`.
        param: Option<Box<Plan>>,
    },
    Aggregate {
        op: AggregateOp,
        grouping: Grouping,
        param: Option<AggregateParam>,
        input: Box<Plan>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Plan>,
        rhs: Box<Plan>,
        matching: Matching,
        return_bool: bool,
    },
    SetOperation {
        op: SetOp,
        lhs: Box<Plan>,
        rhs: Box<Plan>,
        matching: Matching,
    },
    Negate(Box<Plan>),
    /// A function of each element, with scalar parameters after the vector.
    Math {
        function: MathFunction,
        input: Box<Plan>,
        params: Vec<Plan>,
    },
    /// `vector(s)`.
    ToVector(Box<Plan>),
    /// `scalar(v)`.
    ToScalar(Box<Plan>),
    /// `absent(v)`, or `absent_over_time(v[d])` with a `Range` input: one
    /// element with `labels` when the input has none.
    Absent {
        input: Box<Plan>,
        labels: Labels,
    },
    HistogramQuantile {
        quantile: Box<Plan>,
        input: Box<Plan>,
    },
    /// `label_replace`, `label_join`.
    Relabel {
        input: Box<Plan>,
        rewrite: LabelRewrite,
    },
}

/// The first argument of an aggregation that takes one.
#[derive(Debug, Clone)]
pub enum AggregateParam {
    /// `k` of `topk`/`bottomk`.
    Scalar(Box<Plan>),
    /// The label of `count_values`.
    Label(String),
}

impl QueryPlan {
    /// Parses `query` and plans it.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        check_query_size("query", query)?;
        // The parser is third-party code fed with network input: a panic in
        // it must become a bad request, not a dead worker.
        let parsed = std::panic::catch_unwind(|| promql_parser::parser::parse(query))
            .map_err(|_| bad_query("the parser failed on this input"))?
            .map_err(|e| bad_query(&e))?;
        Self::from_expr(&parsed)
    }

    pub fn from_expr(expr: &Expr) -> Result<Self, QueryError> {
        let mut planner = Planner::default();
        let root = planner.plan(expr)?;
        Ok(QueryPlan {
            root,
            selectors: planner.selectors,
        })
    }

    /// Fixes `@ start()` and `@ end()` to the query's times.
    pub fn resolve_at(&mut self, start_ms: i64, end_ms: i64) {
        for selector in &mut self.selectors {
            selector.resolve_at(start_ms, end_ms);
        }
    }
}

fn bad_query(reason: &str) -> QueryError {
    QueryError::BadData(format!("invalid parameter \"query\": {reason}"))
}

#[derive(Default)]
struct Planner {
    selectors: Vec<Selector>,
}

impl Planner {
    fn plan(&mut self, expr: &Expr) -> Result<Plan, QueryError> {
        match expr {
            Expr::NumberLiteral(number) => Ok(Plan::Number(number.val)),
            Expr::Paren(paren) => self.plan(&paren.expr),
            Expr::Unary(unary) => Ok(Plan::Negate(Box::new(self.plan(&unary.expr)?))),
            Expr::VectorSelector(vs) => Ok(Plan::Vector(self.add_selector(vs, None)?)),
            Expr::MatrixSelector(ms) => Ok(Plan::Range(self.add_selector(&ms.vs, Some(ms.range))?)),
            Expr::Call(call) => self.plan_call(call),
            Expr::Aggregate(aggregate) => self.plan_aggregate(aggregate),
            Expr::Binary(binary) => self.plan_binary(binary),
            Expr::Subquery(_) => Err(QueryError::unsupported("subquery")),
            Expr::StringLiteral(_) => Err(QueryError::unsupported("string literal")),
            Expr::Extension(_) => Err(QueryError::unsupported("extension expression")),
        }
    }

    fn add_selector(
        &mut self,
        vs: &VectorSelector,
        range: Option<Duration>,
    ) -> Result<usize, QueryError> {
        let offset_ms = match &vs.offset {
            None => 0,
            Some(Offset::Pos(d)) => millis(d),
            Some(Offset::Neg(d)) => -millis(d),
        };
        let at = vs.at.as_ref().map(|at| match at {
            AtModifier::Start => At::Start,
            AtModifier::End => At::End,
            AtModifier::At(time) => At::Time(unix_millis(*time)),
        });
        self.selectors.push(Selector {
            matchers: selector_matchers(vs.name.as_deref(), &vs.matchers)?,
            offset_ms,
            range_ms: range.as_ref().map(millis),
            at,
        });
        Ok(self.selectors.len() - 1)
    }

    fn boxed(&mut self, expr: &Expr) -> Result<Box<Plan>, QueryError> {
        Ok(Box::new(self.plan(expr)?))
    }

    fn plan_aggregate(&mut self, aggregate: &AggregateExpr) -> Result<Plan, QueryError> {
        let name = aggregate.op.to_string();
        let op = AggregateOp::from_name(&name)
            .ok_or_else(|| QueryError::unsupported(format!("aggregation {name}")))?;
        let grouping = match &aggregate.modifier {
            None => Grouping::By(Vec::new()),
            Some(LabelModifier::Include(labels)) => Grouping::By(labels.labels.clone()),
            Some(LabelModifier::Exclude(labels)) => Grouping::Without(labels.labels.clone()),
        };
        let param = match (&aggregate.param, op) {
            (None, _) => None,
            (Some(label), AggregateOp::CountValues) => {
                Some(AggregateParam::Label(calls::string_arg(label)?.to_owned()))
            }
            (Some(param), _) => Some(AggregateParam::Scalar(self.boxed(param)?)),
        };
        Ok(Plan::Aggregate {
            op,
            grouping,
            param,
            input: Box::new(self.plan(&aggregate.expr)?),
        })
    }

    fn plan_binary(&mut self, binary: &BinaryExpr) -> Result<Plan, QueryError> {
        let symbol = binary.op.to_string();
        if let Some(op) = SetOp::from_symbol(&symbol) {
            return Ok(Plan::SetOperation {
                op,
                matching: match &binary.modifier {
                    None => Matching::Ignoring(Vec::new()),
                    Some(modifier) => vector_matching(modifier)?,
                },
                lhs: self.boxed(&binary.lhs)?,
                rhs: self.boxed(&binary.rhs)?,
            });
        }
        let op = BinaryOp::from_symbol(&symbol)
            .ok_or_else(|| QueryError::unsupported(format!("operator {symbol}")))?;
        let (matching, return_bool) = match &binary.modifier {
            None => (Matching::Ignoring(Vec::new()), false),
            Some(modifier) => (vector_matching(modifier)?, modifier.return_bool),
        };
        Ok(Plan::Binary {
            op,
            lhs: Box::new(self.plan(&binary.lhs)?),
            rhs: Box::new(self.plan(&binary.rhs)?),
            matching,
            return_bool,
        })
    }
}

fn vector_matching(modifier: &BinModifier) -> Result<Matching, QueryError> {
    match modifier.card {
        VectorMatchCardinality::OneToOne | VectorMatchCardinality::ManyToMany => {}
        VectorMatchCardinality::ManyToOne(_) => return Err(QueryError::unsupported("group_left")),
        VectorMatchCardinality::OneToMany(_) => return Err(QueryError::unsupported("group_right")),
    }
    if modifier.fill_values != VectorMatchFillValues::default() {
        return Err(QueryError::unsupported("fill modifiers"));
    }
    Ok(match &modifier.matching {
        None => Matching::Ignoring(Vec::new()),
        Some(LabelModifier::Include(labels)) => Matching::On(labels.labels.clone()),
        Some(LabelModifier::Exclude(labels)) => Matching::Ignoring(labels.labels.clone()),
    })
}

/// The selector's matchers with its metric name, if written, as a
/// `__name__` matcher.
pub(crate) fn selector_matchers(
    name: Option<&str>,
    matchers: &Matchers,
) -> Result<Vec<LabelMatcher>, QueryError> {
    if !matchers.or_matchers.is_empty() {
        return Err(QueryError::unsupported("\"or\" inside a label selector"));
    }
    let named = name.map(|name| LabelMatcher::equal(METRIC_NAME, name));
    Ok(named
        .into_iter()
        .chain(matchers.matchers.iter().map(LabelMatcher::from))
        .collect())
}

fn millis(duration: &Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// An `@` time in ms since the epoch; the parser allows times before it.
fn unix_millis(time: SystemTime) -> i64 {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => millis(&after),
        Err(before) => -millis(&before.duration()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unsupported(query: &str) -> String {
        match QueryPlan::parse(query) {
            Err(QueryError::Unsupported { construct }) => construct,
            other => panic!("{query}: expected unsupported, got {other:?}"),
        }
    }

    #[test]
    fn names_each_unsupported_construct() {
        assert_eq!(unsupported("rate(x[5m:1m])"), "subquery");
        assert_eq!(unsupported("max_over_time((x)[5m:1m])"), "subquery");
        assert_eq!(unsupported("timestamp(x)"), "function timestamp()");
        assert_eq!(unsupported("sort(x)"), "function sort()");
        assert_eq!(unsupported("day_of_week(x)"), "function day_of_week()");
        assert_eq!(unsupported("quantile(0.5, x)"), "aggregation quantile");
        assert_eq!(unsupported("stddev(x)"), "aggregation stddev");
        assert_eq!(unsupported("x * on(a) group_left y"), "group_left");
        assert_eq!(unsupported("x * on(a) group_right(b) y"), "group_right");
        assert_eq!(unsupported("x atan2 y"), "operator atan2");
        assert_eq!(unsupported(r#""text""#), "string literal");
    }

    #[test]
    fn unsupported_message_names_construct() {
        let err = QueryPlan::parse("timestamp(x) or y").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("unsupported expression: function timestamp() is not in"),
            "{err}"
        );
    }

    #[test]
    fn set_operators_and_at_are_planned() {
        let plan = QueryPlan::parse("x and on(topic) y @ 100.5 or z @ end()").unwrap();
        let Plan::SetOperation {
            op: SetOp::Or, lhs, ..
        } = plan.root
        else {
            panic!("not an or: {:?}", plan.root);
        };
        assert!(matches!(
            *lhs,
            Plan::SetOperation { op: SetOp::And, matching: Matching::On(ref l), .. } if l == &["topic"]
        ));
        let ats: Vec<Option<At>> = plan.selectors.iter().map(|s| s.at).collect();
        assert_eq!(ats, vec![None, Some(At::Time(100_500)), Some(At::End)]);
        let plan = QueryPlan::parse("x @ -2").unwrap();
        assert_eq!(plan.selectors[0].at, Some(At::Time(-2_000)));
    }

    #[test]
    fn function_arguments_are_planned_in_place() {
        let plan = QueryPlan::parse(r#"quantile_over_time(0.9, (x[5m] offset 1m))"#).unwrap();
        assert!(matches!(
            plan.root,
            Plan::RangeFunction { function: RangeFunction::QuantileOverTime, selector: 0, param: Some(ref q) }
                if matches!(**q, Plan::Number(n) if n == 0.9)
        ));
        assert_eq!(plan.selectors[0].offset_ms, 60_000);
        let plan = QueryPlan::parse(r#"count_values("value", x)"#).unwrap();
        assert!(matches!(
            plan.root,
            Plan::Aggregate { param: Some(AggregateParam::Label(ref l)), .. } if l == "value"
        ));
        let plan = QueryPlan::parse(r#"absent_over_time(x{a="1"}[5m])"#).unwrap();
        let Plan::Absent { input, labels } = plan.root else {
            panic!("not absent");
        };
        assert!(matches!(*input, Plan::Range(0)));
        assert_eq!(labels.get("a").map(String::as_str), Some("1"));
    }

    #[test]
    fn bad_string_arguments_are_execution_errors() {
        let err = QueryPlan::parse(r#"label_replace(x, "d", "$1", "s", "(")"#).unwrap_err();
        assert!(matches!(err, QueryError::Execution(_)), "{err:?}");
        let err = QueryPlan::parse(r#"label_join(x, "d-1", ",", "a")"#).unwrap_err();
        assert!(matches!(err, QueryError::Execution(_)), "{err:?}");
    }

    #[test]
    fn parse_error_is_bad_data_on_query_parameter() {
        let err = QueryPlan::parse("sum(").unwrap_err();
        assert!(matches!(err, QueryError::BadData(_)));
        assert!(
            err.to_string().starts_with("invalid parameter \"query\": "),
            "{err}"
        );
    }

    #[test]
    fn selector_name_becomes_a_matcher_and_offset_is_kept() {
        let plan = QueryPlan::parse("rate(lag{topic=~\"or.*\"}[5m] offset 1m)").unwrap();
        let selector = &plan.selectors[0];
        let written: Vec<String> = selector.matchers.iter().map(|m| m.to_string()).collect();
        assert_eq!(written, vec!["__name__=\"lag\"", "topic=~\"or.*\""]);
        assert_eq!(selector.offset_ms, 60_000);
        assert_eq!(selector.range_ms, Some(300_000));
        assert!(matches!(
            plan.root,
            Plan::RangeFunction {
                function: RangeFunction::Rate,
                selector: 0,
                param: None,
            }
        ));
    }

    #[test]
    fn grouping_and_matching_modifiers_are_read() {
        let plan =
            QueryPlan::parse("sum without (partition) (a) > bool on(topic) max by (topic) (b)")
                .unwrap();
        let Plan::Binary {
            op,
            lhs,
            rhs,
            matching,
            return_bool,
        } = plan.root
        else {
            panic!("not a binary plan");
        };
        assert_eq!(op, BinaryOp::Gt);
        assert!(return_bool);
        assert_eq!(matching, Matching::On(vec!["topic".into()]));
        assert!(
            matches!(*lhs, Plan::Aggregate { op: AggregateOp::Sum, grouping: Grouping::Without(ref l), .. } if l == &["partition"])
        );
        assert!(
            matches!(*rhs, Plan::Aggregate { op: AggregateOp::Max, grouping: Grouping::By(ref l), .. } if l == &["topic"])
        );
    }
}
