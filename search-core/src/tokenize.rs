//! The tokenizer shared by indexing, querying and snippet highlighting.
//!
//! Text is cut into *words*: runs of letters and digits, joined by `_`, `-`,
//! `.` and apostrophes when those sit between word characters, plus a short
//! parenthesised group after a digit (`12.5(1)`, `15.2(4)M3`). CJK ideographs
//! and kana are one word each, since those scripts do not separate words.
//!
//! A word is split into *segments* at `_ - . ( )` (a dot between two digits
//! does not split: `12.5` stays one piece) and segments into *atoms* at case
//! changes (`targetMediaAddress`, `HTTPServer`) and at a letter→digit change
//! after two or more letters (`TLS1.3` → `TLS`, `1.3`; `u32` and `E0729` stay
//! whole). Each atom takes one position, so phrase queries over sub-terms
//! line up. A word emits:
//! - the whole word, lowercased, unstemmed (`start_recording`), at the position
//!   of its first atom, when it has more than one atom or contains a digit;
//! - each multi-atom segment of a multi-segment word (`childitem` in
//!   `Get-ChildItem`), as a word;
//! - each atom: letter-only atoms are words (lowercased, folded, stemmed,
//!   stop words dropped); atoms with digits are kept verbatim (`e0729`).

use rust_stemmers::{Algorithm, Stemmer};

/// Terms longer than this (hashes, base64 blobs) are not indexed: they bloat
/// the dictionary and nobody types them.
pub const MAX_TERM_BYTES: usize = 64;

/// Tokenizer options; stored in the manifest so queries are analysed exactly
/// as the index was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenizerSettings {
    /// English Snowball stemming of letter-only words.
    pub stem: bool,
    /// Fold Latin diacritics (`é` → `e`, `ß` → `ss`).
    pub fold_diacritics: bool,
    /// Drop the English stop words of [`STOP_WORDS`] (positions are kept).
    pub stop_words: bool,
    /// With stop words dropped, index the title's and headings' stop words
    /// as pairs with their neighbours ([`crate::pairs`]).
    pub stop_pairs: bool,
}

impl TokenizerSettings {
    /// Whether stop-word pairs are indexed and asked for.
    pub fn pairs(&self) -> bool {
        self.stop_words && self.stop_pairs
    }
}

impl Default for TokenizerSettings {
    fn default() -> Self {
        TokenizerSettings {
            stem: true,
            fold_diacritics: true,
            stop_words: true,
            stop_pairs: true,
        }
    }
}

/// Lucene's classic English stop list: short enough that phrase queries
/// lose little, long enough that "the"-sized posting lists never get fetched.
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// What part of a word a term stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// The whole word (for one-atom words, the only term).
    Whole,
    /// A multi-atom segment of a multi-segment word.
    Segment,
    /// One atom of a multi-atom word.
    Atom,
}

/// One indexable term with its position and byte range in the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub pos: u32,
    pub start: usize,
    pub end: usize,
    pub kind: TermKind,
}

/// One word of the source text and the terms it emits.
#[derive(Debug, Clone, Default)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    /// Position of the first atom.
    pub pos: u32,
    /// Positions consumed (number of atoms).
    pub span: u32,
    /// Empty for stop words.
    pub terms: Vec<Term>,
}

impl Word {
    /// The term a query uses for this word: the whole word (or its only term).
    pub fn primary(&self) -> Option<&Term> {
        self.terms.iter().find(|t| t.kind == TermKind::Whole)
    }
    /// Atom terms of a multi-atom word (empty for one-atom words).
    pub fn atoms(&self) -> impl Iterator<Item = &Term> {
        self.terms.iter().filter(|t| t.kind == TermKind::Atom)
    }
}

/// Tokenizer; cheap to create, `Send + Sync`.
#[derive(Clone)]
pub struct Tokenizer {
    settings: TokenizerSettings,
    stemmer: Option<std::sync::Arc<Stemmer>>,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("settings", &self.settings)
            .finish()
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F)
}

fn is_word_char(c: char) -> bool {
    (c.is_alphanumeric() || is_combining(c)) && !is_cjk(c)
}

fn is_joiner(c: char) -> bool {
    matches!(c, '_' | '-' | '.' | '\'' | '\u{2019}')
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

impl Tokenizer {
    pub fn new(settings: TokenizerSettings) -> Self {
        Tokenizer {
            settings,
            stemmer: settings
                .stem
                .then(|| std::sync::Arc::new(Stemmer::create(Algorithm::English))),
        }
    }

    pub fn settings(&self) -> TokenizerSettings {
        self.settings
    }

    /// Tokenize `text`, numbering positions from `first_pos`; calls `f` for
    /// every word (stop words included, with no terms) and returns the next
    /// free position.
    pub fn tokenize(&self, text: &str, first_pos: u32, mut f: impl FnMut(&Word)) -> u32 {
        self.tokenize_with(text, first_pos, None, &mut f)
    }

    /// The words of `text` that can emit one of `terms`, with the terms
    /// that can equal one (byte ranges and kinds as in
    /// [`Tokenizer::tokenize`]; positions are not numbered). Stemming only
    /// changes a word's ending (even its exceptions: `dying` → `die`), so a
    /// term keeps the first character of the text it stands for: atoms that
    /// start otherwise are neither stemmed nor emitted, and words without
    /// such a character are skipped. This is what makes highlighting cheap.
    pub fn tokenize_matching(
        &self,
        text: &str,
        terms: &crate::order::TermSet,
        f: impl FnMut(&Word),
    ) {
        let heads = Heads::new(terms);
        let mut f = f;
        self.tokenize_with(text, 0, Some(&heads), &mut f);
    }

    /// One body for every caller (`f` is not generic): the WASM engine
    /// would hold a copy of the tokenizer per closure otherwise.
    fn tokenize_with(
        &self,
        text: &str,
        first_pos: u32,
        heads: Option<&Heads<'_>>,
        f: &mut dyn FnMut(&Word),
    ) -> u32 {
        let keep = |s: &str| heads.is_none_or(|h| h.keep(s));
        // The characters' buffer and the terms' strings are reused: from
        // one call to the next (of the thread) and from one word to the
        // next, which saves an allocation per term and per call.
        let mut chars = CHARS.take();
        chars.clear();
        chars.extend(text.char_indices());
        let chars = chars;
        let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
        let mut pos = first_pos;
        let mut word = Word::default();
        let mut spare: Vec<String> = Vec::new();
        let mut i = 0;
        // End of the last word: underscores before it are not the next one's.
        let mut word_floor = 0;
        while i < chars.len() {
            let c = chars[i].1;
            if is_cjk(c) {
                let (start, end) = (chars[i].0, end_of(i + 1));
                one_term_word(&mut word, &mut spare, &text[start..end], start, end, pos);
                f(&word);
                pos += 1;
                i += 1;
                continue;
            }
            if !c.is_alphanumeric() {
                // An operator (`//`, `:=`, `->`) is a term of its own, so
                // "what does // do" finds where the manual explains it.
                let mut k = i;
                while k < chars.len() && is_operator_char(chars[k].1) {
                    k += 1;
                }
                let op = &text[chars[i].0..end_of(k)];
                if k > i && OPERATORS.binary_search(&op).is_ok() && keep(op) {
                    one_term_word(&mut word, &mut spare, op, chars[i].0, end_of(k), pos);
                    f(&word);
                    pos += 1;
                    word_floor = k;
                }
                i = k.max(i + 1);
                continue;
            }
            // Underscores that open a word belong to it (`__init__`,
            // `_private`): Python's special names and C's reserved ones are
            // names of their own, not the plain word inside them.
            let mut start = i;
            while start > word_floor && chars[start - 1].1 == '_' {
                start -= 1;
            }
            let alnum_at = |k: usize| {
                chars
                    .get(k)
                    .is_some_and(|&(_, n)| n.is_alphanumeric() && !is_cjk(n))
            };
            let mut j = i + 1;
            while j < chars.len() {
                let c = chars[j].1;
                if c == '_' {
                    // A run of underscores joins what follows it, or closes
                    // the word (`__init__`, `class_`), which a joiner may
                    // then continue (`__init__.py`).
                    let mut k = j;
                    while k < chars.len() && chars[k].1 == '_' {
                        k += 1;
                    }
                    j = if !alnum_at(k) && is_joiner_at(&chars, k) && alnum_at(k + 1) {
                        k + 1
                    } else {
                        k
                    };
                    if alnum_at(j) {
                        continue;
                    }
                    break;
                }
                let joins = is_joiner(c) && is_word_char(chars[j - 1].1) && alnum_at(j + 1);
                if is_word_char(c) || joins {
                    j += 1;
                } else if let Some(close) = paren_group(&chars, j) {
                    j = close + 1;
                } else {
                    break;
                }
            }
            if heads.is_some_and(|h| !h.may_match(&chars[start..j])) {
                i = j;
                word_floor = j;
                continue;
            }
            let wstart = chars[start].0;
            let wend = end_of(j);
            spare.extend(word.terms.drain(..).map(|t| t.text));
            word.start = wstart;
            word.end = wend;
            word.pos = pos;
            let mut out = Out {
                terms: &mut word.terms,
                spare: &mut spare,
            };
            word.span = self.analyse_word(text, &chars[start..j], wend, pos, &keep, &mut out);
            f(&word);
            pos += word.span;
            i = j;
            word_floor = j;
        }
        CHARS.set(chars);
        pos
    }

    /// All terms of `text` (positions from 0), for tests and tools.
    pub fn terms(&self, text: &str) -> Vec<Term> {
        let mut out = Vec::new();
        self.tokenize(text, 0, |w| out.extend(w.terms.iter().cloned()));
        out
    }

    /// Split one word into segments and atoms, push its terms, return its span.
    fn analyse_word(
        &self,
        text: &str,
        cs: &[(usize, char)],
        wend: usize,
        pos: u32,
        keep: &dyn Fn(&str) -> bool,
        out: &mut Out<'_>,
    ) -> u32 {
        // Most words are one plain atom (`record`, `The`): no splitting.
        if cs.first().is_some_and(|&(_, c)| c.is_ascii_alphabetic())
            && cs[1..].iter().all(|&(_, c)| c.is_ascii_lowercase())
        {
            if let Some(t) = self.atom_term(cs, keep, out.spare) {
                push_term(out, t, pos, cs[0].0, wend, TermKind::Whole);
            }
            return 1;
        }
        let byte_end = |k: usize| cs.get(k).map_or(wend, |&(b, _)| b);
        // Segments: [from, to) indices into cs.
        let mut segments: Vec<(usize, usize)> = Vec::new();
        let mut seg_start = 0;
        for k in 0..cs.len() {
            let c = cs[k].1;
            let splits = match c {
                '_' | '-' | '(' | ')' => true,
                '.' => {
                    let digit_before = k > 0 && cs[k - 1].1.is_numeric();
                    let digit_after = cs.get(k + 1).is_some_and(|&(_, n)| n.is_numeric());
                    !(digit_before && digit_after)
                }
                _ => false,
            };
            if splits {
                if k > seg_start {
                    segments.push((seg_start, k));
                }
                seg_start = k + 1;
            }
        }
        if seg_start < cs.len() {
            segments.push((seg_start, cs.len()));
        }
        // Atoms within each segment.
        let mut atoms: Vec<(usize, usize)> = Vec::new();
        let mut seg_atoms: Vec<(usize, usize)> = Vec::new(); // segment -> atom index range
        for &(a, b) in &segments {
            let first = atoms.len();
            let mut s = a;
            for k in a + 1..b {
                if atom_boundary(&cs[a..b], k - a) {
                    atoms.push((s, k));
                    s = k;
                }
            }
            atoms.push((s, b));
            seg_atoms.push((first, atoms.len()));
        }
        let span = atoms.len().max(1) as u32;

        // One atom and nothing around it; `__init__` also keeps its underscores.
        if atoms.len() == 1 && atoms[0] == (0, cs.len()) {
            let (a, b) = atoms[0];
            if let Some(t) = self.atom_term(&cs[a..b], keep, out.spare) {
                push_term(out, t, pos, cs[a].0, byte_end(b), TermKind::Whole);
            }
            return span;
        }
        // Whole word: verbatim apart from case and folding.
        let mut whole = out.buffer();
        for c in text[cs[0].0..wend].chars() {
            self.push_normalized(&mut whole, c);
        }
        if keep(&whole) {
            push_term(out, whole, pos, cs[0].0, wend, TermKind::Whole);
        } else {
            out.spare.push(whole);
        }
        // Then, in position order, each multi-atom segment of a multi-segment
        // word followed by its atoms.
        for (si, &(a, b)) in segments.iter().enumerate() {
            let (fa, la) = seg_atoms[si];
            if segments.len() > 1 && la - fa > 1 {
                if let Some(t) = self.atom_term(&cs[a..b], keep, out.spare) {
                    push_term(
                        out,
                        t,
                        pos + fa as u32,
                        cs[a].0,
                        byte_end(b),
                        TermKind::Segment,
                    );
                }
            }
            for (ai, &(a, b)) in atoms.iter().enumerate().take(la).skip(fa) {
                if let Some(t) = self.atom_term(&cs[a..b], keep, out.spare) {
                    push_term(
                        out,
                        t,
                        pos + ai as u32,
                        cs[a].0,
                        byte_end(b),
                        TermKind::Atom,
                    );
                }
            }
        }
        span
    }

    /// Term for a letter-and-digit run: words are stemmed and stop-filtered,
    /// anything with a digit is kept as typed.
    #[cfg(not(feature = "parallel"))]
    fn atom_term(
        &self,
        cs: &[(usize, char)],
        keep: &dyn Fn(&str) -> bool,
        spare: &mut Vec<String>,
    ) -> Option<String> {
        let mut s = spare.pop().unwrap_or_default();
        match self.normalize_atom(&mut s, cs, keep) {
            Some(true) => Some(s),
            Some(false) => self.word_term_uncached(s),
            None => {
                spare.push(s);
                None
            }
        }
    }

    /// Writes the normalised atom into `s` (cleared first): `None` when
    /// `keep` refuses it, else whether it holds a digit (kept as typed).
    fn normalize_atom(
        &self,
        s: &mut String,
        cs: &[(usize, char)],
        keep: &dyn Fn(&str) -> bool,
    ) -> Option<bool> {
        s.clear();
        for &(_, c) in cs {
            self.push_normalized(s, c);
        }
        keep(s).then(|| cs.iter().any(|&(_, c)| c.is_numeric()))
    }

    /// As above; index builds look each distinct word up once per thread
    /// (a library repeats a few thousand words, and the stop list search
    /// and the stemmer took about a tenth of a large build's time), and
    /// normalise into a buffer of the thread; the term is written into a
    /// spare string, so a word seldom costs an allocation.
    #[cfg(feature = "parallel")]
    fn atom_term(
        &self,
        cs: &[(usize, char)],
        keep: &dyn Fn(&str) -> bool,
        spare: &mut Vec<String>,
    ) -> Option<String> {
        use std::cell::RefCell;
        #[derive(Default)]
        struct Memo {
            /// The settings that change the answers.
            settings: Option<TokenizerSettings>,
            words: crate::hash::FastMap<String, Option<String>>,
            scratch: String,
        }
        thread_local! {
            static MEMO: RefCell<Memo> = RefCell::default();
        }
        // Bounded, since a library's rare words (names, typos) never stop
        // coming.
        const MAX_WORDS: usize = 1 << 16;
        MEMO.with(|m| {
            let mut m = m.borrow_mut();
            let m = &mut *m;
            if m.settings != Some(self.settings) || m.words.len() >= MAX_WORDS {
                m.settings = Some(self.settings);
                m.words = Default::default();
            }
            let copy = |t: &str, spare: &mut Vec<String>| {
                let mut s = spare.pop().unwrap_or_default();
                s.clear();
                s.push_str(t);
                s
            };
            if self.normalize_atom(&mut m.scratch, cs, keep)? {
                return Some(copy(&m.scratch, spare));
            }
            if let Some(t) = m.words.get(m.scratch.as_str()) {
                return t.as_deref().map(|t| copy(t, spare));
            }
            let t = self.word_term_uncached(m.scratch.clone());
            m.words.insert(m.scratch.clone(), t.clone());
            t
        })
    }

    fn word_term_uncached(&self, s: String) -> Option<String> {
        if self.settings.stop_words && STOP_WORDS.binary_search(&s.as_str()).is_ok() {
            return None;
        }
        match &self.stemmer {
            Some(st) => match st.stem(&s) {
                std::borrow::Cow::Borrowed(_) => Some(s),
                std::borrow::Cow::Owned(stem) => Some(stem),
            },
            None => Some(s),
        }
    }

    /// Lowercase, fold and drop combining marks.
    pub fn normalize(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            self.push_normalized(&mut out, c);
        }
        out
    }

    fn push_normalized(&self, out: &mut String, c: char) {
        if is_combining(c) {
            return;
        }
        if is_apostrophe(c) {
            out.push('\'');
            return;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            return;
        }
        for l in c.to_lowercase() {
            if self.settings.fold_diacritics {
                fold_into(out, l);
            } else {
                out.push(l);
            }
        }
    }
}

/// The words whose English stem changes their second character (Snowball's
/// exceptions `dying` → `die`, ...); every other stem keeps the first two
/// characters of its word.
const HEAD_CHANGING: &[&str] = &["dying", "lying", "tying"];

/// First two characters of wanted terms ([`Tokenizer::tokenize_matching`]).
struct Heads<'a> {
    /// Sorted, so checking an atom costs a binary search however many
    /// terms a query has.
    heads: Vec<&'a str>,
    /// Lowercase ASCII first characters.
    ascii: [bool; 128],
}

impl<'a> Heads<'a> {
    fn new(terms: &'a crate::order::TermSet) -> Self {
        let mut ascii = [false; 128];
        let mut heads: Vec<&str> = terms
            .iter()
            .map(|t| {
                if let Some(c) = t.chars().next().filter(char::is_ascii) {
                    ascii[c.to_ascii_lowercase() as usize] = true;
                }
                t.char_indices().nth(2).map_or(t.as_str(), |(b, _)| &t[..b])
            })
            .collect();
        crate::order::sort_dedup(&mut heads);
        Heads { heads, ascii }
    }

    /// Whether normalised atom `s` can stem to a wanted term: a head (one
    /// or two characters) is a prefix of it.
    fn keep(&self, s: &str) -> bool {
        let mut ends = s.char_indices().map(|(b, _)| b).skip(1).chain([s.len()]);
        let one = ends.next().map(|e| &s[..e]);
        let two = ends.next().map(|e| &s[..e]);
        let has = |h: &str| self.heads.binary_search(&h).is_ok();
        one.is_some_and(has) || two.is_some_and(has) || has("") || HEAD_CHANGING.contains(&s)
    }

    /// Whether any atom of the word can start with a wanted character (a
    /// non-ASCII character may fold to one).
    fn may_match(&self, cs: &[(usize, char)]) -> bool {
        cs.iter()
            .any(|&(_, c)| !c.is_ascii() || self.ascii[c.to_ascii_lowercase() as usize])
    }
}

fn push_term(out: &mut Out<'_>, text: String, pos: u32, start: usize, end: usize, kind: TermKind) {
    if text.is_empty() || text.len() > MAX_TERM_BYTES {
        out.spare.push(text);
        return;
    }
    // A segment or atom equal to an earlier term at the same position adds
    // nothing. A word's terms come in position order, so those at `pos` are
    // the last ones (looking further back would make a word of many atoms
    // cost the square of their number).
    if out
        .terms
        .iter()
        .rev()
        .take_while(|t| t.pos == pos)
        .any(|t| t.text == text)
    {
        out.spare.push(text);
        return;
    }
    out.terms.push(Term {
        text,
        pos,
        start,
        end,
        kind,
    });
}

/// Where a word's terms go, and strings to reuse for them.
struct Out<'a> {
    terms: &'a mut Vec<Term>,
    spare: &'a mut Vec<String>,
}

impl Out<'_> {
    /// An empty string, reused where one is spare.
    fn buffer(&mut self) -> String {
        let mut s = self.spare.pop().unwrap_or_default();
        s.clear();
        s
    }
}

thread_local! {
    /// [`Tokenizer::tokenize`]'s character buffer, kept between calls.
    static CHARS: std::cell::Cell<Vec<(usize, char)>> = const { std::cell::Cell::new(Vec::new()) };
}

/// `(` at `j` after a digit, 1–4 letters/digits, then `)`: part of a version
/// string such as `12.5(1)`. Returns the index of the `)`.
/// Makes `word` the word of one term, `text` at bytes `start..end` and
/// position `pos` (a CJK character, an operator), reusing spare strings.
fn one_term_word(
    word: &mut Word,
    spare: &mut Vec<String>,
    text: &str,
    start: usize,
    end: usize,
    pos: u32,
) {
    spare.extend(word.terms.drain(..).map(|t| t.text));
    word.start = start;
    word.end = end;
    word.pos = pos;
    word.span = 1;
    let mut t = spare.pop().unwrap_or_default();
    t.clear();
    t.push_str(text);
    word.terms.push(Term {
        text: t,
        pos,
        start,
        end,
        kind: TermKind::Whole,
    });
}

/// Operators of programming languages that are searched for by their
/// symbols, sorted. Runs of these characters are terms only when the whole
/// run is one of them: `://` of a URL, `---` of a rule, `--` of an option
/// and `...` of prose are not.
pub const OPERATORS: &[&str] = &[
    "!=", "!==", "%=", "&&", "&=", "**", "**=", "*=", "+=", "-=", "->", "//", "//=", "/=", ":=",
    "<<", "<<=", "<=", "<=>", "==", "===", "=>", ">=", ">>", ">>=", "?.", "??", "@=", "^=", "|=",
    "|>", "||",
];

fn is_operator_char(c: char) -> bool {
    matches!(
        c,
        '!' | '%'
            | '&'
            | '*'
            | '+'
            | '-'
            | '/'
            | ':'
            | '<'
            | '='
            | '>'
            | '?'
            | '.'
            | '@'
            | '^'
            | '|'
    )
}

/// Whether `chars[k]` is a joiner other than an underscore.
fn is_joiner_at(chars: &[(usize, char)], k: usize) -> bool {
    chars.get(k).is_some_and(|&(_, c)| is_joiner(c) && c != '_')
}

fn paren_group(chars: &[(usize, char)], j: usize) -> Option<usize> {
    if chars[j].1 != '(' || j == 0 || !chars[j - 1].1.is_numeric() {
        return None;
    }
    let mut k = j + 1;
    while k < chars.len() && k - j <= 5 {
        let c = chars[k].1;
        if c == ')' {
            return (k > j + 1).then_some(k);
        }
        if !c.is_alphanumeric() || is_cjk(c) {
            return None;
        }
        k += 1;
    }
    None
}

/// Is there an atom boundary before `seg[k]`?
fn atom_boundary(seg: &[(usize, char)], k: usize) -> bool {
    let prev = seg[k - 1].1;
    let cur = seg[k].1;
    if prev.is_lowercase() && cur.is_uppercase() {
        return true;
    }
    if prev.is_uppercase() && cur.is_uppercase() {
        // HTTPServer: split before the S, but not URLs or IPv6.
        // Counting stops at two: a long run of capitals stays linear.
        let upper_before = seg[..k]
            .iter()
            .rev()
            .take_while(|(_, c)| c.is_uppercase())
            .take(2)
            .count();
        let lower_after = seg[k + 1..]
            .iter()
            .take_while(|(_, c)| c.is_lowercase())
            .take(2)
            .count();
        return upper_before >= 2 && lower_after >= 2;
    }
    if prev.is_alphabetic() && cur.is_numeric() {
        let letters = seg[..k]
            .iter()
            .rev()
            .take_while(|(_, c)| c.is_alphabetic())
            .take(2)
            .count();
        return letters >= 2;
    }
    false
}

// Base letters for U+0100..=U+017F (Latin Extended-A), one per code point;
// '*' marks letters that fold to two letters (handled in `fold_into`).
const LATIN_EXT_A: &[u8; 128] = b"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkkllllllllllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
// Base letters for U+00E0..=U+00FF (lowercase Latin-1); '*' as above, '/' for ÷.
const LATIN_1: &[u8; 32] = b"aaaaaa*ceeeeiiiidnooooo/ouuuuy*y";

fn fold_into(out: &mut String, c: char) {
    let cp = c as u32;
    let base = match cp {
        0xDF => return out.push_str("ss"),
        0xE6 => return out.push_str("ae"),
        0xFE => return out.push_str("th"),
        0x133 => return out.push_str("ij"),
        0x153 => return out.push_str("oe"),
        0xE0..=0xFF => LATIN_1[(cp - 0xE0) as usize],
        0x100..=0x17F => LATIN_EXT_A[(cp - 0x100) as usize],
        _ => return out.push(c),
    };
    if base.is_ascii_lowercase() {
        out.push(base as char);
    } else {
        out.push(c);
    }
}

#[cfg(test)]
#[path = "tokenize_tests.rs"]
mod tests;
