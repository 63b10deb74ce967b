//! Silences, as Alertmanager has them: label matchers with a start, an end,
//! who made it and why. An alert a silence matches is still evaluated and
//! shown (marked silenced), but not sent. Kept in a JSON file in the data
//! folder, so a restart keeps them; expired ones are kept a few days to
//! show, then forgotten.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kafkascope_query::LabelMatcher;
use serde::{Deserialize, Serialize};

/// The longest an acknowledgement silences an alert that never resolves.
pub const ACKNOWLEDGEMENT_MAX_MS: i64 = 30 * 86_400_000;
/// How long an expired silence is still listed.
pub const EXPIRED_RETENTION_MS: i64 = 5 * 86_400_000;
/// More silences than this is a runaway script, not operators.
pub const MAX_SILENCES: usize = 10_000;

/// One matcher, in Alertmanager's v2 API shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub is_regex: bool,
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub created_by: String,
    pub comment: String,
    pub updated_at_ms: i64,
    /// An acknowledgement: the silence of one alert's exact labels, ended
    /// when that alert resolves.
    #[serde(default)]
    pub until_resolved: bool,
}

/// What a client asks for: a new silence, or a change to one (`id`).
#[derive(Debug, Clone, Deserialize)]
pub struct SilenceRequest {
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    pub starts_at_ms: Option<i64>,
    pub ends_at_ms: i64,
    pub created_by: String,
    pub comment: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SilenceState {
    Pending,
    Active,
    Expired,
}

#[derive(Debug, thiserror::Error)]
pub enum SilenceError {
    #[error("{0}")]
    Invalid(String),
    #[error("no silence with id {0}")]
    NotFound(String),
    #[error("silence {0} has already expired")]
    Expired(String),
    #[error("saving the silences to {path}: {source}")]
    Save {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Alertmanager's matcher as the query's label matcher, which is the one
/// place that knows how a matcher tests labels (anchored regexes, an absent
/// label read as "").
fn compile(matcher: &Matcher) -> Result<LabelMatcher, SilenceError> {
    let (name, value) = (matcher.name.as_str(), matcher.value.as_str());
    let compiled = match (matcher.is_regex, matcher.is_equal) {
        (false, true) => Ok(LabelMatcher::equal(name, value)),
        (false, false) => Ok(LabelMatcher::not_equal(name, value)),
        (true, true) => LabelMatcher::regex(name, value),
        (true, false) => LabelMatcher::not_regex(name, value),
    };
    compiled.map_err(|e| SilenceError::Invalid(format!("matcher {name}: {}", e.reason)))
}

impl Silence {
    pub fn state(&self, now_ms: i64) -> SilenceState {
        if now_ms < self.starts_at_ms {
            SilenceState::Pending
        } else if now_ms < self.ends_at_ms {
            SilenceState::Active
        } else {
            SilenceState::Expired
        }
    }

    /// Whether every matcher holds for `labels` (a silence is never empty).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matchers
            .iter()
            .filter_map(|m| compile(m).ok())
            .all(|c| c.matches(labels))
    }
}

/// Every silence, saved to `path` after each change.
#[derive(Debug)]
pub struct Silences {
    path: PathBuf,
    silences: Vec<Silence>,
    next_id: u64,
}

impl Silences {
    /// The silences saved in `path`; an unreadable file is set aside and
    /// reported, and the list starts empty.
    pub fn open(path: &Path) -> (Silences, Option<String>) {
        let (silences, problem) = match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice::<Vec<Silence>>(&bytes) {
                Ok(silences) => (silences, None),
                Err(error) => {
                    let aside = path.with_extension("json.unreadable");
                    let _ = std::fs::rename(path, &aside);
                    let problem = format!(
                        "{} is not readable ({error}); set aside as {}",
                        path.display(),
                        aside.display()
                    );
                    (Vec::new(), Some(problem))
                }
            },
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => (Vec::new(), None),
            Err(error) => (
                Vec::new(),
                Some(format!("reading {}: {error}", path.display())),
            ),
        };
        let next_id = silences.len() as u64 + 1;
        let store = Silences {
            path: path.to_path_buf(),
            silences,
            next_id,
        };
        (store, problem)
    }

    pub fn list(&self) -> &[Silence] {
        &self.silences
    }

    /// Creates a silence, or changes the one `request.id` names (which must
    /// not have expired). Returns its id.
    pub fn upsert(&mut self, request: SilenceRequest, now_ms: i64) -> Result<String, SilenceError> {
        validate(&request, now_ms)?;
        // A start in the past is now; a silence already under way keeps
        // its start when changed.
        let mut starts_at_ms = request.starts_at_ms.unwrap_or(now_ms).max(now_ms);
        let id = match &request.id {
            Some(id) => {
                let existing = self.find_mut(id)?;
                match existing.state(now_ms) {
                    SilenceState::Expired => return Err(SilenceError::Expired(id.clone())),
                    SilenceState::Active => starts_at_ms = existing.starts_at_ms,
                    SilenceState::Pending => {}
                }
                id.clone()
            }
            None => {
                if self.silences.len() >= MAX_SILENCES {
                    return Err(SilenceError::Invalid(format!(
                        "there are {MAX_SILENCES} silences already; expire some first"
                    )));
                }
                let id = self.new_id(now_ms);
                self.silences.push(Silence {
                    id: id.clone(),
                    matchers: Vec::new(),
                    starts_at_ms,
                    ends_at_ms: 0,
                    created_by: String::new(),
                    comment: String::new(),
                    updated_at_ms: now_ms,
                    until_resolved: false,
                });
                id
            }
        };
        let silence = self.find_mut(&id)?;
        silence.matchers = request.matchers;
        silence.starts_at_ms = starts_at_ms;
        silence.ends_at_ms = request.ends_at_ms;
        silence.created_by = request.created_by;
        silence.comment = request.comment;
        silence.updated_at_ms = now_ms;
        self.save()?;
        Ok(id)
    }

    /// Acknowledges the alert with `labels`: it is silenced until it
    /// resolves (or for `ACKNOWLEDGEMENT_MAX_MS`, whichever comes first).
    pub fn acknowledge(
        &mut self,
        labels: &BTreeMap<String, String>,
        created_by: String,
        comment: String,
        now_ms: i64,
    ) -> Result<String, SilenceError> {
        if labels.is_empty() {
            return Err(SilenceError::Invalid(
                "labels: name the alert to acknowledge by its labels".into(),
            ));
        }
        let matchers = labels
            .iter()
            .map(|(name, value)| Matcher {
                name: name.clone(),
                value: value.clone(),
                is_regex: false,
                is_equal: true,
            })
            .collect();
        let request = SilenceRequest {
            id: None,
            matchers,
            starts_at_ms: Some(now_ms),
            ends_at_ms: now_ms + ACKNOWLEDGEMENT_MAX_MS,
            created_by,
            comment,
        };
        let id = self.upsert(request, now_ms)?;
        self.find_mut(&id)?.until_resolved = true;
        self.save()?;
        Ok(id)
    }

    /// Ends the acknowledgements of the alert with `labels`, which resolved.
    pub fn alert_resolved(
        &mut self,
        labels: &BTreeMap<String, String>,
        now_ms: i64,
    ) -> Result<(), SilenceError> {
        let mut changed = false;
        for silence in &mut self.silences {
            if silence.until_resolved
                && silence.state(now_ms) == SilenceState::Active
                && silence.matchers.len() == labels.len()
                && silence.matches(labels)
            {
                silence.ends_at_ms = now_ms;
                silence.updated_at_ms = now_ms;
                changed = true;
            }
        }
        if changed { self.save() } else { Ok(()) }
    }

    /// Ends a silence now.
    pub fn expire(&mut self, id: &str, now_ms: i64) -> Result<(), SilenceError> {
        let silence = self.find_mut(id)?;
        if silence.state(now_ms) == SilenceState::Expired {
            return Err(SilenceError::Expired(id.to_string()));
        }
        silence.ends_at_ms = now_ms;
        silence.starts_at_ms = silence.starts_at_ms.min(now_ms);
        silence.updated_at_ms = now_ms;
        self.save()
    }

    /// The ids of the active silences that match `labels`.
    pub fn silencing(&self, labels: &BTreeMap<String, String>, now_ms: i64) -> Vec<String> {
        self.silences
            .iter()
            .filter(|s| s.state(now_ms) == SilenceState::Active && s.matches(labels))
            .map(|s| s.id.clone())
            .collect()
    }

    /// Forgets silences expired longer ago than the retention.
    pub fn forget_old(&mut self, now_ms: i64) -> Result<(), SilenceError> {
        let before = self.silences.len();
        self.silences
            .retain(|s| now_ms - s.ends_at_ms < EXPIRED_RETENTION_MS);
        if self.silences.len() != before {
            self.save()?;
        }
        Ok(())
    }

    fn find_mut(&mut self, id: &str) -> Result<&mut Silence, SilenceError> {
        self.silences
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| SilenceError::NotFound(id.to_string()))
    }

    /// Unique within the file and across restarts: time and a counter.
    fn new_id(&mut self, now_ms: i64) -> String {
        loop {
            let id = format!("{now_ms:x}-{:x}", self.next_id);
            self.next_id += 1;
            if !self.silences.iter().any(|s| s.id == id) {
                return id;
            }
        }
    }

    /// Written to a temporary file and renamed: a crash mid-write keeps
    /// the previous file whole.
    fn save(&self) -> Result<(), SilenceError> {
        let save_error = |source| SilenceError::Save {
            path: self.path.clone(),
            source,
        };
        let text = serde_json::to_vec_pretty(&self.silences)
            .map_err(std::io::Error::other)
            .map_err(save_error)?;
        let temporary = self.path.with_extension("json.tmp");
        std::fs::write(&temporary, text).map_err(save_error)?;
        std::fs::rename(&temporary, &self.path).map_err(save_error)
    }
}

fn validate(request: &SilenceRequest, now_ms: i64) -> Result<(), SilenceError> {
    let invalid = |message: String| Err(SilenceError::Invalid(message));
    if request.matchers.is_empty() {
        return invalid("matchers: a silence needs at least one matcher".into());
    }
    for matcher in &request.matchers {
        if matcher.name.is_empty() {
            return invalid("matchers: a matcher needs a label name".into());
        }
        compile(matcher)?;
    }
    // A silence that would match every alert is a mistake, as Alertmanager says.
    let empty = BTreeMap::new();
    if request
        .matchers
        .iter()
        .filter_map(|m| compile(m).ok())
        .all(|c| c.matches(&empty))
    {
        return invalid("matchers: at least one matcher must not match the empty string".into());
    }
    let starts = request.starts_at_ms.unwrap_or(now_ms);
    if request.ends_at_ms <= starts {
        return invalid("ends_at_ms: the silence must end after it starts".into());
    }
    if request.ends_at_ms <= now_ms {
        return invalid("ends_at_ms: the silence must end in the future".into());
    }
    if request.created_by.trim().is_empty() {
        return invalid("created_by: say who creates the silence".into());
    }
    if request.comment.trim().is_empty() {
        return invalid("comment: say why the alerts are silenced".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn matcher(name: &str, value: &str, is_regex: bool, is_equal: bool) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            is_regex,
            is_equal,
        }
    }

    fn request(matchers: Vec<Matcher>, ends_at_ms: i64) -> SilenceRequest {
        SilenceRequest {
            id: None,
            matchers,
            starts_at_ms: None,
            ends_at_ms,
            created_by: "ops".into(),
            comment: "maintenance".into(),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_silence_matches_by_equality_regex_and_negation() {
        let dir = tempfile::tempdir().unwrap();
        let (mut silences, problem) = Silences::open(&dir.path().join("silences.json"));
        assert!(problem.is_none());
        let id = silences
            .upsert(
                request(
                    vec![
                        matcher("cluster", "prod", false, true),
                        matcher("consumergroup", "billing-.*", true, true),
                        matcher("severity", "info", false, false),
                    ],
                    2 * HOUR,
                ),
                0,
            )
            .unwrap();
        let hit = labels(&[
            ("cluster", "prod"),
            ("consumergroup", "billing-eu"),
            ("severity", "warning"),
        ]);
        assert_eq!(silences.silencing(&hit, HOUR), vec![id.clone()]);
        let info = labels(&[
            ("cluster", "prod"),
            ("consumergroup", "billing-eu"),
            ("severity", "info"),
        ]);
        assert!(silences.silencing(&info, HOUR).is_empty());
        // Anchored: "xbilling-eu" does not match.
        let other = labels(&[("cluster", "prod"), ("consumergroup", "xbilling-eu")]);
        assert!(silences.silencing(&other, HOUR).is_empty());
        // Over when it ends.
        assert!(silences.silencing(&hit, 2 * HOUR).is_empty());
    }

    #[test]
    fn silences_survive_a_reopen_and_expire_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("silences.json");
        let (mut silences, _) = Silences::open(&path);
        let id = silences
            .upsert(
                request(
                    vec![matcher("alertname", "KafkaBrokerUnreachable", false, true)],
                    HOUR,
                ),
                0,
            )
            .unwrap();
        let (mut reopened, problem) = Silences::open(&path);
        assert!(problem.is_none());
        assert_eq!(reopened.list(), silences.list());
        reopened.expire(&id, 10).unwrap();
        assert_eq!(reopened.list()[0].state(10), SilenceState::Expired);
        assert!(matches!(
            reopened.expire(&id, 20),
            Err(SilenceError::Expired(_))
        ));
        assert!(matches!(
            reopened.expire("nope", 20),
            Err(SilenceError::NotFound(_))
        ));
        reopened.forget_old(10 + EXPIRED_RETENTION_MS).unwrap();
        assert!(reopened.list().is_empty());
    }

    #[test]
    fn bad_silences_are_refused_naming_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let (mut silences, _) = Silences::open(&dir.path().join("s.json"));
        let cases = [
            (
                request(vec![], HOUR),
                "matchers: a silence needs at least one matcher",
            ),
            (
                request(vec![matcher("alertname", ".*", true, true)], HOUR),
                "matchers: at least one matcher must not match the empty string",
            ),
            (
                request(vec![matcher("a", "(", true, true)], HOUR),
                "matcher a: regex parse error:",
            ),
            (
                request(vec![matcher("a", "b", false, true)], -5),
                "ends_at_ms: the silence must end after it starts",
            ),
            (
                SilenceRequest {
                    comment: " ".into(),
                    ..request(vec![matcher("a", "b", false, true)], HOUR)
                },
                "comment: say why the alerts are silenced",
            ),
        ];
        for (request, wanted) in cases {
            let error = silences.upsert(request, 0).unwrap_err().to_string();
            assert!(error.starts_with(wanted), "{error}");
        }
        assert!(silences.list().is_empty());
    }

    #[test]
    fn an_acknowledgement_silences_one_alert_until_it_resolves() {
        let dir = tempfile::tempdir().unwrap();
        let (mut silences, _) = Silences::open(&dir.path().join("s.json"));
        let alert = labels(&[
            ("alertname", "KafkaBrokerUnreachable"),
            ("broker", "2"),
            ("cluster", "prod"),
        ]);
        let other = labels(&[
            ("alertname", "KafkaBrokerUnreachable"),
            ("broker", "3"),
            ("cluster", "prod"),
        ]);
        let id = silences
            .acknowledge(&alert, "ana".into(), "replacing the disk".into(), 0)
            .unwrap();
        assert_eq!(silences.silencing(&alert, 10), vec![id.clone()]);
        assert!(silences.silencing(&other, 10).is_empty());
        silences.alert_resolved(&other, 20).unwrap();
        assert_eq!(silences.silencing(&alert, 30), [id]);
        silences.alert_resolved(&alert, 40).unwrap();
        assert!(silences.silencing(&alert, 50).is_empty());
        assert_eq!(silences.list()[0].ends_at_ms, 40);
    }

    #[test]
    fn an_unreadable_file_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("silences.json");
        std::fs::write(&path, "{not json").unwrap();
        let (silences, problem) = Silences::open(&path);
        assert!(silences.list().is_empty());
        assert!(problem.unwrap().contains("set aside"));
        assert!(dir.path().join("silences.json.unreadable").exists());
    }
}
