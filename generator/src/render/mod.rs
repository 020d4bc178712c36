//! Rendering the library to a static site with minijinja. Templates see only
//! the view structs built here (never the content model), so the model can
//! change without breaking themes.

mod href;
mod nav;
pub mod theme;

use crate::config::Config;
use crate::content::{DocRef, Library};
use crate::markdown::{self, LinkDefs, RenderCtx};
use anyhow::Context;
use minijinja::{context, Environment, Value};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use theme::Theme;

pub const HEADER: &str = "McDewey — Multi-vendor documentation library";
/// Written into every site so a rebuild may safely replace the directory.
pub const SITE_MARKER: &str = ".mcdewey-site";
/// Sitemap files hold at most this many URLs (sitemaps.org protocol).
const SITEMAP_LIMIT: usize = 50_000;

#[derive(Debug, Default, Clone, Serialize)]
pub struct OutputReport {
    pub files: usize,
    pub bytes: u64,
    pub html_pages: usize,
    pub page_views: usize,
    pub chunk_views: usize,
}

/// Collects rendered files and hands them to one writer thread: parallel
/// file creation in the same directories is several times slower on ext4
/// (measured 2,330 vs 490 pages/s), so rendering is parallel and writing is not.
struct Writer {
    tx: std::sync::mpsc::SyncSender<(String, Vec<u8>)>,
    files: AtomicUsize,
    bytes: AtomicU64,
    html: AtomicUsize,
    urls: std::sync::Mutex<Vec<String>>,
}

impl Writer {
    fn write(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if rel.ends_with(".html") && rel != "404.html" {
            self.html.fetch_add(1, Ordering::Relaxed);
            self.urls.lock().expect("url list").push(rel.to_string());
        }
        self.tx
            .send((rel.to_string(), bytes.to_vec()))
            .map_err(|_| anyhow::anyhow!("the file writer stopped"))
    }
}

/// Writes files as they arrive, creating directories once each.
fn write_files(out: &Path, rx: std::sync::mpsc::Receiver<(String, Vec<u8>)>) -> anyhow::Result<()> {
    let mut made: std::collections::HashSet<PathBuf> = Default::default();
    for (rel, bytes) in rx {
        let path = out.join(&rel);
        if let Some(parent) = path.parent() {
            if !made.contains(parent) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
                made.insert(parent.to_path_buf());
            }
        }
        std::fs::write(&path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// `../` repeated once per directory level of `rel`.
fn root_of(rel: &str) -> String {
    "../".repeat(rel.matches('/').count())
}

fn page_display(number: u32, label: Option<&str>) -> String {
    format!("Page {}", label.unwrap_or(&number.to_string()))
}

#[derive(Serialize, Clone)]
struct Link {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct DocSummary {
    title: String,
    url: String,
    description: Option<String>,
    pages: usize,
    chunks: usize,
}

#[derive(Serialize)]
struct DocSetView {
    id: String,
    title: String,
    url: String,
    documents: Vec<DocSummary>,
    counts: crate::content::Counts,
}

#[derive(Serialize)]
struct VersionView {
    id: String,
    url: String,
    doc_sets: Vec<DocSetView>,
    counts: crate::content::Counts,
}

#[derive(Serialize)]
struct ProductView {
    id: String,
    name: String,
    vendor: String,
    description: Option<String>,
    url: String,
    versions: Vec<VersionView>,
    counts: crate::content::Counts,
}

#[derive(Serialize)]
struct VendorView {
    name: String,
    products: Vec<ProductView>,
}

#[derive(Serialize, Clone)]
struct PageSummary {
    number: u32,
    label: Option<String>,
    display: String,
    title: Option<String>,
    url: String,
    md_url: String,
    chunks: usize,
}

#[derive(Serialize, Clone)]
struct OutlineView {
    level: u8,
    text: String,
    url: String,
    page: String,
}

#[derive(Serialize, Clone)]
struct DocView {
    id: String,
    title: String,
    description: Option<String>,
    url: String,
    source: String,
    vendor: String,
    product: Link,
    version: Link,
    doc_set: Link,
    pages: Vec<PageSummary>,
    outline: Vec<OutlineView>,
    chunks: usize,
    has_markers: bool,
}

#[derive(Serialize)]
struct ChunkView {
    n: u32,
    id: String,
    anchor: String,
    html: String,
    url: String,
    breadcrumb: Vec<String>,
}

/// Machine-readable document data for `/mcp` and for agents on static hosting.
#[derive(Serialize)]
struct DocJson<'a> {
    format: &'static str,
    format_version: u32,
    id: String,
    title: &'a str,
    vendor: &'a str,
    product: &'a str,
    product_name: &'a str,
    version: &'a str,
    doc_set: &'a str,
    doc_set_title: &'a str,
    document: &'a str,
    source: &'a str,
    url: String,
    /// Pages are physical pages (page markers, e.g. from a PDF); otherwise
    /// they are the document's sections and have no printed number to cite.
    paged: bool,
    pages: Vec<PageJson<'a>>,
    outline: Vec<OutlineJson<'a>>,
    chunks: Vec<ChunkJson<'a>>,
}

#[derive(Serialize)]
struct PageJson<'a> {
    number: u32,
    label: Option<&'a str>,
    title: Option<&'a str>,
    url: String,
    first_chunk: Option<u32>,
    last_chunk: Option<u32>,
}

#[derive(Serialize)]
struct OutlineJson<'a> {
    level: u8,
    text: &'a str,
    anchor: &'a str,
    page: u32,
    chunk: Option<u32>,
}

#[derive(Serialize)]
struct ChunkJson<'a> {
    n: u32,
    id: String,
    page: u32,
    breadcrumb: &'a [String],
    line: usize,
    words: usize,
    markdown: &'a str,
}

/// Where each source document landed, to rewrite links between documents.
struct LinkIndex {
    by_source: BTreeMap<String, (String, BTreeMap<String, u32>)>,
}

impl LinkIndex {
    fn new(lib: &Library) -> Self {
        let mut by_source = BTreeMap::new();
        for d in lib.documents() {
            let anchors = d
                .doc
                .parsed
                .outline
                .iter()
                .map(|o| (o.id.clone(), d.doc.parsed.pages[o.page].number))
                .collect();
            let source = &d.doc.source;
            // Pages of an HTML doc set dropped into the tree link to each
            // other by the converted Markdown's path (`x.md` for `x.html`).
            if crate::content::dropin::is_html(std::path::Path::new(source)) {
                let md = crate::content::dropin::md_path(source);
                by_source.insert(md, (d.dir(), BTreeMap::clone(&anchors)));
            }
            by_source.insert(source.clone(), (d.dir(), anchors));
        }
        LinkIndex { by_source }
    }

    /// Site-relative URL for a link written in `from_source`, if it points at
    /// another document of the library.
    fn resolve(&self, from_source: &str, target: &str) -> Option<String> {
        let (path, fragment) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (target, None),
        };
        if path.is_empty() || path.starts_with('/') || path.contains(':') {
            return None;
        }
        let base = from_source.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let joined = normalise(&format!("{base}/{path}"))?;
        let trimmed = joined.trim_end_matches('/');
        let candidates = [
            trimmed.to_string(),
            format!("{trimmed}.md"),
            format!("{trimmed}/_index.md"),
            format!("{trimmed}/index.md"),
        ];
        let (dir, anchors) = candidates.iter().find_map(|c| self.by_source.get(c))?;
        Some(
            match fragment.and_then(|f| anchors.get(f).map(|p| (f, p))) {
                Some((f, page)) => format!("{dir}p/{page}.html#{f}"),
                None => format!("{dir}index.html"),
            },
        )
    }
}

fn normalise(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    Some(out.join("/"))
}

pub struct Renderer<'a> {
    env: Environment<'static>,
    config: &'a Config,
    lib: &'a Library,
    links: LinkIndex,
    theme: Theme,
}

impl<'a> Renderer<'a> {
    pub fn new(lib: &'a Library, config: &'a Config, theme: Theme) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_formatter(html_formatter);
        env.add_filter("href", href::filter);
        for (name, src) in &theme.templates {
            env.add_template_owned(name.clone(), src.clone())
                .with_context(|| format!("template {name} does not compile"))?;
        }
        Ok(Renderer {
            env,
            config,
            lib,
            links: LinkIndex::new(lib),
            theme,
        })
    }

    fn render(&self, template: &str, rel: &str, ctx: Value) -> anyhow::Result<String> {
        let common = context! {
            root => if rel == "404.html" { self.config.base_path.clone() } else { root_of(rel) },
            base_path => &self.config.base_path,
            header => HEADER,
            library_title => &self.config.title,
            path => rel,
            offline_search => self.config.offline_search,
        };
        let tmpl = self
            .env
            .get_template(template)
            .with_context(|| format!("theme has no template {template}"))?;
        tmpl.render(context! { ..ctx, ..common })
            .map_err(|e| anyhow::anyhow!("rendering {rel} with {template}: {e:#}"))
    }

    /// Renders the whole site into `out`, which must exist and be empty.
    pub fn write_site(
        &self,
        out: &Path,
        progress: &(dyn Fn() + Sync),
    ) -> anyhow::Result<OutputReport> {
        let (tx, rx) = std::sync::mpsc::sync_channel(256);
        let out_dir = out.to_path_buf();
        let file_thread = std::thread::spawn(move || write_files(&out_dir, rx));
        let writer = Writer {
            tx,
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            html: AtomicUsize::new(0),
            urls: Default::default(),
        };
        let rendered = self.render_all(&writer, progress);
        let report = OutputReport {
            files: writer.files.load(Ordering::Relaxed),
            bytes: writer.bytes.load(Ordering::Relaxed),
            html_pages: writer.html.load(Ordering::Relaxed),
            page_views: 0,
            chunk_views: 0,
        };
        drop(writer);
        let written = file_thread
            .join()
            .map_err(|_| anyhow::anyhow!("the file writer panicked"))?;
        // A write error is the root cause when both fail (the renderer only sees a closed channel).
        written?;
        let (page_views, chunk_views) = rendered?;
        Ok(OutputReport {
            page_views,
            chunk_views,
            ..report
        })
    }

    fn render_all(
        &self,
        writer: &Writer,
        progress: &(dyn Fn() + Sync),
    ) -> anyhow::Result<(usize, usize)> {
        let docs: Vec<DocRef<'_>> = self.lib.documents().collect();
        let page_views = AtomicUsize::new(0);
        let chunk_views = AtomicUsize::new(0);
        // The index is built on one thread while the others render pages.
        let (index, rendered) = rayon::join(
            || {
                let t = std::time::Instant::now();
                let files = crate::search::build(
                    self.lib,
                    self.config.semantic.then_some(self.config.model),
                );
                tracing::info!(elapsed = ?t.elapsed(), "search index built");
                files
            },
            || {
                docs.par_iter().try_for_each(|d| -> anyhow::Result<()> {
                    let (p, c) = self.write_document(d, writer)?;
                    page_views.fetch_add(p, Ordering::Relaxed);
                    chunk_views.fetch_add(c, Ordering::Relaxed);
                    progress();
                    Ok(())
                })
            },
        );
        rendered?;
        let index = index?;
        for (path, bytes) in &index {
            writer.write(&format!("{}/{path}", crate::search::SEARCH_DIR), bytes)?;
        }
        self.write_library_pages(writer)?;
        for (name, bytes) in &self.theme.statics {
            writer.write(&format!("_static/{name}"), bytes)?;
        }
        if self.config.offline_search {
            for (name, bytes) in self.theme.offline_statics()? {
                writer.write(&format!("_static/{name}"), &bytes)?;
            }
            let engine = self
                .theme
                .statics
                .iter()
                .filter(|(name, _)| name.ends_with(".wasm"))
                .map(|(name, bytes)| (format!("_static/{name}"), bytes));
            let shards = index
                .iter()
                .map(|(path, bytes)| (format!("{}/{path}", crate::search::SEARCH_DIR), bytes));
            for (path, bytes) in engine.chain(shards) {
                writer.write(&offline_script_path(&path), &offline_script(&path, bytes))?;
            }
        }
        writer.write(
            SITE_MARKER,
            format!(
                "generator = \"mcdewey {}\"\nbase_path = \"{}\"\n{}",
                env!("CARGO_PKG_VERSION"),
                self.config.base_path,
                self.config
                    .site_url
                    .as_ref()
                    .map(|u| format!("site_url = \"{u}\"\n"))
                    .unwrap_or_default()
            )
            .as_bytes(),
        )?;
        self.write_sitemap(writer)?;
        Ok((page_views.into_inner(), chunk_views.into_inner()))
    }

    fn doc_view(&self, d: &DocRef<'_>) -> DocView {
        let dir = d.dir();
        let parsed = &d.doc.parsed;
        DocView {
            id: d.id(),
            title: d.doc.title.clone(),
            description: d.doc.description.clone(),
            url: format!("{dir}index.html"),
            source: d.doc.source.clone(),
            vendor: d.product.vendor.clone(),
            product: Link {
                title: d.product.name.clone(),
                url: format!("{}/index.html", d.product.id),
            },
            version: Link {
                title: d.version.id.clone(),
                url: format!("{}/{}/index.html", d.product.id, d.version.id),
            },
            doc_set: Link {
                title: d.doc_set.title.clone(),
                url: format!(
                    "{}/{}/{}/index.html",
                    d.product.id, d.version.id, d.doc_set.id
                ),
            },
            pages: parsed
                .pages
                .iter()
                .map(|p| PageSummary {
                    number: p.number,
                    label: p.label.clone(),
                    display: page_display(p.number, p.label.as_deref()),
                    title: p.title.clone(),
                    url: format!("{dir}p/{}.html", p.number),
                    md_url: format!("{dir}p/{}.md", p.number),
                    chunks: p.chunks.len(),
                })
                .collect(),
            outline: parsed
                .outline
                .iter()
                .map(|o| {
                    let page = &parsed.pages[o.page];
                    OutlineView {
                        level: o.level,
                        text: o.text.clone(),
                        url: format!("{dir}p/{}.html#{}", page.number, o.id),
                        page: page_display(page.number, page.label.as_deref()),
                    }
                })
                .collect(),
            chunks: parsed.chunks.len(),
            has_markers: parsed.has_markers,
        }
    }

    /// Document page, page views (+ raw Markdown), chunk views, document.json.
    fn write_document(&self, d: &DocRef<'_>, w: &Writer) -> anyhow::Result<(usize, usize)> {
        let dir = d.dir();
        let view = self.doc_view(d);
        let parsed = &d.doc.parsed;
        let body_defs = collect_defs(d);
        // Page and chunk views sit at the same depth (`p/`, `c/`), so one
        // relative form of each link serves both.
        let from = format!("{dir}p/x.html");
        let source = d.doc.source.as_str();
        let rewrite = |target: &str| {
            self.links
                .resolve(source, target)
                .map(|u| href::relative(&from, &u))
        };
        let chunk_html: Vec<String> = parsed
            .chunks
            .iter()
            .map(|c| {
                markdown::render_html(
                    &c.markdown,
                    &RenderCtx {
                        link_defs: &body_defs,
                        rewrite_link: &rewrite,
                        heading_ids: &c.heading_ids,
                    },
                )
            })
            .collect();

        let doc_rel = format!("{dir}index.html");
        w.write(
            &doc_rel,
            self.render("document.html", &doc_rel, context! { doc => &view })?
                .as_bytes(),
        )?;

        for (pi, page) in parsed.pages.iter().enumerate() {
            let rel = format!("{dir}p/{}.html", page.number);
            let chunks: Vec<ChunkView> = page
                .chunks
                .clone()
                .map(|ci| {
                    let c = &parsed.chunks[ci];
                    ChunkView {
                        n: c.n,
                        id: d.chunk_id(c.n),
                        anchor: format!("c-{}", c.n),
                        html: chunk_html[ci].clone(),
                        url: format!("{dir}c/{}.html", c.n),
                        breadcrumb: c.breadcrumb.clone(),
                    }
                })
                .collect();
            let prev = pi.checked_sub(1).map(|i| &view.pages[i]);
            let next = view.pages.get(pi + 1);
            let html = self.render(
                "page.html",
                &rel,
                context! { doc => &view, page => &view.pages[pi], chunks => chunks, prev => prev, next => next },
            )?;
            w.write(&rel, html.as_bytes())?;
            w.write(
                &format!("{dir}p/{}.md", page.number),
                page_markdown(d, pi).as_bytes(),
            )?;
        }

        for (ci, c) in parsed.chunks.iter().enumerate() {
            let rel = format!("{dir}c/{}.html", c.n);
            let page = &parsed.pages[c.page];
            let chunk = context! {
                n => c.n,
                id => d.chunk_id(c.n),
                html => &chunk_html[ci],
                breadcrumb => &c.breadcrumb,
                line => c.line,
                words => c.words,
                page_number => page.number,
                page_label => &page.label,
                page_display => page_display(page.number, page.label.as_deref()),
                context_url => format!("{dir}p/{}.html#c-{}", page.number, c.n),
                prev_url => ci.checked_sub(1).map(|i| format!("{dir}c/{}.html", parsed.chunks[i].n)),
                next_url => parsed.chunks.get(ci + 1).map(|n| format!("{dir}c/{}.html", n.n)),
            };
            let html = self.render(
                "chunk.html",
                &rel,
                context! { doc => &view, chunk => chunk },
            )?;
            w.write(&rel, html.as_bytes())?;
        }

        let json = DocJson {
            format: "mcdewey-document",
            format_version: 1,
            id: d.id(),
            title: &d.doc.title,
            vendor: &d.product.vendor,
            product: &d.product.id,
            product_name: &d.product.name,
            version: &d.version.id,
            doc_set: &d.doc_set.id,
            doc_set_title: &d.doc_set.title,
            document: &d.doc.id,
            source: &d.doc.source,
            url: format!("{dir}index.html"),
            paged: parsed.has_markers,
            pages: parsed
                .pages
                .iter()
                .map(|p| PageJson {
                    number: p.number,
                    label: p.label.as_deref(),
                    title: p.title.as_deref(),
                    url: format!("{dir}p/{}.html", p.number),
                    first_chunk: parsed
                        .chunks
                        .get(p.chunks.start)
                        .filter(|_| !p.chunks.is_empty())
                        .map(|c| c.n),
                    last_chunk: p
                        .chunks
                        .end
                        .checked_sub(1)
                        .filter(|_| !p.chunks.is_empty())
                        .map(|i| parsed.chunks[i].n),
                })
                .collect(),
            outline: parsed
                .outline
                .iter()
                .map(|o| OutlineJson {
                    level: o.level,
                    text: &o.text,
                    anchor: &o.id,
                    page: parsed.pages[o.page].number,
                    chunk: parsed.chunks.get(o.chunk).map(|c| c.n),
                })
                .collect(),
            chunks: parsed
                .chunks
                .iter()
                .map(|c| ChunkJson {
                    n: c.n,
                    id: d.chunk_id(c.n),
                    page: parsed.pages[c.page].number,
                    breadcrumb: &c.breadcrumb,
                    line: c.line,
                    words: c.words,
                    markdown: &c.markdown,
                })
                .collect(),
        };
        w.write(&format!("{dir}document.json"), &serde_json::to_vec(&json)?)?;
        w.write(&format!("{dir}index.md"), document_index_md(d).as_bytes())?;
        Ok((parsed.pages.len(), parsed.chunks.len()))
    }

    fn library_view(&self) -> Vec<VendorView> {
        let mut vendors: Vec<VendorView> = Vec::new();
        for p in &self.lib.products {
            let mut pcounts = crate::content::Counts::default();
            let versions = p
                .versions
                .iter()
                .map(|v| {
                    let mut vcounts = crate::content::Counts::default();
                    let doc_sets = v
                        .doc_sets
                        .iter()
                        .map(|s| {
                            let mut scounts = crate::content::Counts::default();
                            let documents = s
                                .documents
                                .iter()
                                .map(|d| {
                                    scounts.add_doc(d);
                                    DocSummary {
                                        title: d.title.clone(),
                                        url: format!(
                                            "{}/{}/{}/{}/index.html",
                                            p.id, v.id, s.id, d.id
                                        ),
                                        description: d.description.clone(),
                                        pages: d.parsed.pages.len(),
                                        chunks: d.parsed.chunks.len(),
                                    }
                                })
                                .collect();
                            vcounts.add(scounts);
                            DocSetView {
                                id: s.id.clone(),
                                title: s.title.clone(),
                                url: format!("{}/{}/{}/index.html", p.id, v.id, s.id),
                                documents,
                                counts: scounts,
                            }
                        })
                        .collect();
                    pcounts.add(vcounts);
                    VersionView {
                        id: v.id.clone(),
                        url: format!("{}/{}/index.html", p.id, v.id),
                        doc_sets,
                        counts: vcounts,
                    }
                })
                .collect();
            let view = ProductView {
                id: p.id.clone(),
                name: p.name.clone(),
                vendor: p.vendor.clone(),
                description: p.description.clone(),
                url: format!("{}/index.html", p.id),
                versions,
                counts: pcounts,
            };
            match vendors.last_mut() {
                Some(v) if v.name == p.vendor => v.products.push(view),
                _ => vendors.push(VendorView {
                    name: p.vendor.clone(),
                    products: vec![view],
                }),
            }
        }
        vendors
    }

    fn write_library_pages(&self, w: &Writer) -> anyhow::Result<()> {
        let vendors = self.library_view();
        let counts = self.lib.counts();
        nav::write(self, w, &vendors, counts)?;
        w.write(
            "404.html",
            self.render("404.html", "404.html", context! {})?.as_bytes(),
        )?;
        w.write("llms.txt", self.llms_txt(&vendors).as_bytes())?;
        w.write(
            "library.json",
            &serde_json::to_vec(&context_json(&vendors, counts))?,
        )?;
        Ok(())
    }

    fn llms_txt(&self, vendors: &[VendorView]) -> String {
        let mut s = String::new();
        let counts = self.lib.counts();
        s.push_str(&format!(
            "# {}\n\n> A static documentation library of {} documents ({} pages, {} chunks) from {} products. Each document has an index.md (outline and page list); each page has its raw Markdown at p/<page>.md and each document its data at document.json. library.json lists the whole tree.\n",
            self.config.title.as_deref().unwrap_or("McDewey library"),
            counts.documents,
            counts.pages,
            counts.chunks,
            self.lib.products.len()
        ));
        for vendor in vendors {
            for p in &vendor.products {
                for v in &p.versions {
                    s.push_str(&format!("\n## {} {} {}\n\n", vendor.name, p.name, v.id));
                    for set in &v.doc_sets {
                        for d in &set.documents {
                            let md = d.url.trim_end_matches("index.html").to_string() + "index.md";
                            s.push_str(&format!(
                                "- [{} — {}]({}): {} pages",
                                set.title, d.title, md, d.pages
                            ));
                            if let Some(desc) = &d.description {
                                s.push_str(&format!(": {}", desc.replace('\n', " ")));
                            }
                            s.push('\n');
                        }
                    }
                }
            }
        }
        s
    }

    fn write_sitemap(&self, w: &Writer) -> anyhow::Result<()> {
        let mut urls = std::mem::take(&mut *w.urls.lock().expect("url list"));
        urls.sort();
        let prefix = format!(
            "{}{}",
            self.config.site_url.as_deref().unwrap_or(""),
            self.config.base_path
        );
        let urlset = |urls: &[String]| {
            let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
            for u in urls {
                s.push_str(&format!(
                    "  <url><loc>{}</loc></url>\n",
                    xml_escape(&format!("{prefix}{u}"))
                ));
            }
            s.push_str("</urlset>\n");
            s
        };
        if urls.len() <= SITEMAP_LIMIT {
            w.write("sitemap.xml", urlset(&urls).as_bytes())?;
        } else {
            let mut index = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
            for (i, part) in urls.chunks(SITEMAP_LIMIT).enumerate() {
                let name = format!("sitemap-{}.xml", i + 1);
                w.write(&name, urlset(part).as_bytes())?;
                index.push_str(&format!(
                    "  <sitemap><loc>{}</loc></sitemap>\n",
                    xml_escape(&format!("{prefix}{name}"))
                ));
            }
            index.push_str("</sitemapindex>\n");
            w.write("sitemap.xml", index.as_bytes())?;
        }
        Ok(())
    }
}

/// Escapes only what HTML needs (`&<>"'`); the default also escapes `/`,
/// which bloats every relative URL.
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    let escape = !matches!(state.auto_escape(), minijinja::AutoEscape::None) && !value.is_safe();
    if !escape {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = if value.is_undefined() || value.is_none() {
        String::new()
    } else {
        value.to_string()
    };
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    out.write_str(&escaped).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed").with_source(e)
    })
}

fn context_json(vendors: &[VendorView], counts: crate::content::Counts) -> serde_json::Value {
    serde_json::json!({
        "format": "mcdewey-library",
        "format_version": 1,
        "counts": counts,
        "vendors": vendors,
    })
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn collect_defs(d: &DocRef<'_>) -> LinkDefs {
    // Definitions may sit on any page; collect over the whole document.
    let all: String = d
        .doc
        .parsed
        .pages
        .iter()
        .map(|p| p.markdown.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    LinkDefs::collect(&all)
}

/// Raw Markdown of one page, with a small header so the file stands alone.
fn page_markdown(d: &DocRef<'_>, pi: usize) -> String {
    let page = &d.doc.parsed.pages[pi];
    let label = page
        .label
        .as_deref()
        .map(|l| format!(" label=\"{l}\""))
        .unwrap_or_default();
    format!(
        "<!-- {} — {} {} — {} — source: {} -->\n<!-- page {}{} -->\n{}",
        d.id(),
        d.product.name,
        d.version.id,
        d.doc.title,
        d.doc.source,
        page.number,
        label,
        page.markdown
    )
}

fn document_index_md(d: &DocRef<'_>) -> String {
    let mut s = format!(
        "# {}\n\n{} {} — {} — id `{}` — source `{}`\n\n## Pages\n\n",
        d.doc.title,
        d.product.name,
        d.version.id,
        d.doc_set.title,
        d.id(),
        d.doc.source
    );
    for p in &d.doc.parsed.pages {
        s.push_str(&format!(
            "- [{}{}](p/{}.md)\n",
            page_display(p.number, p.label.as_deref()),
            p.title
                .as_deref()
                .map(|t| format!(": {t}"))
                .unwrap_or_default(),
            p.number
        ));
    }
    s.push_str("\n## Outline\n\n");
    for o in &d.doc.parsed.outline {
        let page = &d.doc.parsed.pages[o.page];
        s.push_str(&format!(
            "{}- [{}](p/{}.md) ({})\n",
            "  ".repeat(o.level.saturating_sub(1) as usize),
            o.text,
            page.number,
            page_display(page.number, page.label.as_deref())
        ));
    }
    s
}

/// Refuses an output directory that holds files McDewey did not write.
pub fn check_out_dir(out: &Path) -> anyhow::Result<()> {
    if out.is_dir() && std::fs::read_dir(out)?.next().is_some() && !out.join(SITE_MARKER).is_file()
    {
        anyhow::bail!(
            "output directory {} is not empty and was not written by McDewey; refusing to overwrite it",
            out.display()
        );
    }
    Ok(())
}

/// Replaces `out` (a previous McDewey site, an empty directory, or nothing)
/// with the finished `staging` directory. Building into a new directory and
/// swapping it in keeps the old site whole until the new one is complete, and
/// avoids ext4's slow inode allocation right after deleting a large tree (a
/// rebuild in place measured 14x slower). The caller holds the build lock.
pub fn publish(staging: &Path, out: &Path) -> anyhow::Result<()> {
    check_out_dir(out)?;
    let old = crate::outdir::old_dir(out);
    if out.exists() && std::fs::rename(out, &old).is_err() {
        // `out` may be a mount point: empty it and move the entries in instead.
        for e in std::fs::read_dir(out)? {
            let p = e?.path();
            if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            }
            .with_context(|| format!("cannot clear {}", p.display()))?;
        }
        for e in std::fs::read_dir(staging)? {
            let e = e?;
            std::fs::rename(e.path(), out.join(e.file_name()))
                .with_context(|| format!("cannot move the new site into {}", out.display()))?;
        }
        std::fs::remove_dir(staging)?;
        return Ok(());
    }
    std::fs::rename(staging, out)
        .with_context(|| format!("cannot move {} to {}", staging.display(), out.display()))?;
    if old.exists() {
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("cannot remove {}", old.display()))?;
    }
    Ok(())
}

/// Where offline search keeps the script form of the site file `path`.
pub const OFFLINE_DIR: &str = "_offline";

pub fn offline_script_path(path: &str) -> String {
    format!("{OFFLINE_DIR}/{path}.js")
}

/// A classic script that hands the bytes of site file `path` to the page's
/// offline loader: pages opened from `file://` may run scripts from their
/// own directory tree but may not fetch files.
pub fn offline_script(path: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 4 / 3 + path.len() + 40);
    out.extend_from_slice(b"mcdeweyOfflineFile(");
    out.extend_from_slice(serde_json::to_string(path).expect("a string").as_bytes());
    out.extend_from_slice(b",\"");
    base64(bytes, &mut out);
    out.extend_from_slice(b"\");\n");
    out
}

/// Standard base64 with padding, the alphabet `atob` reads.
fn base64(bytes: &[u8], out: &mut Vec<u8>) {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        out.push(ABC[(n >> 18) as usize & 63]);
        out.push(ABC[(n >> 12) as usize & 63]);
        out.push(if c.len() > 1 {
            ABC[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if c.len() > 2 {
            ABC[n as usize & 63]
        } else {
            b'='
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn offline_scripts_carry_the_bytes_in_base64() {
        let script = String::from_utf8(super::offline_script("t/1.bin", b"Many hands")).unwrap();
        assert_eq!(
            script,
            "mcdeweyOfflineFile(\"t/1.bin\",\"TWFueSBoYW5kcw==\");\n"
        );
        let mut out = Vec::new();
        super::base64(b"Ma", &mut out);
        super::base64(b"Man", &mut out);
        super::base64(&[0xff, 0xfe, 0xfd, 0x00], &mut out);
        assert_eq!(out, b"TWE=TWFu//79AA==");
    }

    use super::*;

    #[test]
    fn roots() {
        assert_eq!(root_of("index.html"), "");
        assert_eq!(root_of("a/b/c/d/p/1.html"), "../../../../../");
    }

    #[test]
    fn normalise_paths() {
        assert_eq!(normalise("a/b/../c/./d.md").as_deref(), Some("a/c/d.md"));
        assert_eq!(normalise("../x"), None);
    }
}
