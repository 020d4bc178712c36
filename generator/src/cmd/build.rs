//! `mcdewey build`: resolve the configuration, run the build pipeline
//! ([`crate::build`]), print the diagnostics and a summary that accounts for
//! every input file.

use crate::cli::BuildArgs;
use crate::config::{self, Config};
use crate::ExitError;
use std::path::PathBuf;

pub use crate::build::{build, build_with, cache_dir, BuildOutcome, Memo};

/// Resolves config: explicit file, else ./mcdewey.toml, then CLI overrides.
pub fn resolve_config(args: &BuildArgs) -> Result<Config, ExitError> {
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from("mcdewey.toml")).filter(|p| p.is_file()),
    };
    let mut config = match path {
        Some(p) => config::load(&p).map_err(ExitError::usage)?,
        None => Config::default(),
    };
    if let Some(theme) = &args.theme {
        config.theme = Some(theme.clone());
    }
    if let Some(b) = &args.base_path {
        config.base_path = config::normalise_base_path(b).map_err(ExitError::usage)?;
    }
    if args.offline_search {
        config.offline_search = true;
    }
    if let Some(b) = &args.memory_budget {
        config.memory_budget =
            config::parse_size(b).map_err(|e| ExitError::usage(e.context("--memory-budget")))?;
    }
    Ok(config)
}

pub fn run(args: BuildArgs) -> Result<(), ExitError> {
    let config = resolve_config(&args)?;
    run_with(&args, &config)
}

/// Builds, prints diagnostics and the summary; input errors map to exit 1.
pub fn run_with(args: &BuildArgs, config: &Config) -> Result<(), ExitError> {
    run_incremental(args, config, None)
}

/// [`run_with`], keeping what the build made in `memo` for the next one.
pub fn run_incremental(
    args: &BuildArgs,
    config: &Config,
    memo: Option<&mut Memo>,
) -> Result<(), ExitError> {
    let outcome = build_with(&args.content, &args.out, config, args.quiet, memo)?;
    for d in &outcome.diagnostics {
        eprintln!("{d}");
    }
    if !args.quiet {
        eprintln!("{}", outcome.summary());
    }
    if outcome.errors() > 0 {
        return Err(ExitError::input(format!(
            "{} input files had errors; the site was written without them",
            outcome.errors()
        )));
    }
    Ok(())
}
