//! `mcdewey import pdf|html`: convert PDF manuals and HTML doc sets into
//! Markdown documents in a doc-set directory, for review before committing.
//! The conversion itself is `mcdewey-import`; this is files, names and the
//! report.

use crate::cli::{ImportCommand, ImportHtmlArgs, ImportPdfArgs};
use crate::content::{dropin, sanitize_id};
use crate::diag::{Diagnostic, Level};
use crate::ExitError;
use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mcdewey_import::{html_set_to_markdown, pdf_to_markdown, HtmlOptions, PdfOptions};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub fn run(cmd: ImportCommand) -> Result<(), ExitError> {
    match cmd {
        ImportCommand::Pdf(args) => pdf(&args),
        ImportCommand::Html(args) => html(&args),
    }
}

/// A bar over the inputs that keeps ticking during one long conversion
/// (the importer has no per-page callback); hidden when not a terminal.
fn progress(quiet: bool, len: u64) -> ProgressBar {
    let pb = ProgressBar::new(len);
    if quiet || !std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    } else {
        pb.enable_steady_tick(Duration::from_millis(120));
    }
    pb.set_style(
        ProgressStyle::with_template("{spinner} importing [{bar:30}] {pos}/{len} {elapsed} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb
}

/// Import problems print like build diagnostics: `path: level: message`.
fn diag(level: Level, path: &str, message: String) -> String {
    Diagnostic {
        path: path.to_string(),
        line: None,
        level,
        message,
    }
    .to_string()
}

fn warn(path: &str, message: String) -> String {
    diag(Level::Warning, path, message)
}

fn create_into(into: &Path) -> Result<(), ExitError> {
    std::fs::create_dir_all(into)
        .with_context(|| format!("cannot create {}", into.display()))
        .map_err(ExitError::io)
}

fn write(path: &Path, text: &str) -> Result<(), ExitError> {
    if let Some(dir) = path.parent() {
        create_into(dir)?;
    }
    std::fs::write(path, text)
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(ExitError::io)
}

fn pdf(args: &ImportPdfArgs) -> Result<(), ExitError> {
    if args.name.is_some() && args.files.len() > 1 {
        return Err(ExitError::usage(anyhow::anyhow!(
            "--name names one document; it cannot be used with {} files",
            args.files.len()
        )));
    }
    create_into(&args.into)?;
    let into_canon = args.into.canonicalize().ok();
    let pb = progress(args.quiet, args.files.len() as u64);
    let mut written: HashMap<PathBuf, String> = HashMap::new();
    let (mut failed, mut pages, mut warnings) = (0usize, 0u32, 0usize);
    let start = Instant::now();
    for file in &args.files {
        let shown = file.display().to_string();
        pb.set_message(shown.clone());
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        // Same rule as document ids, so the file name is the id the build uses.
        let name = sanitize_id(args.name.as_deref().unwrap_or(&stem));
        let target = args.into.join(format!("{name}.md"));
        let mut report = Vec::new();
        let outcome = (|| {
            if let Some(first) = written.get(&target) {
                return Err(format!(
                    "{} was just written from {first}; use --name or import separately",
                    target.display()
                ));
            }
            if target.exists() && !args.force {
                return Err(format!(
                    "{} already exists; use --force to overwrite it",
                    target.display()
                ));
            }
            let bytes = std::fs::read(file).map_err(|e| format!("cannot read: {e}"))?;
            let source_name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let t = Instant::now();
            let imp = pdf_to_markdown(&bytes, &source_name, &PdfOptions::default())
                .map_err(|e| format!("cannot import: {e}"))?;
            Ok((imp, t.elapsed()))
        })();
        match outcome {
            Err(msg) => {
                failed += 1;
                report.push(diag(Level::Error, &shown, msg));
            }
            Ok((imp, took)) => {
                write(&target, &imp.doc.markdown)?;
                written.insert(target.clone(), shown.clone());
                pages += imp.pages_out;
                warnings += imp.doc.warnings.len();
                if !args.quiet {
                    report.push(format!(
                        "{shown} -> {}: {} pages in, {} pages out, {} warnings, {:.2} s",
                        target.display(),
                        imp.pages_in,
                        imp.pages_out,
                        imp.doc.warnings.len(),
                        took.as_secs_f64()
                    ));
                }
                for w in &imp.doc.warnings {
                    report.push(warn(&shown, dropin::warning_text(w, None)));
                }
                if is_dropin_beside(file, into_canon.as_deref(), &name) {
                    report.push(warn(
                        &shown,
                        "the PDF sits in the doc set it was imported into, so `mcdewey build` \
would import it again under the same id; move it out of the content tree"
                            .into(),
                    ));
                }
            }
        }
        pb.suspend(|| report.iter().for_each(|l| eprintln!("{l}")));
        pb.inc(1);
    }
    pb.finish_and_clear();
    let n = args.files.len();
    if !args.quiet && n > 1 {
        eprintln!(
            "Imported {} of {n} PDFs: {pages} pages, {warnings} warnings, {failed} errors in {:.2} s",
            n - failed,
            start.elapsed().as_secs_f64()
        );
    }
    if failed > 0 {
        return Err(ExitError::input(format!(
            "{failed} of {n} PDFs were not imported"
        )));
    }
    Ok(())
}

/// The PDF itself is in the target doc set, under the same id.
fn is_dropin_beside(file: &Path, into: Option<&Path>, name: &str) -> bool {
    let dir = file.parent().and_then(|p| {
        if p.as_os_str().is_empty() {
            Path::new(".").canonicalize().ok()
        } else {
            p.canonicalize().ok()
        }
    });
    let stem = file.file_stem().map(|s| sanitize_id(&s.to_string_lossy()));
    dir.is_some() && dir.as_deref() == into && stem.as_deref() == Some(name)
}

/// Every file below `dir` (links followed, hidden entries skipped) as
/// (`/`-separated relative path, bytes), sorted by path, and the entries
/// that could not be read, each with the reason. Only HTML pages are read:
/// the importer needs the other files' paths alone, so a dangling link to a
/// script costs nothing but its report.
/// Files of a set as (relative path, bytes), and entries that could not be
/// read as (shown path, reason).
type Tree = (Vec<(String, Vec<u8>)>, Vec<(String, String)>);

fn read_tree(dir: &Path) -> Tree {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| dir.display().to_string());
                let reason = match (e.loop_ancestor(), e.io_error()) {
                    (Some(anc), _) => format!("symlink loop back to {}; skipped", anc.display()),
                    (None, Some(io)) if io.kind() == std::io::ErrorKind::NotFound => {
                        "dangling symbolic link (its target does not exist); skipped".to_string()
                    }
                    (None, Some(io)) => format!("cannot read: {io}; skipped"),
                    (None, None) => format!("cannot read: {e}; skipped"),
                };
                problems.push((path, reason));
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let shown = entry.path().display().to_string();
        if !ft.is_file() {
            problems.push((
                shown,
                "not a regular file (a FIFO, socket or device); skipped".to_string(),
            ));
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .components()
            .map(|c| c.as_os_str().to_string_lossy().to_string())
            .collect::<Vec<_>>()
            .join("/");
        if !dropin::is_html(Path::new(&rel)) {
            files.push((rel, Vec::new()));
            continue;
        }
        match std::fs::read(entry.path()) {
            Ok(bytes) => files.push((rel, bytes)),
            Err(e) => problems.push((shown, format!("cannot read: {e}; skipped"))),
        }
    }
    files.sort();
    (files, problems)
}

fn html(args: &ImportHtmlArgs) -> Result<(), ExitError> {
    if !args.dir.is_dir() {
        return Err(ExitError::usage(anyhow::anyhow!(
            "{} is not a directory; import html takes the directory of an HTML doc set",
            args.dir.display()
        )));
    }
    let shown = args.dir.display().to_string();
    let pb = progress(args.quiet, 1);
    pb.set_message(shown.clone());
    let start = Instant::now();
    let (files, unreadable) = read_tree(&args.dir);
    let html_in = files
        .iter()
        .filter(|(p, _)| dropin::is_html(Path::new(p)))
        .count();
    let imp = match html_set_to_markdown(&files, &HtmlOptions::default()) {
        Ok(i) => i,
        Err(e) => {
            pb.finish_and_clear();
            for (path, reason) in &unreadable {
                eprintln!("{}", diag(Level::Error, path, reason.clone()));
            }
            return Err(ExitError::input(format!("{shown}: cannot import: {e}")));
        }
    };
    let targets: Vec<PathBuf> = imp
        .docs
        .iter()
        .map(|d| args.into.join(&d.rel_path))
        .collect();
    if !args.force {
        let existing: Vec<&PathBuf> = targets.iter().filter(|t| t.exists()).collect();
        if let Some(first) = existing.first() {
            pb.finish_and_clear();
            return Err(ExitError::input(format!(
                "{} of the {} documents already exist (first: {}); nothing was written; use --force to overwrite them",
                existing.len(),
                targets.len(),
                first.display()
            )));
        }
    }
    create_into(&args.into)?;
    for (doc, target) in imp.docs.iter().zip(&targets) {
        write(target, &doc.markdown)?;
    }
    pb.inc(1);
    pb.finish_and_clear();

    let html_of: HashMap<String, &str> = files
        .iter()
        .map(|(p, _)| (dropin::md_path(p), p.as_str()))
        .filter(|(_, p)| dropin::is_html(Path::new(p)))
        .collect();
    let mut report = Vec::new();
    let errors = unreadable.len() + imp.problems.len();
    for (path, reason) in &unreadable {
        report.push(diag(Level::Error, path, reason.clone()));
    }
    for p in &imp.problems {
        let path = args.dir.join(&p.path).display().to_string();
        report.push(diag(Level::Error, &path, p.reason.clone()));
    }
    let mut warnings = imp.warnings.len();
    for w in &imp.warnings {
        report.push(warn(&shown, dropin::warning_text(w, None)));
    }
    for doc in &imp.docs {
        let rel = html_of.get(&doc.rel_path).copied();
        let path = match rel {
            Some(r) => args.dir.join(r).display().to_string(),
            None => shown.clone(),
        };
        for w in &doc.warnings {
            warnings += 1;
            report.push(warn(&path, dropin::warning_text(w, rel)));
        }
    }
    if !args.quiet {
        let skipped = if imp.skipped.is_empty() {
            String::new()
        } else {
            let mut names: Vec<&str> = imp.skipped.iter().take(4).map(String::as_str).collect();
            if imp.skipped.len() > 4 {
                names.push("…");
            }
            format!(
                ", {} skipped (not documentation: {})",
                imp.skipped.len(),
                names.join(", ")
            )
        };
        eprintln!(
            "{shown} ({:?}) -> {}: {html_in} HTML pages in, {} documents out{skipped}, {:.1}% distinct titles, {warnings} warnings, {errors} errors, {:.2} s",
            imp.flavor,
            args.into.display(),
            imp.docs.len(),
            imp.distinct_title_share() * 100.0,
            start.elapsed().as_secs_f64()
        );
    }
    report.iter().for_each(|l| eprintln!("{l}"));
    if errors > 0 {
        return Err(ExitError::input(format!(
            "{shown}: {errors} files could not be imported as they are (listed above); the rest was written"
        )));
    }
    Ok(())
}
