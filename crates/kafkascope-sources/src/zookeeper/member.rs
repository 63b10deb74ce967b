//! Reading one member: `ruok`, `srvr` and `mntr` at once, each on its own
//! connection (or their AdminServer commands, `admin_server.rs`), into its
//! [`MemberFigures`] and [`TargetStatus`].

use std::time::Instant;

use crate::jmx_figures::Counter;
use crate::source::TargetStatus;
use crate::zookeeper::admin_server;
use crate::zookeeper::answer_lines::{LineByLineAnswer, shorten};
use crate::zookeeper::four_letter_words::{AnswerKind, AskError, AskLimits, answer_kind, ask};
use crate::zookeeper::mntr::{MntrAnswer, parse_mntr};
use crate::zookeeper::srvr::{SrvrAnswer, parse_srvr};
use crate::zookeeper::{MemberEndpoint, ZookeeperTarget};
use crate::zookeeper_figures::{FourLetterWord, Latency, MemberFigures, MemberRole};

/// One member's reading in a poll.
#[derive(Debug, Clone)]
pub struct MemberReading {
    pub status: TargetStatus,
    pub figures: MemberFigures,
    /// When it was read, for rates.
    pub at: Instant,
}

/// Asks the member its three words, or their commands on its AdminServer,
/// and reads what it says.
pub async fn read_member(target: &ZookeeperTarget, limits: AskLimits) -> MemberReading {
    match &target.endpoint {
        MemberEndpoint::ClientPort(address) => read_words(&target.name, address, limits).await,
        MemberEndpoint::AdminServer(admin) => {
            admin_server::read_member(&target.name, admin, limits).await
        }
    }
}

/// Asks the three words on the member's client port at `address`.
async fn read_words(name: &str, address: &str, limits: AskLimits) -> MemberReading {
    let started = Instant::now();
    let (ruok, srvr, mntr) = tokio::join!(
        ask(address, FourLetterWord::Ruok, limits),
        ask(address, FourLetterWord::Srvr, limits),
        ask(address, FourLetterWord::Mntr, limits),
    );
    let outcome = match first_down_reason([&srvr, &mntr, &ruok]) {
        Some(reason) => Err(reason),
        None => {
            let mut reading = Reading::default();
            reading.ruok(ruok);
            reading.srvr(srvr);
            reading.mntr(mntr);
            Ok(reading)
        }
    };
    finish_reading(name, address, started, outcome)
}

/// The member's figures and status from what its answers came to, or from
/// why it is down; `address` names it (its client port, or its
/// AdminServer's URL).
pub(super) fn finish_reading(
    name: &str,
    address: &str,
    started: Instant,
    outcome: Result<Reading, String>,
) -> MemberReading {
    let mut figures = MemberFigures::unread(name, address);
    let (outcome, samples) = match outcome {
        Err(reason) => (Err(reason), 0),
        Ok(reading) => {
            let samples = reading.samples;
            (Ok(reading.into_figures(&mut figures)), samples)
        }
    };
    let status = TargetStatus {
        target: address.to_string(),
        role: figures.role.name().to_string(),
        broker: None,
        up: figures.up,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        samples,
        error: match outcome {
            Err(reason) => Some(reason),
            Ok(notes) => (!notes.is_empty()).then(|| notes.join("; ")),
        },
    };
    MemberReading {
        status,
        figures,
        at: started,
    }
}

/// Why the member is down, if no word got an answer: the first word's
/// error (they share their cause).
fn first_down_reason(answers: [&Result<String, AskError>; 3]) -> Option<String> {
    if answers.iter().any(|a| a.is_ok()) {
        return None;
    }
    answers
        .iter()
        .find_map(|a| a.as_ref().err())
        .map(AskError::to_string)
}

/// What the three answers came to, before it becomes figures: the same
/// whether they came as four-letter words or from the AdminServer.
#[derive(Default)]
pub(super) struct Reading {
    pub(super) ruok: Option<String>,
    pub(super) srvr: Option<SrvrAnswer>,
    pub(super) mntr: Option<MntrAnswer>,
    pub(super) not_serving: bool,
    pub(super) not_allowed: Vec<FourLetterWord>,
    /// What went wrong short of the member being down.
    pub(super) notes: Vec<String>,
    pub(super) samples: usize,
}

impl Reading {
    fn ruok(&mut self, answer: Result<String, AskError>) {
        let Some(text) = self.answer_text(FourLetterWord::Ruok, answer) else {
            return;
        };
        let text = text.trim();
        if text != "imok" {
            self.notes
                .push(format!("ruok answered '{}' instead of imok", shorten(text)));
        }
        self.ruok = Some(text.to_string());
        self.samples += 1;
    }

    fn srvr(&mut self, answer: Result<String, AskError>) {
        self.srvr = self.read_answer(FourLetterWord::Srvr, answer, parse_srvr);
    }

    fn mntr(&mut self, answer: Result<String, AskError>) {
        self.mntr = self.read_answer(FourLetterWord::Mntr, answer, parse_mntr);
    }

    /// The answer as `parse` reads it, its lines counted as samples; its
    /// unreadable lines, or why it is not the word's answer at all, are
    /// noted.
    fn read_answer<A: LineByLineAnswer, E: std::fmt::Display>(
        &mut self,
        word: FourLetterWord,
        answer: Result<String, AskError>,
        parse: fn(&str) -> Result<A, E>,
    ) -> Option<A> {
        let text = self.answer_text(word, answer)?;
        match parse(&text) {
            Ok(read) => {
                self.notes.extend(read.unreadable().summary(word.as_str()));
                self.samples += read.lines_read();
                Some(read)
            }
            Err(error) => {
                self.notes.push(error.to_string());
                None
            }
        }
    }

    /// The answer's text if it carries figures; a refusal, the not-serving
    /// notice or an error are noted instead.
    fn answer_text(
        &mut self,
        word: FourLetterWord,
        answer: Result<String, AskError>,
    ) -> Option<String> {
        let text = match answer {
            Ok(text) => text,
            Err(error) => {
                self.notes.push(error.to_string());
                return None;
            }
        };
        match answer_kind(word, &text) {
            AnswerKind::Figures => Some(text),
            AnswerKind::NotAllowed => {
                self.not_allowed.push(word);
                None
            }
            AnswerKind::NotServing => {
                self.not_serving = true;
                None
            }
        }
    }

    /// Fills `figures` (mntr's values over srvr's: it has more, read at the
    /// same moment) and returns the notes for the member's status.
    fn into_figures(mut self, figures: &mut MemberFigures) -> Vec<String> {
        figures.up = true;
        if let Some(srvr) = &self.srvr {
            apply_srvr(figures, srvr);
        }
        if let Some(mntr) = &self.mntr {
            apply_mntr(figures, mntr);
        }
        figures.ruok = self.ruok;
        // Neither srvr nor mntr may say (both refused): up is all we know.
        figures.serving = !self.not_serving;
        if self.not_serving {
            figures.role = MemberRole::Unknown;
            self.notes
                .push("not serving requests (electing a leader, or no quorum)".to_string());
        }
        figures.missing_figures = missing_figures(&self.not_allowed);
        if !self.not_allowed.is_empty() {
            self.notes.insert(
                0,
                not_allowed_note(&self.not_allowed, &figures.missing_figures),
            );
        }
        figures.not_allowed = self.not_allowed;
        self.notes
    }
}

fn apply_srvr(figures: &mut MemberFigures, srvr: &SrvrAnswer) {
    figures.version.clone_from(&srvr.version);
    figures.role = srvr.mode.unwrap_or_default();
    figures.latency = srvr.latency;
    figures.outstanding_requests = srvr.outstanding;
    figures.alive_connections = srvr.connections;
    figures.znode_count = srvr.node_count;
    figures.packets_received = srvr.received.map(counter);
    figures.packets_sent = srvr.sent.map(counter);
    figures.zxid = srvr.zxid;
}

fn apply_mntr(figures: &mut MemberFigures, mntr: &MntrAnswer) {
    fn over<T: Copy>(slot: &mut Option<T>, value: Option<T>) {
        if value.is_some() {
            *slot = value;
        }
    }
    if mntr.version.is_some() {
        figures.version.clone_from(&mntr.version);
    }
    if let Some(state) = mntr.state.filter(|s| *s != MemberRole::Unknown) {
        figures.role = state;
    }
    if let (Some(min_ms), Some(avg_ms), Some(max_ms)) = (
        mntr.min_latency_ms,
        mntr.avg_latency_ms,
        mntr.max_latency_ms,
    ) {
        figures.latency = Some(Latency {
            min_ms,
            avg_ms,
            max_ms,
        });
    }
    over(&mut figures.outstanding_requests, mntr.outstanding_requests);
    over(&mut figures.alive_connections, mntr.alive_connections);
    over(&mut figures.znode_count, mntr.znode_count);
    over(
        &mut figures.packets_received,
        mntr.packets_received.map(counter),
    );
    over(&mut figures.packets_sent, mntr.packets_sent.map(counter));
    figures.watch_count = mntr.watch_count;
    figures.ephemerals_count = mntr.ephemerals_count;
    figures.approximate_data_size_bytes = mntr.approximate_data_size;
    figures.open_file_descriptors = mntr.open_file_descriptors;
    figures.max_file_descriptors = mntr.max_file_descriptors;
    figures.uptime_ms = mntr.uptime_ms;
    figures.quorum_size = mntr.quorum_size;
    if figures.role == MemberRole::Leader {
        figures.leader = Some(mntr.leader);
    }
}

fn counter(total: u64) -> Counter {
    Counter {
        total: total as f64,
        per_sec: None,
    }
}

/// What a member's figures lack because its whitelist refused `words`.
pub fn missing_figures(not_allowed: &[FourLetterWord]) -> Vec<&'static str> {
    let refused = |word| not_allowed.contains(&word);
    let mut missing = Vec::new();
    if refused(FourLetterWord::Ruok) {
        missing.push("ruok answer");
    }
    if refused(FourLetterWord::Srvr) && refused(FourLetterWord::Mntr) {
        missing.extend([
            "role",
            "version",
            "latency",
            "outstanding requests",
            "connections",
            "znode count",
            "packets received and sent",
        ]);
    }
    if refused(FourLetterWord::Srvr) {
        missing.push("zxid");
    }
    if refused(FourLetterWord::Mntr) {
        missing.extend([
            "watch count",
            "ephemerals count",
            "approximate data size",
            "open and max file descriptors",
            "uptime",
            "quorum size",
            "the leader's learners, synced followers and pending syncs",
        ]);
    }
    missing
}

fn not_allowed_note(words: &[FourLetterWord], missing: &[&str]) -> String {
    let words: Vec<&str> = words.iter().map(|w| w.as_str()).collect();
    format!(
        "not in the whitelist (4lw.commands.whitelist): {}; missing: {}",
        words.join(", "),
        missing.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_refusing_srvr_alone_lacks_only_the_zxid() {
        assert_eq!(missing_figures(&[FourLetterWord::Srvr]), ["zxid"]);
        assert_eq!(missing_figures(&[]), Vec::<&str>::new());
    }

    #[test]
    fn a_member_refusing_srvr_and_mntr_lacks_its_role_and_every_figure_but_ruok() {
        assert_eq!(
            missing_figures(&[FourLetterWord::Srvr, FourLetterWord::Mntr]),
            [
                "role",
                "version",
                "latency",
                "outstanding requests",
                "connections",
                "znode count",
                "packets received and sent",
                "zxid",
                "watch count",
                "ephemerals count",
                "approximate data size",
                "open and max file descriptors",
                "uptime",
                "quorum size",
                "the leader's learners, synced followers and pending syncs",
            ]
        );
    }
}
