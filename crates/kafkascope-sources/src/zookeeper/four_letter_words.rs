//! The four-letter-word client: one TCP connection per word, as ZooKeeper
//! wants it. The server reads the 4 bytes, writes its answer and closes the
//! connection, so the answer is everything up to the end of the stream.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use crate::zookeeper_figures::FourLetterWord;

/// What ZooKeeper answers instead of running a word
/// `4lw.commands.whitelist` leaves out: `<word>` then this.
const NOT_IN_WHITELIST: &str = " is not executed because it is not in the whitelist.";
/// `srvr` and `mntr` of a member outside a quorum; also the `error` of the
/// AdminServer's commands that need a running server.
pub(super) const NOT_SERVING: &str = "This ZooKeeper instance is not currently serving requests";

/// Why a word got no answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AskError {
    #[error("{word}: connect failed: {source}")]
    Connect {
        word: FourLetterWord,
        source: std::io::Error,
    },
    #[error("{word}: no connection within {timeout:?}")]
    ConnectTimeout {
        word: FourLetterWord,
        timeout: Duration,
    },
    #[error("{word}: sending the word failed: {source}")]
    Send {
        word: FourLetterWord,
        source: std::io::Error,
    },
    #[error("{word}: no complete answer within {timeout:?} ({received} bytes received)")]
    AnswerTimeout {
        word: FourLetterWord,
        timeout: Duration,
        received: usize,
    },
    #[error("{word}: reading the answer failed after {received} bytes: {source}")]
    Read {
        word: FourLetterWord,
        received: usize,
        source: std::io::Error,
    },
    #[error("{word}: the answer is larger than {max_bytes} bytes")]
    TooLarge {
        word: FourLetterWord,
        max_bytes: usize,
    },
    #[error("{word}: the answer is not UTF-8 text: {source}")]
    NotText {
        word: FourLetterWord,
        source: std::str::Utf8Error,
    },
}

impl AskError {
    /// Nothing listens, or nothing could be reached: the member is down.
    /// (An answer cut short or garbled comes from a member that is up.)
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            AskError::Connect { .. } | AskError::ConnectTimeout { .. }
        )
    }
}

/// How to reach the members.
#[derive(Debug, Clone, Copy)]
pub struct AskLimits {
    /// For connecting, and again for the whole answer.
    pub timeout: Duration,
    /// A larger answer is refused, not cut into wrong figures.
    pub max_answer_bytes: usize,
}

/// Sends `word` to `address` (`host:port`) and returns the whole answer.
pub async fn ask(
    address: &str,
    word: FourLetterWord,
    limits: AskLimits,
) -> Result<String, AskError> {
    let timeout = limits.timeout;
    let connect_deadline = Instant::now() + timeout;
    let mut stream = match timeout_at(connect_deadline, TcpStream::connect(address)).await {
        Err(_) => return Err(AskError::ConnectTimeout { word, timeout }),
        Ok(Err(source)) => return Err(AskError::Connect { word, source }),
        Ok(Ok(stream)) => stream,
    };
    let answer_deadline = Instant::now() + timeout;
    let sent = timeout_at(answer_deadline, stream.write_all(word.as_str().as_bytes())).await;
    match sent {
        Err(_) => {
            return Err(AskError::AnswerTimeout {
                word,
                timeout,
                received: 0,
            });
        }
        Ok(Err(source)) => return Err(AskError::Send { word, source }),
        Ok(Ok(())) => {}
    }
    let bytes = read_to_end(&mut stream, word, limits, answer_deadline).await?;
    String::from_utf8(bytes).map_err(|e| AskError::NotText {
        word,
        source: e.utf8_error(),
    })
}

/// Reads until the server closes the connection, within the deadline and
/// the size bound.
async fn read_to_end(
    stream: &mut TcpStream,
    word: FourLetterWord,
    limits: AskLimits,
    deadline: Instant,
) -> Result<Vec<u8>, AskError> {
    let mut answer = Vec::with_capacity(4096);
    let mut buf = [0u8; 16 * 1024];
    loop {
        let received = answer.len();
        let n = match timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => {
                return Err(AskError::AnswerTimeout {
                    word,
                    timeout: limits.timeout,
                    received,
                });
            }
            Ok(Err(source)) => {
                return Err(AskError::Read {
                    word,
                    received,
                    source,
                });
            }
            Ok(Ok(0)) => return Ok(answer),
            Ok(Ok(n)) => n,
        };
        if received + n > limits.max_answer_bytes {
            return Err(AskError::TooLarge {
                word,
                max_bytes: limits.max_answer_bytes,
            });
        }
        answer.extend_from_slice(&buf[..n]);
    }
}

/// What an answer is, before its format is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// The word's own answer.
    Figures,
    /// The member's `4lw.commands.whitelist` leaves the word out.
    NotAllowed,
    /// The member is up but in no quorum (`srvr`, `mntr`).
    NotServing,
}

/// Tells the whitelist's refusal and the not-serving notice from an answer.
pub fn answer_kind(word: FourLetterWord, answer: &str) -> AnswerKind {
    let answer = answer.trim_end();
    if answer
        .strip_prefix(word.as_str())
        .is_some_and(|rest| rest == NOT_IN_WHITELIST)
    {
        AnswerKind::NotAllowed
    } else if answer == NOT_SERVING {
        AnswerKind::NotServing
    } else {
        AnswerKind::Figures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whitelist_refusal_of_each_word_is_told_apart_from_its_answer() {
        let refused = include_str!("answers/not-whitelisted-mntr.txt");
        assert_eq!(
            answer_kind(FourLetterWord::Mntr, refused),
            AnswerKind::NotAllowed
        );
        // The refusal names the word: srvr's is not mntr's.
        assert_eq!(
            answer_kind(FourLetterWord::Srvr, refused),
            AnswerKind::Figures
        );
        assert_eq!(
            answer_kind(
                FourLetterWord::Ruok,
                "ruok is not executed because it is not in the whitelist.\n"
            ),
            AnswerKind::NotAllowed
        );
    }

    #[test]
    fn a_member_outside_a_quorum_is_not_serving() {
        let answer = include_str!("answers/not-serving-srvr.txt");
        assert_eq!(
            answer_kind(FourLetterWord::Srvr, answer),
            AnswerKind::NotServing
        );
        assert_eq!(
            answer_kind(
                FourLetterWord::Srvr,
                include_str!("answers/leader-srvr.txt")
            ),
            AnswerKind::Figures
        );
    }
}
