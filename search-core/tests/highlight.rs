//! Highlighting tokenizes only what can match: `tokenize_matching` must emit
//! exactly the terms (text, byte range, kind) of a full tokenization that are
//! in the wanted set.

use mcdewey_search_core::{Term, TermSet, Tokenizer, TokenizerSettings};
use proptest::prelude::*;
use std::collections::HashSet;

const WORDS: &[&str] = &[
    "running",
    "runs",
    "Get-ChildItem",
    "START_RECORDING",
    "targetMediaAddress",
    "dying",
    "skies",
    "sky",
    "lying",
    "aed",
    "ed",
    "a",
    "the",
    "TLS1.3",
    "12.5(1)",
    "E0729",
    "u32",
    "café",
    "Straße",
    "don't",
    "agents",
    "agent's",
    "HTTPServer",
    "generously",
    "early",
    "only",
    "news",
    "cries",
    "ties",
    "Ünïcödé",
    "x86_64",
    "v2",
    "日本語",
    "re-record",
    "recorded",
    "recording",
    "yes",
    "eyeing",
    "ugly",
    "idly",
    "gently",
    "singly",
    "atlas",
    "bias",
    "ii",
    "a.b.c",
    "1.2.3",
    "ing",
];

fn full(tok: &Tokenizer, text: &str) -> Vec<Term> {
    let mut out = Vec::new();
    tok.tokenize(text, 0, |w| out.extend(w.terms.iter().cloned()));
    out
}

fn matching(tok: &Tokenizer, text: &str, wanted: &TermSet) -> Vec<Term> {
    let mut out = Vec::new();
    tok.tokenize_matching(text, wanted, |w| out.extend(w.terms.iter().cloned()));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    #[test]
    fn matching_tokenization_keeps_exactly_the_wanted_terms(
        picks in prop::collection::vec((0..WORDS.len(), 0..4usize), 1..40),
        wanted_picks in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        extra in "[a-z]{1,3}",
        stem in any::<bool>(),
    ) {
        let seps = [" ", ", ", "\n", " (", ") "];
        let text: String = picks.iter().map(|&(w, s)| format!("{}{}", WORDS[w], seps[s])).collect();
        let tok = Tokenizer::new(TokenizerSettings { stem, ..TokenizerSettings::default() });
        let all = full(&tok, &text);
        let mut wanted = TermSet::new();
        if !all.is_empty() {
            for i in &wanted_picks {
                wanted.insert(all[i.index(all.len())].text.clone());
            }
        }
        wanted.insert(extra);
        // Positions are not numbered by the matching tokenization.
        let key = |t: Term| (t.text, t.start, t.end, t.kind);
        let expected: Vec<_> = all.into_iter().filter(|t| wanted.contains(&t.text)).map(key).collect();
        let got: Vec<_> = matching(&tok, &text, &wanted)
            .into_iter()
            .filter(|t| wanted.contains(&t.text))
            .map(key)
            .collect();
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn matching_tokenization_skips_unwanted_words() {
    let tok = Tokenizer::new(TokenizerSettings::default());
    let wanted: TermSet = ["record".to_string()].into_iter().collect();
    let got = matching(
        &tok,
        "Recording starts when the agent records a call",
        &wanted,
    );
    let texts: Vec<&str> = got.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, ["record", "record"]);
}

/// The rule `tokenize_matching` relies on, over every word of the shared IR
/// collections (tens of thousands of English words and identifiers): the
/// text a term stands for starts with the term's first two characters (but
/// for Snowball's `dying`, `lying`, `tying`).
#[test]
fn stems_keep_their_first_characters_on_real_vocabulary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/ir");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipping: {} not found", dir.display());
        return;
    };
    let tok = Tokenizer::new(TokenizerSettings::default());
    let mut seen = HashSet::new();
    for e in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path().join("corpus.jsonl")) else {
            continue;
        };
        for w in text.split(|c: char| !c.is_alphanumeric()) {
            if w.is_empty() || !seen.insert(w.to_lowercase()) {
                continue;
            }
            for t in tok.terms(w) {
                let source = tok.normalize(&w[t.start..t.end]);
                let head = |s: &str| s.chars().take(2).collect::<String>();
                let exception = ["dying", "lying", "tying"].contains(&source.as_str());
                assert!(
                    source.starts_with(&head(&t.text)) || exception,
                    "{w:?} gives {:?}",
                    t.text
                );
            }
        }
    }
    assert!(seen.len() > 10_000, "only {} words read", seen.len());
}
