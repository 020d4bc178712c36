//! Query syntax: free words, "quoted phrases", facet filters and an
//! as-you-type prefix on the last word. Parsing is syntax only; terms are
//! produced later by the index's own tokenizer so queries are analysed
//! exactly like the indexed text.

/// Facet filters. Values within one facet are alternatives (OR); different
/// facets must all match (AND). An empty list does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub vendor: Vec<String>,
    pub product: Vec<String>,
    pub version: Vec<String>,
    pub doc_set: Vec<String>,
    /// Document keys (the `document` field of the chunks).
    pub document: Vec<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.vendor.is_empty()
            && self.product.is_empty()
            && self.version.is_empty()
            && self.doc_set.is_empty()
            && self.document.is_empty()
    }
}

/// Default number of results returned by a search.
pub const DEFAULT_LIMIT: usize = 10;

/// A parsed query. Build with [`parse_query`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Text outside quotes.
    pub(crate) free: String,
    /// Text of each quoted phrase.
    pub(crate) phrases: Vec<String>,
    /// Expand the last free word as a prefix.
    pub prefix: bool,
    pub filters: Filters,
    /// Number of ranked results wanted.
    pub limit: usize,
    /// Use the index's vectors (when it has them and their files are
    /// loaded). On by default.
    pub semantic: bool,
    /// Semantic weight override in thousandths (keeps `Query: Eq`); see
    /// [`Query::with_semantic_weight`].
    pub(crate) semantic_weight: Option<u16>,
}

impl Query {
    /// Turn the as-you-type prefix expansion on or off.
    pub fn with_prefix(mut self, prefix: bool) -> Self {
        self.prefix = prefix;
        self
    }
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
    /// Turn semantic (vector) ranking on or off for this query.
    pub fn with_semantic(mut self, semantic: bool) -> Self {
        self.semantic = semantic;
        self
    }
    /// Weight of the semantic score in the hybrid blend, in `[0, 1]`
    /// (clamped); `None` uses the index's default.
    pub fn with_semantic_weight(mut self, weight: f32) -> Self {
        let w = if weight.is_nan() {
            0.0
        } else {
            weight.clamp(0.0, 1.0)
        };
        self.semantic_weight = Some((w * 1000.0).round() as u16);
        self
    }
    /// The semantic weight set by [`Query::with_semantic_weight`], if any.
    pub fn semantic_weight(&self) -> Option<f32> {
        self.semantic_weight.map(|w| f32::from(w) / 1000.0)
    }
    /// The text that is embedded: free words and phrases.
    pub fn semantic_text(&self) -> String {
        let mut s = self.free.clone();
        for p in &self.phrases {
            s.push(' ');
            s.push_str(p);
        }
        s
    }
    pub fn phrases(&self) -> &[String] {
        &self.phrases
    }
    pub fn free_text(&self) -> &str {
        &self.free
    }
}

/// Parse query text. Text in double quotes (straight or curly) is a phrase;
/// an unclosed quote is treated as free text so half-typed phrases still
/// match. The last word is a prefix when the text ends inside a word, as it
/// does while the user is typing; a trailing space or punctuation ends it.
pub fn parse_query(text: &str, filters: Filters) -> Query {
    let mut free = String::new();
    let mut phrases = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    for c in text.chars() {
        if matches!(c, '"' | '\u{201C}' | '\u{201D}') {
            if in_quote {
                if !cur.trim().is_empty() {
                    phrases.push(std::mem::take(&mut cur));
                }
                cur.clear();
                free.push(' ');
            } else {
                free.push(' ');
            }
            in_quote = !in_quote;
        } else if in_quote {
            cur.push(c);
        } else {
            free.push(c);
        }
    }
    let mut prefix = text.chars().last().is_some_and(|c| c.is_alphanumeric());
    if in_quote {
        // Unclosed quote: its words are ordinary words.
        free.push(' ');
        free.push_str(&cur);
    } else if text.trim_end().ends_with(['"', '\u{201C}', '\u{201D}']) {
        prefix = false;
    }
    Query {
        free,
        phrases,
        prefix,
        filters,
        limit: DEFAULT_LIMIT,
        semantic: true,
        semantic_weight: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_free_text_and_prefix() {
        let q = parse_query("cisco \"start recording\" recor", Filters::default());
        assert_eq!(q.phrases, vec!["start recording"]);
        assert!(q.free.contains("cisco") && q.free.contains("recor"));
        assert!(!q.free.contains("start"));
        assert!(q.prefix);
        assert!(!parse_query("recording ", Filters::default()).prefix);
        assert!(!parse_query("what is this?", Filters::default()).prefix);
        assert!(!parse_query("\"a b\"", Filters::default()).prefix);
        let open = parse_query("\"start reco", Filters::default());
        assert!(open.phrases.is_empty());
        assert!(open.free.contains("start reco"));
        assert!(open.prefix);
    }
}
