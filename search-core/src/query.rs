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

    /// Whether chunks under these facet names may pass (the documents
    /// aside).
    pub(crate) fn admits_names(&self, names: [&str; 4]) -> bool {
        let lists = [&self.vendor, &self.product, &self.version, &self.doc_set];
        lists
            .iter()
            .zip(names)
            .all(|(l, n)| l.is_empty() || l.iter().any(|v| v == n))
    }
}

/// What a query may return: the union of its alternatives, each a
/// [`Filters`] (facets ANDed, values within a facet ORed). A union of
/// scopes that no single `Filters` can state, such as two documents of
/// different versions or (product, version) pairs that are not a cross
/// product, is one `FilterSet`, searched and ranked in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterSet {
    any: Vec<Filters>,
}

impl Default for FilterSet {
    /// Everything.
    fn default() -> Self {
        FilterSet {
            any: vec![Filters::default()],
        }
    }
}

impl From<Filters> for FilterSet {
    fn from(f: Filters) -> Self {
        FilterSet { any: vec![f] }
    }
}

impl FilterSet {
    /// The union of `alternatives`; no alternative matches nothing.
    pub fn union(alternatives: Vec<Filters>) -> Self {
        FilterSet { any: alternatives }
    }

    /// Adds one alternative.
    pub fn or(mut self, f: Filters) -> Self {
        self.any.push(f);
        self
    }

    pub fn alternatives(&self) -> &[Filters] {
        &self.any
    }

    /// Whether every chunk passes.
    pub fn is_everything(&self) -> bool {
        self.any.iter().any(Filters::is_empty)
    }

    /// Whether some alternative names documents (which needs the
    /// document blocks of the doc sets it admits).
    pub fn names_documents(&self) -> bool {
        !self.is_everything() && self.any.iter().any(|f| !f.document.is_empty())
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
    pub filters: FilterSet,
    /// Number of ranked results wanted.
    pub limit: usize,
    /// Use the index's vectors (when it has them and their files are
    /// loaded). On by default.
    pub semantic: bool,
    /// Semantic weight override in thousandths (keeps `Query: Eq`); see
    /// [`Query::with_semantic_weight`].
    pub(crate) semantic_weight: Option<u16>,
    /// Weight of thesaurus alternatives in thousandths (0: none); see
    /// [`Query::with_synonym_weight`].
    pub(crate) synonym_weight: u16,
    /// Ask for stop-word pairs ([`crate::pairs`]); on by default.
    pub(crate) stop_pairs: bool,
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
        self.semantic_weight = Some(thousandths(weight));
        self
    }
    /// Weight of a word's thesaurus alternatives ([`crate::synonyms`])
    /// relative to the word, in `[0, 1]` (clamped); 0 turns them off.
    pub fn with_synonym_weight(mut self, weight: f32) -> Self {
        self.synonym_weight = thousandths(weight);
        self
    }
    /// Turn stop-word pairs ([`crate::pairs`]) on or off for this query.
    pub fn with_stop_pairs(mut self, on: bool) -> Self {
        self.stop_pairs = on;
        self
    }
    /// The weight of thesaurus alternatives (0: none).
    pub fn synonym_weight(&self) -> f32 {
        f32::from(self.synonym_weight) / 1000.0
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
    /// The query's shape: [`QueryShape::Exact`] when it quotes a phrase or
    /// has a word that looks like code, else [`QueryShape::Question`] when
    /// it ends with `?`, starts with a phrasing word and has three or more
    /// words, or has five or more words; else [`QueryShape::Keywords`].
    pub fn shape(&self) -> QueryShape {
        let words: Vec<&str> = self.free.split_whitespace().collect();
        if !self.phrases.is_empty() || words.iter().any(|w| is_code_word(w)) {
            return QueryShape::Exact;
        }
        let asks = words
            .first()
            .is_some_and(|w| is_phrasing_word(w.trim_end_matches(|c: char| !c.is_alphanumeric())));
        let question = self.free.trim_end().ends_with('?');
        if words.len() >= 5 || (words.len() >= 3 && (asks || question)) {
            QueryShape::Question
        } else {
            QueryShape::Keywords
        }
    }
    /// Whether every word of the query looks like code (an error code, a
    /// version, an identifier) and nothing is quoted. A static token table
    /// knows such a word only by its WordPiece fragments (`E0729` is `e`,
    /// `##07`, `##29`), so its vector says nothing the lexical match does
    /// not: the semantic half is left out ([`crate::Index::semantic_weight`]).
    pub fn only_code_words(&self) -> bool {
        let mut words = self.free.split_whitespace().peekable();
        self.phrases.is_empty() && words.peek().is_some() && words.all(is_code_word)
    }
    pub fn phrases(&self) -> &[String] {
        &self.phrases
    }
    pub fn free_text(&self) -> &str {
        &self.free
    }
}

/// A weight in `[0, 1]` (clamped; NaN is 0) in thousandths, which keeps
/// `Query: Eq`.
fn thousandths(weight: f32) -> u16 {
    let w = if weight.is_nan() {
        0.0
    } else {
        weight.clamp(0.0, 1.0)
    };
    (w * 1000.0).round() as u16
}

/// Words that phrase a question rather than say what it is about ("how do
/// I", "what is", "can I", "why does"). In a query that also has content
/// words they score at [`PHRASING_WEIGHT`], so a chunk that merely asks a
/// similar question does not outrank the one that answers it. Lowercase
/// surface forms without apostrophes; stop words are already dropped by the
/// tokenizer, and negations (`cannot`, `doesn't`) are content.
pub const PHRASING_WORDS: &[&str] = &[
    "am", "can", "could", "did", "do", "does", "doing", "had", "has", "have", "how", "hows", "i",
    "im", "ive", "may", "me", "might", "must", "my", "our", "shall", "should", "us", "we", "were",
    "what", "whats", "when", "where", "which", "who", "whom", "whose", "why", "would", "you",
    "your", "youre",
];

/// The word of `text` around `start..end` with its apostrophe-joined
/// parts (`I’ve`, `doesn't`), which the tokenizer may cut apart.
pub(crate) fn contraction(text: &str, start: usize, end: usize) -> &str {
    let is_part = |c: char| c.is_alphanumeric() || c == '\'' || c == '’';
    let s = text[..start]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_part(c))
        .last()
        .map_or(start, |(i, _)| i);
    let e = text[end..]
        .char_indices()
        .take_while(|&(_, c)| is_part(c))
        .last()
        .map_or(end, |(i, c)| end + i + c.len_utf8());
    &text[s..e]
}

/// Weight of a phrasing word (see [`PHRASING_WORDS`]) relative to a
/// content word.
pub const PHRASING_WEIGHT: f32 = 0.2;

/// Whether `surface` (one word as typed) phrases a question. Only plain
/// words count: `WHERE` or `WHEN` typed in capitals (SQL keywords), and
/// words joined to others (`what-is`, `can_open`) are content.
pub fn is_phrasing_word(surface: &str) -> bool {
    if surface.is_empty()
        || !surface
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '’')
    {
        return false;
    }
    let letters = surface.chars().filter(char::is_ascii_alphabetic).count();
    if letters >= 2 && !surface.chars().any(|c| c.is_ascii_lowercase()) {
        return false;
    }
    let lower: String = surface
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    PHRASING_WORDS.binary_search(&lower.as_str()).is_ok()
}

/// What a query looks like, which decides how much the semantic score
/// counts in the hybrid blend (see [`Query::shape`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryShape {
    /// Names something exactly: an identifier, error code, option, path
    /// or a quoted phrase. Exact matches matter most.
    Exact,
    /// A few plain words.
    Keywords,
    /// A sentence: a question or five or more words. Its meaning matters
    /// more than any one word.
    Question,
}

/// Whether a word as typed looks like code rather than prose: digits with
/// letters (`E0729`, `tls1.3`), joiners inside it (`Get-ChildItem`,
/// `http.postBuffer`, `SQLITE_BUSY`), a sigil (`--force`, `$PSStyle`) or
/// camel case after a lowercase start (`postBuffer`, `fileURLToPath`).
/// Capitalised names (`SQLite`, `PowerShell`) and acronyms (`TLS`) are
/// prose.
fn is_code_word(w: &str) -> bool {
    let w = w.trim_start_matches(['(', '[', '{', '\'', '"', '‘', '“']);
    let w = w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')');
    let w = w.trim_end_matches(')');
    let chars: Vec<char> = w.chars().collect();
    if chars.is_empty() {
        return false;
    }
    let letters = chars.iter().any(|c| c.is_alphabetic());
    let digits = chars.iter().any(char::is_ascii_digit);
    let inner = chars.len() > 2
        && chars[1..chars.len() - 1]
            .iter()
            .any(|c| matches!(c, '_' | '.' | '-' | '/' | ':' | '(' | '<' | '='));
    let sigil = chars.len() > 1
        && matches!(
            chars[0],
            '-' | '$' | '@' | '#' | '/' | '.' | '_' | '<' | '`'
        );
    let camel = chars[0].is_lowercase() && chars.iter().any(|c| c.is_uppercase());
    let possessive =
        w.ends_with("'s") || w.ends_with("'t") || w.ends_with("'re") || w.ends_with("’s");
    letters && !possessive && (digits || inner || sigil || camel)
}

/// Parse query text. Text in double quotes (straight or curly) is a phrase;
/// an unclosed quote is treated as free text so half-typed phrases still
/// match. The last word is a prefix when the text ends inside a word, as it
/// does while the user is typing; a trailing space or punctuation ends it.
pub fn parse_query(text: &str, filters: impl Into<FilterSet>) -> Query {
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
        filters: filters.into(),
        limit: DEFAULT_LIMIT,
        semantic: true,
        semantic_weight: None,
        synonym_weight: thousandths(crate::synonyms::SYNONYM_WEIGHT),
        stop_pairs: true,
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

    #[test]
    fn phrasing_words_are_plain_lowercase_question_words() {
        assert!(PHRASING_WORDS.windows(2).all(|w| w[0] < w[1]));
        for w in ["how", "How", "I", "what's", "What’s", "can", "does"] {
            assert!(is_phrasing_word(w), "{w}");
        }
        // Capitals are code (SQL), joined words are content, and so are
        // negations and ordinary words.
        for w in [
            "WHERE", "WHEN", "what-is", "can_open", "doesn't", "rotate", "", "how2",
        ] {
            assert!(!is_phrasing_word(w), "{w}");
        }
        let t = "I’ve seen what-is and don't";
        assert_eq!(contraction(t, 0, 1), "I’ve");
        assert_eq!(contraction(t, 4, 6), "I’ve");
        assert_eq!(contraction(t, 12, 19), "what-is");
        assert_eq!(contraction(t, 24, 27), "don't");
    }

    #[test]
    fn query_shapes() {
        let shape = |t: &str| parse_query(t, Filters::default()).shape();
        for t in [
            "E0729",
            "Get-ChildItem -Recurse",
            "what does http.postBuffer do?",
            "SQLITE_BUSY",
            "--max-old-space-size",
            "targetMediaAddress",
            "\"start recording\"",
            "tls1.3 handshake",
            "‘etcd2.service’ ünïcödé",
        ] {
            assert_eq!(shape(t), QueryShape::Exact, "{t}");
        }
        for t in ["call recording", "storage quotas", "SQLite threads", "TLS"] {
            assert_eq!(shape(t), QueryShape::Keywords, "{t}");
        }
        for t in [
            "how do I record calls",
            "Is SQLite threadsafe?",
            "agents cannot record calls at night",
            "What's the recommended way to store files",
        ] {
            assert_eq!(shape(t), QueryShape::Question, "{t}");
        }
    }

    #[test]
    fn queries_of_code_words_alone() {
        let only = |t: &str| parse_query(t, Filters::default()).only_code_words();
        for t in [
            "E0729",
            "E0729 RG-1042",
            "SQLITE_BUSY",
            "--max-old-space-size",
            "v3.5.2",
        ] {
            assert!(only(t), "{t}");
        }
        // A content word, a quoted phrase or no word at all keeps the
        // semantic half.
        for t in [
            "E0729 unreachable",
            "\"start recording\" E0729",
            "tls1.3 handshake",
            "recording",
            "",
        ] {
            assert!(!only(t), "{t}");
        }
    }
}
