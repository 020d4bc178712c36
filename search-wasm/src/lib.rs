//! Browser facade over `mcdewey-search-core`. It holds no search logic of its
//! own: it converts between JavaScript values and search-core types, so the
//! browser ranks exactly as `/mcp` does.
//!
//! Results are returned as JSON strings written by hand, which keeps serde out
//! of the WebAssembly module (it ships to every reader of the site).

use mcdewey_search_core::{parse_query, Filters, Index, Query};
use wasm_bindgen::prelude::*;

/// One search index, filled file by file as the worker fetches them.
#[wasm_bindgen]
pub struct Engine {
    index: Index,
}

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Filters arrive as `key=value` lines (`product=relay`), one value per line.
fn parse_filters(spec: &str) -> Filters {
    let mut f = Filters::default();
    for line in spec.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.to_string();
        match k {
            "vendor" => f.vendor.push(v),
            "product" => f.product.push(v),
            "version" => f.version.push(v),
            "doc_set" => f.doc_set.push(v),
            "document" => f.document.push(v),
            _ => {}
        }
    }
    f
}

fn query(text: &str, filters: &str, prefix: bool, limit: usize) -> Query {
    parse_query(text, parse_filters(filters))
        .with_prefix(prefix)
        .with_limit(limit)
}

fn query_sem(text: &str, filters: &str, prefix: bool, limit: usize, semantic: bool) -> Query {
    query(text, filters, prefix, limit).with_semantic(semantic)
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

#[wasm_bindgen]
impl Engine {
    /// Opens the index from the bytes of `manifest.bin`.
    #[wasm_bindgen(constructor)]
    pub fn new(manifest: &[u8]) -> Result<Engine, JsError> {
        Ok(Engine {
            index: Index::open(manifest).map_err(js_err)?,
        })
    }

    /// Index files the query still needs (paths relative to the index dir).
    pub fn plan(&self, text: &str, filters: &str, prefix: bool) -> Vec<String> {
        self.index.plan(&query(text, filters, prefix, 10))
    }

    /// Whether the index has vector sections (semantic search).
    pub fn has_semantic(&self) -> bool {
        self.index.has_semantic()
    }

    /// Files the semantic half of the query still needs (vocabulary, token
    /// rows, vector partitions); fetched after lexical results are shown.
    pub fn plan_semantic(&self, text: &str, filters: &str) -> Vec<String> {
        self.index.plan_semantic(&query(text, filters, false, 10))
    }

    /// The query's embedding (a `Float32Array`), once the files of
    /// [`Engine::plan_semantic`] are added; `undefined` while they are
    /// missing or when the query has no known token. The same vector as
    /// `mcdewey search --embedding`, which a test compares bit for bit.
    pub fn query_embedding(&self, text: &str) -> Option<Vec<f32>> {
        self.index
            .query_embedding(&query_sem(text, "", false, 10, true))
    }

    /// Adds one fetched file.
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Result<(), JsError> {
        self.index.add_file(path, bytes).map_err(js_err)
    }

    /// Ranks: `{"total":N,"phrases_relaxed":bool,"hits":[[ordinal,
    /// score_millionths],...],"also":[[[ordinal,"version"],...],...],
    /// "facets":{...}}`; `also[i]` lists the chunks with hit `i`'s text in
    /// other versions; `phrases_relaxed` says the quoted phrases matched
    /// nothing and the results match their words. Scores are integers so
    /// the module needs no float formatting code.
    pub fn search(
        &self,
        text: &str,
        filters: &str,
        prefix: bool,
        limit: usize,
        semantic: bool,
    ) -> Result<String, JsError> {
        let r = self
            .index
            .search(&query_sem(text, filters, prefix, limit, semantic))
            .map_err(js_err)?;
        let mut out = format!(
            "{{\"total\":{},\"phrases_relaxed\":{},\"hits\":[",
            r.total, r.phrases_relaxed
        );
        for (i, h) in r.hits.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!("[{},{}]", h.ordinal, (h.score * 1e6) as i64));
        }
        // Per hit, the same passage in other versions: [ordinal, version].
        out.push_str("],\"also\":[");
        for (i, also) in r.also.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            for (j, &o) in also.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                out.push_str(&format!("[{o},"));
                push_str(&mut out, self.index.version_of(o).unwrap_or(""));
                out.push(']');
            }
            out.push(']');
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
        Ok(out)
    }

    /// Fragment files needed to display these results.
    pub fn fragments_for(&self, ordinals: &[u32]) -> Vec<String> {
        self.index.fragments_for(ordinals)
    }

    /// Display data of results as a JSON array; highlight offsets are UTF-16
    /// code units, ready for JavaScript strings.
    pub fn hits(
        &self,
        ordinals: &[u32],
        text: &str,
        filters: &str,
        prefix: bool,
        semantic: bool,
    ) -> Result<String, JsError> {
        let q = query_sem(text, filters, prefix, ordinals.len().max(1), semantic);
        let mut out = String::from("[");
        for (i, &ord) in ordinals.iter().enumerate() {
            let h = self.index.hit(ord, &q).map_err(js_err)?;
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!("{{\"ordinal\":{ord},\"page\":{},\"id\":", h.page));
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
            out.push('}');
        }
        out.push(']');
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse() {
        let f = parse_filters("product=relay\nversion=5.0\nversion=4.2\nbogus\nx=y");
        assert_eq!(f.product, vec!["relay"]);
        assert_eq!(f.version, vec!["5.0", "4.2"]);
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        push_str(&mut s, "a\"b\\c\nd\u{1}");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001\"");
    }
}
