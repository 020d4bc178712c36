//! `search`: ranked chunks for a query within a scope.

use super::{fingerprint_of, ToolResult, CANCELLED, DEFAULT_LIMIT, MAX_LIMIT, MAX_RESULTS};
use crate::serve::library::Library;
use crate::serve::mcp::schema::lenient_u32;
use crate::serve::mcp::scope::{self, Requested};
use crate::serve::mcp::text;
use mcdewey_search_core::{
    parse_query, snippet, FilterSet, Filters, ScoredChunk, TermSet, SNIPPET_CHARS,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Words, "quoted phrases" and identifiers, as in the site's search box.
    /// `product:ID`, `version:ID` and `set:ID` words act as filters.
    pub query: String,
    /// Vendor name, as listed by list_library.
    pub vendor: Option<String>,
    /// Product id (or name or alias), as listed by list_library.
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
    let Ok((result, _)) = lib.search_with_terms(&q) else {
        return Vec::new();
    };
    result
        .hits
        .iter()
        .filter_map(|h| lib.chunk_at(h.ordinal).ok())
        .map(|(d, i)| d.chunks[i].id.clone())
        .collect()
}

pub fn search(lib: &Library, args: &SearchArgs) -> ToolResult<SearchOutput> {
    crate::serve::mcp::limits::check_query(lib, &args.query)?;
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
    if crate::serve::mcp::pool::cancelled() {
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
    Ok(lib.search_with_terms(&q)?.0.total)
}

/// One search over the whole scope (a union of filters, ranked together:
/// the hybrid blend normalises over the chunks in scope, so searches of
/// its parts would not be comparable), with the matched terms for snippets.
fn run(
    lib: &Library,
    text: &str,
    filters: &FilterSet,
    want: usize,
) -> ToolResult<(Vec<Ranked>, u32, TermSet)> {
    let q = parse_query(text, filters.clone()).with_limit(want);
    let (r, terms) = lib.search_with_terms(&q)?;
    Ok((r.hits.into_iter().zip(r.also).collect(), r.total, terms))
}

/// Display data of one result. This is what search-core's `Index::hit`
/// gives, built from `document.json` instead of the index fragments, with
/// the matched terms worked out once per query instead of once per hit:
/// the snippet comes from the same function over the same text.
fn hit(lib: &Library, s: &ScoredChunk, also: &[u32], terms: &TermSet) -> ToolResult<SearchHit> {
    let (doc, at) = lib.chunk_at(s.ordinal)?;
    let c = &doc.chunks[at];
    let same_text_in = also
        .iter()
        .map(|&o| {
            let (d, i) = lib.chunk_at(o)?;
            Ok(SameText {
                id: d.chunks[i].id.clone(),
                version: d.version.clone(),
            })
        })
        .collect::<ToolResult<Vec<_>>>()?;
    let doc = &*doc;
    let page = doc.page(c.page);
    let section = text::section(doc, c);
    let plain = c.plain_text();
    Ok(SearchHit {
        id: c.id.clone(),
        citation: text::citation(doc, page, section.as_deref()),
        page_id: text::page_id(doc, c.page),
        url: lib.url(&format!(
            "{}#{}",
            page.map_or(doc.url.as_str(), |p| p.url.as_str()),
            crate::site::chunk_anchor(c.n)
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
        snippet: snippet(lib.tokenizer(), plain, terms, SNIPPET_CHARS).text,
        same_text_in,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(limit(None), Ok(DEFAULT_LIMIT));
        assert_eq!(limit(Some(50)), Ok(50));
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(51)).is_err());
    }
}
