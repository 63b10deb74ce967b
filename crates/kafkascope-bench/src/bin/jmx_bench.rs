//! What reading JMX costs: the Prometheus text reader's throughput on real
//! exporter pages (one core), and a live poll of the JMX exporter source
//! (wall time and kafkascope's own CPU per poll of every target).
//!
//! Usage: jmx_bench PAGE... [--urls URL,URL,...] [--rounds N] [--timeout S]
//!                  [--client-page FILE --clients N]
//!
//! With `--client-page`, N copies of a client's page (a producer's captured
//! page) are served from this process on N ports, a protocol-level fake of
//! N client agents, and polled beside the live `--urls` in one poll.
//!
//! Prints `key=value` lines on stdout (bench/report.py reads them) and a
//! readable summary on stderr.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use kafkascope_client::http_client::HttpUrl;
use kafkascope_sources::jmx::{JmxSettings, JmxTarget};
use kafkascope_sources::jmx_exporter::JmxExporterSource;
use kafkascope_sources::jmx_figures::NodeFigures;
use kafkascope_sources::prometheus_text::{PageFormat, parse_page};
use kafkascope_sources::source::{PollContext, Source};

struct Args {
    pages: Vec<String>,
    urls: Vec<String>,
    rounds: usize,
    /// Per target; an agent renders a 10,000-partition broker's page in
    /// seconds.
    timeout: Duration,
    client_page: Option<String>,
    clients: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut args = Args {
        pages: Vec::new(),
        urls: Vec::new(),
        rounds: 20,
        timeout: Duration::from_secs(30),
        client_page: None,
        clients: 0,
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        match arg.as_str() {
            "--urls" => {
                let urls = given.next().context("--urls needs a list")?;
                args.urls = urls.split(',').map(str::to_string).collect();
            }
            "--rounds" => args.rounds = given.next().context("--rounds needs N")?.parse()?,
            "--client-page" => {
                args.client_page = Some(given.next().context("--client-page needs a file")?)
            }
            "--clients" => args.clients = given.next().context("--clients needs N")?.parse()?,
            "--timeout" => {
                let seconds: f64 = given.next().context("--timeout needs seconds")?.parse()?;
                args.timeout = Duration::from_secs_f64(seconds);
            }
            page => args.pages.push(page.to_string()),
        }
    }
    if args.pages.is_empty() && args.urls.is_empty() && args.clients == 0 {
        bail!(
            "usage: jmx_bench PAGE... [--urls URL,...] [--rounds N] [--timeout S] [--client-page FILE --clients N]"
        );
    }
    if args.clients > 0 && args.client_page.is_none() {
        bail!("--clients needs --client-page");
    }
    Ok(args)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Parses every page `rounds` times, reading each into node figures as
/// the source does; returns samples per second of one core.
fn parse_throughput(pages: &[String], rounds: usize) -> (usize, usize, f64) {
    let bytes: usize = pages.iter().map(String::len).sum();
    let mut samples = 0;
    let mut per_second = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        samples = 0;
        let started = Instant::now();
        for page in pages {
            let mut node = NodeFigures::default();
            let summary = parse_page(page, PageFormat::Prometheus, |s| {
                node.read_sample(s);
            });
            samples += summary.samples;
            std::hint::black_box(&node);
        }
        per_second.push(samples as f64 / started.elapsed().as_secs_f64());
    }
    (bytes, samples, median(per_second))
}

/// Serves `page` on `copies` ports of this process, as that many client
/// agents would; their URLs.
async fn serve_client_pages(page: String, copies: usize) -> anyhow::Result<Vec<String>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let answer = std::sync::Arc::new(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        )
        .into_bytes(),
    );
    let mut urls = Vec::with_capacity(copies);
    for _ in 0..copies {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        urls.push(format!("http://{}/metrics", listener.local_addr()?));
        let answer = answer.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let mut read = Vec::new();
                    while !read.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => read.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = socket.write_all(&answer).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
    }
    Ok(urls)
}

#[allow(unsafe_code)] // std has no process CPU time; getrusage is FFI
fn cpu_time() -> Duration {
    // SAFETY: rusage holds only integers, for which all zeroes is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// Wall and CPU time of each poll, samples read, and the polls in which a
/// target was down (with the first reason).
struct LivePolls {
    walls: Vec<f64>,
    cpus: Vec<f64>,
    samples: usize,
    down: usize,
    first_error: Option<String>,
}

async fn poll_live(urls: &[String], rounds: usize, timeout: Duration) -> anyhow::Result<LivePolls> {
    let targets = urls
        .iter()
        .enumerate()
        .map(|(i, url)| {
            Ok(JmxTarget {
                url: HttpUrl::parse(url).with_context(|| url.clone())?,
                role: None,
                node_id: Some(i as i32),
                basic_auth: None,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut settings = JmxSettings::new(targets);
    settings.timeout = timeout;
    let mut source = JmxExporterSource::new(settings);
    let context = PollContext::default();
    let mut polls = LivePolls {
        walls: Vec::new(),
        cpus: Vec::new(),
        samples: 0,
        down: 0,
        first_error: None,
    };
    for _ in 0..rounds {
        let (started, cpu) = (Instant::now(), cpu_time());
        let polled = source.poll(&context).await;
        polls.walls.push(started.elapsed().as_secs_f64() * 1000.0);
        polls.cpus.push((cpu_time() - cpu).as_secs_f64() * 1000.0);
        if let Some(down) = polled.targets.iter().find(|t| !t.up) {
            polls.down += 1;
            polls.first_error.get_or_insert_with(|| {
                format!(
                    "{}: {}",
                    down.target,
                    down.error.clone().unwrap_or_default()
                )
            });
        }
        polls.samples = polls
            .samples
            .max(polled.targets.iter().map(|t| t.samples).sum());
    }
    Ok(polls)
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let pages = args
        .pages
        .iter()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("reading {p}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if !pages.is_empty() {
        let (bytes, samples, rate) = parse_throughput(&pages, args.rounds);
        println!("jmx_pages={}", pages.len());
        println!("jmx_page_bytes={bytes}");
        println!("jmx_page_samples={samples}");
        println!("jmx_parse_samples_per_second={rate:.0}");
        println!(
            "jmx_parse_mb_per_second={:.1}",
            rate * bytes as f64 / samples.max(1) as f64 / 1e6
        );
        eprintln!(
            "jmx pages: {} pages, {:.2} MB, {samples} samples; read at {:.2} M samples/s on one core",
            pages.len(),
            bytes as f64 / 1e6,
            rate / 1e6
        );
    }
    if !args.urls.is_empty() || args.clients > 0 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut urls = args.urls.clone();
        if let Some(path) = &args.client_page {
            let page = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
            urls.extend(runtime.block_on(serve_client_pages(page, args.clients))?);
        }
        let polls = runtime.block_on(poll_live(&urls, args.rounds, args.timeout))?;
        let samples = polls.samples;
        let max_wall = polls.walls.iter().copied().fold(0.0, f64::max);
        let (wall, cpu) = (median(polls.walls), median(polls.cpus));
        println!("jmx_poll_targets={}", urls.len());
        println!("jmx_poll_client_targets={}", urls.len() - args.urls.len());
        println!("jmx_poll_timeout_s={}", args.timeout.as_secs_f64());
        println!("jmx_poll_rounds_with_a_target_down={}", polls.down);
        if let Some(error) = &polls.first_error {
            eprintln!(
                "jmx poll: a target was down in {} of {} polls; first: {error}",
                polls.down, args.rounds
            );
        }
        println!("jmx_poll_samples={samples}");
        println!("jmx_poll_wall_ms={wall:.1}");
        println!("jmx_poll_wall_max_ms={max_wall:.1}");
        println!("jmx_poll_cpu_ms={cpu:.1}");
        eprintln!(
            "jmx poll of {} live targets and {} client pages ({samples} samples): {wall:.1} ms median, {max_wall:.1} ms max; kafkascope CPU {cpu:.1} ms per poll (serving the client pages included)",
            args.urls.len(),
            urls.len() - args.urls.len()
        );
    }
    Ok(())
}
