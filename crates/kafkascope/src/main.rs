//! The `kafkascope` binary: command-line parsing and glue. Collecting lives
//! in `kafkascope-collector`, serving in `kafkascope-server`, Kafka in
//! `kafkascope-client`.

mod cli;
mod commands;
mod config;
mod table;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&cli.log))
        .with_writer(std::io::stderr)
        .init();
    match commands::run(cli.command).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
