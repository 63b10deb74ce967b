//! `kafkascope rules check FILE...` and `kafkascope rules export`.

use anyhow::bail;

use crate::cli::RulesCommand;
use crate::config;

pub fn run(command: RulesCommand) -> anyhow::Result<()> {
    match command {
        RulesCommand::Check { files } => check(&files),
        RulesCommand::Export { config } => export(config.as_deref()),
    }
}

/// Every file checked, every problem printed with its file and line; the
/// exit status fails if any file has one.
fn check(files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let mut failed = 0;
    for path in files {
        match config::rule_file(path) {
            Ok(rules) => println!("{}: {} rules found", path.display(), rules.len()),
            Err(problems) => {
                failed += 1;
                eprintln!("{problems:#}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} rule files have problems", files.len());
    }
    Ok(())
}

fn export(config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let plan = match config_path {
        Some(path) => config::load_alerts(path)?,
        None => config::default_alerts(),
    };
    let Some(plan) = plan else {
        bail!("alerting is switched off in the config ([alerts] enabled = false)");
    };
    let rules: Vec<_> = plan.rules.iter().collect();
    print!("{}", kafkascope_alerts::rule_file::export(&rules));
    Ok(())
}
