//! The `kafkascope` binary: command-line parsing and glue. Collecting lives
//! in `kafkascope-collector`, serving in `kafkascope-server`, Kafka in
//! `kafkascope-client`.

mod alerting;
mod cli;
mod commands;
mod config;
mod history;
mod malloc_arenas;
mod table;

use clap::Parser;

fn main() -> std::process::ExitCode {
    malloc_arenas::limit();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(run())
}

async fn run() -> std::process::ExitCode {
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
