//! Query analysis: the query's words as index terms, with prefix
//! expansions of the word being typed and typo corrections.

use super::Index;
use crate::layout::{shard_dir_path, term_shard_path};
use crate::query::{contraction, is_phrasing_word, Query, PHRASING_WEIGHT};
use crate::shard::TermPostings;

/// Weight of a prefix expansion of the last word, relative to an exact match.
pub const PREFIX_WEIGHT: f32 = 0.6;
/// Weight of a typo correction, relative to an exact match.
pub const TYPO_WEIGHT: f32 = 0.3;
/// Typo corrections are tried only when the exact term occurs in at most this
/// many chunks.
pub const TYPO_MAX_DF: u32 = 2;
/// Most prefix expansions kept (the most frequent).
pub const MAX_PREFIX_TERMS: usize = 16;
/// Most typo corrections kept (closest, then most frequent).
pub const MAX_TYPO_TERMS: usize = 8;
/// Term shards a prefix may span; beyond that, expansion stops.
pub const MAX_PREFIX_SHARDS: usize = 2;
/// Weight of a stop-word pair ([`crate::pairs`]) relative to a word.
pub const PAIR_WEIGHT: f32 = 0.5;
/// Longest query (in words, stop words included) whose free words ask for
/// stop-word pairs; phrases always do.
pub const PAIR_MAX_WORDS: usize = 4;
/// Shortest prefix that is expanded.
pub const MIN_PREFIX_CHARS: usize = 2;

/// One free word of the query after analysis.
#[derive(Debug, Clone)]
pub(super) struct Clause {
    /// Exact term; empty for a stop word kept only for its prefix.
    pub(super) term: String,
    /// Atoms of a multi-atom word, used when the whole word is not indexed.
    pub(super) atoms: Vec<String>,
    /// Normalised surface form to expand, for the last word while typing.
    pub(super) prefix: Option<String>,
    /// 1, or [`PHRASING_WEIGHT`] for a word that only phrases a question.
    pub(super) weight: f32,
    /// Thesaurus alternatives of a plain word (see [`crate::synonyms`]).
    pub(super) synonyms: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Analysis {
    pub(super) clauses: Vec<Clause>,
    /// Each phrase: (term, position relative to the first word).
    pub(super) phrases: Vec<Vec<(String, u32)>>,
    /// Weight of thesaurus alternatives relative to their word.
    pub(super) synonym_weight: f32,
}

/// A file a lookup still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Missing {
    /// Directory block `s/<j>.bin` of the term-shard table.
    Dir(usize),
    /// Term shard `t/<i>.bin`.
    Shard(usize),
}

impl Missing {
    pub(super) fn path(self) -> String {
        match self {
            Missing::Dir(j) => shard_dir_path(j),
            Missing::Shard(s) => term_shard_path(s),
        }
    }
}

/// One term to score and its weight.
pub(super) struct Scored<'a> {
    pub(super) postings: &'a TermPostings,
    pub(super) weight: f32,
}

impl Index {
    pub(super) fn analyze(&self, q: &Query) -> Analysis {
        let mut a = Analysis {
            synonym_weight: q.synonym_weight(),
            ..Analysis::default()
        };
        let mut words = Vec::new();
        self.tokenizer
            .tokenize(&q.free, 0, |w| words.push(w.clone()));
        let last = words.len().saturating_sub(1);
        for (i, w) in words.iter().enumerate() {
            let prefix = (q.prefix && i == last && w.end == q.free.len())
                .then(|| self.tokenizer.normalize(&q.free[w.start..w.end]))
                .filter(|p| p.chars().count() >= MIN_PREFIX_CHARS);
            let term = w.primary().map(|t| t.text.clone()).unwrap_or_default();
            if term.is_empty() && prefix.is_none() {
                continue;
            }
            let atoms = w.atoms().map(|t| t.text.clone()).collect();
            let weight = if is_phrasing_word(contraction(&q.free, w.start, w.end)) {
                PHRASING_WEIGHT
            } else {
                1.0
            };
            // Only plain words have alternatives: an identifier or a
            // quoted phrase names exactly what it wants.
            let plain = q.free[w.start..w.end].chars().all(char::is_alphanumeric);
            let synonyms = if plain && weight == 1.0 && q.synonym_weight > 0 {
                self.synonyms.of(&term).to_vec()
            } else {
                Vec::new()
            };
            a.clauses.push(Clause {
                term,
                atoms,
                prefix,
                weight,
                synonyms,
            });
        }
        merge_repeated(&mut a.clauses);
        // A word the query has itself is no one's alternative: it counts
        // once, in full.
        if a.clauses.iter().any(|c| !c.synonyms.is_empty()) {
            let mut own: Vec<String> = a.clauses.iter().map(|c| c.term.clone()).collect();
            crate::order::sort_dedup(&mut own);
            for c in &mut a.clauses {
                c.synonyms.retain(|s| own.binary_search(s).is_err());
            }
        }
        // A query of phrasing words only ("what is", "how") is about them.
        if a.clauses.iter().all(|c| c.weight < 1.0) {
            for c in &mut a.clauses {
                c.weight = 1.0;
            }
        }
        // Stop words that stand beside another word ("with statement",
        // "not in") ask for their pair in the titles and headings: from each
        // phrase, and from the free words of a short query. In a longer one
        // most are prepositions between content words ("files of a
        // directory"), whose pairs matched other headings more often than
        // they named anything (see README): there only a stop word used as
        // a name pairs ("the with statement", "IS NULL").
        if q.stop_pairs {
            // Words that only phrase a question pair with nothing.
            let phrasing = |t: &str, s: usize, e: usize| is_phrasing_word(contraction(t, s, e));
            let names_only = words.len() > PAIR_MAX_WORDS;
            let mut pairs =
                crate::pairs::query_pairs(&self.tokenizer, &q.free, names_only, phrasing);
            for p in &q.phrases {
                pairs.extend(crate::pairs::pairs_of(&self.tokenizer, p));
            }
            // A pair term is never a word's term (see `PAIR_MARK`): only
            // repeats among the pairs need merging.
            let mut terms: Vec<String> = pairs.into_iter().map(|(t, _)| t).collect();
            crate::order::sort_dedup(&mut terms);
            a.clauses.extend(terms.into_iter().map(|term| Clause {
                term,
                atoms: Vec::new(),
                prefix: None,
                weight: PAIR_WEIGHT,
                synonyms: Vec::new(),
            }));
        }
        for p in &q.phrases {
            let mut terms = Vec::new();
            let mut first = None;
            self.tokenizer.tokenize(p, 0, |w| {
                if let Some(t) = w.primary() {
                    let f = *first.get_or_insert(w.pos);
                    terms.push((t.text.clone(), w.pos - f));
                }
            });
            if !terms.is_empty() {
                a.phrases.push(terms);
            }
        }
        a
    }

    /// Shard of `term`; `Ok(None)` for an index without terms, `Err` when
    /// the directory block that lists it is not loaded.
    pub(super) fn shard_of(&self, term: &str) -> Result<Option<usize>, Missing> {
        let t = &self.m.shards;
        let Some(j) = t.block_of(term) else {
            return Ok(None);
        };
        match &self.dirs[j] {
            Some(block) => Ok(Some(t.shard_in(j, block, term))),
            None => Err(Missing::Dir(j)),
        }
    }

    /// `Err` names the directory block or term shard still needed;
    /// `Ok(None)` when the term is not in the index.
    pub(super) fn lookup(&self, term: &str) -> Result<Option<&TermPostings>, Missing> {
        let Some(s) = self.shard_of(term)? else {
            return Ok(None);
        };
        match &self.terms[s] {
            Some(shard) => Ok(shard.get(term)),
            None => Err(Missing::Shard(s)),
        }
    }

    /// First term of shard `s`, when known: the first shard of each
    /// directory block is in the manifest, the others in their block.
    fn shard_first(&self, s: usize) -> Option<&str> {
        let t = &self.m.shards;
        let k = t.fanout as usize;
        if s.is_multiple_of(k) {
            return t.sample.get(s / k).map(String::as_str);
        }
        self.dirs
            .get(s / k)?
            .as_ref()?
            .get(s % k)
            .map(String::as_str)
    }

    /// Shards a prefix expansion reads: the prefix's own shard, the next one
    /// when it starts with the prefix, and the shards of the prefix minus its
    /// last 1–3 characters (a stem of a longer word: `recordi` → `record`).
    /// Directory blocks still needed to tell are added to `missing`.
    pub(super) fn prefix_shards(&self, prefix: &str, missing: &mut Vec<Missing>) -> Vec<usize> {
        let mut out = Vec::new();
        let home = match self.shard_of(prefix) {
            Ok(Some(h)) => h,
            Ok(None) => return out,
            Err(m) => {
                missing.push(m);
                return out;
            }
        };
        out.push(home);
        // The shard after `home` is in the same block or starts the next
        // one, so its first term is known.
        let mut s = home + 1;
        while s < self.m.shards.count as usize
            && self.shard_first(s).is_some_and(|f| f.starts_with(prefix))
            && out.len() < MAX_PREFIX_SHARDS
        {
            out.push(s);
            s += 1;
        }
        for stem in stem_prefixes(prefix) {
            match self.shard_of(stem) {
                Ok(Some(s)) if !out.contains(&s) => out.push(s),
                Err(m) => missing.push(m),
                _ => {}
            }
        }
        out
    }

    pub(super) fn prefix_terms<'s>(&'s self, prefix: &str, exact: &str) -> Vec<&'s TermPostings> {
        let mut out: Vec<&TermPostings> = Vec::new();
        for s in self.prefix_shards(prefix, &mut Vec::new()) {
            if let Some(shard) = &self.terms[s] {
                out.extend(shard.with_prefix(prefix).filter(|t| t.term != exact));
            }
        }
        for stem in stem_prefixes(prefix) {
            if let Ok(Some(t)) = self.lookup(stem) {
                if t.term != exact {
                    out.push(t);
                }
            }
        }
        crate::order::sort_by(&mut out, |a, b| {
            b.df().cmp(&a.df()).then_with(|| a.term.cmp(&b.term))
        });
        out.dedup_by(|a, b| a.term == b.term);
        out.truncate(MAX_PREFIX_TERMS);
        out
    }

    /// Largest edit distance allowed for a typo of `term`, if any.
    pub(super) fn typo_budget(term: &str, exact_df: u32) -> Option<usize> {
        let n = term.chars().count();
        if exact_df > TYPO_MAX_DF || n < 5 {
            return None;
        }
        Some(if n >= 8 { 2 } else { 1 })
    }

    /// Shards whose first term is within typo distance (big terms sit
    /// alone in their shard, so their names are in the shard table). The
    /// candidates are the first terms of the term's own directory block
    /// (loaded to find its shard) and of every block (in the manifest):
    /// the whole table for a small index, a bounded part of it for a large
    /// one, whose manifest does not hold the table.
    pub(super) fn boundary_typos(&self, term: &str, max: usize) -> Vec<usize> {
        let t = &self.m.shards;
        let k = t.fanout as usize;
        let mut v: Vec<(usize, usize)> = Vec::new();
        let mut consider = |i: usize, first: &str| {
            if first != term {
                if let Some(d) = edit_distance(term, first, max) {
                    v.push((d, i));
                }
            }
        };
        let own = t.block_of(term);
        if let Some(Some(block)) = own.map(|j| &self.dirs[j]) {
            let j = own.unwrap_or(0);
            for (i, first) in block.iter().enumerate() {
                consider(j * k + i, first);
            }
        }
        for (j, first) in t.sample.iter().enumerate() {
            if Some(j) != own {
                consider(j * k, first);
            }
        }
        crate::order::sort(&mut v);
        v.truncate(3);
        v.into_iter().map(|(_, i)| i).collect()
    }

    pub(super) fn typo_terms<'s>(&'s self, term: &str, exact_df: u32) -> Vec<&'s TermPostings> {
        let Some(max) = Self::typo_budget(term, exact_df) else {
            return Vec::new();
        };
        let mut cands: Vec<(usize, &TermPostings)> = Vec::new();
        if let Ok(Some(Some(shard))) = self.shard_of(term).map(|s| s.map(|s| &self.terms[s])) {
            for t in &shard.terms {
                if t.df() > exact_df && t.term != term {
                    if let Some(d) = edit_distance(term, &t.term, max) {
                        cands.push((d, t));
                    }
                }
            }
        }
        for s in self.boundary_typos(term, max) {
            if let Some(shard) = &self.terms[s] {
                if let Some(t) = shard.terms.first() {
                    if t.df() > exact_df {
                        if let Some(d) = edit_distance(term, &t.term, max) {
                            cands.push((d, t));
                        }
                    }
                }
            }
        }
        crate::order::sort_by(&mut cands, |a, b| {
            a.0.cmp(&b.0)
                .then_with(|| b.1.df().cmp(&a.1.df()))
                .then_with(|| a.1.term.cmp(&b.1.term))
        });
        cands.dedup_by(|a, b| a.1.term == b.1.term);
        cands.truncate(MAX_TYPO_TERMS);
        cands.into_iter().map(|(_, t)| t).collect()
    }

    /// A prefix word that already extends to indexed terms is being typed,
    /// not misspelt: no typo correction (and no extra request round).
    pub(super) fn still_typing(&self, c: &Clause) -> bool {
        c.prefix
            .as_ref()
            .is_some_and(|p| !self.prefix_terms(p, &c.term).is_empty())
    }

    /// The scored terms of every clause (exact, prefix and typo
    /// alternatives), or the files that are still missing.
    pub(super) fn expand(&self, a: &Analysis) -> Vec<Vec<Scored<'_>>> {
        let mut groups = Vec::new();
        for c in &a.clauses {
            let mut g = Vec::new();
            let exact = if c.term.is_empty() {
                None
            } else {
                self.lookup(&c.term).ok().flatten()
            };
            let df = exact.map_or(0, |t| t.df());
            if let Some(t) = exact {
                g.push(Scored {
                    postings: t,
                    weight: c.weight,
                });
            } else if !c.term.is_empty() && !c.atoms.is_empty() {
                // Unknown identifier: its parts, each as a word of its own.
                for atom in &c.atoms {
                    if let Ok(Some(t)) = self.lookup(atom) {
                        groups.push(vec![Scored {
                            postings: t,
                            weight: c.weight,
                        }]);
                    }
                }
            }
            if let Some(p) = &c.prefix {
                for t in self.prefix_terms(p, &c.term) {
                    g.push(Scored {
                        postings: t,
                        weight: PREFIX_WEIGHT * c.weight,
                    });
                }
            }
            for s in &c.synonyms {
                if let Ok(Some(t)) = self.lookup(s) {
                    if !g.iter().any(|x| x.postings.term == t.term) {
                        g.push(Scored {
                            postings: t,
                            weight: a.synonym_weight * c.weight,
                        });
                    }
                }
            }
            if !c.term.is_empty() && !self.still_typing(c) {
                for t in self.typo_terms(&c.term, df) {
                    if !g.iter().any(|s| s.postings.term == t.term) {
                        g.push(Scored {
                            postings: t,
                            weight: TYPO_WEIGHT * c.weight,
                        });
                    }
                }
            }
            if !g.is_empty() {
                groups.push(g);
            }
        }
        let mut clause_terms: Vec<&str> = a.clauses.iter().map(|c| c.term.as_str()).collect();
        crate::order::sort_dedup(&mut clause_terms);
        for ph in &a.phrases {
            for (t, _) in ph {
                if clause_terms.binary_search(&t.as_str()).is_ok() {
                    continue;
                }
                if let Ok(Some(p)) = self.lookup(t) {
                    groups.push(vec![Scored {
                        postings: p,
                        weight: 1.0,
                    }]);
                }
            }
        }
        groups
    }
}

/// Merges each repeated term into its first clause (the first prefix and
/// the highest weight count), keeping the clauses in query order. One
/// sort, so a long pasted query stays O(n log n) in its length.
fn merge_repeated(clauses: &mut Vec<Clause>) {
    let mut by_term: Vec<usize> = (0..clauses.len())
        .filter(|&i| !clauses[i].term.is_empty())
        .collect();
    // Stable: equal terms stay in query order, the first leads.
    crate::order::sort_by(&mut by_term, |&x, &y| clauses[x].term.cmp(&clauses[y].term));
    let mut gone = vec![false; clauses.len()];
    let mut lead: Option<usize> = None;
    for &i in &by_term {
        match lead {
            Some(k) if clauses[k].term == clauses[i].term => {
                let (prefix, weight) = (clauses[i].prefix.take(), clauses[i].weight);
                let synonyms = std::mem::take(&mut clauses[i].synonyms);
                let c: &mut Clause = &mut clauses[k];
                c.prefix = c.prefix.take().or(prefix);
                if c.synonyms.is_empty() {
                    c.synonyms = synonyms;
                }
                c.weight = c.weight.max(weight);
                gone[i] = true;
            }
            _ => lead = Some(i),
        }
    }
    let mut i = 0;
    clauses.retain(|_| {
        i += 1;
        !gone[i - 1]
    });
}

/// `prefix` without its last 1–3 characters, longest first, keeping at
/// least 3 characters: candidate stems of the word being typed.
fn stem_prefixes(prefix: &str) -> Vec<&str> {
    let bounds: Vec<usize> = prefix.char_indices().map(|(b, _)| b).collect();
    let n = bounds.len();
    (1..=3)
        .filter(|&cut| n > cut && n - cut >= 3)
        .map(|cut| &prefix[..bounds[n - cut]])
        .collect()
}

/// Optimal-string-alignment distance (edits plus adjacent transpositions)
/// between `a` and `b` if it is at most `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    // Typo candidates are scanned by the thousand per query: compare
    // bytes without allocating when both are ASCII (the usual case).
    if a.is_ascii() && b.is_ascii() {
        return osa(a.as_bytes(), b.as_bytes(), max);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    osa(&a, &b, max)
}

/// Optimal string alignment distance, or `None` above `max`.
fn osa<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    const STACK: usize = 80;
    let w = b.len() + 1;
    let mut heap;
    let mut stack = [0usize; 3 * STACK];
    let rows: &mut [usize] = if w <= STACK {
        &mut stack[..3 * w]
    } else {
        heap = vec![0usize; 3 * w];
        &mut heap
    };
    let (mut prev2, rest) = rows.split_at_mut(w);
    let (mut prev, mut cur) = rest.split_at_mut(w);
    for (j, x) in prev.iter_mut().enumerate() {
        *x = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_cases() {
        assert_eq!(edit_distance("record", "record", 1), Some(0));
        assert_eq!(edit_distance("recrd", "record", 1), Some(1));
        assert_eq!(edit_distance("rceord", "record", 1), Some(1));
        assert_eq!(edit_distance("rcd", "record", 2), None);
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
    }

    fn clause(term: &str, prefix: Option<&str>, weight: f32) -> Clause {
        Clause {
            term: term.into(),
            atoms: Vec::new(),
            prefix: prefix.map(str::to_string),
            weight,
            synonyms: Vec::new(),
        }
    }

    /// What `merge_repeated` must do, the obvious quadratic way.
    fn merged_naively(clauses: &[Clause]) -> Vec<(String, Option<String>, f32)> {
        let mut out: Vec<(String, Option<String>, f32)> = Vec::new();
        for c in clauses {
            let same = out.iter_mut().find(|o| !c.term.is_empty() && o.0 == c.term);
            match same {
                Some(o) => {
                    o.1 = o.1.take().or(c.prefix.clone());
                    o.2 = o.2.max(c.weight);
                }
                None => out.push((c.term.clone(), c.prefix.clone(), c.weight)),
            }
        }
        out
    }

    #[test]
    fn repeated_terms_merge_into_their_first_clause() {
        let mut cs = vec![
            clause("run", None, 0.2),
            clause("", Some("th"), 1.0),
            clause("test", None, 1.0),
            clause("run", None, 1.0),
            clause("", Some("ru"), 1.0),
            clause("test", Some("test"), 0.2),
        ];
        merge_repeated(&mut cs);
        let got: Vec<_> = cs
            .iter()
            .map(|c| (c.term.as_str(), c.prefix.as_deref(), c.weight))
            .collect();
        assert_eq!(
            got,
            [
                ("run", None, 1.0),
                ("", Some("th"), 1.0),
                ("test", Some("test"), 1.0),
                ("", Some("ru"), 1.0)
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn merging_repeated_terms_equals_the_naive_way(
            words in proptest::collection::vec((0usize..5, proptest::option::of(0usize..3), proptest::bool::ANY), 0..40)
        ) {
            let terms = ["", "a", "b", "cc", "d"];
            let prefixes = ["a", "b", "cc"];
            let cs: Vec<Clause> = words
                .iter()
                .map(|&(t, p, phrasing)| clause(terms[t], p.map(|p| prefixes[p]), if phrasing { PHRASING_WEIGHT } else { 1.0 }))
                .collect();
            let want = merged_naively(&cs);
            let mut got = cs;
            merge_repeated(&mut got);
            let got: Vec<_> = got.into_iter().map(|c| (c.term, c.prefix, c.weight)).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn stem_prefixes_keep_three_chars() {
        assert_eq!(stem_prefixes("recordi"), vec!["record", "recor", "reco"]);
        assert_eq!(stem_prefixes("reco"), vec!["rec"]);
        assert!(stem_prefixes("rec").is_empty());
    }
}
