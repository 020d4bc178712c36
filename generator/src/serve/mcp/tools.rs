//! The MCP tools: arguments, results and what they do. Each tool is a plain
//! function from the library and its arguments to a result or to a message
//! for the client, so it can be tested without any transport.

use super::schema::lenient_u32;
use super::scope::{self, Requested};
use super::text::{self, Target};
use crate::serve::library::{Chunk, Doc, DocSet, Library, Page, Product, Version};
use mcdewey_search_core::{parse_query, snippet, FilterSet, Filters, ScoredChunk, SNIPPET_CHARS};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A message the client should read (returned with `isError`).
pub type ToolResult<T> = Result<T, String>;

/// What a call stopped by its client or its time budget says (never sent
/// to a client that went away; never cached).
pub const CANCELLED: &str = "The call was cancelled.";

pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;
/// Deepest result reachable through cursors.
pub const MAX_RESULTS: usize = 1000;
pub const DEFAULT_CHARS: usize = 20_000;
pub const MAX_CHARS: usize = 100_000;
pub const MIN_CHARS: usize = 200;
pub const MAX_NEIGHBORS: u32 = 3;
/// Documents per `list_library` answer.
pub const DOCS_PER_PAGE: usize = 200;
/// Headings per `get_outline` answer.
pub const HEADINGS_PER_PAGE: usize = 300;

// ---------------------------------------------------------------- search

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Words, "quoted phrases" and identifiers, as in the site's search box.
    /// `product:ID`, `version:ID` and `set:ID` words act as filters.
    pub query: String,
    /// Vendor name, as listed by list_library.
    pub vendor: Option<String>,
    /// Product id (or name), as listed by list_library.
    pub product: Option<String>,
    /// Version id, e.g. `5.0`. Without it only the current version of each
    /// product is searched.
    pub version: Option<String>,
    /// Doc-set id, e.g. `admin-guide`.
    pub doc_set: Option<String>,
    /// Document id (`product::version::doc-set::document`).
    pub document: Option<String>,
    /// Results per call, 1 to 50 (default 10).
    #[serde(default, deserialize_with = "lenient_u32")]
    #[schemars(range(min = 1, max = 50))]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous call with the same arguments.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SearchOutput {
    /// The query as searched, without filter words.
    pub query: String,
    /// Number of results in scope: matching chunks, a passage that is the
    /// same in several searched versions counting once.
    pub total: u32,
    /// The versions (`product version`) or documents searched.
    pub searched: Vec<String>,
    /// How the scope was chosen, when it was not given in full.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Set when no version was given, nothing matched in the current
    /// versions, and every version was searched instead (see `note`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub widened: bool,
    pub hits: Vec<SearchHit>,
    /// Pass as `cursor` with the same arguments for the next results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SearchHit {
    /// Chunk id, for fetch.
    pub id: String,
    /// Document id, for read_page and get_outline.
    pub document: String,
    /// Document title.
    pub title: String,
    pub url: String,
    pub vendor: String,
    pub product: String,
    pub product_name: String,
    pub version: String,
    pub doc_set: String,
    pub doc_set_title: String,
    /// Physical page number (as in `p/<page>.html`).
    pub page: u32,
    /// Printed page label, when the document has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_label: Option<String>,
    /// Page id, for fetch.
    pub page_id: String,
    /// Headings above the chunk.
    pub breadcrumb: Vec<String>,
    pub score: f32,
    /// Text around the matched words.
    pub snippet: String,
    /// Ready-made citation: document, printed page and section; documents
    /// without physical pages (web pages) by document and section only.
    pub citation: String,
    /// The same text in other searched versions of this document: those
    /// chunks match too but are not listed as hits of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub same_text_in: Vec<SameText>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SameText {
    /// Chunk id, for fetch.
    pub id: String,
    pub version: String,
}

/// Ranked chunk ids for a query: search-core's ranking with the query
/// syntax of the search box (the last word is a prefix when the text ends
/// inside a word) and the first 10 results.
pub fn search_ids(lib: &Library, query: &str, filters: Filters) -> Vec<String> {
    let q = parse_query(query, filters);
    let Ok(result) = lib.index.search(&q) else {
        return Vec::new();
    };
    result
        .hits
        .iter()
        .filter_map(|h| lib.chunk_at(h.ordinal))
        .map(|(_, c)| c.id.clone())
        .collect()
}

pub fn search(lib: &Library, args: &SearchArgs) -> ToolResult<SearchOutput> {
    super::limits::check_query(lib, &args.query)?;
    let mut req = Requested::default();
    let text = scope::take_inline_filters(&args.query, &mut req);
    if text.trim().is_empty() {
        return Err("`query` is empty: give some words to search for.".into());
    }
    let opt = |o: &Option<String>| o.iter().cloned().collect::<Vec<_>>();
    req.vendor.extend(opt(&args.vendor));
    req.product.extend(opt(&args.product));
    req.version.extend(opt(&args.version));
    req.doc_set.extend(opt(&args.doc_set));
    req.document.extend(opt(&args.document));
    let limit = limit(args.limit)?;
    let fp = fingerprint_of("search", args);
    let offset = text::decode_cursor(args.cursor.as_deref(), fp)?;
    let mut scope = scope::resolve(lib, &req)?;
    let want = (offset + limit).min(MAX_RESULTS);
    let (mut ranked, mut total, mut terms) = run(lib, &text, &scope.filters, want)?;
    let mut widened = false;
    // Semantic results alone (no chunk has the query's words) are a weak
    // answer when another version has the words: that counts as nothing.
    let unmatched = total == 0 || word_matches(lib, &text, &scope.filters)? == 0;
    if unmatched {
        let current = scope.searched.join(", ");
        let wide = if scope.defaulted {
            Some(scope::all_versions(lib, &req)?)
                .filter(|w| w.searched.len() > scope.searched.len())
        } else {
            None
        };
        let wide = match wide {
            Some(w) if total == 0 || word_matches(lib, &text, &w.filters)? > 0 => Some(w),
            _ => None,
        };
        // An empty answer from the default scope would read as "the library
        // has nothing on this": search every version instead, and say so.
        scope.note = Some(match wide {
            Some(wide) => {
                (ranked, total, terms) = run(lib, &text, &wide.filters, want)?;
                widened = true;
                let all = scope::list(&wide.searched);
                scope = wide;
                if total == 0 {
                    format!("Nothing matched in the current versions ({current}) nor in any other version ({all}).")
                } else {
                    format!(
                        "Nothing matched in the current versions ({current}), so every version was searched ({all}); each hit names its version. Pass `version` to search one."
                    )
                }
            }
            None if total == 0 => format!("Nothing matched in {current}."),
            None => format!(
                "No text in {current} has the query's words; these results are only close in meaning."
            ),
        });
    }
    if super::pool::cancelled() {
        return Err(CANCELLED.into());
    }
    let hits = ranked
        .iter()
        .skip(offset)
        .map(|(s, also)| hit(lib, s, also, &terms))
        .collect::<ToolResult<Vec<_>>>()?;
    let next = offset + hits.len();
    Ok(SearchOutput {
        query: text.trim().to_string(),
        total,
        searched: scope.searched,
        note: scope.note,
        widened,
        next_cursor: (next < total as usize && next < MAX_RESULTS && !hits.is_empty())
            .then(|| text::cursor(fp, next)),
        hits,
    })
}

fn limit(asked: Option<u32>) -> ToolResult<usize> {
    match asked {
        None => Ok(DEFAULT_LIMIT),
        Some(n @ 1..=50) => Ok(n as usize),
        Some(n) => Err(format!(
            "`limit` must be between 1 and {MAX_LIMIT}, got {n}."
        )),
    }
}

/// A hit and the other matching chunks with its text (see
/// [`SearchHit::same_text_in`]).
type Ranked = (ScoredChunk, Vec<u32>);

/// Chunks in `filters` that match the query's words (semantic search off).
fn word_matches(lib: &Library, text: &str, filters: &FilterSet) -> ToolResult<u32> {
    let q = parse_query(text, filters.clone())
        .with_semantic(false)
        .with_limit(1);
    let r = lib
        .index
        .search(&q)
        .map_err(|e| format!("search failed: {e}"))?;
    Ok(r.total)
}

/// One search over the whole scope (a union of filters, ranked together:
/// the hybrid blend normalises over the chunks in scope, so searches of
/// its parts would not be comparable), with the matched terms for snippets.
fn run(
    lib: &Library,
    text: &str,
    filters: &FilterSet,
    want: usize,
) -> ToolResult<(Vec<Ranked>, u32, HashSet<String>)> {
    let q = parse_query(text, filters.clone()).with_limit(want);
    let (r, terms) = lib
        .index
        .search_with_terms(&q)
        .map_err(|e| format!("search failed: {e}"))?;
    Ok((r.hits.into_iter().zip(r.also).collect(), r.total, terms))
}

/// Display data of one result. This is what search-core's `Index::hit`
/// gives, built from `document.json` instead of the index fragments, with
/// the matched terms worked out once per query instead of once per hit:
/// the snippet comes from the same function over the same text.
fn hit(
    lib: &Library,
    s: &ScoredChunk,
    also: &[u32],
    terms: &HashSet<String>,
) -> ToolResult<SearchHit> {
    let lacks =
        |o: u32| format!("the index names chunk {o}, which the site lacks; rebuild the site");
    let (doc, c) = lib.chunk_at(s.ordinal).ok_or_else(|| lacks(s.ordinal))?;
    let same_text_in = also
        .iter()
        .map(|&o| {
            let (d, c) = lib.chunk_at(o).ok_or_else(|| lacks(o))?;
            Ok(SameText {
                id: c.id.clone(),
                version: d.version.clone(),
            })
        })
        .collect::<ToolResult<Vec<_>>>()?;
    let page = doc.page(c.page);
    let section = text::section(doc, c);
    let plain = c.plain_text();
    Ok(SearchHit {
        id: c.id.clone(),
        citation: text::citation(doc, page, section.as_deref()),
        page_id: text::page_id(doc, c.page),
        url: lib.url(&format!(
            "{}#c-{}",
            page.map_or(doc.url.as_str(), |p| p.url.as_str()),
            c.n
        )),
        document: doc.id.clone(),
        title: doc.title.clone(),
        vendor: doc.vendor.clone(),
        product: doc.product.clone(),
        product_name: doc.product_name.clone(),
        version: doc.version.clone(),
        doc_set: doc.doc_set.clone(),
        doc_set_title: doc.doc_set_title.clone(),
        page: c.page,
        page_label: page.and_then(|p| p.label.clone()),
        breadcrumb: c.breadcrumb.clone(),
        score: s.score,
        snippet: snippet(lib.index.tokenizer(), plain, terms, SNIPPET_CHARS).text,
        same_text_in,
    })
}

fn fingerprint_of<T: Serialize>(tool: &str, args: &T) -> u64 {
    let mut v = serde_json::to_value(args).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("cursor");
    }
    text::fingerprint(&[tool, &v.to_string()])
}

// ---------------------------------------------------------------- fetch

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchArgs {
    /// A chunk id from search (`product::version::doc-set::document::N`) or a
    /// page id (`product::version::doc-set::document::pN`, N the physical page).
    pub id: String,
    /// `next_cursor` of the previous call, to read on in a long page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Passage {
    pub id: String,
    /// `chunk` or `page`.
    pub kind: String,
    /// Document id.
    pub document: String,
    /// Document title.
    pub title: String,
    pub vendor: String,
    pub product: String,
    pub product_name: String,
    pub version: String,
    pub doc_set: String,
    pub doc_set_title: String,
    /// Physical page number.
    pub page: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_label: Option<String>,
    pub page_id: String,
    /// Heading path of a chunk, or the title of a page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub url: String,
    pub citation: String,
    pub markdown: String,
    /// Id of the chunk or page before this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Id of the chunk or page after this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Chunk ids on a page.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub chunks: Vec<String>,
    /// Set when `markdown` stops early; pass `next_cursor` to read on.
    pub truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

pub fn fetch(lib: &Library, args: &FetchArgs) -> ToolResult<Passage> {
    match text::parse_id(&args.id) {
        Target::Chunk(d, n) => {
            let doc = scope::find_document(lib, d)?;
            let chunk = doc.chunk(n).ok_or_else(|| no_chunk(doc, n))?;
            Ok(chunk_passage(lib, doc, chunk))
        }
        Target::Page(d, n) => {
            let doc = scope::find_document(lib, d)?;
            let page = doc.page(n).ok_or_else(|| no_page(doc, &n.to_string()))?;
            let fp = text::fingerprint(&["fetch", &args.id]);
            let offset = text::decode_cursor(args.cursor.as_deref(), fp)?;
            Ok(page_passage(lib, doc, page, offset, fp))
        }
        Target::Other if lib.doc(args.id.trim()).is_some() => Err(format!(
            "`{0}` is a document id. fetch takes a chunk id or a page id such as `{0}::p1`; get_outline lists a document's headings.",
            args.id.trim()
        )),
        Target::Other => Err(format!(
            "Unknown id `{}`. Chunk ids come from search and look like `product::version::doc-set::document::12`; page ids end in `::p<page>`.",
            args.id
        )),
    }
}

fn no_chunk(doc: &Doc, n: u32) -> String {
    let last = doc.chunks.last().map_or(0, |c| c.n);
    format!(
        "Document `{}` has no chunk {n}; its chunks are 1 to {last}.",
        doc.id
    )
}

fn no_page(doc: &Doc, asked: &str) -> String {
    let (first, last) = (doc.pages.first(), doc.pages.last());
    let range = match (first, last) {
        (Some(f), Some(l)) => format!(
            "its pages are {} to {} (printed {} to {})",
            f.number,
            l.number,
            text::page_name(f),
            text::page_name(l)
        ),
        _ => "it has no pages".into(),
    };
    format!("Document `{}` has no page {asked}; {range}.", doc.id)
}

fn chunk_passage(lib: &Library, doc: &Doc, c: &Chunk) -> Passage {
    let page = doc.page(c.page);
    let section = text::section(doc, c);
    let i = doc.chunks.iter().position(|o| o.n == c.n).unwrap_or(0);
    let mut p = passage(lib, doc, c.page, page);
    p.id = c.id.clone();
    p.kind = "chunk".into();
    p.citation = text::citation(doc, page, section.as_deref());
    p.section = section;
    p.url = lib.url(&format!(
        "{}#c-{}",
        page.map_or("", |p| p.url.as_str()),
        c.n
    ));
    p.markdown = c.markdown.clone();
    p.previous = i.checked_sub(1).map(|j| doc.chunks[j].id.clone());
    p.next = doc.chunks.get(i + 1).map(|o| o.id.clone());
    p
}

fn page_passage(lib: &Library, doc: &Doc, page: &Page, offset: usize, fp: u64) -> Passage {
    let i = doc.page_index(page.number).unwrap_or(0);
    let full = doc.page_markdown(page);
    let (md, next) = text::window(&full, offset, DEFAULT_CHARS);
    let mut p = passage(lib, doc, page.number, Some(page));
    p.id = text::page_id(doc, page.number);
    p.kind = "page".into();
    p.citation = text::citation(doc, Some(page), page.title.as_deref());
    p.section = page.title.clone();
    p.markdown = md.to_string();
    p.truncated = next.is_some();
    p.next_cursor = next.map(|n| text::cursor(fp, n));
    p.previous = i
        .checked_sub(1)
        .map(|j| text::page_id(doc, doc.pages[j].number));
    p.next = doc.pages.get(i + 1).map(|o| text::page_id(doc, o.number));
    p.chunks = doc.page_chunks(page).iter().map(|c| c.id.clone()).collect();
    p
}

fn passage(lib: &Library, doc: &Doc, number: u32, page: Option<&Page>) -> Passage {
    Passage {
        id: String::new(),
        kind: String::new(),
        document: doc.id.clone(),
        title: doc.title.clone(),
        vendor: doc.vendor.clone(),
        product: doc.product.clone(),
        product_name: doc.product_name.clone(),
        version: doc.version.clone(),
        doc_set: doc.doc_set.clone(),
        doc_set_title: doc.doc_set_title.clone(),
        page: number,
        page_label: page.and_then(|p| p.label.clone()),
        page_id: text::page_id(doc, number),
        section: None,
        url: lib.url(page.map_or(doc.url.as_str(), |p| p.url.as_str())),
        citation: String::new(),
        markdown: String::new(),
        previous: None,
        next: None,
        chunks: Vec::new(),
        truncated: false,
        next_cursor: None,
    }
}

// ---------------------------------------------------------------- read_page

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadPageArgs {
    /// Document id (`product::version::doc-set::document`).
    pub document: String,
    /// Physical page number, as in `p/<page>.html` and in page ids.
    #[serde(default, deserialize_with = "lenient_u32")]
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
    /// Printed page label instead of `page`, e.g. `iv` or `12` as cited.
    pub page_label: Option<String>,
    /// Pages to add before and after, 0 to 3 (default 0).
    #[serde(default, deserialize_with = "lenient_u32")]
    #[schemars(range(min = 0, max = 3))]
    pub neighbors: Option<u32>,
    /// Most characters to return, 200 to 100000 (default 20000).
    #[serde(default, deserialize_with = "lenient_u32")]
    #[schemars(range(min = 200, max = 100000))]
    pub max_chars: Option<u32>,
    /// `next_cursor` of the previous call with the same arguments.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ReadPageOutput {
    pub document: String,
    pub title: String,
    /// Pages in the document.
    pub page_count: usize,
    /// The pages returned, in order.
    pub pages: Vec<PageRef>,
    /// Their Markdown; with several pages, each starts with a
    /// `<!-- page N (p. LABEL) -->` line.
    pub markdown: String,
    /// Page id before the first page returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Page id after the last page returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    pub truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct PageRef {
    pub id: String,
    pub number: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub url: String,
    pub citation: String,
}

pub fn read_page(lib: &Library, args: &ReadPageArgs) -> ToolResult<ReadPageOutput> {
    let doc = scope::find_document(lib, &args.document)?;
    let page = requested_page(doc, args)?;
    let neighbors = args.neighbors.unwrap_or(0);
    if neighbors > MAX_NEIGHBORS {
        return Err(format!(
            "`neighbors` must be between 0 and {MAX_NEIGHBORS}."
        ));
    }
    let max_chars = args.max_chars.map_or(DEFAULT_CHARS, |n| n as usize);
    if !(MIN_CHARS..=MAX_CHARS).contains(&max_chars) {
        return Err(format!(
            "`max_chars` must be between {MIN_CHARS} and {MAX_CHARS}."
        ));
    }
    let fp = fingerprint_of("read_page", args);
    let offset = text::decode_cursor(args.cursor.as_deref(), fp)?;
    let i = doc.page_index(page.number).unwrap_or(0);
    let n = neighbors as usize;
    let range = i.saturating_sub(n)..(i + n + 1).min(doc.pages.len());
    let pages = &doc.pages[range.clone()];
    let full = joined_pages(doc, pages);
    let (md, next) = text::window(&full, offset, max_chars);
    Ok(ReadPageOutput {
        document: doc.id.clone(),
        title: doc.title.clone(),
        page_count: doc.pages.len(),
        pages: pages.iter().map(|p| page_ref(lib, doc, p)).collect(),
        markdown: md.to_string(),
        previous: range
            .start
            .checked_sub(1)
            .map(|j| text::page_id(doc, doc.pages[j].number)),
        next: doc
            .pages
            .get(range.end)
            .map(|p| text::page_id(doc, p.number)),
        truncated: next.is_some(),
        next_cursor: next.map(|o| text::cursor(fp, o)),
    })
}

fn requested_page<'a>(doc: &'a Doc, args: &ReadPageArgs) -> ToolResult<&'a Page> {
    match (args.page, args.page_label.as_deref()) {
        (Some(n), None) => doc.page(n).ok_or_else(|| no_page(doc, &n.to_string())),
        (None, Some(l)) => doc
            .page_by_label(l)
            .ok_or_else(|| no_page(doc, &format!("labelled `{l}`"))),
        (Some(_), Some(_)) => Err("Give either `page` or `page_label`, not both.".into()),
        (None, None) => {
            Err("Give `page` (physical number) or `page_label` (printed label).".into())
        }
    }
}

fn joined_pages(doc: &Doc, pages: &[Page]) -> String {
    if let [only] = pages {
        return doc.page_markdown(only);
    }
    pages
        .iter()
        .map(|p| {
            format!(
                "<!-- page {} (p. {}) -->\n{}",
                p.number,
                text::page_name(p),
                doc.page_markdown(p)
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn page_ref(lib: &Library, doc: &Doc, p: &Page) -> PageRef {
    PageRef {
        id: text::page_id(doc, p.number),
        number: p.number,
        label: p.label.clone(),
        title: p.title.clone(),
        url: lib.url(&p.url),
        citation: text::citation(doc, Some(p), p.title.as_deref()),
    }
}

// ---------------------------------------------------------------- list_library

#[derive(Debug, Deserialize, Serialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ListLibraryArgs {
    /// Vendor name.
    pub vendor: Option<String>,
    /// Product id or name.
    pub product: Option<String>,
    /// Version id (with or without `product`).
    pub version: Option<String>,
    /// `next_cursor` of the previous call with the same arguments.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema, Clone, Copy, Default)]
pub struct Counts {
    pub documents: usize,
    pub pages: usize,
    pub chunks: usize,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct LibraryOutput {
    /// Totals of everything in scope.
    pub counts: Counts,
    pub vendors: Vec<VendorNode>,
    /// Set when documents are left out or continue on another call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct VendorNode {
    pub name: String,
    pub products: Vec<ProductNode>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ProductNode {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The version searched when none is given.
    pub current_version: String,
    pub counts: Counts,
    pub versions: Vec<VersionNode>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct VersionNode {
    pub id: String,
    pub current: bool,
    pub counts: Counts,
    pub doc_sets: Vec<DocSetNode>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DocSetNode {
    pub id: String,
    pub title: String,
    pub counts: Counts,
    /// Left out when the scope is large and no product is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<DocNode>>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DocNode {
    /// Document id.
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub pages: usize,
    pub chunks: usize,
}

pub fn list_library(lib: &Library, args: &ListLibraryArgs) -> ToolResult<LibraryOutput> {
    let fp = fingerprint_of("list_library", args);
    let offset = text::decode_cursor(args.cursor.as_deref(), fp)?;
    let opt = |o: &Option<String>| o.iter().cloned().collect::<Vec<_>>();
    let vendors = scope::vendors(lib, &opt(&args.vendor))?;
    let products = scope::products(&vendors, &opt(&args.product))?;
    let versions = opt(&args.version);
    if !versions.is_empty() {
        scope::versions(&products, &versions)?;
    }
    let in_scope = |p: &str, v: &str| {
        products.iter().any(|o| o.id == p)
            && (versions.is_empty() || versions.iter().any(|x| x == v))
    };
    let docs: Vec<usize> = (0..lib.docs.len())
        .filter(|&i| in_scope(&lib.docs[i].product, &lib.docs[i].version))
        .collect();
    let with_docs = args.product.is_some() || args.version.is_some() || docs.len() <= DOCS_PER_PAGE;
    let shown: &[usize] = if with_docs {
        let start = offset.min(docs.len());
        &docs[start..(start + DOCS_PER_PAGE).min(docs.len())]
    } else {
        &[]
    };
    let end = offset + shown.len();
    Ok(LibraryOutput {
        counts: counts(lib, &docs),
        vendors: tree(lib, &docs, with_docs.then_some(shown)),
        note: library_note(with_docs, docs.len(), offset, end),
        next_cursor: (with_docs && end < docs.len()).then(|| text::cursor(fp, end)),
    })
}

fn library_note(with_docs: bool, total: usize, start: usize, end: usize) -> Option<String> {
    if !with_docs {
        return Some(format!(
            "{total} documents: pass `product` (and `version`) to list them."
        ));
    }
    (start > 0 || end < total).then(|| {
        format!(
            "Documents {} to {end} of {total}; pass `next_cursor` for more.",
            start + 1
        )
    })
}

fn counts(lib: &Library, docs: &[usize]) -> Counts {
    let mut c = Counts::default();
    for &i in docs {
        c.documents += 1;
        c.pages += lib.docs[i].pages.len();
        c.chunks += lib.docs[i].chunks.len();
    }
    c
}

/// Which documents a `list_library` tree covers and which it lists.
struct Selection<'a> {
    lib: &'a Library,
    in_scope: Vec<bool>,
    /// Listed documents; `None` when documents are left out.
    shown: Option<Vec<bool>>,
}

impl Selection<'_> {
    fn keep(&self, ids: &[usize]) -> Vec<usize> {
        ids.iter().copied().filter(|&i| self.in_scope[i]).collect()
    }

    fn visible(&self, ids: &[usize]) -> bool {
        match &self.shown {
            Some(s) => ids.iter().any(|&i| s[i]),
            None => !ids.is_empty(),
        }
    }
}

/// The tree over `docs`. With `shown`, only nodes holding a shown document
/// appear, with those documents listed.
fn tree(lib: &Library, docs: &[usize], shown: Option<&[usize]>) -> Vec<VendorNode> {
    let mask = |ids: &[usize]| {
        let mut m = vec![false; lib.docs.len()];
        ids.iter().for_each(|&i| m[i] = true);
        m
    };
    let sel = Selection {
        lib,
        in_scope: mask(docs),
        shown: shown.map(mask),
    };
    lib.vendors
        .iter()
        .filter_map(|v| {
            let products: Vec<ProductNode> = v
                .products
                .iter()
                .filter_map(|p| product_node(&sel, p))
                .collect();
            (!products.is_empty()).then(|| VendorNode {
                name: v.name.clone(),
                products,
            })
        })
        .collect()
}

fn product_node(sel: &Selection<'_>, p: &Product) -> Option<ProductNode> {
    let versions: Vec<VersionNode> = p
        .versions
        .iter()
        .enumerate()
        .filter_map(|(i, v)| version_node(sel, v, i == 0))
        .collect();
    if versions.is_empty() {
        return None;
    }
    let ids: Vec<usize> = p
        .versions
        .iter()
        .flat_map(|v| &v.doc_sets)
        .flat_map(|s| sel.keep(&s.docs))
        .collect();
    Some(ProductNode {
        id: p.id.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        current_version: p.versions.first().map(|v| v.id.clone()).unwrap_or_default(),
        counts: counts(sel.lib, &ids),
        versions,
    })
}

fn version_node(sel: &Selection<'_>, v: &Version, current: bool) -> Option<VersionNode> {
    let sets: Vec<DocSetNode> = v
        .doc_sets
        .iter()
        .filter_map(|s| doc_set_node(sel, s))
        .collect();
    if sets.is_empty() {
        return None;
    }
    let ids: Vec<usize> = v.doc_sets.iter().flat_map(|s| sel.keep(&s.docs)).collect();
    Some(VersionNode {
        id: v.id.clone(),
        current,
        counts: counts(sel.lib, &ids),
        doc_sets: sets,
    })
}

fn doc_set_node(sel: &Selection<'_>, s: &DocSet) -> Option<DocSetNode> {
    let ids = sel.keep(&s.docs);
    if !sel.visible(&ids) {
        return None;
    }
    Some(DocSetNode {
        id: s.id.clone(),
        title: s.title.clone(),
        counts: counts(sel.lib, &ids),
        documents: sel.shown.as_ref().map(|sh| {
            ids.iter()
                .filter(|&&i| sh[i])
                .map(|&i| doc_node(&sel.lib.docs[i]))
                .collect()
        }),
    })
}

fn doc_node(d: &Doc) -> DocNode {
    DocNode {
        id: d.id.clone(),
        title: d.title.clone(),
        description: d.description.clone(),
        pages: d.pages.len(),
        chunks: d.chunks.len(),
    }
}

// ---------------------------------------------------------------- get_outline

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutlineArgs {
    /// Document id (`product::version::doc-set::document`).
    pub document: String,
    /// `next_cursor` of the previous call with the same arguments.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct OutlineOutput {
    pub document: String,
    pub title: String,
    pub citation: String,
    pub page_count: usize,
    /// Top-level headings; each holds the headings below it.
    pub headings: Vec<HeadingNode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct HeadingNode {
    pub level: u8,
    pub text: String,
    /// Physical page number the heading is on.
    pub page: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_label: Option<String>,
    pub page_id: String,
    /// The chunk that starts at this heading, for fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub children: Vec<HeadingNode>,
}

pub fn get_outline(lib: &Library, args: &OutlineArgs) -> ToolResult<OutlineOutput> {
    let doc = scope::find_document(lib, &args.document)?;
    let fp = fingerprint_of("get_outline", args);
    let offset = text::decode_cursor(args.cursor.as_deref(), fp)?.min(doc.outline.len());
    let end = (offset + HEADINGS_PER_PAGE).min(doc.outline.len());
    let flat: Vec<HeadingNode> = doc.outline[offset..end]
        .iter()
        .map(|h| HeadingNode {
            level: h.level,
            text: h.text.clone(),
            page: h.page,
            page_label: doc.page(h.page).and_then(|p| p.label.clone()),
            page_id: text::page_id(doc, h.page),
            chunk_id: h.chunk.and_then(|n| doc.chunk(n)).map(|c| c.id.clone()),
            children: Vec::new(),
        })
        .collect();
    Ok(OutlineOutput {
        document: doc.id.clone(),
        title: doc.title.clone(),
        citation: text::citation(doc, None, None),
        page_count: doc.pages.len(),
        headings: nest(flat),
        next_cursor: (end < doc.outline.len()).then(|| text::cursor(fp, end)),
    })
}

/// Builds the tree from headings in document order: each heading goes under
/// the nearest earlier heading of a lower level.
fn nest(flat: Vec<HeadingNode>) -> Vec<HeadingNode> {
    let mut roots: Vec<HeadingNode> = Vec::new();
    let mut stack: Vec<HeadingNode> = Vec::new();
    for h in flat {
        while stack.last().is_some_and(|top| top.level >= h.level) {
            close(&mut stack, &mut roots);
        }
        stack.push(h);
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots);
    }
    roots
}

fn close(stack: &mut Vec<HeadingNode>, roots: &mut Vec<HeadingNode>) {
    if let Some(done) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(done),
            None => roots.push(done),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(level: u8, text: &str) -> HeadingNode {
        HeadingNode {
            level,
            text: text.into(),
            page: 1,
            page_label: None,
            page_id: String::new(),
            chunk_id: None,
            children: Vec::new(),
        }
    }

    #[test]
    fn headings_nest_by_level() {
        let t = nest(vec![
            h(1, "a"),
            h(2, "b"),
            h(3, "c"),
            h(2, "d"),
            h(1, "e"),
            h(3, "f"),
        ]);
        let names = |v: &[HeadingNode]| v.iter().map(|n| n.text.clone()).collect::<Vec<_>>();
        assert_eq!(names(&t), ["a", "e"]);
        assert_eq!(names(&t[0].children), ["b", "d"]);
        assert_eq!(names(&t[0].children[0].children), ["c"]);
        assert_eq!(names(&t[1].children), ["f"]);
    }

    #[test]
    fn limits() {
        assert_eq!(limit(None), Ok(DEFAULT_LIMIT));
        assert_eq!(limit(Some(50)), Ok(50));
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(51)).is_err());
    }
}
