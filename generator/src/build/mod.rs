//! The build pipeline: load → (render ∥ index) → write → publish.
//!
//! - [`load`] reads the theme and the content tree into the content model,
//!   which keeps a summary of each document, not its parse;
//! - rendering ([`crate::render`], HTML only) and the machine-readable files
//!   ([`files`]) run per document in parallel, each document parsed again
//!   and dropped once its files and search records are out, with the search
//!   index ([`index`]) on its own thread, fed through a bounded queue;
//! - [`write`] puts every file into a staging directory on one thread;
//! - [`publish`] holds the build lock and swaps the finished site into place.
//!
//! A [`Memo`] carries parsed documents and per-document output from one
//! build to the next in the same process (`serve --watch`): documents whose
//! inputs did not change are neither parsed nor rendered again, and their
//! files are linked from the published site. The output is the same bytes a
//! full build writes.

pub mod files;
pub mod index;
pub mod load;
pub mod publish;
pub mod spill;
pub mod write;

pub use load::cache_dir;
pub use write::OutputReport;

use crate::config::Config;
use crate::content::document::ParsedDoc;
use crate::content::{self, DocRef, LoadReport, ParseCache};
use crate::diag::{Diagnostic, Level, Sink as Diagnostics};
use crate::render::{self, views, Renderer};
use crate::ExitError;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use load::Loaded;
use publish::{BuildLock, LockError, Staging};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use write::{Writer, Written};

/// Everything a build produced, for the summary and for callers such as `serve`.
#[derive(Debug)]
pub struct BuildOutcome {
    pub out: PathBuf,
    pub load: LoadReport,
    pub output: OutputReport,
    pub counts: content::Counts,
    pub diagnostics: Vec<Diagnostic>,
    pub elapsed: Duration,
    /// Documents whose files were taken from the previous build unchanged.
    pub reused: usize,
    /// Documents parsed by this build (the others came parsed from the
    /// previous build of the same process).
    pub parsed: usize,
    /// Bytes of the search index that went to a temporary file because
    /// they exceeded the memory budget.
    pub spilled: u64,
    /// Chunks the index analysed (tokenized, embedded) again and those it
    /// took from the previous build, when there was one.
    pub index: Option<mcdewey_search_core::AnalysisCounts>,
    /// What the teacher step did (`search.teacher`), when configured.
    pub teacher: Option<crate::teacher::TeacherCounts>,
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
        if self.reused > 0 {
            s.push_str(&format!(
                "Parsed {} and rendered {} documents; {} unchanged ones kept\n",
                self.parsed,
                self.counts.documents - self.reused,
                self.reused
            ));
        }
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
        if let Some(t) = &self.teacher {
            s.push_str(&format!(
                "Teacher vectors: {} chunks embedded, {} from the cache\n",
                t.embedded, t.cached
            ));
        }
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
        if let Some(a) = self.index.filter(|a| a.reused > 0) {
            s.push_str(&format!(
                "Search index: analysed {} chunks, {} unchanged ones kept; {} vectors made\n",
                a.analysed, a.reused, a.embedded
            ));
        }
        if self.spilled > 0 {
            s.push_str(&format!(
                "Search index: {:.1} MB kept on disk to stay within the memory budget\n",
                self.spilled as f64 / 1e6
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

/// What a build leaves for the next build of the same process.
#[derive(Debug, Default)]
pub struct Memo {
    parse: Arc<ParseCache>,
    /// Per document directory: its output at the last publish.
    documents: HashMap<String, DocOutput>,
    /// Where that output was published.
    site: Option<PathBuf>,
    /// Chunk texts and analysis for the search index.
    index: index::IndexMemo,
    /// Removes the site the last build replaced, off the rebuild's path;
    /// joined before the next build takes the lock.
    removing: Option<std::thread::JoinHandle<()>>,
}

/// A document's files and the digest of every input they came from.
#[derive(Debug, Clone)]
struct DocOutput {
    key: [u8; 32],
    /// The digest its `document.json` carries, for `library.json`.
    digest: String,
    files: Vec<Written>,
    page_views: usize,
    chunk_views: usize,
}

impl Memo {
    /// The output of the document at `dir` from the site published at
    /// `out`, when it came from the same inputs and is still there whole.
    fn reusable(&self, out: &Path, dir: &str, key: &[u8; 32]) -> Option<&DocOutput> {
        if self.site.as_deref() != Some(out) {
            return None;
        }
        let prev = self.documents.get(dir).filter(|p| &p.key == key)?;
        prev.files
            .iter()
            .all(|w| {
                std::fs::symlink_metadata(out.join(&w.rel))
                    .is_ok_and(|m| m.is_file() && m.len() == w.len)
            })
            .then_some(prev)
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

/// Builds `content` into `out`. Input problems are diagnostics, not errors;
/// an `Err` means the build could not run at all.
pub fn build(
    content: &Path,
    out: &Path,
    config: &Config,
    quiet: bool,
) -> Result<BuildOutcome, ExitError> {
    build_with(content, out, config, quiet, None)
}

/// [`build`], reusing and then updating what `memo` holds from the previous
/// build of this process.
pub fn build_with(
    content_dir: &Path,
    out: &Path,
    config: &Config,
    quiet: bool,
    mut memo: Option<&mut Memo>,
) -> Result<BuildOutcome, ExitError> {
    let start = Instant::now();
    if let Some(h) = memo.as_deref_mut().and_then(|m| m.removing.take()) {
        // A panic there only left a directory the lock holder cleans up.
        let _ = h.join();
    }
    // Before anything is read or written: a second build into the same
    // directory stops here, touching nothing.
    let lock = BuildLock::acquire(out).map_err(|e| match e {
        LockError::Held { .. } => ExitError::usage(e.into()),
        LockError::Io(e) => ExitError::io(e),
    })?;
    let diagnostics = Diagnostics::default();
    let lock_shown = lock.path().display().to_string();
    for note in publish::clean_leftovers(out, &lock).map_err(ExitError::io)? {
        diagnostics.warn(&lock_shown, None, note);
    }
    // A teacher that cannot be read stops the build before anything is
    // written.
    let teacher = match &config.teacher {
        Some(dir) => Some(crate::teacher::Teacher::load(dir).map_err(ExitError::usage)?),
        None => None,
    };
    let teacher_cache = cache_dir(config, out);
    let loading = progress_bar(quiet, 0, "loading");
    let loaded = load::run(
        content_dir,
        out,
        config,
        memo.as_ref().map(|m| m.parse.clone()),
        &diagnostics,
        &|| loading.inc(1),
    )?;
    loading.finish_and_clear();
    let parsed = match &memo {
        Some(m) => m.parse.take_counts().1,
        None => loaded.report.documents,
    };
    tracing::info!(elapsed = ?start.elapsed(), "content loaded");
    let counts = loaded.catalog.counts();
    let renderer =
        Renderer::new(&loaded.catalog, config, &loaded.theme).map_err(ExitError::usage)?;
    publish::check_out_dir(out).map_err(ExitError::usage)?;
    // Removed when dropped: a failed build leaves no staging directory.
    let staging = Staging::create(out, &lock).map_err(ExitError::io)?;
    let writing = progress_bar(quiet, counts.documents as u64, "writing");
    let stage = Stage {
        loaded: &loaded,
        config,
        renderer: &renderer,
        previous: memo.as_deref().map(|m| (m, out)),
        record: memo.is_some(),
        settings: settings_digest(config, &loaded.theme),
        teacher: teacher.as_ref().map(|t| (t, teacher_cache.as_path())),
    };
    let (output, documents, built) = stage
        .run(staging.path(), &|| writing.inc(1))
        .map_err(ExitError::io)?;
    writing.finish_and_clear();
    tracing::debug!(elapsed = ?start.elapsed(), "staged");
    let old = publish::swap(staging.path(), out).map_err(ExitError::io)?;
    drop(staging);
    let removing = match old {
        // The rebuilt site is in place: a watching server shows it while
        // the replaced one is removed.
        Some(old) if memo.is_some() => Some(std::thread::spawn(move || {
            if let Err(e) = std::fs::remove_dir_all(&old) {
                tracing::warn!(path = %old.display(), error = %e, "cannot remove the previous site");
            }
        })),
        Some(old) => {
            std::fs::remove_dir_all(&old).map_err(|e| {
                ExitError::io(anyhow::anyhow!("cannot remove {}: {e}", old.display()))
            })?;
            None
        }
        None => None,
    };
    drop(lock);
    let reused = documents.values().filter(|d| d.1).count();
    if let Some(m) = memo {
        m.removing = removing;
        m.documents = documents.into_iter().map(|(k, (d, _))| (k, d)).collect();
        m.site = Some(out.to_path_buf());
        m.index.texts = built.texts.unwrap_or_default();
    }
    tracing::info!(elapsed = ?start.elapsed(), "site written");
    Ok(BuildOutcome {
        out: out.to_path_buf(),
        load: loaded.report,
        output,
        counts,
        diagnostics: diagnostics.into_sorted(),
        elapsed: start.elapsed(),
        reused,
        parsed,
        spilled: built.spilled,
        index: built.analysis,
        teacher: built.teacher,
    })
}

/// The config and the theme's templates, as the pages of every document
/// depend on them.
fn settings_digest(config: &Config, theme: &render::theme::Theme) -> [u8; 32] {
    let mut h = Sha256::new();
    feed(&mut h, format!("{config:?}").as_bytes());
    for (name, src) in &theme.templates {
        feed(&mut h, name.as_bytes());
        feed(&mut h, src.as_bytes());
    }
    h.finalize().into()
}

fn feed(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// Everything a document's files are made from: the settings, where the
/// other documents' pages are (for links), its place in the library and
/// its own text.
fn document_key(
    settings: &[u8; 32],
    links: &[u8; 32],
    d: &DocRef<'_>,
    parsed: &ParsedDoc,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(settings);
    h.update(links);
    let (p, v, s, doc) = (d.product, d.version, d.doc_set, d.doc);
    for part in [
        &p.id,
        &p.name,
        &p.vendor,
        &v.id,
        &s.id,
        &s.title,
        &doc.id,
        &doc.title,
        &doc.source,
    ] {
        feed(&mut h, part.as_bytes());
    }
    feed(
        &mut h,
        doc.description.as_deref().unwrap_or("\0").as_bytes(),
    );
    for page in &parsed.pages {
        feed(&mut h, page.markdown.as_bytes());
    }
    h.finalize().into()
}

/// Records what a document's rendering writes, for the next build.
struct Recorder<'a> {
    sink: &'a write::Batch<'a>,
    files: Mutex<Vec<Written>>,
}

impl render::Sink for Recorder<'_> {
    fn put(&self, rel: String, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.files.lock().expect("file list").push(Written {
            rel: rel.clone(),
            len: bytes.len() as u64,
        });
        self.sink.put(rel, bytes)
    }
}

/// Documents whose search records may wait for the index at once: enough
/// to keep the index busy, few enough not to matter beside the budget.
const INDEX_QUEUE: usize = 16;

/// One document's output in this build, and whether it was reused.
type DocResult = (DocOutput, bool);

struct Stage<'a> {
    loaded: &'a Loaded,
    config: &'a Config,
    renderer: &'a Renderer<'a>,
    previous: Option<(&'a Memo, &'a Path)>,
    record: bool,
    settings: [u8; 32],
    /// The teacher and its cache folder (`search.teacher`).
    teacher: Option<(&'a crate::teacher::Teacher, &'a Path)>,
}

impl Stage<'_> {
    /// Render ∥ index, then the library-wide files; everything through one
    /// writer into `staging`.
    fn run(
        &self,
        staging: &Path,
        progress: &(dyn Fn() + Sync),
    ) -> anyhow::Result<(OutputReport, HashMap<String, DocResult>, index::Built)> {
        let (writer, threads) = Writer::start(staging);
        let produced = self.produce(&writer, &spill::spill_dir(staging), progress);
        let report = writer.report();
        drop(writer);
        // A write error is the root cause when both fail (the producers only
        // see a closed channel).
        threads.join()?;
        let (documents, built) = produced?;
        let (page_views, chunk_views) = documents.values().fold((0, 0), |(p, c), (d, _)| {
            (p + d.page_views, c + d.chunk_views)
        });
        Ok((
            OutputReport {
                page_views,
                chunk_views,
                ..report
            },
            documents,
            built,
        ))
    }

    /// Documents are parsed, rendered and handed to the index one at a
    /// time on the worker threads; the index gathers their chunks on a
    /// thread of its own. Both queues (to the index and to the writer) are
    /// bounded, so a slow consumer holds the producers back instead of
    /// letting finished documents pile up.
    fn produce(
        &self,
        writer: &Writer,
        spill_dir: &Path,
        progress: &(dyn Fn() + Sync),
    ) -> anyhow::Result<(HashMap<String, DocResult>, index::Built)> {
        let catalog = &self.loaded.catalog;
        let docs: Vec<DocRef<'_>> = catalog.documents().collect();
        let links = self.renderer.links_digest();
        let memo = self.previous.map(|(memo, _)| &memo.index);
        let texts = memo.map(|m| &m.texts);
        let (to_index, from_docs) = std::sync::mpsc::sync_channel::<index::DocInputs>(INDEX_QUEUE);
        let (documents, index) = std::thread::scope(|scope| {
            let index = scope.spawn(|| {
                let t = Instant::now();
                let model = self.config.semantic.then_some(self.config.model);
                let opts = index::options(model, &self.config.synonyms, catalog)?;
                let budget = index::Budget {
                    bytes: self.config.memory_budget,
                    spill_dir,
                };
                let singles = write::Singles::new(writer);
                let inlinks = self.renderer.inlinks(catalog);
                let documents = from_docs.into_iter().map(|mut d| {
                    index::set_inlinks(&mut d.chunks, &inlinks);
                    d
                });
                let built = index::build_with(
                    documents,
                    catalog,
                    opts,
                    self.teacher,
                    memo,
                    &budget,
                    |path, bytes| {
                        write::index_file(&singles, self.config.offline_search, &path, bytes)
                    },
                )
                .and_then(|built| singles.finish().map(|()| built));
                tracing::info!(elapsed = ?t.elapsed(), "search index built");
                built
            });
            // One pass: each document is parsed once, its search records go
            // to the index's queue and its files to the writer, so the
            // index works while pages are written.
            let t = Instant::now();
            // One document per piece of work: the last documents are shared
            // by both cores instead of a long run left to one.
            let documents = docs
                .par_iter()
                .with_max_len(1)
                .map_with(to_index, |to_index, d| {
                    let parsed = d.parse()?;
                    let (dir, result, rendered) = self.document(d, &parsed, &links, writer)?;
                    to_index
                        .send(index::document_inputs(d, &parsed, rendered, texts))
                        .map_err(|_| anyhow::anyhow!("the index builder stopped"))?;
                    progress();
                    Ok((dir, result))
                })
                .collect::<anyhow::Result<HashMap<String, DocResult>>>();
            tracing::debug!(elapsed = ?t.elapsed(), "documents rendered or reused");
            // The senders are gone with the pass, which ends the index's
            // input. The library's pages need only the documents: they are
            // made while the index is built, not after it.
            let documents = documents.and_then(|documents| {
                self.library(&documents, writer)?;
                Ok(documents)
            });
            let index = index
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the index builder panicked")));
            (documents, index)
        });
        // An index error is the root cause when both fail (the documents
        // only see a closed queue).
        let built = index?;
        Ok((documents?, built))
    }

    /// The library's pages and files (home and navigation pages, theme
    /// files, `library.json`, the sitemap), from the documents' outputs.
    fn library(
        &self,
        documents: &HashMap<String, DocResult>,
        writer: &Writer,
    ) -> anyhow::Result<()> {
        let catalog = &self.loaded.catalog;
        let t = Instant::now();
        let vendors = views::library_view(catalog, &|dir| {
            documents
                .get(dir)
                .map(|(out, _)| out.digest.clone())
                .unwrap_or_default()
        });
        self.renderer
            .library_pages(&vendors, catalog.counts(), writer)?;
        write::theme_files(writer, &self.loaded.theme, self.config.offline_search)?;
        files::library_files(catalog, vendors, self.config, writer)?;
        let prefix = format!(
            "{}{}",
            self.config.site_url.as_deref().unwrap_or(""),
            self.config.base_path
        );
        write::write_sitemap(writer, &prefix)?;
        tracing::debug!(elapsed = ?t.elapsed(), "library pages and files");
        Ok(())
    }

    /// A document's HTML and data files, or the same files from the previous
    /// build when nothing they depend on changed; with its chunks' texts
    /// when it was rendered.
    fn document(
        &self,
        d: &DocRef<'_>,
        parsed: &ParsedDoc,
        links: &[u8; 32],
        writer: &Writer,
    ) -> anyhow::Result<(String, DocResult, Option<Vec<String>>)> {
        let dir = d.dir();
        let key = if self.record {
            document_key(&self.settings, links, d, parsed)
        } else {
            [0; 32]
        };
        if let Some((memo, out)) = self.previous {
            if let Some(prev) = memo.reusable(out, &dir, &key) {
                for w in &prev.files {
                    writer.reuse(w, out)?;
                }
                return Ok((dir, (prev.clone(), true), None));
            }
        }
        let batch = write::Batch::new(writer);
        let (rendered, digest, files) = if self.record {
            let rec = Recorder {
                sink: &batch,
                files: Mutex::new(Vec::new()),
            };
            let rendered = self.renderer.document(d, parsed, &rec)?;
            let digest = files::document_files(d, parsed, &rec)?;
            (rendered, digest, rec.files.into_inner().expect("file list"))
        } else {
            let rendered = self.renderer.document(d, parsed, &batch)?;
            let digest = files::document_files(d, parsed, &batch)?;
            (rendered, digest, Vec::new())
        };
        batch.finish()?;
        let output = DocOutput {
            key,
            digest,
            files,
            page_views: rendered.page_views,
            chunk_views: rendered.chunk_views,
        };
        Ok((dir, (output, false), Some(rendered.texts)))
    }
}
