//! Loading a content tree. The walk is sequential (cheap); reading and parsing
//! documents runs in parallel. Every file the walk sees is either loaded as a
//! document or counted in [`LoadReport::skipped`] with a diagnostic. PDFs and
//! HTML doc sets in the tree are converted first (see [`super::dropin`]).

use super::cache::ParseCache;
use super::document::{self, ChunkingOptions};
use super::dropin::{self, HtmlSetInput, ImportStats, Importer};
use super::frontmatter;
use super::{
    natural_cmp, sanitize_id, title_from_id, Body, Catalog, DocSet, Document, Product, Version,
};
use crate::diag::{Sink, Skip};
use anyhow::Context as _;
use mcdewey_search_core::names::MAX_PRODUCT_NAMES;
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub chunking: ChunkingOptions,
    /// Cache for converted PDF/HTML drop-ins; `None` converts every time.
    pub cache_dir: Option<PathBuf>,
    /// Directories outside the content root that symlinks may lead to.
    pub symlink_roots: Vec<PathBuf>,
    /// The build's output directory: never read as content, even when it
    /// lies inside the tree.
    pub output: Option<PathBuf>,
    /// Documents parsed by an earlier load of the same process (watch mode).
    pub parse_cache: Option<std::sync::Arc<ParseCache>>,
}

#[derive(Debug, Default, Clone)]
pub struct LoadReport {
    /// Files (and unreadable entries) the walk met.
    pub files_seen: usize,
    /// Files loaded as documents.
    pub documents: usize,
    /// Product metadata files read.
    pub metadata_files: usize,
    pub skipped: BTreeMap<Skip, usize>,
    /// PDF and HTML drop-ins: how many, converted or from the cache.
    pub imports: ImportStats,
}

impl LoadReport {
    fn skip(&mut self, why: Skip) {
        *self.skipped.entry(why).or_default() += 1;
    }

    /// Every file seen is accounted for exactly once.
    pub fn is_balanced(&self) -> bool {
        self.files_seen
            == self.documents + self.metadata_files + self.skipped.values().sum::<usize>()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ProductMeta {
    vendor: Option<String>,
    name: Option<String>,
    /// Other names users call the product by ("pwsh"), for search.
    aliases: Vec<String>,
    description: Option<String>,
    versions: Vec<String>,
    current: Option<String>,
    doc_sets: BTreeMap<String, String>,
}

struct Candidate {
    path: PathBuf,
    display: String,
    source: String,
    product: String,
    version: String,
    doc_set: String,
    doc: String,
    /// Markdown converted from a PDF or HTML page at `path`; `None` for
    /// Markdown files, which are read from `path`.
    imported: Option<String>,
    /// What makes the doc set: the file itself (`5.0/faq.md`) or its
    /// directory (`5.0/faq/`). Two different ones may not share an id.
    set_origin: String,
}

/// A walk result waiting for conversion (drop-ins) or parsing.
enum Item {
    Markdown(Candidate),
    Pdf(Candidate),
    Html {
        parts: Vec<String>,
        set: HtmlSetInput,
    },
}

pub const PRODUCT_META: &str = "product.toml";

fn is_markdown(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

fn display(root: &Path, rel: &Path) -> String {
    root.join(rel).display().to_string()
}

/// (doc set, document) ids of the file at `parts` (at least three segments).
fn ids(parts: &[String]) -> (String, String) {
    let stem_of = |s: &str| {
        Path::new(s)
            .file_stem()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    if parts.len() == 3 {
        // A file directly in a version directory is a one-document doc set.
        let id = sanitize_id(&stem_of(&parts[2]));
        (id.clone(), id)
    } else {
        let mut segs: Vec<String> = parts[3..parts.len() - 1]
            .iter()
            .map(|s| sanitize_id(s))
            .collect();
        segs.push(sanitize_id(&stem_of(&parts[parts.len() - 1])));
        (sanitize_id(&parts[2]), segs.join("/"))
    }
}

fn candidate(root: &Path, parts: Vec<String>, path: PathBuf) -> Candidate {
    let (doc_set, doc) = ids(&parts);
    let set_origin = if parts.len() == 3 {
        display(root, &parts.iter().collect::<PathBuf>())
    } else {
        format!(
            "{}{}",
            display(root, &parts[..3].iter().collect::<PathBuf>()),
            std::path::MAIN_SEPARATOR
        )
    };
    Candidate {
        path,
        set_origin,
        display: display(root, &parts.iter().collect::<PathBuf>()),
        source: parts.join("/"),
        product: sanitize_id(&parts[0]),
        version: sanitize_id(&parts[1]),
        doc_set,
        doc,
        imported: None,
    }
}

/// Loads the library below `root`. `progress` is called once per document.
pub fn load(
    root: &Path,
    opts: &LoadOptions,
    sink: &Sink,
    progress: &(dyn Fn() + Sync),
) -> anyhow::Result<(Catalog, LoadReport)> {
    if !root.is_dir() {
        anyhow::bail!(
            "content directory {} does not exist or is not a directory",
            root.display()
        );
    }
    let mut report = LoadReport::default();
    let mut items: Vec<Item> = Vec::new();
    let mut metas: BTreeMap<String, ProductMeta> = BTreeMap::new();
    let roots = Roots::new(root, opts)?;

    // Links are followed by the walk so linked directories are walked, but
    // each link is checked first and one leading out of the allowed roots is
    // never entered or read.
    let mut walk = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                report.files_seen += 1;
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| root.display().to_string());
                if let Some(target) = e.path().and_then(dangling_target) {
                    report.skip(Skip::Link);
                    sink.warn(
                        &path,
                        None,
                        format!("dangling symlink: its target {target} does not exist; skipped"),
                    );
                    continue;
                }
                report.skip(Skip::Failed);
                match e.loop_ancestor() {
                    Some(anc) => sink.error(
                        &path,
                        None,
                        format!(
                            "symlink loop: this link leads back to {}; skipped",
                            anc.display()
                        ),
                    ),
                    None => sink.error(&path, None, format!("cannot read: {}", io_reason(&e))),
                }
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(root)
            .unwrap_or(entry.path())
            .to_path_buf();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            report.files_seen += 1;
            report.skip(Skip::Hidden);
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
            continue;
        }
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().to_string())
            .collect();
        let shown = display(root, &rel);
        let mut path = entry.path().to_path_buf();
        if entry.path_is_symlink() {
            match roots.check_link(entry.path()) {
                Ok(real) => path = real,
                Err(problem) => {
                    report.files_seen += 1;
                    report.skip(Skip::Link);
                    sink.error(&shown, None, problem);
                    if entry.file_type().is_dir() {
                        walk.skip_current_dir();
                    }
                    continue;
                }
            }
        }
        if entry.file_type().is_dir() {
            if let Some(why) = roots.built_site(&path) {
                report.files_seen += 1;
                report.skip(Skip::BuiltSite);
                sink.warn(&shown, None, format!("{why}; never content, skipped"));
                walk.skip_current_dir();
                continue;
            }
        } else if !entry.file_type().is_file() {
            report.files_seen += 1;
            report.skip(Skip::NotRegular);
            sink.warn(
                &shown,
                None,
                "not a regular file (a FIFO, socket or device); skipped",
            );
            continue;
        }
        if entry.file_type().is_dir() {
            // A doc-set directory with an index.html is an HTML doc set; its
            // pages are imported together (reading order and links span them).
            if parts.len() == 3 && entry.path().join("index.html").is_file() {
                items.push(Item::Html {
                    parts,
                    set: HtmlSetInput {
                        dir: entry.path().to_path_buf(),
                        display: shown,
                        pages: Vec::new(),
                        assets: Vec::new(),
                    },
                });
            }
            continue;
        }
        report.files_seen += 1;
        // The walk is depth-first, so while inside an HTML set it is the last item.
        if let Some(Item::Html { set, .. }) = items.last_mut() {
            if let Ok(in_set) = entry.path().strip_prefix(&set.dir) {
                let in_set: Vec<String> = in_set
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().to_string())
                    .collect();
                let pair = (in_set.join("/"), entry.path().to_path_buf());
                if dropin::is_html(&rel) {
                    set.pages.push(pair);
                } else if is_markdown(&rel) || dropin::is_pdf(&rel) {
                    set.assets.push(pair);
                    report.skip(Skip::OutsideLayout);
                    sink.warn(
                        &shown,
                        None,
                        "inside an HTML doc set (its directory has an index.html), where only HTML pages are documents; skipped",
                    );
                } else {
                    set.assets.push(pair);
                    report.skip(Skip::NotMarkdown);
                }
                continue;
            }
        }
        if parts.len() == 2 && parts[1] == PRODUCT_META {
            report.metadata_files += 1;
            let product = sanitize_id(&parts[0]);
            metas.insert(product, read_meta(&path, &shown, sink));
            continue;
        }
        let pdf = dropin::is_pdf(&rel);
        if !is_markdown(&rel) && !pdf {
            report.skip(Skip::NotMarkdown);
            continue;
        }
        if parts.len() < 3 {
            report.skip(Skip::OutsideLayout);
            sink.warn(
                &shown,
                None,
                "outside the layout: documents live at product/version/doc-set/document.md; skipped",
            );
            continue;
        }
        let c = candidate(root, parts, path);
        items.push(if pdf { Item::Pdf(c) } else { Item::Markdown(c) });
    }

    // Drop-ins are converted in parallel; the order of `items` (path order)
    // is kept, so the first file to claim an id still wins.
    let importer = Importer::new(opts.cache_dir.clone());
    // An HTML set names itself (its pages' common site name); that beats a
    // title made from its directory name ("html").
    let set_titles: std::sync::Mutex<BTreeMap<(String, String, String), String>> =
        Default::default();
    let resolved: Vec<Vec<Result<Candidate, Skip>>> = items
        .into_par_iter()
        .map(|item| match item {
            Item::Markdown(c) => vec![Ok(c)],
            Item::Pdf(mut c) => match importer.pdf(&c.path, &c.display, sink) {
                Some(md) => {
                    c.imported = Some(md);
                    vec![Ok(c)]
                }
                None => vec![Err(Skip::Failed)],
            },
            Item::Html { parts, set } => {
                let out = importer.html_set(&set, sink);
                if let Some(t) = &out.title {
                    let key = (
                        sanitize_id(&parts[0]),
                        sanitize_id(&parts[1]),
                        sanitize_id(&parts[2]),
                    );
                    set_titles
                        .lock()
                        .expect("set titles")
                        .insert(key, t.clone());
                }
                let mut v: Vec<Result<Candidate, Skip>> = out
                    .docs
                    .into_iter()
                    .map(|(rel, md)| {
                        let mut p = parts.clone();
                        p.extend(rel.split('/').map(str::to_string));
                        let mut c = candidate(root, p, set.dir.join(&rel));
                        c.imported = Some(md);
                        Ok(c)
                    })
                    .collect();
                v.extend((0..out.not_content).map(|_| Err(Skip::NotContent)));
                v.extend((0..out.failed).map(|_| Err(Skip::Failed)));
                v
            }
        })
        .collect();
    report.imports = importer.finish();
    let mut candidates = Vec::new();
    for r in resolved.into_iter().flatten() {
        match r {
            Ok(c) => candidates.push(c),
            Err(why) => report.skip(why),
        }
    }

    let parsed: Vec<(Candidate, Result<Document, Skip>)> = candidates
        .into_par_iter()
        .map(|mut c| {
            let r = read_document(&mut c, opts, sink);
            progress();
            (c, r)
        })
        .collect();

    // Assemble the tree; the first file (in path order) to claim an id wins.
    type Key = (String, String, String, String);
    let mut docs: BTreeMap<Key, (Document, String)> = BTreeMap::new();
    let mut set_origins: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for (c, r) in parsed {
        match r {
            Ok(doc) => {
                let key = (
                    c.product.clone(),
                    c.version.clone(),
                    c.doc_set.clone(),
                    c.doc.clone(),
                );
                let set_key = (c.product.clone(), c.version.clone(), c.doc_set.clone());
                let origin = set_origins.get(&set_key).filter(|o| **o != c.set_origin);
                if let (None, Some(other)) = (docs.get(&key), origin) {
                    // `faq.md` beside `faq/`: one doc set id, two sources.
                    report.skip(Skip::Failed);
                    sink.error(
                        &c.display,
                        None,
                        format!(
                            "doc-set id `{}` is also used by {other}; skipped",
                            c.doc_set
                        ),
                    );
                } else if let Some((_, first)) = docs.get(&key) {
                    report.skip(Skip::Failed);
                    sink.error(
                        &c.display,
                        None,
                        format!(
                            "duplicate id {}::{}::{}::{}: {} already has it; skipped",
                            c.product, c.version, c.doc_set, c.doc, first
                        ),
                    );
                } else {
                    report.documents += 1;
                    set_origins.entry(set_key).or_insert(c.set_origin);
                    docs.insert(key, (doc, c.display));
                }
            }
            Err(why) => report.skip(why),
        }
    }

    let mut tree: BTreeMap<String, BTreeMap<String, BTreeMap<String, Vec<Document>>>> =
        BTreeMap::new();
    for ((p, v, s, _), (doc, _)) in docs {
        tree.entry(p)
            .or_default()
            .entry(v)
            .or_default()
            .entry(s)
            .or_default()
            .push(doc);
    }
    let set_titles = set_titles.into_inner().expect("set titles");
    let mut products = Vec::new();
    for (pid, versions) in tree {
        let meta = metas.remove(&pid).unwrap_or_default();
        let meta_path = display(root, &Path::new(&pid).join(PRODUCT_META));
        let name = meta.name.clone().unwrap_or_else(|| title_from_id(&pid));
        let mut version_list: Vec<Version> = versions
            .into_iter()
            .map(|(vid, sets)| Version {
                doc_sets: sets
                    .into_iter()
                    .map(|(sid, mut documents)| {
                        documents.sort_by(doc_order);
                        DocSet {
                            title: meta
                                .doc_sets
                                .get(&sid)
                                .or_else(|| {
                                    set_titles.get(&(pid.clone(), vid.clone(), sid.clone()))
                                })
                                .cloned()
                                .unwrap_or_else(|| title_from_id(&sid)),
                            id: sid,
                            documents,
                        }
                    })
                    .collect(),
                id: vid,
            })
            .collect();
        order_versions(&mut version_list, &meta, &meta_path, sink);
        let aliases = checked_aliases(&meta.aliases, &meta_path, sink);
        products.push(Product {
            aliases,
            vendor: meta.vendor.clone().unwrap_or_else(|| name.clone()),
            name,
            description: meta.description.clone(),
            versions: version_list,
            id: pid,
        });
    }
    for (pid, _) in metas {
        sink.warn(
            &display(root, &Path::new(&pid).join(PRODUCT_META)),
            None,
            "product has no documents",
        );
    }
    products.sort_by(|a, b| {
        a.vendor
            .to_lowercase()
            .cmp(&b.vendor.to_lowercase())
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.id.cmp(&b.id))
    });
    if let Some(cache) = &opts.parse_cache {
        cache.sweep();
    }
    Ok((Catalog { products }, report))
}

/// Where content may come from: the content root and `symlink_roots`, all
/// resolved; and what is never content: the output directory.
struct Roots {
    allowed: Vec<PathBuf>,
    output: Option<PathBuf>,
}

impl Roots {
    fn new(root: &Path, opts: &LoadOptions) -> anyhow::Result<Roots> {
        let resolve = |p: &Path, what: &str| {
            std::fs::canonicalize(p).with_context(|| format!("{what} {}", p.display()))
        };
        let mut allowed = vec![resolve(root, "content directory")?];
        for r in &opts.symlink_roots {
            allowed.push(resolve(r, "content.symlink_roots entry")?);
        }
        let output = opts
            .output
            .as_deref()
            .and_then(|o| std::fs::canonicalize(o).ok());
        Ok(Roots { allowed, output })
    }

    /// The resolved location of the symlink at `link`, if it lies inside an
    /// allowed root; otherwise a message naming link target and roots.
    fn check_link(&self, link: &Path) -> Result<PathBuf, String> {
        let target = std::fs::read_link(link)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        match std::fs::canonicalize(link) {
            Ok(real) if self.allowed.iter().any(|r| real.starts_with(r)) => Ok(real),
            Ok(real) => Err(format!(
                "symlink to {target} (resolved: {}) leads outside the content directory; not followed (allow a directory with [content] symlink_roots in mcdewey.toml)",
                real.display()
            )),
            Err(e) => Err(format!("symlink to {target} cannot be resolved: {e}; skipped")),
        }
    }

    /// Why the directory at `dir` is a built site and not content, if it is.
    fn built_site(&self, dir: &Path) -> Option<&'static str> {
        if dir.join(crate::site::MARKER).is_file() {
            return Some("a built McDewey site (it has the site marker)");
        }
        let out = self.output.as_ref()?;
        let real = std::fs::canonicalize(dir).ok()?;
        (&real == out).then_some("the build's output directory")
    }
}

/// The target of a symlink at `path` that points at nothing.
fn dangling_target(path: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let missing =
        matches!(std::fs::metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
    if !meta.file_type().is_symlink() || !missing {
        return None;
    }
    std::fs::read_link(path)
        .ok()
        .map(|t| t.display().to_string())
}

fn io_reason(e: &walkdir::Error) -> String {
    e.io_error()
        .map(|io| io.to_string())
        .unwrap_or_else(|| e.to_string())
}

/// Versions listed in product.toml first, in that order; the rest newest
/// first (see [`super::versions`]); `current` moved to the front.
fn order_versions(versions: &mut Vec<Version>, meta: &ProductMeta, meta_path: &str, sink: &Sink) {
    let listed: Vec<String> = meta.versions.iter().map(|v| sanitize_id(v)).collect();
    let current = meta.current.as_deref().map(sanitize_id);
    for l in listed.iter().chain(&current) {
        if !versions.iter().any(|v| &v.id == l) {
            sink.warn(
                meta_path,
                None,
                format!("version `{l}` is listed but has no documents"),
            );
        }
    }
    let ids: Vec<&str> = versions.iter().map(|v| v.id.as_str()).collect();
    let order = super::versions::order(&ids, &listed, current.as_deref());
    let mut slots: Vec<Option<Version>> = std::mem::take(versions).into_iter().map(Some).collect();
    versions.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// `weight` first, then index pages, then natural order of ids.
fn doc_order(a: &Document, b: &Document) -> std::cmp::Ordering {
    let index = |d: &Document| {
        let last = d.id.rsplit('/').next().unwrap_or("");
        !(last == "_index" || last == "index")
    };
    let wa = a.weight.unwrap_or(i64::MAX);
    let wb = b.weight.unwrap_or(i64::MAX);
    wa.cmp(&wb)
        .then_with(|| index(a).cmp(&index(b)))
        .then_with(|| natural_cmp(&a.id, &b.id))
}

/// The aliases of a product.toml that can name a product in a query: each
/// a non-blank name of at most [`MAX_ALIAS_CHARS`] characters, at most
/// [`MAX_PRODUCT_NAMES`] of them; the rest are reported and dropped.
fn checked_aliases(aliases: &[String], meta_path: &str, sink: &Sink) -> Vec<String> {
    let mut out = Vec::new();
    for a in aliases {
        let a = a.trim();
        if a.is_empty() || a.chars().count() > MAX_ALIAS_CHARS {
            sink.error(
                meta_path,
                None,
                format!("alias {a:?} must be a name of 1 to {MAX_ALIAS_CHARS} characters; ignored"),
            );
        } else if out.len() == MAX_PRODUCT_NAMES {
            sink.error(
                meta_path,
                None,
                format!("more than {MAX_PRODUCT_NAMES} aliases; {a:?} ignored"),
            );
        } else {
            out.push(a.to_string());
        }
    }
    out
}

/// Longest product alias.
const MAX_ALIAS_CHARS: usize = 64;

fn read_meta(path: &Path, shown: &str, sink: &Sink) -> ProductMeta {
    let text = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => {
            sink.error(shown, None, "not valid UTF-8; product metadata ignored");
            return ProductMeta::default();
        }
        Err(e) => {
            sink.error(
                shown,
                None,
                format!("cannot read: {e}; product metadata ignored"),
            );
            return ProductMeta::default();
        }
    };
    match toml::from_str(&text) {
        Ok(m) => m,
        Err(e) => {
            let line = e.span().map(|s| crate::diag::line_at(&text, s.start));
            sink.error(
                shown,
                line,
                format!("{}; product metadata ignored", e.message().trim_end()),
            );
            ProductMeta::default()
        }
    }
}

fn read_document(c: &mut Candidate, opts: &LoadOptions, sink: &Sink) -> Result<Document, Skip> {
    let owned = match c.imported {
        Some(_) => None,
        None => Some(read_text(c, sink)?),
    };
    let text: &str = c
        .imported
        .as_deref()
        .or(owned.as_deref())
        .unwrap_or_default();
    let key = opts
        .parse_cache
        .as_ref()
        .map(|cache| (cache, ParseCache::key(&c.doc, &c.source, text, opts)));
    if let Some((doc, warnings)) = key.as_ref().and_then(|(cache, k)| cache.get(k)) {
        for (line, message) in warnings {
            sink.warn(&c.display, line, message);
        }
        return Ok(doc);
    }
    // What a later load from the cache must report again.
    let mut warnings: Vec<(Option<usize>, String)> = Vec::new();
    // Line numbers of converted Markdown mean nothing in the PDF/HTML named.
    let at = |line: usize| c.imported.is_none().then_some(line);
    let in_converted = if c.imported.is_some() {
        " (in the converted Markdown)"
    } else {
        ""
    };
    if text.trim().is_empty() {
        sink.warn(&c.display, None, "empty document; skipped");
        return Err(Skip::Empty);
    }
    let split = frontmatter::split(text).map_err(|e| {
        sink.error(
            &c.display,
            at(e.line),
            format!("{}{in_converted}", e.message),
        );
        Skip::Failed
    })?;
    if let Some(w) = &split.warning {
        warnings.push((at(w.line), format!("{}{in_converted}", w.message)));
    }
    if split.body.trim().is_empty() {
        sink.warn(
            &c.display,
            None,
            "document has front matter but no content; skipped",
        );
        return Err(Skip::Empty);
    }
    let parsed = document::parse(split.body, split.line_offset, opts.chunking);
    let mut fatal = false;
    for p in &parsed.problems {
        if p.fatal {
            fatal = true;
            sink.error(
                &c.display,
                at(p.line),
                format!("{}{in_converted}; document skipped", p.message),
            );
        } else {
            warnings.push((at(p.line), format!("{}{in_converted}", p.message)));
        }
    }
    for (line, message) in &warnings {
        sink.warn(&c.display, *line, message.clone());
    }
    if fatal {
        return Err(Skip::Failed);
    }
    if parsed.chunks.is_empty() {
        sink.warn(&c.display, None, "document has no text content; skipped");
        return Err(Skip::Empty);
    }
    let stem = c.doc.rsplit('/').next().unwrap_or(&c.doc);
    let title = split
        .front
        .title
        .clone()
        .or_else(|| parsed.h1_title.clone())
        .unwrap_or_else(|| title_from_id(stem));
    let anchors = parsed
        .outline
        .iter()
        .map(|o| {
            let chunk = parsed.chunks.get(o.chunk).map_or(0, |c| c.n);
            (o.id.clone(), parsed.pages[o.page].number, chunk)
        })
        .collect();
    let fragment_links = parsed.fragment_links.clone();
    let (pages, chunks) = (parsed.pages.len(), parsed.chunks.len());
    let (description, weight) = (split.front.description.clone(), split.front.weight);
    let file_digest = owned.as_deref().map(|t| digest(t.as_bytes()));
    // The parse is dropped here unless a parse cache keeps it anyway: the
    // document's files are made from a second parse of the same text.
    let body = if key.is_some() {
        Body::Parsed(std::sync::Arc::new(parsed))
    } else {
        drop(parsed);
        match (c.imported.take(), file_digest) {
            (Some(md), _) => Body::Converted {
                markdown: md.into(),
                chunking: opts.chunking,
            },
            (None, digest) => Body::File {
                path: c.path.clone(),
                display: c.display.clone(),
                digest: digest.unwrap_or_default(),
                chunking: opts.chunking,
            },
        }
    };
    let doc = Document {
        id: c.doc.clone(),
        title,
        description,
        weight,
        source: c.source.clone(),
        pages,
        chunks,
        anchors,
        fragment_links,
        body,
    };
    if let Some((cache, k)) = key {
        cache.insert(k, &doc, warnings);
    }
    Ok(doc)
}

/// What [`Body::File`] checks a file against when it is read again.
pub(super) fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

/// A Markdown file's text; unreadable or non-UTF-8 files are reported.
fn read_text(c: &Candidate, sink: &Sink) -> Result<String, Skip> {
    let bytes = std::fs::read(&c.path).map_err(|e| {
        sink.error(&c.display, None, format!("cannot read: {e}"));
        Skip::Failed
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        let col = valid
            - bytes[..valid]
                .iter()
                .rposition(|&b| b == b'\n')
                .map(|i| i + 1)
                .unwrap_or(0)
            + 1;
        sink.error(
            &c.display,
            Some(line),
            format!("invalid UTF-8 at byte {valid} (column {col}); convert the file to UTF-8"),
        );
        Skip::Failed
    })?;
    Ok(text)
}
