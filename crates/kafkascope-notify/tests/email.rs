//! The email receiver against aiosmtpd, a real SMTP server: plain on a
//! loopback port (its own command line, printing what it receives), and
//! with STARTTLS and authentication required (a small script around its
//! Controller, with a certificate made here), writing what it receives to
//! a file.

mod support;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kafkascope_alerts::Alert;
use kafkascope_notify::{AlertSnapshot, DeliveryState, Notifier};
use support::{firing, free_port, labels, plan, python, wait_for_stats, wait_until};

const WITHIN: Duration = Duration::from_secs(20);
const AIOSMTPD_HINT: &str =
    "aiosmtpd is missing: run scripts/install-test-deps.sh (pip install aiosmtpd)";

/// A child process, killed when dropped, its output kept.
struct Server {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `command` and keeps reading its standard output.
    fn start(mut command: Command) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut output = output.lock().unwrap();
                    output.push_str(&line);
                    output.push('\n');
                }
            });
        }
        Server { child, output }
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits until the output has `text`; fails if the server exits.
    async fn wait_for_output(&mut self, text: &str) -> String {
        let deadline = Instant::now() + WITHIN;
        loop {
            let output = self.output();
            if output.contains(text) {
                return output;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the SMTP server exited with {status}:\n{output}\n{AIOSMTPD_HINT}");
            }
            assert!(
                Instant::now() < deadline,
                "no {text:?} from the SMTP server within {WITHIN:?}:\n{output}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn wait_listening(&mut self, port: u16) {
        let deadline = Instant::now() + WITHIN;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "the SMTP server exited with {status}:\n{}\n{AIOSMTPD_HINT}",
                    self.output()
                );
            }
            assert!(Instant::now() < deadline, "SMTP server not listening");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// 2023-11-14T22:13:20Z
const FIRED: i64 = 1_700_000_000_000;

fn lag_alert() -> Alert {
    let mut alert = firing(
        labels(&[
            ("alertname", "KafkaConsumerGroupLagSeconds"),
            ("cluster", "prod"),
            ("consumergroup", "billing"),
            ("severity", "warning"),
        ]),
        "billing is 1h 2m 5s behind",
        FIRED,
    );
    alert.value = 3725.0;
    alert.annotations.insert(
        "description".into(),
        "Its consumers are slower than its producers.".into(),
    );
    alert
}

const LAG_BODY: &str = "\
[FIRING:1] KafkaConsumerGroupLagSeconds

1 firing, 0 resolved.

FIRING: billing is 1h 2m 5s behind
  alert: KafkaConsumerGroupLagSeconds
  where: cluster prod, consumer group billing
  when: since 2023-11-14T22:13:20Z
  value: 3725
  labels: alertname=KafkaConsumerGroupLagSeconds, cluster=prod, consumergroup=billing, severity=warning
  description: Its consumers are slower than its producers.
  link: https://kafkascope.example.com/clusters/prod/groups/billing

-- 
kafkascope, receiver mail, group {}:{cluster=\"prod\"}
";

const LAG_SUBJECT: &str =
    "Subject: [FIRING:1] KafkaConsumerGroupLagSeconds (cluster prod, consumer group billing)";

fn offer_lag(notifier: &Notifier) {
    assert!(notifier.offer(AlertSnapshot {
        alerts: vec![lag_alert()],
        evaluation_interval_ms: 15_000,
    }));
}

/// Text with the mail's CRLF line breaks as `\n`, without the line
/// breaks the transport adds at its end.
fn text_of(body: &str) -> String {
    body.replace("\r\n", "\n")
        .trim_end_matches('\n')
        .to_string()
}

/// A message as a mail client reads it: headers unfolded, the body
/// decoded from quoted-printable (what the receiver's long lines get).
fn read_message(message: &str) -> (Vec<String>, String) {
    let message = message.replace("\r\n", "\n");
    let (headers, body) = message.split_once("\n\n").expect("headers, then a body");
    let mut unfolded: Vec<String> = Vec::new();
    for line in headers.lines() {
        match unfolded.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
            _ => unfolded.push(line.to_string()),
        }
    }
    let quoted = unfolded
        .iter()
        .any(|h| h == "Content-Transfer-Encoding: quoted-printable");
    let body = if quoted {
        decode_quoted_printable(body)
    } else {
        body.to_string()
    };
    (unfolded, body)
}

/// RFC 2045's quoted-printable: `=XX` is a byte, `=` ending a line joins
/// it to the next.
fn decode_quoted_printable(text: &str) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (line, newline) = match line.strip_suffix('\n') {
            Some(line) => (line, true),
            None => (line, false),
        };
        let (line, soft) = match line.strip_suffix('=') {
            Some(line) => (line, true),
            None => (line, false),
        };
        let raw = line.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            let hex = raw
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (raw[i], hex) {
                (b'=', Some(byte)) => {
                    bytes.push(byte);
                    i += 3;
                }
                (byte, _) => {
                    bytes.push(byte);
                    i += 1;
                }
            }
        }
        if newline && !soft {
            bytes.push(b'\n');
        }
    }
    String::from_utf8(bytes).expect("UTF-8 text")
}

#[tokio::test]
async fn email_through_an_aiosmtpd_server_lists_the_alerts() {
    let port = free_port();
    let mut command = Command::new(python());
    command.args([
        "-u",
        "-m",
        "aiosmtpd",
        "-n",
        "-l",
        &format!("127.0.0.1:{port}"),
    ]);
    let mut server = Server::start(command);
    server.wait_listening(port).await;
    let notifier = Notifier::start(
        plan(&format!(
            r#"
            external_url = "https://kafkascope.example.com"
            [route]
            receiver = "mail"
            group_by = ["cluster"]
            group_wait = "0s"
            [receivers.mail]
            type = "email"
            smarthost = "127.0.0.1:{port}"
            from = "kafkascope <kafkascope@example.com>"
            to = ["oncall@example.com", "kafka-team@example.com"]
            tls = "none"
            hello = "kafkascope.test"
            "#
        )),
        DeliveryState::default(),
    );
    offer_lag(&notifier);
    // aiosmtpd's default handler prints each message between markers,
    // adding an X-Peer header.
    let output = server.wait_for_output("END MESSAGE").await;
    let message = output
        .split_once("---------- MESSAGE FOLLOWS ----------\n")
        .and_then(|(_, rest)| rest.split_once("------------ END MESSAGE ------------"))
        .map(|(message, _)| message)
        .unwrap_or_else(|| panic!("no message in:\n{output}"));
    let (headers, body) = read_message(message);
    for expected in [
        LAG_SUBJECT,
        "From: kafkascope <kafkascope@example.com>",
        "To: oncall@example.com, kafka-team@example.com",
        "Content-Type: text/plain; charset=utf-8",
    ] {
        assert!(
            headers.iter().any(|h| h == expected),
            "{expected:?} not among {headers:#?}"
        );
    }
    assert_eq!(text_of(&body), text_of(LAG_BODY));
    // The server prints the message when the data ends, before the
    // notifier has its reply and counts the message sent.
    let stats = wait_for_stats(&notifier, WITHIN, |s| s.receivers["mail"].sent == 1).await;
    assert_eq!(
        (stats.receivers["mail"].kind, stats.receivers["mail"].sent),
        ("email", 1)
    );
    notifier.stop().await;
}

/// A certificate for 127.0.0.1, its key and a password file in `dir`.
fn tls_files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert = dir.join("smtp.pem");
    let key = dir.join("smtp.key");
    let password = dir.join("smtp-password");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    std::fs::write(&password, "correct horse\n").unwrap();
    (cert, key, password)
}

/// The STARTTLS server, writing messages to `out`.
async fn starttls_server(dir: &Path, cert: &Path, key: &Path, out: &Path) -> (Server, u16) {
    let port = free_port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_starttls_server.py");
    let mut command = Command::new(python());
    command
        .arg(script)
        .args(["127.0.0.1", &port.to_string()])
        .args([cert, key, out])
        .args(["kafkascope", "correct horse"])
        .current_dir(dir);
    let mut server = Server::start(command);
    server.wait_for_output("ready\n").await;
    (server, port)
}

fn starttls_plan(port: u16, cert: &Path, password: &str) -> String {
    format!(
        r#"
        external_url = "https://kafkascope.example.com"
        [route]
        receiver = "mail"
        group_by = ["cluster"]
        group_wait = "0s"
        [retry]
        initial_backoff = "50ms"
        [receivers.mail]
        type = "email"
        smarthost = "127.0.0.1:{port}"
        from = "kafkascope@example.com"
        to = ["oncall@example.com"]
        ca_file = "{}"
        auth_username = "kafkascope"
        auth_password = "{password}"
        "#,
        cert.display()
    )
}

#[tokio::test]
async fn email_with_starttls_and_authentication_reaches_a_server_requiring_both() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, password) = tls_files(dir.path());
    let out = dir.path().join("received.jsonl");
    let (_server, port) = starttls_server(dir.path(), &cert, &key, &out).await;
    let notifier = Notifier::start(
        plan(&starttls_plan(
            port,
            &cert,
            &format!("file:{}", password.display()),
        )),
        DeliveryState::default(),
    );
    offer_lag(&notifier);
    wait_until(WITHIN, || out.exists())
        .await
        .unwrap_or_else(|| panic!("nothing received: {:?}", notifier.stats()));
    let text = std::fs::read_to_string(&out).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(
        (
            &record["tls"],
            &record["authenticated"],
            &record["login"],
            &record["mail_from"],
            &record["rcpt_tos"],
        ),
        (
            &serde_json::json!(true),
            &serde_json::json!(true),
            &serde_json::json!("kafkascope"),
            &serde_json::json!("kafkascope@example.com"),
            &serde_json::json!(["oncall@example.com"]),
        )
    );
    let headers = &record["headers"];
    assert_eq!(
        (&headers["Subject"], &headers["From"], &headers["To"]),
        (
            &serde_json::json!(LAG_SUBJECT.trim_start_matches("Subject: ")),
            &serde_json::json!("kafkascope@example.com"),
            &serde_json::json!("oncall@example.com"),
        ),
        "{headers:#}"
    );
    assert_eq!(text_of(record["text"].as_str().unwrap()), text_of(LAG_BODY));
    notifier.stop().await;
}

#[tokio::test]
async fn a_wrong_smtp_password_fails_at_once_and_stays_out_of_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = tls_files(dir.path());
    let out = dir.path().join("received.jsonl");
    let (_server, port) = starttls_server(dir.path(), &cert, &key, &out).await;
    let notifier = Notifier::start(
        plan(&starttls_plan(port, &cert, "not-the-password")),
        DeliveryState::default(),
    );
    offer_lag(&notifier);
    wait_until(WITHIN, || notifier.stats().receivers["mail"].failed == 1)
        .await
        .unwrap_or_else(|| panic!("no failure: {:?}", notifier.stats()));
    let stats = notifier.stats();
    let mail = &stats.receivers["mail"];
    // 535 is a permanent refusal: not tried again.
    assert_eq!((mail.sent, mail.retries), (0, 0));
    let error = mail.last_error.clone().unwrap();
    assert!(error.starts_with("SMTP: permanent error (535)"), "{error}");
    assert!(!error.contains("not-the-password"), "{error}");
    assert!(!out.exists());
    notifier.stop().await;
}
