//! Stop-word pairs: the words of [`STOP_WORDS`] are not indexed, yet in
//! technical writing several of them are names: Python's `with`, `is` and
//! `in` statements and operators, SQL's `IS NULL`, `NOT IN` and `ORDER BY`,
//! a shell's `for` loop. "with statement" would otherwise search for
//! "statement" alone and rank "The if statement" first.
//!
//! So in the short fields (the title and the headings) each stop word also
//! emits a *pair term* with the word before it and with the word after it
//! (`with statement`, `order by`, `not in`), and a query emits the same
//! pairs from its own adjacent words. A pair matches only where the two
//! words stand side by side in a heading, which is where such names are
//! defined. Articles (`a`, `an`, `the`) never name anything, so they form no
//! pair. Body text has no pairs: a stop word is every third word of prose,
//! and its pairs would add a large share of the index for little.
//!
//! Pair terms start with [`PAIR_MARK`], a character the tokenizer never
//! emits: they sort together at the start of the dictionary (a query's
//! pairs share few shards), and no prefix or typo expansion of a typed word
//! reaches them.

use crate::tokenize::{Tokenizer, Word, STOP_WORDS};

/// First character of every pair term.
pub const PAIR_MARK: char = '\u{1}';

/// Stop words that never form a pair.
const ARTICLES: [&str; 3] = ["a", "an", "the"];

/// The pair term of two adjacent words, each given as it is indexed (a
/// stop word as its lowercase text, any other word as its term).
pub fn pair_term(first: &str, second: &str) -> String {
    let mut s = String::with_capacity(first.len() + second.len() + 2);
    s.push(PAIR_MARK);
    s.push_str(first);
    s.push(' ');
    s.push_str(second);
    s
}

/// A word as a pair sees it: its indexed form, and whether it is a stop
/// word (one that is not an article).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Slot {
    form: String,
    stop: bool,
    /// A stop word used as a name: after an article ("the with
    /// statement") or in capitals in a text that has lowercase letters
    /// ("use IS NULL").
    named: bool,
    /// Position of the word and the first position after it.
    pos: u32,
    end: u32,
}

/// Collects the pairs of one field (or query) from the words the tokenizer
/// gives, in order: feed every word to [`Pairs::push`].
#[derive(Debug, Default)]
pub(crate) struct Pairs {
    prev: Option<Slot>,
    /// Only pairs of a stop word used as a name (see [`Slot::named`]).
    names_only: bool,
    /// The text has lowercase letters, so capitals mark a name.
    mixed_case: bool,
    /// End of the last word when it was an article.
    article_end: Option<u32>,
}

impl Pairs {
    /// Pairs of every stop word of `text`.
    pub(crate) fn new(text: &str) -> Pairs {
        Pairs {
            mixed_case: text.bytes().any(|b| b.is_ascii_lowercase()),
            ..Pairs::default()
        }
    }

    /// Takes the next word of `text` (the string the tokenizer was given)
    /// and calls `f(pair, position of its first word)` for each pair it
    /// closes. Words that are neither stop words nor indexed (an overlong
    /// term) break the run.
    pub(crate) fn push(&mut self, text: &str, w: &Word, f: impl FnMut(String, u32)) {
        let mut f = f;
        let article = std::mem::take(&mut self.article_end);
        let word = text.get(w.start..w.end).unwrap_or("");
        if ARTICLES.iter().any(|a| a.eq_ignore_ascii_case(word)) {
            self.article_end = Some(w.pos + w.span);
            self.prev = None;
            return;
        }
        let slot = slot(word, w).map(|mut s| {
            let caps = word.len() >= 2 && word.bytes().all(|b| b.is_ascii_uppercase());
            s.named = s.stop && (article == Some(w.pos) || (caps && self.mixed_case));
            s
        });
        if let (Some(p), Some(s)) = (&self.prev, &slot) {
            // A name pairs with a word or another name, not with a stop
            // word that is only a preposition ("with IS NULL").
            let names = |a: &Slot, b: &Slot| a.named && (!b.stop || b.named);
            let wanted = if self.names_only {
                names(p, s) || names(s, p)
            } else {
                p.stop || s.stop
            };
            // Adjacent only: nothing (no other word) between them.
            if p.end == s.pos && wanted {
                f(pair_term(&p.form, &s.form), p.pos);
            }
        }
        self.prev = slot;
    }
}

fn slot(word: &str, w: &Word) -> Option<Slot> {
    let (pos, end) = (w.pos, w.pos + w.span);
    if let Some(t) = w.primary() {
        return Some(Slot {
            form: t.text.clone(),
            stop: false,
            named: false,
            pos,
            end,
        });
    }
    // Stop words are ASCII: no Unicode case tables (the WASM engine has
    // no other use for them).
    if !w.terms.is_empty() || !word.is_ascii() {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    STOP_WORDS.binary_search(&lower.as_str()).ok()?;
    Some(Slot {
        form: lower,
        stop: true,
        named: false,
        pos,
        end,
    })
}

/// Every pair term of `text` with the position of its first word.
pub fn pairs_of(tokenizer: &Tokenizer, text: &str) -> Vec<(String, u32)> {
    query_pairs(tokenizer, text, false, |_, _, _| false)
}

/// The pairs a query asks for: as [`pairs_of`], but a word for which
/// `skip(text, start, end)` holds is in no pair (the words that only
/// phrase a question), and with `names_only` only the pairs of stop words
/// used as names ("how does the with statement work" asks for `with
/// statement`, "list all files of a directory" for nothing).
pub fn query_pairs(
    tokenizer: &Tokenizer,
    text: &str,
    names_only: bool,
    skip: impl Fn(&str, usize, usize) -> bool,
) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    if !tokenizer.settings().pairs() {
        return out;
    }
    let mut pairs = Pairs {
        names_only,
        ..Pairs::new(text)
    };
    tokenizer.tokenize(text, 0, |w| {
        if skip(text, w.start, w.end) {
            pairs.prev = None;
            pairs.article_end = None;
        } else {
            pairs.push(text, w, |t, p| out.push((t, p)));
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::TokenizerSettings;

    fn terms(text: &str) -> Vec<String> {
        let t = Tokenizer::new(TokenizerSettings::default());
        pairs_of(&t, text)
            .into_iter()
            .map(|(s, _)| s.trim_start_matches(PAIR_MARK).to_string())
            .collect()
    }

    #[test]
    fn a_stop_word_pairs_with_its_neighbours() {
        assert_eq!(terms("The with statement"), ["with statement"]);
        assert_eq!(terms("ORDER BY clause"), ["order by", "by claus"]);
        assert_eq!(terms("x is not None"), ["x is", "is not", "not none"]);
        assert_eq!(
            terms("The IN and NOT IN operators"),
            ["in and", "and not", "not in", "in oper"]
        );
    }

    #[test]
    fn articles_and_plain_words_make_no_pairs() {
        assert!(terms("The configuration of a cluster").len() == 1);
        assert_eq!(terms("The configuration of a cluster"), ["configur of"]);
        assert!(terms("Rotating signing keys").is_empty());
        assert!(terms("the a an").is_empty());
    }

    fn named(text: &str) -> Vec<String> {
        let t = Tokenizer::new(TokenizerSettings::default());
        query_pairs(&t, text, true, |_, _, _| false)
            .into_iter()
            .map(|(s, _)| s.trim_start_matches(PAIR_MARK).to_string())
            .collect()
    }

    #[test]
    fn names_only_keeps_stop_words_after_an_article_or_in_capitals() {
        assert_eq!(
            named("how does the with statement work"),
            ["with statement"]
        );
        assert_eq!(named("when do I use an if expression"), ["if express"]);
        assert_eq!(named("how do I test for null with IS NULL"), ["is null"]);
        assert_eq!(named("rows that are NOT IN the list"), ["not in"]);
        assert!(named("list all files of a directory in order").is_empty());
        // In a text of capitals, capitals name nothing.
        assert!(named("HOW DO I TEST FOR NULL").is_empty());
    }

    #[test]
    fn pairs_carry_their_mark_and_position() {
        let t = Tokenizer::new(TokenizerSettings::default());
        let p = pairs_of(&t, "8.5. The with statement");
        assert_eq!(p.len(), 1);
        assert!(p[0].0.starts_with(PAIR_MARK));
        assert_eq!(p[0], (pair_term("with", "statement"), 2));
    }

    #[test]
    fn without_stop_words_dropped_or_with_pairs_off_there_are_no_pairs() {
        for settings in [
            TokenizerSettings {
                stop_words: false,
                ..TokenizerSettings::default()
            },
            TokenizerSettings {
                stop_pairs: false,
                ..TokenizerSettings::default()
            },
        ] {
            let t = Tokenizer::new(settings);
            assert!(pairs_of(&t, "The with statement").is_empty());
        }
    }
}
