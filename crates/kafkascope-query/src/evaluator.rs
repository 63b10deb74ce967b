//! Evaluates a planned expression at one point in time over data fetched
//! beforehand, so a range query reads the store once, not once per step.

use std::cell::RefCell;

use crate::aggregation::{AggregateOp, Grouping, aggregate, count_values};
use crate::binary_ops::{BinaryOp, Matching, scalar_scalar, vector_scalar, vector_vector};
use crate::error::QueryError;
use crate::histogram::histogram_quantile;
use crate::plan::{AggregateParam, Plan, QueryPlan};
use crate::range_functions::{RangeFunction, Window};
use crate::selector::FetchedSeries;
use crate::set_ops::set_operation;
use crate::source::Labels;
use crate::value::{Sample, Value, ensure_distinct_labels, without_metric_name};

/// A plan with every selector's series loaded.
pub struct Evaluator<'a> {
    plan: &'a QueryPlan,
    /// Indexed like `plan.selectors`.
    fetched: Vec<Vec<FetchedSeries>>,
    lookback_ms: i64,
    /// For a query evaluated at one time only: each instant selector's
    /// vector, made up front by moving the fetched labels, and taken by
    /// the selector's node (each node is evaluated once per time).
    prepared: Vec<RefCell<Option<Vec<Sample>>>>,
}

impl<'a> Evaluator<'a> {
    pub fn new(plan: &'a QueryPlan, fetched: Vec<Vec<FetchedSeries>>, lookback_ms: i64) -> Self {
        Evaluator {
            plan,
            fetched,
            lookback_ms,
            prepared: Vec::new(),
        }
    }

    /// An evaluator for `time_ms` only: [`Evaluator::evaluate`] must be
    /// called once, with that time.
    pub fn for_one_time(
        plan: &'a QueryPlan,
        mut fetched: Vec<Vec<FetchedSeries>>,
        lookback_ms: i64,
        time_ms: i64,
    ) -> Self {
        let prepared = plan
            .selectors
            .iter()
            .zip(fetched.iter_mut())
            .map(|(selector, series)| {
                let vector = selector
                    .range_ms
                    .is_none()
                    .then(|| selector.take_instant_vector(series, time_ms, lookback_ms));
                RefCell::new(vector)
            })
            .collect();
        Evaluator {
            plan,
            fetched,
            lookback_ms,
            prepared,
        }
    }

    /// The root expression's value at `time_ms`.
    pub fn evaluate(&self, time_ms: i64) -> Result<Value, QueryError> {
        self.eval(&self.plan.root, time_ms)
    }

    fn eval(&self, node: &Plan, t: i64) -> Result<Value, QueryError> {
        match node {
            Plan::Number(value) => Ok(Value::Scalar(*value)),
            Plan::Time => Ok(Value::Scalar(t as f64 / 1000.0)),
            Plan::Vector(index) => {
                if let Some(vector) = self
                    .prepared
                    .get(*index)
                    .and_then(|v| v.borrow_mut().take())
                {
                    return Ok(Value::Vector(vector));
                }
                let selector = &self.plan.selectors[*index];
                Ok(Value::Vector(selector.instant_vector(
                    &self.fetched[*index],
                    t,
                    self.lookback_ms,
                )))
            }
            Plan::Range(index) => {
                let selector = &self.plan.selectors[*index];
                Ok(Value::Matrix(selector.raw_matrix(&self.fetched[*index], t)))
            }
            Plan::RangeFunction {
                function,
                selector,
                param,
            } => {
                let param = param.as_ref().map(|p| self.scalar(p, t)).transpose()?;
                checked(self.range_function(*function, *selector, param, t))
            }
            Plan::Aggregate {
                op,
                grouping,
                param,
                input,
            } => self.aggregate(*op, grouping, param.as_ref(), input, t),
            Plan::Binary {
                op,
                lhs,
                rhs,
                matching,
                return_bool,
            } => self.binary(*op, lhs, rhs, matching, *return_bool, t),
            Plan::SetOperation {
                op,
                lhs,
                rhs,
                matching,
            } => {
                let (lhs, rhs) = (self.vector(lhs, t)?, self.vector(rhs, t)?);
                checked(set_operation(*op, lhs, rhs, matching))
            }
            Plan::Negate(inner) => match self.eval(inner, t)? {
                Value::Scalar(value) => Ok(Value::Scalar(-value)),
                Value::Vector(samples) => checked(
                    samples
                        .into_iter()
                        .map(|s| Sample {
                            labels: without_metric_name(s.labels),
                            value: -s.value,
                        })
                        .collect(),
                ),
                Value::Matrix(_) => Err(range_vector_misplaced()),
            },
            Plan::Math {
                function,
                input,
                params,
            } => {
                let params = self.scalars(params, t)?;
                checked(function.apply(self.vector(input, t)?, &params))
            }
            Plan::ToVector(value) => Ok(Value::Vector(vec![Sample {
                labels: Labels::new(),
                value: self.scalar(value, t)?,
            }])),
            Plan::ToScalar(input) => Ok(Value::Scalar(match self.vector(input, t)?.as_slice() {
                [only] => only.value,
                _ => f64::NAN,
            })),
            Plan::Absent { input, labels } => {
                let absent = self.is_empty(input, t)?.then(|| Sample {
                    labels: labels.clone(),
                    value: 1.0,
                });
                Ok(Value::Vector(absent.into_iter().collect()))
            }
            Plan::HistogramQuantile { quantile, input } => {
                let q = self.scalar(quantile, t)?;
                checked(histogram_quantile(q, self.vector(input, t)?))
            }
            Plan::Relabel { input, rewrite } => checked(rewrite.apply(self.vector(input, t)?)),
        }
    }

    /// A range function's value for each series with samples in its window.
    fn range_function(
        &self,
        function: RangeFunction,
        index: usize,
        param: Option<f64>,
        t: i64,
    ) -> Vec<Sample> {
        let selector = &self.plan.selectors[index];
        let (start_ms, end_ms) = selector.range_window(t);
        let window = Window {
            start_ms,
            end_ms,
            eval_ms: t,
        };
        selector
            .range_vector(&self.fetched[index], t)
            .into_iter()
            .filter_map(|view| {
                let labels = if function.keeps_metric_name() {
                    view.labels.clone()
                } else {
                    without_metric_name(view.labels.clone())
                };
                Some(Sample {
                    value: function.apply(view.samples, window, param)?,
                    labels,
                })
            })
            .collect()
    }

    fn binary(
        &self,
        op: BinaryOp,
        lhs: &Plan,
        rhs: &Plan,
        matching: &Matching,
        return_bool: bool,
        t: i64,
    ) -> Result<Value, QueryError> {
        let value = match (self.eval(lhs, t)?, self.eval(rhs, t)?) {
            (Value::Scalar(l), Value::Scalar(r)) => {
                return Ok(Value::Scalar(scalar_scalar(op, l, r)));
            }
            (Value::Vector(l), Value::Scalar(r)) => vector_scalar(op, l, r, false, return_bool),
            (Value::Scalar(l), Value::Vector(r)) => vector_scalar(op, r, l, true, return_bool),
            (Value::Vector(l), Value::Vector(r)) => vector_vector(op, l, r, matching, return_bool)?,
            _ => return Err(range_vector_misplaced()),
        };
        checked(value)
    }

    fn aggregate(
        &self,
        op: AggregateOp,
        grouping: &Grouping,
        param: Option<&AggregateParam>,
        input: &Plan,
        t: i64,
    ) -> Result<Value, QueryError> {
        let input = self.vector(input, t)?;
        let out = match param {
            Some(AggregateParam::Label(label)) => count_values(label, grouping, input)?,
            Some(AggregateParam::Scalar(k)) => {
                aggregate(op, grouping, Some(self.scalar(k, t)?), input)?
            }
            None => aggregate(op, grouping, None, input)?,
        };
        Ok(Value::Vector(out))
    }

    /// Whether an instant vector or range selector has no elements; a
    /// range selector's samples are only looked at, not copied.
    fn is_empty(&self, node: &Plan, t: i64) -> Result<bool, QueryError> {
        if let Plan::Range(index) = node {
            let selector = &self.plan.selectors[*index];
            return Ok(selector.range_vector(&self.fetched[*index], t).is_empty());
        }
        Ok(match self.eval(node, t)? {
            Value::Vector(samples) => samples.is_empty(),
            Value::Matrix(series) => series.is_empty(),
            Value::Scalar(_) => false,
        })
    }

    fn scalars(&self, nodes: &[Plan], t: i64) -> Result<Vec<f64>, QueryError> {
        nodes.iter().map(|node| self.scalar(node, t)).collect()
    }

    fn scalar(&self, node: &Plan, t: i64) -> Result<f64, QueryError> {
        match self.eval(node, t)? {
            Value::Scalar(value) => Ok(value),
            _ => Err(QueryError::BadData(
                "expected a scalar parameter".to_owned(),
            )),
        }
    }

    fn vector(&self, node: &Plan, t: i64) -> Result<Vec<Sample>, QueryError> {
        match self.eval(node, t)? {
            Value::Vector(samples) => Ok(samples),
            _ => Err(QueryError::BadData("expected an instant vector".to_owned())),
        }
    }
}

fn checked(samples: Vec<Sample>) -> Result<Value, QueryError> {
    ensure_distinct_labels(&samples)?;
    Ok(Value::Vector(samples))
}

/// The parser rejects these; kept as an error rather than trusted.
fn range_vector_misplaced() -> QueryError {
    QueryError::BadData("a range vector cannot be an operand here".to_owned())
}
