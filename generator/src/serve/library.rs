//! A built site for the MCP server: the tree from `library.json` and the
//! document list, kept in memory, and what a query needs, read on demand
//! through the site contract ([`crate::site`]) from a [`Source`] (a
//! directory or a static host): the search index file by file, through the
//! same plan → fetch → search loop as the browser, and each `document.json`
//! when a tool shows it. Both are kept in bounded caches, so the server's
//! memory does not grow with the library. [`Library::load`] instead reads
//! everything once, for a server that trades memory for no cold queries.

use crate::serve::source::{Revalidated, Source, Validator};
use crate::site::{
    self, DocSetEntry, DocumentFile, IndexParts, LibraryFile, ProductEntry, SiteDir,
};
use anyhow::Context as _;
use mcdewey_search_core::{
    FacetKind, FacetNode, FormatError, Index, Query, SearchError, SearchResult, TermSet, Tokenizer,
    CENTROIDS_PATH, MANIFEST_PATH, VOCAB_PATH,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Bounds of the on-demand caches, in bytes of the files as stored.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Index files (term, position and vector shards).
    pub index_bytes: usize,
    /// `document.json` files.
    pub doc_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            index_bytes: 256 << 20,
            doc_bytes: 64 << 20,
        }
    }
}

impl Limits {
    /// No eviction: everything once read stays.
    pub fn unbounded() -> Limits {
        Limits {
            index_bytes: usize::MAX,
            doc_bytes: usize::MAX,
        }
    }
}

/// Everything the MCP tools answer from: one build of one site.
pub struct Library {
    /// Path prefix the site was built for; prepended to every URL.
    pub base_path: String,
    /// `site_url` the site was built with (`https://docs.example.com`):
    /// URLs are absolute when it is known.
    pub site_url: Option<String>,
    /// Vendors in the order of `library.json` (by vendor, then product name).
    pub vendors: Vec<Vendor>,
    /// Every document, as `library.json` lists it; doc sets refer to them
    /// by position. Their pages and chunks are read by [`Library::load_doc`].
    pub docs: Vec<DocInfo>,
    by_id: HashMap<String, usize>,
    /// Per index document, in ordinal order: its first chunk ordinal and its
    /// position in `docs`.
    ordinals: Vec<(u32, usize)>,
    tokenizer: Tokenizer,
    build_id: u32,
    /// Who built the site (from its marker), for messages.
    generator: String,
    store: Store,
}

/// Loaded documents by position, and their recent use.
type DocCache = (HashMap<usize, Arc<Doc>>, Lru<usize>);

/// The files read so far and where the rest come from.
struct Store {
    source: Arc<Source>,
    limits: Limits,
    index: RwLock<Index>,
    /// Index files added, by recent use.
    index_lru: Mutex<Lru<String>>,
    /// Loaded documents by position in [`Library::docs`], by recent use.
    docs: Mutex<DocCache>,
    /// Set when a file of another build turned up: the site was rebuilt
    /// and this library must be replaced (see [`Live`]).
    stale: AtomicBool,
    /// Files read from the source, for tests and figures.
    reads: AtomicU64,
}
pub struct Vendor {
    pub name: String,
    pub products: Vec<Product>,
}

pub struct Product {
    pub id: String,
    pub name: String,
    /// Other names users call the product by.
    pub aliases: Vec<String>,
    pub vendor: String,
    pub description: Option<String>,
    /// Newest first: the first one is the current version.
    pub versions: Vec<Version>,
}

pub struct Version {
    pub id: String,
    pub doc_sets: Vec<DocSet>,
}

pub struct DocSet {
    pub id: String,
    pub title: String,
    /// Positions in [`Library::docs`].
    pub docs: Vec<usize>,
}

/// A document as `library.json` lists it.
#[derive(Debug, Clone)]
pub struct DocInfo {
    pub id: String,
    pub title: String,
    pub vendor: String,
    pub product: String,
    pub product_name: String,
    pub version: String,
    pub doc_set: String,
    pub doc_set_title: String,
    pub document: String,
    /// Site-relative URL of the document's page (`…/index.html`).
    pub url: String,
    pub description: Option<String>,
    pub page_count: usize,
    pub chunk_count: usize,
    /// Digest of the document's files, which its `document.json` repeats.
    pub digest: String,
    /// Number of documents in the doc set.
    pub siblings: usize,
}

/// One `document.json`, plus what only `library.json` knows.
pub struct Doc {
    pub id: String,
    pub title: String,
    pub vendor: String,
    pub product: String,
    pub product_name: String,
    pub version: String,
    pub doc_set: String,
    pub doc_set_title: String,
    pub document: String,
    pub url: String,
    /// Physical pages with numbers a reader can check (page markers);
    /// `false`: pages are sections of a web page or plain Markdown.
    pub paged: bool,
    pub pages: Vec<Page>,
    pub outline: Vec<Heading>,
    pub chunks: Vec<Chunk>,
    pub description: Option<String>,
    /// Number of documents in the doc set (citations name the document only
    /// when the doc set has several).
    pub siblings: usize,
    /// Size of its `document.json`, which the document cache counts.
    stored_bytes: usize,
}

pub type Page = site::PageEntry;
pub type Heading = site::HeadingEntry;

pub struct Chunk {
    pub n: u32,
    pub id: String,
    pub page: u32,
    pub breadcrumb: Vec<String>,
    pub markdown: String,
    /// Plain text for snippets, made the first time the chunk is a hit.
    plain: std::sync::OnceLock<String>,
}

impl From<DocumentFile<'static>> for Doc {
    fn from(f: DocumentFile<'static>) -> Doc {
        Doc {
            id: f.id,
            title: f.title.into_owned(),
            vendor: f.vendor.into_owned(),
            product: f.product.into_owned(),
            product_name: f.product_name.into_owned(),
            version: f.version.into_owned(),
            doc_set: f.doc_set.into_owned(),
            doc_set_title: f.doc_set_title.into_owned(),
            document: f.document.into_owned(),
            url: f.url,
            paged: f.paged,
            pages: f.pages,
            outline: f.outline,
            chunks: f
                .chunks
                .into_iter()
                .map(|c| Chunk {
                    n: c.n,
                    id: c.id,
                    page: c.page,
                    breadcrumb: c.breadcrumb.into_owned(),
                    markdown: c.markdown.into_owned(),
                    plain: Default::default(),
                })
                .collect(),
            description: None,
            siblings: 0,
            stored_bytes: 0,
        }
    }
}

impl Chunk {
    /// The chunk's text as search indexed it (for snippets).
    pub fn plain_text(&self) -> &str {
        self.plain
            .get_or_init(|| crate::markdown::plain_text(&self.markdown))
    }
}

/// Rounds of plan → fetch per search: the lexical plan takes at most three
/// (the shard table's directory blocks, the term shards, a typo's shard),
/// the semantic one three; more means files keep being evicted by other
/// queries as fast as this one adds them.
const MAX_ROUNDS: usize = 8;

/// Files fetched at once per query.
const PARALLEL_FETCHES: usize = 8;

impl Library {
    /// Reads a built site completely: every `document.json` and every index
    /// file a search needs, once. Fails on a missing or malformed file,
    /// since a server answering from half a library would give wrong
    /// answers.
    pub fn load(site: &Path) -> anyhow::Result<Library> {
        let dir = SiteDir::open(site)?;
        let raw = dir.read_library()?;
        let index = dir.load_index(IndexParts::Ranking)?;
        let lib = Library::assemble(
            Arc::new(Source::local(site)),
            dir.marker.clone(),
            raw,
            index,
            Limits::unbounded(),
        )?;
        let loaded = std::thread::scope(|s| {
            let chunk = lib.docs.len().div_ceil(8).max(1);
            let handles: Vec<_> = (0..lib.docs.len())
                .step_by(chunk)
                .map(|start| {
                    let lib = &lib;
                    s.spawn(move || {
                        (start..(start + chunk).min(lib.docs.len()))
                            .map(|i| lib.read_doc(i).map(|d| (i, d)))
                            .collect::<anyhow::Result<Vec<_>>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("document readers do not panic"))
                .collect::<anyhow::Result<Vec<_>>>()
        })?;
        {
            let mut cache = lib.store.docs.lock().unwrap_or_else(|e| e.into_inner());
            for (i, d) in loaded.into_iter().flatten() {
                cache.1.insert(i, 0);
                cache.0.insert(i, Arc::new(d));
            }
        }
        Ok(lib)
    }

    /// Opens a built site for reading on demand: reads its marker,
    /// `library.json` and the index manifest, and nothing else until a
    /// query needs it.
    pub fn open(source: Arc<Source>, limits: Limits) -> anyhow::Result<Library> {
        let (manifest, _) = source.get_validated(&manifest_rel())?;
        Library::open_with(source, limits, &manifest)
    }

    fn open_with(source: Arc<Source>, limits: Limits, manifest: &[u8]) -> anyhow::Result<Library> {
        let marker_text = source.get(site::MARKER)?;
        let marker = site::Marker::parse(&String::from_utf8_lossy(&marker_text))
            .with_context(|| source.describe(site::MARKER))?;
        if marker.format_version != Some(site::FORMAT_VERSION) {
            let found = marker.format_version.unwrap_or(0);
            return Err(version_error(&source, site::MARKER, &marker.generator, found).into());
        }
        let raw: LibraryFile = serde_json::from_slice(&source.get(site::LIBRARY_JSON)?)
            .with_context(|| source.describe(site::LIBRARY_JSON))?;
        let index = Index::open(manifest).with_context(|| source.describe(&manifest_rel()))?;
        Library::assemble(source, marker, raw, index, limits)
    }

    fn assemble(
        source: Arc<Source>,
        marker: site::Marker,
        raw: LibraryFile,
        index: Index,
        limits: Limits,
    ) -> anyhow::Result<Library> {
        if raw.format_version != site::FORMAT_VERSION {
            let e = version_error(
                &source,
                site::LIBRARY_JSON,
                &marker.generator,
                raw.format_version,
            );
            return Err(e.into());
        }
        // The document blocks map index ordinals to documents; every tool
        // that shows a result needs them, and they grow with the number of
        // documents, not chunks: read now and never evicted.
        let mut index = index;
        let blocks: Vec<String> = if index.facets().documents.is_empty() {
            index
                .all_files()
                .into_iter()
                .filter(|p| is_doc_block(p))
                .collect()
        } else {
            Vec::new() // read with the whole index
        };
        for path in blocks {
            let rel = format!("{}/{path}", site::SEARCH_DIR);
            let bytes = source.get(&rel)?;
            index
                .add_file(&path, &bytes)
                .with_context(|| source.describe(&rel))?;
        }
        let mut docs = Vec::new();
        let vendors = raw
            .vendors
            .into_iter()
            .map(|v| Vendor {
                name: v.name,
                products: v
                    .products
                    .into_iter()
                    .map(|p| product(p, &mut docs))
                    .collect(),
            })
            .collect();
        let by_id = docs
            .iter()
            .enumerate()
            .map(|(i, d): (usize, &DocInfo)| (d.id.clone(), i))
            .collect();
        let mut lib = Library {
            base_path: marker.base_path.clone(),
            site_url: marker
                .site_url
                .as_deref()
                .map(|u| u.trim_end_matches('/'))
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .map(str::to_string),
            vendors,
            docs,
            by_id,
            ordinals: Vec::new(),
            tokenizer: index.tokenizer().clone(),
            build_id: index.build_id(),
            generator: marker.generator.clone(),
            store: Store {
                source,
                limits,
                index: RwLock::new(index),
                index_lru: Mutex::new(Lru::default()),
                docs: Mutex::new((HashMap::new(), Lru::default())),
                stale: AtomicBool::new(false),
                reads: AtomicU64::new(0),
            },
        };
        lib.ordinals = ordinal_map(&lib)?;
        Ok(lib)
    }

    /// The index's build id: what tells one build of the site from another.
    pub fn build_id(&self) -> u32 {
        self.build_id
    }

    /// The tokenizer the index was built with.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Bytes (as stored) of the index files and documents held now.
    pub fn cached_bytes(&self) -> (usize, usize) {
        let index = lock(&self.store.index_lru).total;
        let docs = lock(&self.store.docs).1.total;
        (index, docs)
    }

    /// Runs `f` on the index as loaded so far (files a query needs are
    /// added by [`Library::search_with_terms`]).
    pub fn with_index<R>(&self, f: impl FnOnce(&Index) -> R) -> R {
        f(&read(&self.store.index))
    }

    /// Files read from the source since the library was opened.
    pub fn reads(&self) -> u64 {
        self.store.reads.load(Ordering::Relaxed)
    }

    /// Whether a file of another build turned up: the site was rebuilt.
    pub fn is_stale(&self) -> bool {
        self.store.stale.load(Ordering::Relaxed)
    }

    /// Ranks `query` as search-core does, reading the index files it needs
    /// first: plan, fetch what is missing (in parallel, outside any lock),
    /// add, and plan again until nothing is missing; the semantic files too
    /// when the index has vectors. Returns the result and the matched terms
    /// (for snippets).
    pub fn search_with_terms(&self, query: &Query) -> Result<(SearchResult, TermSet), String> {
        let plan = |index: &Index| {
            let mut need = index.plan(query);
            need.extend(index.plan_semantic(query));
            need
        };
        let mut used: HashSet<String> = HashSet::new();
        // Files the ranking itself asked for (twin blocks of the best
        // results, or files another query evicted since the plan).
        let mut asked: Vec<String> = Vec::new();
        for _ in 0..MAX_ROUNDS {
            let need = if asked.is_empty() {
                let index = read(&self.store.index);
                let need = plan(&index);
                if need.is_empty() {
                    match index.search_with_terms(query) {
                        Err(SearchError::NotLoaded(paths)) => paths,
                        r => {
                            let files = index.files_for(query);
                            drop(index);
                            let mut lru = lock(&self.store.index_lru);
                            for f in files.iter().chain(&used) {
                                lru.touch(f);
                            }
                            return r.map_err(|e| format!("search failed: {e}"));
                        }
                    }
                } else {
                    need
                }
            } else {
                std::mem::take(&mut asked)
            };
            let fetched = self.fetch_index_files(&need)?;
            used.extend(need);
            let mut index = write(&self.store.index);
            let mut lru = lock(&self.store.index_lru);
            for (path, bytes) in fetched {
                if let Err(e) = index.add_file(&path, &bytes) {
                    return Err(self.bad_file(&format!("{}/{path}", site::SEARCH_DIR), e));
                }
                // Files every query needs stay outside the bound.
                if !is_pinned(&path) {
                    lru.insert(path, bytes.len());
                }
            }
            // Ranking now, under the same lock, cannot lose a file to
            // another query's eviction.
            if plan(&index).is_empty() {
                let r = match index.search_with_terms(query) {
                    Err(SearchError::NotLoaded(paths)) => {
                        asked = paths;
                        continue;
                    }
                    r => r,
                };
                let keep: HashSet<String> =
                    index.files_for(query).into_iter().chain(used).collect();
                for f in &keep {
                    lru.touch(f);
                }
                for f in lru.evict(self.store.limits.index_bytes, |p| {
                    keep.contains(p) || is_pinned(p)
                }) {
                    index.forget_file(&f);
                }
                return r.map_err(|e| format!("search failed: {e}"));
            }
        }
        Err("the index cache is too small for this query: raise --index-cache-mb".into())
    }

    /// Reads index files (paths relative to `search/`), several at once.
    fn fetch_index_files(&self, paths: &[String]) -> Result<Vec<(String, Vec<u8>)>, String> {
        let get = |p: &String| {
            self.store.reads.fetch_add(1, Ordering::Relaxed);
            let rel = format!("{}/{p}", site::SEARCH_DIR);
            self.store
                .source
                .get(&rel)
                .map(|b| (p.clone(), b))
                .map_err(|e| format!("{e:#}"))
        };
        if paths.len() == 1 {
            return get(&paths[0]).map(|f| vec![f]);
        }
        std::thread::scope(|s| {
            let mut out = Vec::with_capacity(paths.len());
            for batch in paths.chunks(PARALLEL_FETCHES) {
                let handles: Vec<_> = batch.iter().map(|p| s.spawn(move || get(p))).collect();
                for h in handles {
                    out.push(
                        h.join()
                            .map_err(|_| "a fetch thread panicked".to_string())??,
                    );
                }
            }
            Ok(out)
        })
    }

    /// The message for a file that does not fit this library; a file of
    /// another build marks the library stale so the next call reloads it.
    fn bad_file(&self, rel: &str, e: FormatError) -> String {
        let what = self.store.source.describe(rel);
        if let FormatError::BuildMismatch { expected, found } = e {
            self.store.stale.store(true, Ordering::Relaxed);
            return format!(
                "The site was rebuilt while this call ran ({what} is from build {found:08x}, the index being searched expects {expected:08x}); the server switches to the new build: call again."
            );
        }
        format!("{what}: {e}")
    }

    /// The document at `i` in [`Library::docs`], read when first needed
    /// and kept while recently used.
    pub fn load_doc(&self, i: usize) -> Result<Arc<Doc>, String> {
        {
            let mut cache = lock(&self.store.docs);
            if let Some(d) = cache.0.get(&i).cloned() {
                cache.1.touch(&i);
                return Ok(d);
            }
        }
        let doc = Arc::new(self.read_doc(i).map_err(|e| format!("{e:#}"))?);
        let bytes = doc.stored_bytes;
        let mut cache = lock(&self.store.docs);
        cache.0.insert(i, doc.clone());
        cache.1.insert(i, bytes);
        for gone in cache.1.evict(self.store.limits.doc_bytes, |&k| k == i) {
            cache.0.remove(&gone);
        }
        Ok(doc)
    }

    fn read_doc(&self, i: usize) -> anyhow::Result<Doc> {
        let info = &self.docs[i];
        let dir = info.url.trim_end_matches("index.html");
        let rel = format!("{dir}{}", site::DOCUMENT_JSON);
        self.store.reads.fetch_add(1, Ordering::Relaxed);
        let bytes = self.store.source.get(&rel)?;
        let found =
            site::document_version(&bytes).with_context(|| self.store.source.describe(&rel))?;
        if found != site::FORMAT_VERSION {
            let e = version_error(&self.store.source, &rel, &self.generator, found);
            return Err(e.into());
        }
        let file =
            DocumentFile::from_json(&bytes).with_context(|| self.store.source.describe(&rel))?;
        if file.id != info.id || file.chunks.len() != info.chunk_count || file.digest != info.digest
        {
            // library.json and this file come from different builds.
            self.store.stale.store(true, Ordering::Relaxed);
            anyhow::bail!(
                "{} does not match library.json (document `{}`, {} chunks and digest {} there, {} chunks and digest {} here): the site was rebuilt; call again",
                self.store.source.describe(&rel),
                info.id,
                info.chunk_count,
                info.digest,
                file.chunks.len(),
                file.digest
            );
        }
        let mut file = file;
        let source = &self.store.source;
        file.complete(dir, |page| {
            self.store.reads.fetch_add(1, Ordering::Relaxed);
            let bytes = source.get(page)?;
            String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8", source.describe(page)))
        })
        .map_err(|(page, e)| match e {
            Some(e) => e,
            None => anyhow::anyhow!(
                "{} lacks the bytes {} names: the site was rebuilt or is damaged",
                source.describe(&page),
                source.describe(&rel)
            ),
        })?;
        let mut doc = Doc::from(file);
        doc.description = info.description.clone();
        doc.siblings = info.siblings;
        doc.stored_bytes = bytes.len();
        Ok(doc)
    }

    /// The document and the position of the chunk of an index ordinal. The
    /// index keeps each document's chunks in order, so the position within
    /// the document's ordinal range is the position in its `chunks`.
    pub fn chunk_at(&self, ordinal: u32) -> Result<(Arc<Doc>, usize), String> {
        let lacks =
            || format!("the index names chunk {ordinal}, which the site lacks; rebuild the site");
        let i = self
            .ordinals
            .partition_point(|&(start, _)| start <= ordinal);
        let (start, d) = *self
            .ordinals
            .get(i.checked_sub(1).ok_or_else(lacks)?)
            .ok_or_else(lacks)?;
        let doc = self.load_doc(d)?;
        let at = (ordinal - start) as usize;
        if at >= doc.chunks.len() {
            return Err(lacks());
        }
        Ok((doc, at))
    }

    pub fn doc(&self, id: &str) -> Option<&DocInfo> {
        self.by_id.get(id).map(|&i| &self.docs[i])
    }

    /// Position of a document in [`Library::docs`].
    pub fn doc_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.vendors.iter().flat_map(|v| &v.products)
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products().find(|p| p.id == id)
    }

    /// A site-relative URL made absolute with the base path, and with the
    /// site's origin when `site_url` is known.
    pub fn url(&self, rel: &str) -> String {
        let origin = self.site_url.as_deref().unwrap_or("");
        format!("{origin}{}{}", self.base_path, rel)
    }
}

fn version_error(source: &Source, rel: &str, generator: &str, found: u32) -> site::SiteError {
    site::SiteError::Version {
        path: source.describe(rel).into(),
        generator: generator.to_string(),
        found,
        expected: site::FORMAT_VERSION,
    }
}

/// The manifest's path in the site.
fn manifest_rel() -> String {
    format!("{}/{MANIFEST_PATH}", site::SEARCH_DIR)
}

/// Files every query needs, whose size does not grow with the library:
/// never evicted, not counted.
fn is_pinned(path: &str) -> bool {
    path == VOCAB_PATH
        || path == CENTROIDS_PATH
        || path == MANIFEST_PATH
        || is_doc_block(path)
        || is_shard_dir(path)
}

/// A directory block `s/<j>.bin` of the term-shard table: small, and the
/// first round of every query.
fn is_shard_dir(path: &str) -> bool {
    path.starts_with("s/")
}

/// A document block `d/<k>.bin`: ordinals to documents.
fn is_doc_block(path: &str) -> bool {
    path.starts_with("d/")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read(l: &RwLock<Index>) -> std::sync::RwLockReadGuard<'_, Index> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write(l: &RwLock<Index>) -> std::sync::RwLockWriteGuard<'_, Index> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// Keys by recent use, with a weight each (bytes as stored).
struct Lru<K> {
    tick: u64,
    entries: HashMap<K, (u64, usize)>,
    order: BTreeMap<u64, K>,
    total: usize,
}

impl<K> Default for Lru<K> {
    fn default() -> Self {
        Lru {
            tick: 0,
            entries: HashMap::new(),
            order: BTreeMap::new(),
            total: 0,
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone> Lru<K> {
    fn insert(&mut self, key: K, weight: usize) {
        self.tick += 1;
        if let Some((t, w)) = self.entries.insert(key.clone(), (self.tick, weight)) {
            self.order.remove(&t);
            self.total -= w;
        }
        self.order.insert(self.tick, key);
        self.total += weight;
    }

    fn touch<Q>(&mut self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.tick += 1;
        if let Some((t, _)) = self.entries.get_mut(key) {
            let k = self.order.remove(t).expect("entries and order agree");
            *t = self.tick;
            self.order.insert(self.tick, k);
        }
    }

    /// Drops the least recently used keys, except those `keep` names,
    /// until the total is within `limit`; returns them.
    fn evict(&mut self, limit: usize, keep: impl Fn(&K) -> bool) -> Vec<K> {
        let mut gone = Vec::new();
        if self.total <= limit {
            return gone;
        }
        let candidates: Vec<(u64, K)> = self
            .order
            .iter()
            .filter(|(_, k)| !keep(k))
            .map(|(t, k)| (*t, k.clone()))
            .collect();
        for (t, k) in candidates {
            if self.total <= limit {
                break;
            }
            self.order.remove(&t);
            if let Some((_, w)) = self.entries.remove(&k) {
                self.total -= w;
            }
            gone.push(k);
        }
        gone
    }
}

/// The library the tools answer from, replaced when the site is rebuilt:
/// every call takes the current one, and a call already running keeps the
/// one it started with, so no answer mixes two builds.
#[derive(Clone)]
pub struct Live(Arc<LiveInner>);

struct LiveInner {
    current: RwLock<Arc<Library>>,
    reload: Option<Reload>,
}

struct Reload {
    every: Duration,
    /// When the manifest was last checked, and what identified it.
    checked: Mutex<(Instant, Validator)>,
}

impl From<Arc<Library>> for Live {
    /// A library that is never replaced.
    fn from(lib: Arc<Library>) -> Live {
        Live(Arc::new(LiveInner {
            current: RwLock::new(lib),
            reload: None,
        }))
    }
}

impl From<Library> for Live {
    fn from(lib: Library) -> Live {
        Live::from(Arc::new(lib))
    }
}

impl Live {
    /// Opens `source` on demand and checks its manifest at most every
    /// `every` (conditional requests) for a new build.
    pub fn open(source: Arc<Source>, limits: Limits, every: Duration) -> anyhow::Result<Live> {
        let (manifest, validator) = source.get_validated(&manifest_rel())?;
        let lib = Library::open_with(source, limits, &manifest)?;
        Ok(Live(Arc::new(LiveInner {
            current: RwLock::new(Arc::new(lib)),
            reload: Some(Reload {
                every,
                checked: Mutex::new((Instant::now(), validator)),
            }),
        })))
    }

    /// The current library, without checking the site for a new build.
    pub fn peek(&self) -> Arc<Library> {
        self.0
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The library to answer a call from: the current one, replaced first
    /// when its site was rebuilt (checked at most every re-validation
    /// interval, and at once after a file of another build turned up).
    pub fn current(&self) -> Result<Arc<Library>, String> {
        let lib = self
            .0
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let Some(reload) = &self.0.reload else {
            return Ok(lib);
        };
        let stale = lib.is_stale();
        // One call checks; the others go on with the library they have.
        let mut checked = match reload.checked.try_lock() {
            Ok(c) => c,
            Err(_) if stale => lock(&reload.checked),
            Err(_) => return Ok(lib),
        };
        let now = self
            .0
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if !Arc::ptr_eq(&now, &lib) {
            return Ok(now); // replaced while this call waited
        }
        if !stale && checked.0.elapsed() < reload.every {
            return Ok(lib);
        }
        let source = lib.store.source.clone();
        // A stale library is replaced even when the manifest did not change
        // (new files ahead of it, a deploy in progress), so that one bad
        // file does not fail every later call.
        let check = if stale {
            source
                .get_validated(&manifest_rel())
                .map(|(b, v)| Revalidated::Changed(b, v))
        } else {
            source.revalidate(&manifest_rel(), &checked.1)
        };
        let fresh = match check {
            Ok(Revalidated::Unchanged) => None,
            Ok(Revalidated::Changed(bytes, v)) => Some((bytes, v)),
            Err(e) if stale => {
                return Err(format!(
                    "The site was rebuilt and its new build cannot be read yet: {e:#}"
                ))
            }
            Err(e) => {
                // The origin may be back by the next call; files a call
                // needs fail with their own message meanwhile.
                tracing::warn!("cannot re-validate the site: {e:#}");
                checked.0 = Instant::now();
                return Ok(lib);
            }
        };
        checked.0 = Instant::now();
        let Some((bytes, validator)) = fresh else {
            return Ok(lib);
        };
        let same_build = Index::open(&bytes).is_ok_and(|i| i.build_id() == lib.build_id);
        if same_build && !stale {
            checked.1 = validator;
            return Ok(lib);
        }
        match Library::open_with(source, lib.store.limits, &bytes) {
            Ok(new) => {
                checked.1 = validator;
                let new = Arc::new(new);
                tracing::info!(
                    "the site changed: build {:08x} replaces {:08x}, caches dropped",
                    new.build_id,
                    lib.build_id
                );
                *self.0.current.write().unwrap_or_else(|e| e.into_inner()) = new.clone();
                Ok(new)
            }
            Err(e) => Err(format!(
                "The site was rebuilt and its new build cannot be read yet: {e:#}"
            )),
        }
    }
}

fn product(p: ProductEntry, docs: &mut Vec<DocInfo>) -> Product {
    let versions = p
        .versions
        .into_iter()
        .map(|v| Version {
            doc_sets: v
                .doc_sets
                .into_iter()
                .map(|s| doc_set(&p.id, &p.name, &p.vendor, &v.id, s, docs))
                .collect(),
            id: v.id,
        })
        .collect();
    Product {
        id: p.id,
        name: p.name,
        aliases: p.aliases,
        vendor: p.vendor,
        description: p.description,
        versions,
    }
}

fn doc_set(
    product: &str,
    product_name: &str,
    vendor: &str,
    version: &str,
    s: DocSetEntry,
    docs: &mut Vec<DocInfo>,
) -> DocSet {
    let n = s.documents.len();
    let ids: Vec<usize> = (docs.len()..docs.len() + n).collect();
    // `doc_dir` of the doc set, without a document.
    let dir = format!("{product}/{version}/{}/", s.id);
    for d in s.documents {
        let document = d
            .url
            .strip_prefix(&dir)
            .unwrap_or(&d.url)
            .trim_end_matches("index.html")
            .trim_end_matches('/')
            .to_string();
        docs.push(DocInfo {
            id: site::doc_id(product, version, &s.id, &document),
            title: d.title,
            vendor: vendor.to_string(),
            product: product.to_string(),
            product_name: product_name.to_string(),
            version: version.to_string(),
            doc_set: s.id.clone(),
            doc_set_title: s.title.clone(),
            document,
            url: d.url,
            description: d.description,
            page_count: d.pages,
            chunk_count: d.chunks,
            digest: d.digest,
            siblings: n,
        });
    }
    DocSet {
        id: s.id,
        title: s.title,
        docs: ids,
    }
}

/// Matches each document of the index to its entry in `library.json`
/// through the facet tree (doc set → version → product), and checks the
/// chunk counts so an index from another build is refused rather than
/// misread.
fn ordinal_map(lib: &Library) -> anyhow::Result<Vec<(u32, usize)>> {
    let index = read(&lib.store.index);
    let facets = index.facets();
    let mut sets: Vec<&FacetNode> = facets
        .tree
        .iter()
        .filter(|n| n.kind == FacetKind::DocSet)
        .collect();
    sets.sort_by_key(|n| n.start);
    let value = |i: Option<usize>| i.map_or("", |i| facets.tree[i].value.as_str());
    let mut out = Vec::with_capacity(facets.documents.len());
    for info in &facets.documents {
        let i = sets.partition_point(|n| n.start <= info.start);
        let set = i
            .checked_sub(1)
            .map(|i| sets[i])
            .filter(|n| info.start < n.end)
            .with_context(|| {
                format!(
                    "the search index places document `{}` in no doc set",
                    info.key
                )
            })?;
        let version = set.parent;
        let product = version.and_then(|v| facets.tree[v].parent);
        let id = site::doc_id(value(product), value(version), &set.value, &info.key);
        let d = lib.doc_index(&id).with_context(|| {
            format!("the search index has document `{id}`, which the site lacks; rebuild the site")
        })?;
        if lib.docs[d].chunk_count != (info.end - info.start) as usize {
            anyhow::bail!("the search index and library.json disagree on the chunks of `{id}`; rebuild the site");
        }
        out.push((info.start, d));
    }
    Ok(out)
}

impl Doc {
    pub fn chunk(&self, n: u32) -> Option<&Chunk> {
        self.chunk_index(n).map(|i| &self.chunks[i])
    }

    /// Position of chunk `n` in [`Doc::chunks`].
    pub fn chunk_index(&self, n: u32) -> Option<usize> {
        self.chunks.binary_search_by_key(&n, |c| c.n).ok()
    }

    /// Position of a page in [`Doc::pages`] by its physical number.
    pub fn page_index(&self, number: u32) -> Option<usize> {
        self.pages.binary_search_by_key(&number, |p| p.number).ok()
    }

    pub fn page(&self, number: u32) -> Option<&Page> {
        self.page_index(number).map(|i| &self.pages[i])
    }

    /// A page by its printed label (`iv`, `12`), compared without case.
    pub fn page_by_label(&self, label: &str) -> Option<&Page> {
        let label = label.trim();
        self.pages.iter().find(|p| {
            p.label
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(label))
        })
    }

    /// The chunks printed on a page, in order.
    pub fn page_chunks(&self, page: &Page) -> &[Chunk] {
        let (Some(first), Some(last)) = (page.first_chunk, page.last_chunk) else {
            return &[];
        };
        let start = self.chunks.partition_point(|c| c.n < first);
        let end = self.chunks.partition_point(|c| c.n <= last);
        &self.chunks[start..end.max(start)]
    }

    /// A page's Markdown: its chunks joined, the same text as its `p/<n>.md`
    /// file without the header comment.
    pub fn page_markdown(&self, page: &Page) -> String {
        self.page_chunks(page)
            .iter()
            .map(|c| c.markdown.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}
