//! A log4j `PatternLayout` subset compiled once into a matcher that splits
//! a line into timestamp, level, thread, logger and message, or says the
//! line does not start a record (a stack trace's continuation).

use std::ops::Range;

use memchr::memmem;

use crate::error::LayoutError;
use crate::level::Level;
use crate::timestamp::DateFormat;

/// Kafka's own layout (`config/log4j2.yaml`, and the test bed's
/// `log4j2.xml`): `[2026-12-07 02:06:06,357] INFO message (logger)`.
pub const KAFKA_PATTERN: &str = "[%d] %p %m (%c)%n";

/// A common layout with the thread: `2026-12-07T02:06:06,357 [main] INFO  logger - message`.
pub const THREAD_PATTERN: &str = "%d{ISO8601} [%t] %-5p %c - %m%n";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Padding {
    width: usize,
    left_justify: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Element {
    Literal(Vec<u8>),
    Date(DateFormat),
    Level(Padding),
    Logger,
    Thread,
}

/// A compiled layout. Lines are matched from the start up to the message,
/// and from the end back to the message, so a message may hold any text
/// (even the literal that follows it, such as ` (`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    prefix: Vec<Element>,
    suffix: Vec<Element>,
    utc_offset_seconds: i32,
}

/// Where the parts of a record's first line are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineFields {
    pub timestamp_ms: Option<i64>,
    pub level: Option<Level>,
    pub logger: Range<usize>,
    pub thread: Range<usize>,
    pub message: Range<usize>,
}

impl Layout {
    /// Kafka's layout with times read as UTC.
    pub fn kafka() -> Layout {
        Layout::compile(KAFKA_PATTERN, 0).expect("Kafka's layout compiles")
    }

    /// Compiles `pattern`; dates without a zone are local time
    /// `utc_offset_seconds` east of UTC.
    pub fn compile(pattern: &str, utc_offset_seconds: i32) -> Result<Layout, LayoutError> {
        let elements = tokenize(pattern)?;
        let at = elements
            .iter()
            .position(|e| matches!(e, Token::Message))
            .ok_or(LayoutError::NoMessage)?;
        let to_elements = |tokens: &[Token]| -> Vec<Element> {
            tokens
                .iter()
                .filter_map(|t| match t {
                    Token::Element(e) => Some(e.clone()),
                    Token::Message => None,
                })
                .collect()
        };
        let prefix = merge_literals(to_elements(&elements[..at]));
        let suffix = merge_literals(to_elements(&elements[at + 1..]));
        check_bounded(&prefix, Direction::Forward)?;
        check_bounded(&suffix, Direction::Backward)?;
        Ok(Layout {
            prefix,
            suffix,
            utc_offset_seconds,
        })
    }

    /// The fields of `line` if it starts a record, else `None`.
    pub fn parse(&self, line: &[u8]) -> Option<LineFields> {
        let mut fields = LineFields::default();
        let start = self.match_prefix(line, &mut fields)?;
        let end = self
            .match_suffix(line, start, &mut fields)
            .unwrap_or_else(|| {
                // A record whose message continues on the next lines carries
                // the suffix (the logger) on its last line, not this one.
                fields.logger = 0..0;
                line.len()
            });
        fields.message = start..end;
        Some(fields)
    }

    fn match_prefix(&self, line: &[u8], fields: &mut LineFields) -> Option<usize> {
        let mut at = 0;
        for (i, element) in self.prefix.iter().enumerate() {
            let rest = &line[at..];
            at += match element {
                Element::Literal(text) => rest.starts_with(text).then_some(text.len())?,
                Element::Date(format) => {
                    fields.timestamp_ms = Some(format.parse(rest, self.utc_offset_seconds)?);
                    format.width()
                }
                Element::Level(padding) => {
                    let (level, used) = read_level(rest, *padding)?;
                    fields.level = Some(level);
                    used
                }
                Element::Logger | Element::Thread => {
                    let Some(Element::Literal(next)) = self.prefix.get(i + 1) else {
                        return None;
                    };
                    let len = memmem::find(rest, next)?;
                    let range = at..at + len;
                    match element {
                        Element::Logger => fields.logger = range,
                        _ => fields.thread = range,
                    }
                    len
                }
            };
        }
        Some(at)
    }

    fn match_suffix(&self, line: &[u8], start: usize, fields: &mut LineFields) -> Option<usize> {
        let mut end = line.len();
        for (i, element) in self.suffix.iter().enumerate().rev() {
            let rest = &line[start..end];
            end -= match element {
                Element::Literal(text) => rest.ends_with(text).then_some(text.len())?,
                Element::Date(format) => {
                    let from = rest.len().checked_sub(format.width())?;
                    fields.timestamp_ms =
                        Some(format.parse(&rest[from..], self.utc_offset_seconds)?);
                    format.width()
                }
                Element::Level(_) => {
                    let len = rest
                        .iter()
                        .rev()
                        .take_while(|b| b.is_ascii_uppercase())
                        .count();
                    fields.level = Some(Level::from_word(&rest[rest.len() - len..])?);
                    len
                }
                Element::Logger | Element::Thread => {
                    let Some(Element::Literal(before)) = i.checked_sub(1).map(|j| &self.suffix[j])
                    else {
                        return None;
                    };
                    let from = memmem::rfind(rest, before)? + before.len();
                    let range = start + from..end;
                    match element {
                        Element::Logger => fields.logger = range,
                        _ => fields.thread = range,
                    }
                    rest.len() - from
                }
            };
        }
        Some(end)
    }
}

fn read_level(rest: &[u8], padding: Padding) -> Option<(Level, usize)> {
    let leading = if padding.left_justify {
        0
    } else {
        rest.iter()
            .take(padding.width)
            .take_while(|&&b| b == b' ')
            .count()
    };
    let word_len = rest[leading..]
        .iter()
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    let level = Level::from_word(&rest[leading..leading + word_len])?;
    let mut used = leading + word_len;
    if padding.left_justify {
        used += rest[used..]
            .iter()
            .take(padding.width.saturating_sub(word_len))
            .take_while(|&&b| b == b' ')
            .count();
    }
    Some((level, used))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Element(Element),
    Message,
}

enum Direction {
    Forward,
    Backward,
}

fn check_bounded(elements: &[Element], direction: Direction) -> Result<(), LayoutError> {
    for (i, element) in elements.iter().enumerate() {
        let neighbour = match direction {
            Direction::Forward => elements.get(i + 1),
            Direction::Backward => i.checked_sub(1).and_then(|j| elements.get(j)),
        };
        let name = match element {
            Element::Logger => "%c",
            Element::Thread => "%t",
            _ => continue,
        };
        if !matches!(neighbour, Some(Element::Literal(_))) {
            return Err(LayoutError::UnboundedField(name.into()));
        }
    }
    Ok(())
}

fn merge_literals(elements: Vec<Element>) -> Vec<Element> {
    let mut merged: Vec<Element> = Vec::with_capacity(elements.len());
    for element in elements {
        match (merged.last_mut(), element) {
            (Some(Element::Literal(text)), Element::Literal(more)) => text.extend(more),
            (_, element) => merged.push(element),
        }
    }
    merged
}

/// Conversion names, longest first so `%msg` is not read as `%m` + "sg".
const NAMES: [&str; 16] = [
    "throwable",
    "message",
    "logger",
    "thread",
    "level",
    "date",
    "msg",
    "xEx",
    "ex",
    "d",
    "p",
    "c",
    "t",
    "m",
    "n",
    "%",
];

fn tokenize(pattern: &str) -> Result<Vec<Token>, LayoutError> {
    let mut tokens = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        let Some(percent) = rest.find('%') else {
            tokens.push(Token::Element(Element::Literal(rest.as_bytes().to_vec())));
            break;
        };
        if percent > 0 {
            let literal = rest.as_bytes()[..percent].to_vec();
            tokens.push(Token::Element(Element::Literal(literal)));
        }
        let (token, used) = conversion(&rest[percent + 1..])?;
        tokens.extend(token);
        rest = &rest[percent + 1 + used..];
    }
    Ok(tokens)
}

/// One conversion after its `%`: the token (none for ignored ones) and the
/// bytes used.
fn conversion(text: &str) -> Result<(Option<Token>, usize), LayoutError> {
    let left_justify = text.starts_with('-');
    let mut at = usize::from(left_justify);
    let digits = text[at..].bytes().take_while(u8::is_ascii_digit).count();
    let width = text[at..at + digits].parse().unwrap_or(0);
    at += digits;
    if text[at..].starts_with('.') {
        at += 1 + text[at + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
    }
    let name = NAMES
        .iter()
        .find(|name| text[at..].starts_with(*name))
        .ok_or_else(|| LayoutError::UnsupportedConversion(text.chars().take(8).collect()))?;
    at += name.len();
    let (option, used) = brace_option(&text[at..])?;
    at += used;
    let padding = Padding {
        width,
        left_justify,
    };
    let token = match *name {
        "d" | "date" => {
            // A second option names a time zone; the configured offset is used.
            let (_, zone) = brace_option(&text[at..])?;
            at += zone;
            Some(Token::Element(Element::Date(DateFormat::compile(
                option.unwrap_or(""),
            )?)))
        }
        "p" | "level" => Some(Token::Element(Element::Level(padding))),
        "c" | "logger" => Some(Token::Element(Element::Logger)),
        "t" | "thread" => Some(Token::Element(Element::Thread)),
        "m" | "msg" | "message" => Some(Token::Message),
        "%" => Some(Token::Element(Element::Literal(b"%".to_vec()))),
        // The line break and the throwable are not part of the first line.
        _ => None,
    };
    Ok((token, at))
}

fn brace_option(text: &str) -> Result<(Option<&str>, usize), LayoutError> {
    if !text.starts_with('{') {
        return Ok((None, 0));
    }
    let end = text
        .find('}')
        .ok_or_else(|| LayoutError::Truncated(text.to_string()))?;
    Ok((Some(&text[1..end]), end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part<'a>(line: &'a str, range: &Range<usize>) -> &'a str {
        &line[range.clone()]
    }

    #[test]
    fn splits_a_real_kafka_line() {
        let line = "[2026-12-07 02:25:28,171] INFO [Broker id=0] Leader cap-rf3-1 with topic id Some(6AqkeWznTwyTG4mnJaJtKw) starts at leader epoch 1 from offset 0 with partition epoch 1, high watermark 0, ISR [0,1], adding replicas [] and removing replicas [] . Previous leader Some(2) and previous leader epoch was 0. (state.change.logger)";
        let fields = Layout::kafka().parse(line.as_bytes()).unwrap();
        assert_eq!(fields.timestamp_ms, Some(1_796_610_328_171));
        assert_eq!(fields.level, Some(Level::Info));
        assert_eq!(part(line, &fields.logger), "state.change.logger");
        assert!(part(line, &fields.message).starts_with("[Broker id=0] Leader cap-rf3-1 with"));
        assert!(part(line, &fields.message).ends_with("previous leader epoch was 0."));
        assert_eq!(fields.thread, 0..0);
    }

    #[test]
    fn a_message_holding_parentheses_keeps_them() {
        let line = "[2026-12-07 02:27:06,372] INFO [SocketServer listenerType=BROKER, nodeId=0] Failed authentication with /127.0.0.1 (channelId=127.0.0.1:27200-127.0.0.1:52334-3-0) (Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256) (org.apache.kafka.common.network.Selector)";
        let fields = Layout::kafka().parse(line.as_bytes()).unwrap();
        assert_eq!(
            part(line, &fields.logger),
            "org.apache.kafka.common.network.Selector"
        );
        assert!(part(line, &fields.message).ends_with("SASL mechanism SCRAM-SHA-256)"));
    }

    #[test]
    fn a_first_line_without_its_logger_still_starts_a_record() {
        let line = "[2026-12-07 02:25:28,300] INFO [ReplicaFetcher replicaId=2, leaderId=1, fetcherId=0] Error sending fetch request (sessionId=1312049, epoch=5) to node 1:";
        let fields = Layout::kafka().parse(line.as_bytes()).unwrap();
        assert_eq!(fields.logger, 0..0);
        assert!(part(line, &fields.message).ends_with("to node 1:"));
    }

    #[test]
    fn stack_trace_lines_do_not_start_records() {
        let layout = Layout::kafka();
        for line in [
            "java.io.IOException: Client was shutdown before response was read",
            "\tat org.apache.kafka.server.util.ShutdownableThread.run(ShutdownableThread.java:136)",
            "I> No access restrictor found, access to any MBean is allowed",
            "[2026-12-07 02:25:28,300] NOTICE not a level (x)",
            "",
        ] {
            assert_eq!(layout.parse(line.as_bytes()), None, "{line}");
        }
    }

    #[test]
    fn splits_the_thread_layout_with_a_padded_level() {
        let layout = Layout::compile(THREAD_PATTERN, 0).unwrap();
        let line = "2026-12-07T02:06:06,357 [kafka-scheduler-3] INFO  kafka.log.LogManager - Deleted log for partition t-0";
        let fields = layout.parse(line.as_bytes()).unwrap();
        assert_eq!(fields.timestamp_ms, Some(1_796_609_166_357));
        assert_eq!(fields.level, Some(Level::Info));
        assert_eq!(part(line, &fields.thread), "kafka-scheduler-3");
        assert_eq!(part(line, &fields.logger), "kafka.log.LogManager");
        assert_eq!(part(line, &fields.message), "Deleted log for partition t-0");
        let error = "2026-12-07T02:06:06,357 [main] ERROR kafka.Kafka$ - boom";
        let fields = layout.parse(error.as_bytes()).unwrap();
        assert_eq!(fields.level, Some(Level::Error));
        assert_eq!(part(error, &fields.message), "boom");
    }

    #[test]
    fn long_names_and_a_zone_option_compile() {
        let layout = Layout::compile(
            "%date{yyyy-MM-dd HH:mm:ss.SSS}{UTC} %level{} [%thread] %logger{1}: %msg%n%throwable",
            0,
        );
        let layout = layout.unwrap();
        let line = "2026-12-07 02:06:06.357 WARN [main] Foo: careful";
        let fields = layout.parse(line.as_bytes()).unwrap();
        assert_eq!(fields.level, Some(Level::Warn));
        assert_eq!(part(line, &fields.logger), "Foo");
        assert_eq!(part(line, &fields.message), "careful");
    }

    #[test]
    fn refuses_patterns_it_cannot_match() {
        assert_eq!(Layout::compile("[%d] %p", 0), Err(LayoutError::NoMessage));
        assert_eq!(
            Layout::compile("%d %c%m", 0),
            Err(LayoutError::UnboundedField("%c".into()))
        );
        assert!(matches!(
            Layout::compile("%d %X{mdc} %m", 0),
            Err(LayoutError::UnsupportedConversion(_))
        ));
        assert!(matches!(
            Layout::compile("%d{yyyy %m", 0),
            Err(LayoutError::Truncated(_))
        ));
    }
}
