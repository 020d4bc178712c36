//! BERT's text analysis for the embedding model, written from the published
//! behaviour of `BertNormalizer` + `BertPreTokenizer` + `WordPiece`
//! (uncased): clean control characters, put spaces around CJK ideographs,
//! lowercase, strip accents, split at whitespace and punctuation, then cut
//! each word into the longest vocabulary pieces from the left (`##` marks a
//! piece that continues a word). A word with a piece missing from the
//! vocabulary is `[UNK]`, which carries no vector and is dropped.
//!
//! Differences from the reference, all on rare input: accent stripping
//! covers the combining marks U+0300–U+036F and the precomposed letters of
//! Latin-1 and Latin Extended-A (not all of Unicode's decompositions), and
//! punctuation outside ASCII is recognised for the common blocks only.

use crate::codec::{Reader, Writer};
use crate::error::FormatError;
use crate::hash::FastMap;

/// Longest word, in characters, that is cut into pieces; longer ones are `[UNK]`.
pub const MAX_WORD_CHARS: usize = 100;

/// A sorted WordPiece vocabulary. A token's id is its rank in byte order.
/// Stored as one string and end offsets, so 30,000 tokens cost two
/// allocations.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Vocab {
    text: String,
    ends: Vec<u32>,
    /// Longest token in bytes: longer pieces need no look-up.
    longest: usize,
}

impl std::fmt::Debug for Vocab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocab")
            .field("tokens", &self.ends.len())
            .finish()
    }
}

impl Vocab {
    /// A vocabulary from tokens in strictly increasing byte order.
    pub fn from_sorted<S: AsRef<str>>(
        tokens: impl IntoIterator<Item = S>,
    ) -> Result<Vocab, FormatError> {
        let mut v = Vocab::default();
        for t in tokens {
            v.push(t.as_ref())?;
        }
        Ok(v)
    }

    fn push(&mut self, t: &str) -> Result<(), FormatError> {
        if t.is_empty() {
            return Err(FormatError::Malformed("empty vocabulary token"));
        }
        if !self.is_empty() && self.get(self.len() as u32 - 1) >= t {
            return Err(FormatError::Malformed("vocabulary not sorted"));
        }
        self.text.push_str(t);
        self.longest = self.longest.max(t.len());
        let end = u32::try_from(self.text.len())
            .map_err(|_| FormatError::Malformed("vocabulary too large"))?;
        self.ends.push(end);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Token with id `id`. Panics when out of range.
    pub fn get(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// Id of `token`, if it is in the vocabulary.
    pub fn id(&self, token: &str) -> Option<u32> {
        let (mut lo, mut hi) = (0usize, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid as u32).cmp(token) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid as u32),
            }
        }
        None
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|i| self.get(i))
    }

    /// Front-coded encoding: `v n` then `n × fc token`.
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.varint(self.len() as u64);
        let mut prev = "";
        for t in self.iter() {
            w.front_coded(prev, t);
            prev = t;
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Vocab, FormatError> {
        let n = r.count(2)?;
        let mut v = Vocab {
            text: String::with_capacity(n * 4),
            ends: Vec::with_capacity(n),
            longest: 0,
        };
        let mut prev = String::new();
        for _ in 0..n {
            let t = r.front_coded(&prev)?;
            v.push(&t)?;
            prev = t;
        }
        Ok(v)
    }

    /// Token ids of `text`: BERT basic tokenization, then WordPiece.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.token_ids_with(text, |t| self.id(t))
    }

    /// [`Vocab::token_ids`] with another look-up of a token's id (a hash
    /// map when many texts are cut, as in an index build); `id` must agree
    /// with [`Vocab::id`].
    pub fn token_ids_with(&self, text: &str, id: impl Fn(&str) -> Option<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut piece = String::new();
        basic_words(text, |w| self.wordpiece(w, &id, &mut out, &mut piece));
        out
    }

    /// [`Vocab::token_ids_with`] through `cache`, which remembers the pieces
    /// of every word already cut: a corpus repeats most of its words, so
    /// most are cut once per cache. Same ids as without it.
    pub(crate) fn token_ids_cached(
        &self,
        text: &str,
        id: impl Fn(&str) -> Option<u32>,
        cache: &mut PieceCache,
    ) -> Vec<u32> {
        let mut out = Vec::new();
        let mut piece = String::new();
        basic_words(text, |w| {
            if let Some(&(start, end)) = cache.words.get(w) {
                out.extend_from_slice(&cache.ids[start as usize..end as usize]);
                return;
            }
            let mark = out.len();
            self.wordpiece(w, &id, &mut out, &mut piece);
            let start = cache.ids.len() as u32;
            cache.ids.extend_from_slice(&out[mark..]);
            cache
                .words
                .insert(w.into(), (start, cache.ids.len() as u32));
        });
        out
    }

    /// Greedy longest-match-first pieces of one normalised word. Pushes
    /// nothing when the word has a piece outside the vocabulary.
    fn wordpiece(
        &self,
        word: &str,
        id: &impl Fn(&str) -> Option<u32>,
        out: &mut Vec<u32>,
        piece: &mut String,
    ) {
        let bounds: Vec<usize> = word
            .char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(word.len()))
            .collect();
        let chars = bounds.len() - 1;
        if chars == 0 || chars > MAX_WORD_CHARS {
            return;
        }
        let mark = out.len();
        let mut start = 0usize;
        while start < chars {
            let mut end = chars;
            let mut found = None;
            let marker = if start > 0 { 2 } else { 0 };
            while end > start {
                if marker + bounds[end] - bounds[start] <= self.longest {
                    piece.clear();
                    if start > 0 {
                        piece.push_str("##");
                    }
                    piece.push_str(&word[bounds[start]..bounds[end]]);
                    if let Some(id) = id(piece) {
                        found = Some(id);
                        break;
                    }
                }
                end -= 1;
            }
            match found {
                Some(id) => out.push(id),
                None => {
                    out.truncate(mark);
                    return;
                }
            }
            start = end;
        }
    }
}

/// The pieces of words already cut (see [`Vocab::token_ids_cached`]).
#[derive(Default)]
pub(crate) struct PieceCache {
    /// Word → range of its piece ids in `ids`.
    words: FastMap<Box<str>, (u32, u32)>,
    ids: Vec<u32>,
}

/// Normalise `text` as BERT uncased does and call `f` with each word
/// (punctuation characters are words of their own).
pub fn basic_words(text: &str, mut f: impl FnMut(&str)) {
    let mut word = String::new();
    let mut flush = |word: &mut String| {
        if !word.is_empty() {
            f(word);
            word.clear();
        }
    };
    for c in text.chars() {
        // ASCII, most of any text, by byte class: the same answers as the
        // general tests below (checked by a test over every ASCII byte).
        if c.is_ascii() {
            let b = c as u8;
            if matches!(b, b'\t'..=b'\r' | b' ') {
                flush(&mut word);
            } else if b < 0x20 || b == 0x7F {
                // Control characters are dropped.
            } else if b.is_ascii_punctuation() {
                flush(&mut word);
                word.push(c);
                flush(&mut word);
            } else {
                word.push(b.to_ascii_lowercase() as char);
            }
            continue;
        }
        if c == '\0' || c == '\u{FFFD}' || (is_control(c) && !c.is_whitespace()) {
            continue;
        }
        if c.is_whitespace() {
            flush(&mut word);
            continue;
        }
        if is_cjk_ideograph(c) || is_punctuation(c) {
            flush(&mut word);
            word.push(c);
            flush(&mut word);
            continue;
        }
        for l in c.to_lowercase() {
            push_stripped(&mut word, l);
        }
    }
    flush(&mut word);
}

/// The WordPiece token that stands for SentencePiece piece `piece` (`▁x`
/// starts a word and becomes `x`; `x` continues one and becomes `##x`), or
/// `None` when [`basic_words`] can never produce it: byte-fallback and
/// control pieces, pieces with capitals, accents or inner spaces, and
/// punctuation or ideographs inside a word (they are always words of their
/// own). Lets a table trained on a SentencePiece vocabulary be read by
/// this module's analysis; ids then follow the WordPiece order.
pub fn wordpiece_form(piece: &str) -> Option<String> {
    if piece.starts_with('<') && piece.ends_with('>') {
        return None;
    }
    let (initial, body) = match piece.strip_prefix('\u{2581}') {
        Some(rest) => (true, rest),
        None => (false, piece),
    };
    if body.contains('\u{2581}') {
        return None;
    }
    let mut words = Vec::new();
    basic_words(body, |w| words.push(w.to_string()));
    if words.len() != 1 || words[0] != body {
        return None;
    }
    let mut chars = body.chars();
    let lone = match (chars.next(), chars.next()) {
        (Some(c), None) => is_punctuation(c) || is_cjk_ideograph(c),
        _ => false,
    };
    match (initial, lone) {
        (true, _) => Some(body.to_string()),
        (false, true) => None,
        (false, false) => Some(format!("##{body}")),
    }
}

fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(c as u32, 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x2064 | 0xFEFF)
}

fn is_cjk_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

/// ASCII symbols count as punctuation (as in BERT), plus Unicode's common
/// punctuation blocks.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c as u32,
            0xA1 | 0xA7 | 0xAB | 0xB6 | 0xB7 | 0xBB | 0xBF | 0x37E | 0x387
            | 0x55A..=0x55F | 0x589 | 0x5BE | 0x5C0 | 0x5C3 | 0x5C6 | 0x5F3 | 0x5F4
            | 0x60C | 0x60D | 0x61B | 0x61F | 0x66A..=0x66D | 0x6D4 | 0x964 | 0x965
            | 0x2010..=0x2027 | 0x2030..=0x2043 | 0x2045..=0x2051 | 0x2053..=0x205E
            | 0x207D | 0x207E | 0x208D | 0x208E | 0x2308..=0x230B | 0x2329 | 0x232A
            | 0x2768..=0x2775 | 0x27C5 | 0x27C6 | 0x27E6..=0x27EF | 0x2983..=0x2998
            | 0x29D8..=0x29DB | 0x29FC | 0x29FD | 0x2CF9..=0x2CFC | 0x2CFE | 0x2CFF
            | 0x2E00..=0x2E2E | 0x2E30..=0x2E4F | 0x3001..=0x3003 | 0x3008..=0x3011
            | 0x3014..=0x301F | 0x3030 | 0x303D | 0x30A0 | 0x30FB
            | 0xFE10..=0xFE19 | 0xFE30..=0xFE52 | 0xFE54..=0xFE61 | 0xFE63 | 0xFE68
            | 0xFE6A | 0xFE6B | 0xFF01..=0xFF03 | 0xFF05..=0xFF0A | 0xFF0C..=0xFF0F
            | 0xFF1A | 0xFF1B | 0xFF1F | 0xFF20 | 0xFF3B..=0xFF3D | 0xFF3F | 0xFF5B
            | 0xFF5D | 0xFF5F..=0xFF65)
}

// NFD base letters of U+00E0..=U+00FF; '-' = no decomposition (æ ð ÷ ø þ).
const NFD_LATIN_1: &[u8; 32] = b"aaaaaa-ceeeeiiii-nooooo--uuuuy-y";
// NFD base letters of U+0100..=U+017F (lowercase positions matter; the
// input is already lowercased); '-' = no decomposition.
const NFD_LATIN_EXT_A: &[u8; 128] = b"aaaaaaccccccccdd--eeeeeeeeeegggggggghh--iiiiiiiii---jjkk-llllll----nnnnnn---oooooo--rrrrrrsssssssstttt--uuuuuuuuuuuuwwyyyzzzzzz-";

/// Push `c` without its accent: combining marks are dropped and the
/// precomposed Latin letters are replaced by their base letter.
fn push_stripped(out: &mut String, c: char) {
    let cp = c as u32;
    let base = match cp {
        0x300..=0x36F => return,
        0xE0..=0xFF => NFD_LATIN_1[(cp - 0xE0) as usize],
        0x100..=0x17F => NFD_LATIN_EXT_A[(cp - 0x100) as usize],
        _ => b'-',
    };
    if base == b'-' {
        out.push(c);
    } else {
        out.push(base as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        basic_words(text, |w| v.push(w.to_string()));
        v
    }

    #[test]
    fn ascii_text_is_cut_as_by_the_general_rules() {
        // The general per-character rules, without the ASCII fast path.
        fn general(text: &str) -> Vec<String> {
            let mut out = Vec::new();
            let mut word = String::new();
            let mut flush = |word: &mut String| {
                if !word.is_empty() {
                    out.push(std::mem::take(word));
                }
            };
            for c in text.chars() {
                if c == '\0' || c == '\u{FFFD}' || (is_control(c) && !c.is_whitespace()) {
                    continue;
                }
                if c.is_whitespace() {
                    flush(&mut word);
                } else if is_cjk_ideograph(c) || is_punctuation(c) {
                    flush(&mut word);
                    word.push(c);
                    flush(&mut word);
                } else {
                    for l in c.to_lowercase() {
                        push_stripped(&mut word, l);
                    }
                }
            }
            flush(&mut word);
            out
        }
        // Every ASCII byte, alone, between letters and among non-ASCII text.
        for b in 0u8..128 {
            let c = b as char;
            for text in [
                format!("{c}"),
                format!("aB{c}cD"),
                format!("É{c}x\u{2014}{c}{c}"),
            ] {
                assert_eq!(words(&text), general(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn basic_tokenization() {
        assert_eq!(
            words("Héllo, WORLD!  naïve\tcafé's x²"),
            ["hello", ",", "world", "!", "naive", "cafe", "'", "s", "x²"]
        );
        assert_eq!(
            words("Get-ChildItem $x"),
            ["get", "-", "childitem", "$", "x"]
        );
        assert_eq!(words("中文ab"), ["中", "文", "ab"]);
        assert_eq!(words("a\u{0}b\u{200B}c"), ["abc"]);
        assert_eq!(words("Straße Øre"), ["straße", "øre"]);
    }

    #[test]
    fn wordpiece_longest_match() {
        let v = Vocab::from_sorted(["##ing", "##s", "call", "record", "un", "x"]).unwrap();
        let id = |t: &str| v.id(t).unwrap();
        assert_eq!(
            v.token_ids("Recording calls"),
            vec![id("record"), id("##ing"), id("call"), id("##s")]
        );
        // A word with an unknown piece contributes nothing.
        assert_eq!(v.token_ids("recordz x"), vec![id("x")]);
        assert!(v.token_ids(&"x".repeat(101)).is_empty());
    }

    #[test]
    fn hash_lookup_length_cut_and_word_cache_cut_words_the_same() {
        let v = Vocab::from_sorted([
            "##d", "##ding", "##ed", "##ing", "##s", "call", "record", "recorder", "un", "x",
        ])
        .unwrap();
        let map: std::collections::HashMap<&str, u32> = v.iter().zip(0u32..).collect();
        // One cache across all texts, as a build block uses it: repeated
        // words (known, cut, unknown) come from the cache the second time.
        let mut cache = PieceCache::default();
        for text in [
            "Recording recorded recorders calls",
            "unrecorded xx recordingding",
            "a-very-long-word-that-is-not-there recorderd",
            "recorderd calls unrecorded Recording there xx",
        ] {
            let by_search = v.token_ids(text);
            // Without the length cut: every piece looked up.
            let mut all = Vec::new();
            let mut piece = String::new();
            let uncut = Vocab {
                longest: usize::MAX,
                ..v.clone()
            };
            basic_words(text, |w| {
                uncut.wordpiece(w, &|t| uncut.id(t), &mut all, &mut piece)
            });
            assert_eq!(by_search, all, "{text}");
            assert_eq!(
                v.token_ids_with(text, |t| map.get(t).copied()),
                by_search,
                "{text}"
            );
            assert_eq!(
                v.token_ids_cached(text, |t| map.get(t).copied(), &mut cache),
                by_search,
                "{text}"
            );
            assert!(!by_search.is_empty());
        }
        assert!(cache.words.contains_key("recorderd") && cache.words.contains_key("there"));
    }

    #[test]
    fn sentencepiece_pieces_map_to_what_the_analysis_produces() {
        let f = |p: &str| wordpiece_form(p);
        assert_eq!(f("\u{2581}record").as_deref(), Some("record"));
        assert_eq!(f("ings").as_deref(), Some("##ings"));
        assert_eq!(f("\u{2581}(").as_deref(), Some("("));
        assert_eq!(f("\u{2581}東").as_deref(), Some("東"));
        assert_eq!(f("42").as_deref(), Some("##42"));
        // Never produced: capitals, accents, byte fallback, bare or inner
        // spaces, punctuation or ideographs continuing a word.
        for p in [
            "\u{2581}The",
            "caf\u{e9}",
            "<0x0A>",
            "<s>",
            "\u{2581}",
            "\u{2581}\u{2581}",
            "a\u{2581}b",
            ")",
            "\u{2581}a.b",
            "東",
        ] {
            assert_eq!(f(p), None, "{p:?}");
        }
        // Every kept piece survives the analysis as one word.
        for p in ["\u{2581}get", "\u{2581}-", "child", "item"] {
            let t = f(p).unwrap();
            let mut words = Vec::new();
            basic_words(t.trim_start_matches("##"), |w| words.push(w.to_string()));
            assert_eq!(words, [t.trim_start_matches("##")]);
        }
    }

    #[test]
    fn vocab_rejects_unsorted_and_round_trips() {
        assert!(Vocab::from_sorted(["b", "a"]).is_err());
        assert!(Vocab::from_sorted(["a", "a"]).is_err());
        let v = Vocab::from_sorted(["##a", "ab", "abc", "b"]).unwrap();
        let mut w = Writer::new();
        v.encode(&mut w);
        let back = Vocab::decode(&mut Reader::new(&w.buf)).unwrap();
        assert_eq!(back, v);
        assert_eq!(back.id("abc"), Some(2));
        assert_eq!(back.id("abd"), None);
    }
}
