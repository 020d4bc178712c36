//! Browser facade over `mcdewey-search-core`. It holds no search logic of its
//! own: it converts between JavaScript values and search-core types, so the
//! browser ranks exactly as `/mcp` does.
//!
//! Results are returned as JSON strings written by hand, which keeps serde out
//! of the WebAssembly module (it ships to every reader of the site).

use mcdewey_search_core::{parse_query, FilterSet, Filters, Index, Pass, Results};
use wasm_bindgen::prelude::*;

// Talc in place of the default dlmalloc: a third of its code in the module
// every cold search downloads, and no slower on the engine's allocations.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// One search index, filled file by file as the worker fetches them.
#[wasm_bindgen]
pub struct Engine {
    index: Index,
}

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn push_counts(out: &mut String, name: &str, counts: &[(String, u32)]) {
    push_str(out, name);
    out.push_str(":[");
    for (i, (v, n)) in counts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        push_str(out, v);
        out.push_str(&format!(",{n}]"));
    }
    out.push(']');
}

fn push_ranges(out: &mut String, ranges: &[(usize, usize)]) {
    out.push('[');
    for (i, (a, b)) in ranges.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("[{a},{b}]"));
    }
    out.push(']');
}

/// One query of the page, built once per pass from its text, options and
/// filters: the worker asks [`Engine::plan`] for files until it is empty,
/// then [`Engine::results`].
#[wasm_bindgen]
pub struct Query {
    text: String,
    prefix: bool,
    limit: usize,
    filters: Vec<Filters>,
    pass: Option<Pass>,
    semantic: bool,
}

#[wasm_bindgen]
impl Query {
    /// `prefix`: expand the last word as it is being typed; `limit`:
    /// results wanted; `semantic`: blend in semantic scores.
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str, prefix: bool, limit: usize, semantic: bool) -> Query {
        Query {
            text: text.to_string(),
            prefix,
            limit,
            filters: Vec::new(),
            pass: None,
            semantic,
        }
    }

    /// Adds one scope to search: chunks matching every facet given (an
    /// empty list does not filter; several values of one facet are
    /// alternatives). Results come from the union of the scopes added;
    /// with none, from everything.
    pub fn add_scope(
        &mut self,
        vendor: Vec<String>,
        product: Vec<String>,
        version: Vec<String>,
        doc_set: Vec<String>,
        document: Vec<String>,
    ) {
        self.filters.push(Filters {
            vendor,
            product,
            version,
            doc_set,
            document,
        });
        self.pass = None;
    }

    /// Turns semantic ranking on or off for the next plan and results.
    pub fn set_semantic(&mut self, on: bool) {
        self.semantic = on;
        if let Some(p) = &mut self.pass {
            p.set_semantic(on);
        }
    }
}

impl Query {
    /// The search-core pass, parsed on first use.
    fn pass(&mut self) -> &mut Pass {
        let (text, prefix, limit, semantic) = (&self.text, self.prefix, self.limit, self.semantic);
        let filters = &self.filters;
        self.pass.get_or_insert_with(|| {
            let set = if filters.is_empty() {
                FilterSet::default()
            } else {
                FilterSet::union(filters.clone())
            };
            Pass::new(
                parse_query(text, set)
                    .with_prefix(prefix)
                    .with_limit(limit)
                    .with_semantic(semantic),
            )
        })
    }
}

#[wasm_bindgen]
impl Engine {
    /// Opens the index from the bytes of `manifest.bin`.
    #[wasm_bindgen(constructor)]
    pub fn new(manifest: &[u8]) -> Result<Engine, JsError> {
        Ok(Engine {
            index: Index::open(manifest).map_err(js_err)?,
        })
    }

    /// Whether the index has vector sections (semantic search).
    pub fn has_semantic(&self) -> bool {
        self.index.has_semantic()
    }

    /// Adds one fetched file.
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Result<(), JsError> {
        self.index.add_file(path, bytes).map_err(js_err)
    }

    /// Index files the query still needs (paths relative to the index
    /// dir), fetched in parallel before asking again: term and position
    /// shards and, with semantic on, the embedding files, then the
    /// fragments of the hits. Empty when [`Engine::results`] can answer.
    pub fn plan(&self, query: &mut Query) -> Vec<String> {
        query.pass().plan(&self.index)
    }

    /// The query's embedding (a `Float32Array`) once its files are added
    /// (a plan with semantic on names them); `undefined` while they are
    /// missing or when the query has no known token. The same vector as
    /// `mcdewey search --embedding`, which a test compares bit for bit.
    pub fn query_embedding(&self, query: &mut Query) -> Option<Vec<f32>> {
        self.index.query_embedding(query.pass().query())
    }

    /// Complete results, best first: `{"total":N,"phrases_relaxed":bool,
    /// "semantic":bool,"hits":[{...,"score":millionths,"also":[{"ordinal":
    /// N,"version":"…"},…]},…],"facets":{...}}`; a hit's `also` lists the
    /// chunks with its text in other versions; `phrases_relaxed` says the
    /// quoted phrases matched nothing and the results match their words;
    /// `semantic` says semantic scores are blended in. Highlight offsets
    /// are UTF-16 code units, ready for JavaScript strings; scores are
    /// integers so the module needs no float formatting code.
    pub fn results(&self, query: &mut Query) -> Result<String, JsError> {
        let r = query.pass().results(&self.index).map_err(js_err)?;
        Ok(self.results_json(&r))
    }

    /// Files needed for [`Engine::url`] of a chunk: its fragment, or first
    /// its twin block (call again once added).
    pub fn plan_chunk(&self, ordinal: u32) -> Vec<String> {
        self.index.url_files(ordinal)
    }

    /// URL of a chunk (a passage's copy in another version), once the
    /// files of [`Engine::plan_chunk`] are added.
    pub fn url(&self, ordinal: u32) -> Result<String, JsError> {
        self.index.url(ordinal).map_err(js_err)
    }
}

impl Engine {
    fn results_json(&self, r: &Results) -> String {
        let mut out = format!(
            "{{\"total\":{},\"phrases_relaxed\":{},\"semantic\":{},\"hits\":[",
            r.total, r.phrases_relaxed, r.semantic
        );
        for (i, f) in r.hits.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let h = &f.hit;
            out.push_str(&format!(
                "{{\"ordinal\":{},\"score\":{},\"page\":{},\"id\":",
                h.ordinal,
                (f.score * 1e6) as i64,
                h.page
            ));
            push_str(&mut out, &h.id);
            for (k, v) in [
                ("url", &h.url),
                ("title", &h.title),
                ("vendor", &h.vendor),
                ("product", &h.product),
                ("version", &h.version),
                ("doc_set", &h.doc_set),
                ("document", &h.document),
                ("snippet", &h.snippet.text),
            ] {
                out.push_str(&format!(",\"{k}\":"));
                push_str(&mut out, v);
            }
            out.push_str(if h.paged {
                ",\"paged\":true"
            } else {
                ",\"paged\":false"
            });
            out.push_str(",\"page_label\":");
            match &h.page_label {
                Some(l) => push_str(&mut out, l),
                None => out.push_str("null"),
            }
            out.push_str(",\"breadcrumb\":[");
            for (j, b) in h.breadcrumb.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                push_str(&mut out, b);
            }
            out.push_str("],\"highlights\":");
            push_ranges(&mut out, &h.snippet.highlights_utf16());
            out.push_str(",\"title_highlights\":");
            push_ranges(
                &mut out,
                &mcdewey_search_core::utf16_ranges(&h.title, &h.title_highlights),
            );
            // The same passage in other versions, oldest last.
            out.push_str(",\"also\":[");
            for (j, &o) in f.also.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                out.push_str(&format!("{{\"ordinal\":{o},\"version\":"));
                push_str(&mut out, self.index.version_of(o).unwrap_or(""));
                out.push('}');
            }
            out.push_str("]}");
        }
        out.push_str("],\"facets\":{");
        push_counts(&mut out, "vendor", &r.facets.vendor);
        out.push(',');
        push_counts(&mut out, "product", &r.facets.product);
        out.push(',');
        push_counts(&mut out, "version", &r.facets.version);
        out.push(',');
        push_counts(&mut out, "doc_set", &r.facets.doc_set);
        out.push_str("}}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        push_str(&mut s, "a\"b\\c\nd\u{1}");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    #[test]
    fn scopes_make_a_union_and_reset_the_pass() {
        let mut q = Query::new("tls", true, 7, false);
        assert_eq!(q.pass().query().filters, FilterSet::default());
        assert_eq!(q.pass().query().limit, 7);
        q.add_scope(
            vec![],
            vec!["relay".into()],
            vec!["5.0".into()],
            vec![],
            vec![],
        );
        q.add_scope(
            vec![],
            vec!["hub".into()],
            vec!["4.2".into()],
            vec![],
            vec![],
        );
        let set = &q.pass().query().filters;
        assert_eq!(set.alternatives().len(), 2);
        assert_eq!(set.alternatives()[1].product, ["hub"]);
        assert!(q.pass().query().prefix);
        q.set_semantic(true);
        assert!(q.pass().query().semantic);
    }
}
