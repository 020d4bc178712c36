//! `mcdewey build`: load the content tree, render the site, print a summary
//! that accounts for every input file.

use crate::cli::BuildArgs;
use crate::config::{self, Config};
use crate::content::{self, LoadOptions, LoadReport};
use crate::diag::{Diagnostic, Level, Sink};
use crate::outdir::{self, BuildLock, LockError, Staging};
use crate::render::{self, theme::Theme, OutputReport, Renderer};
use crate::ExitError;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Everything a build produced, for the summary and for callers such as `serve`.
#[derive(Debug)]
pub struct BuildOutcome {
    pub out: PathBuf,
    pub load: LoadReport,
    pub output: OutputReport,
    pub counts: content::Counts,
    pub diagnostics: Vec<Diagnostic>,
    pub elapsed: Duration,
}

impl BuildOutcome {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.level == Level::Warning)
            .count()
    }

    pub fn summary(&self) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let mut s = format!(
            "Built {} documents, {} pages, {} chunks in {:.2} s ({:.0} pages/s) -> {} ({} files, {:.1} MB)\n",
            self.counts.documents,
            self.counts.pages,
            self.counts.chunks,
            secs,
            self.counts.pages as f64 / secs,
            self.out.display(),
            self.output.files,
            self.output.bytes as f64 / 1e6,
        );
        let skipped: Vec<String> = self
            .load
            .skipped
            .iter()
            .map(|(why, n)| format!("{n} {}", why.describe()))
            .collect();
        s.push_str(&format!(
            "Input: {} files: {} documents, {} product metadata{}{}\n",
            self.load.files_seen,
            self.load.documents,
            self.load.metadata_files,
            if skipped.is_empty() {
                ""
            } else {
                ", skipped: "
            },
            skipped.join(", ")
        ));
        let im = &self.load.imports;
        if !im.is_empty() {
            let kinds: Vec<String> = [(im.pdfs, "PDFs"), (im.html_sets, "HTML doc sets")]
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
            s.push_str(&format!(
                "Imported {}: {} converted in {:.2} s, {} unchanged from the cache\n",
                kinds.join(" and "),
                im.converted,
                im.convert_time.as_secs_f64(),
                im.cached,
            ));
        }
        s.push_str(&format!(
            "{} warnings, {} errors",
            self.warnings(),
            self.errors()
        ));
        s
    }
}

fn progress_bar(quiet: bool, len: u64, msg: &'static str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    if quiet || !std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {per_sec}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(msg);
    pb
}

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
    Ok(config)
}

/// `cache_dir` from mcdewey.toml, else `.mcdewey-cache/` beside the output
/// directory: outside the content tree (which may be read-only or under
/// version control) and kept when the site is rebuilt.
pub fn cache_dir(config: &Config, out: &Path) -> PathBuf {
    config.cache_dir.clone().unwrap_or_else(|| {
        out.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(content::dropin::CACHE_DIR_NAME)
    })
}

/// Builds `content` into `out`. Input problems are diagnostics, not errors;
/// an `Err` means the build could not run at all.
pub fn build(
    content: &Path,
    out: &Path,
    config: &Config,
    quiet: bool,
) -> Result<BuildOutcome, ExitError> {
    let start = Instant::now();
    // Before anything is read or written: a second build into the same
    // directory stops here, touching nothing.
    let lock = BuildLock::acquire(out).map_err(|e| match e {
        LockError::Held { .. } => ExitError::usage(e.into()),
        LockError::Io(e) => ExitError::io(e),
    })?;
    let sink = Sink::default();
    let lock_shown = lock.path().display().to_string();
    for note in outdir::clean_leftovers(out, &lock).map_err(ExitError::io)? {
        sink.warn(&lock_shown, None, note);
    }
    let theme = Theme::load(config.theme.as_deref()).map_err(ExitError::usage)?;
    let loading = progress_bar(quiet, 0, "loading");
    let (library, load_report) = content::load(
        content,
        &LoadOptions {
            chunking: config.chunking,
            cache_dir: Some(cache_dir(config, out)),
            symlink_roots: config.symlink_roots.clone(),
            output: Some(out.to_path_buf()),
        },
        &sink,
        &|| loading.inc(1),
    )
    .map_err(ExitError::usage)?;
    loading.finish_and_clear();
    tracing::info!(elapsed = ?start.elapsed(), "content loaded");
    let counts = library.counts();
    if counts.documents == 0 {
        // Still a valid site (home page, empty index), so `serve` and links
        // keep working; the report says why it is empty.
        sink.warn(
            &content.display().to_string(),
            None,
            format!(
                "nothing to publish: {} files seen, none of them a document (see the summary); the site is empty",
                load_report.files_seen
            ),
        );
    }
    let renderer = Renderer::new(&library, config, theme).map_err(ExitError::usage)?;
    render::check_out_dir(out).map_err(ExitError::usage)?;
    // Removed when dropped: a failed build leaves no staging directory.
    let staging = Staging::create(out, &lock).map_err(ExitError::io)?;
    let writing = progress_bar(quiet, counts.documents as u64, "writing");
    let output = renderer
        .write_site(staging.path(), &|| writing.inc(1))
        .map_err(ExitError::io)?;
    writing.finish_and_clear();
    render::publish(staging.path(), out).map_err(ExitError::io)?;
    drop(staging);
    drop(lock);
    let out = out.to_path_buf();
    tracing::info!(elapsed = ?start.elapsed(), "site written");
    Ok(BuildOutcome {
        out,
        load: load_report,
        output,
        counts,
        diagnostics: sink.into_sorted(),
        elapsed: start.elapsed(),
    })
}

pub fn run(args: BuildArgs) -> Result<(), ExitError> {
    let config = resolve_config(&args)?;
    run_with(&args, &config)
}

/// Builds, prints diagnostics and the summary; input errors map to exit 1.
pub fn run_with(args: &BuildArgs, config: &Config) -> Result<(), ExitError> {
    let outcome = build(&args.content, &args.out, config, args.quiet)?;
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
