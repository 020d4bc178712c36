//! Display: hits with snippets and highlights for ranked chunks.

use crate::order::TermSet;

use super::rank::Ranking;
use super::{Holder, Index};
use crate::error::SearchError;
use crate::fragment::ChunkDisplay;
use crate::query::Query;
use crate::result::{FacetCounts, Hit};
use crate::snippet::{highlight, snippet, SNIPPET_CHARS};

impl Index {
    /// Terms of the index that the query matched: exact terms, expansions
    /// and corrections. Used for highlighting.
    pub fn matched_terms(&self, query: &Query) -> TermSet {
        let a = self.analyze(query);
        let mut set: TermSet = TermSet::new();
        for g in self.expand(&a) {
            for s in g {
                set.insert(s.postings.term.clone());
            }
        }
        set
    }

    /// Display data, snippet and highlights of one result. Its fragment
    /// (see [`Index::fragments_for`]) must have been added.
    pub fn hit(&self, ordinal: u32, query: &Query) -> Result<Hit, SearchError> {
        self.hit_with_terms(ordinal, &self.matched_terms(query))
    }

    /// [`Index::hit`] with the query's matched terms worked out already.
    fn hit_with_terms(&self, ordinal: u32, terms: &TermSet) -> Result<Hit, SearchError> {
        if ordinal >= self.chunk_count() {
            return Err(SearchError::NoSuchChunk(ordinal));
        }
        let (c, h) = self.record_of(ordinal)?;
        // A copy's text is its canonical member's.
        let text = match h {
            Holder::Own(_) => &c.text,
            Holder::Copy(_, canonical) => {
                &self
                    .record(canonical, self.canonical_holder(canonical))?
                    .text
            }
        };
        let [vendor, product, version, doc_set] =
            self.leaf_names(self.leaf_of(ordinal)).map(str::to_string);
        Ok(Hit {
            ordinal,
            id: c.id.clone(),
            url: c.url.clone(),
            title_highlights: highlight(&self.tokenizer, &c.title, terms),
            title: c.title.clone(),
            breadcrumb: c.breadcrumb.clone(),
            page: c.page,
            page_label: c.page_label.clone(),
            paged: c.paged,
            vendor,
            product,
            version,
            doc_set,
            document: c.document.clone(),
            document_index: self.document_of(ordinal),
            snippet: snippet(&self.tokenizer, text, terms, SNIPPET_CHARS),
        })
    }

    /// URL of a chunk: needs its own record only (see
    /// [`Index::url_files`]), not the text its twins share.
    pub fn url(&self, ordinal: u32) -> Result<String, SearchError> {
        if ordinal >= self.chunk_count() {
            return Err(SearchError::NoSuchChunk(ordinal));
        }
        Ok(self.record_of(ordinal)?.0.url.clone())
    }

    /// `ordinal`'s record and the file that holds it; `NotLoaded` names
    /// the twin block or the fragment still missing.
    fn record_of(&self, ordinal: u32) -> Result<(&ChunkDisplay, Holder), SearchError> {
        let h = self
            .holder(ordinal)
            .map_err(|w| SearchError::NotLoaded(vec![w]))?;
        Ok((self.record(ordinal, h)?, h))
    }
}

/// One search pass of a query, built once from its text and filters: it
/// names the files still needed, then gives complete, ordered results
/// (hits with display data, scores and the same passage in other
/// versions). A page loops plan → fetch → results:
///
/// ```
/// # use mcdewey_search_core::*;
/// # let files = build_index(vec![ChunkInput { id: "a".into(), text: "start recording now".into(), ..Default::default() }], &BuildOptions::default()).unwrap();
/// # let get = |p: &str| files.iter().find(|(q, _)| q == p).unwrap().1.clone();
/// let mut index = Index::open(&get("manifest.bin")).unwrap();
/// let mut pass = Pass::new(parse_query("recor", Filters::default()));
/// loop {
///     let need = pass.plan(&index);
///     if need.is_empty() { break; }
///     for path in need { index.add_file(&path, &get(&path)).unwrap(); }
/// }
/// let results = pass.results(&index).unwrap();
/// assert_eq!(results.hits[0].hit.snippet.text, "start recording now");
/// ```
///
/// The ranking is kept until a file that can change it is added, so the
/// plan that names the hits' fragments and the results rank once.
#[derive(Debug, Clone)]
pub struct Pass {
    query: Query,
    ranked: Option<Ranked>,
}

#[derive(Debug, Clone)]
struct Ranked {
    /// [`Index::ranking_files`] when ranked.
    files: u64,
    /// Every result; folded into hits as twin blocks arrive.
    ranking: Ranking,
    terms: TermSet,
}

/// Results of a [`Pass`], best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub hits: Vec<Found>,
    /// See [`crate::SearchResult::total`].
    pub total: u32,
    pub facets: FacetCounts,
    /// See [`crate::SearchResult::phrases_relaxed`].
    pub phrases_relaxed: bool,
    /// Semantic scores are blended in (see [`Index::semantic_ready`]).
    pub semantic: bool,
}

/// One result of a [`Pass`].
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub hit: Hit,
    pub score: f32,
    /// Matching chunks with the same text in other versions, ascending
    /// (see [`crate::SearchResult::also`]); [`Index::version_of`] names them.
    pub also: Vec<u32>,
}

impl Pass {
    pub fn new(query: Query) -> Pass {
        Pass {
            query,
            ranked: None,
        }
    }

    pub fn query(&self) -> &Query {
        &self.query
    }

    /// Turns semantic ranking on or off for the next plan and results: a
    /// page shows lexical results first, then the blended ones.
    pub fn set_semantic(&mut self, on: bool) {
        if self.query.semantic != on {
            self.query.semantic = on;
            self.ranked = None;
        }
    }

    /// Files still needed, fetched in parallel before calling again: the
    /// query's term and position shards with the semantic files (when
    /// semantic is on) and the document blocks of a document filter; then
    /// the twin blocks of the best results (in an index with passages
    /// shared by versions); then the fragments of the hits. Empty when
    /// [`Pass::results`] can answer.
    pub fn plan(&mut self, index: &Index) -> Vec<String> {
        let mut need = index.plan_ranking(&self.query);
        need.extend(index.plan_semantic(&self.query));
        if !need.is_empty() {
            return need;
        }
        let limit = self.query.limit;
        match self.rank(index).map(|r| index.fold(&r.ranking, limit)) {
            Ok(Ok(r)) => {
                let ords: Vec<u32> = r.hits.iter().map(|h| h.ordinal).collect();
                index.fragments_for(&ords)
            }
            Ok(Err(SearchError::NotLoaded(paths))) => paths,
            // Nothing more to fetch; `results` reports the error.
            _ => Vec::new(),
        }
    }

    /// The ranked hits with their display data, once [`Pass::plan`] is
    /// empty. Semantic files that are missing make a lexical ranking, not
    /// an error.
    pub fn results(&mut self, index: &Index) -> Result<Results, SearchError> {
        let semantic = index.semantic_ready(&self.query);
        let limit = self.query.limit;
        let r = self.rank(index)?;
        let result = index.fold(&r.ranking, limit)?;
        let hits = result
            .hits
            .iter()
            .zip(&result.also)
            .map(|(s, also)| {
                Ok(Found {
                    hit: index.hit_with_terms(s.ordinal, &r.terms)?,
                    score: s.score,
                    also: also.clone(),
                })
            })
            .collect::<Result<Vec<_>, SearchError>>()?;
        Ok(Results {
            hits,
            total: result.total,
            facets: result.facets,
            phrases_relaxed: result.phrases_relaxed,
            semantic,
        })
    }

    fn rank(&mut self, index: &Index) -> Result<&Ranked, SearchError> {
        let fresh = self
            .ranked
            .as_ref()
            .is_some_and(|r| r.files == index.ranking_files);
        if !fresh {
            let mut terms = TermSet::new();
            let ranking = index.rank_collecting(&self.query, Some(&mut terms))?;
            self.ranked = Some(Ranked {
                files: index.ranking_files,
                ranking,
                terms,
            });
        }
        Ok(self.ranked.as_ref().expect("ranked above"))
    }
}

#[cfg(test)]
mod tests {
    use crate::codec::{open, seal, FileKind};
    use crate::fragment::{encode_fragment, ChunkDisplay, Family, Fragment};
    use crate::*;
    use std::collections::BTreeMap;

    /// Version 1.0 (ordinals 0, 1) repeats the passages of 2.0, the
    /// current one (2, 3): 0 and 1 are copies of 2 and 3.
    fn two_versions() -> BTreeMap<String, Vec<u8>> {
        let chunks = [("1.0", 1), ("2.0", 0)]
            .into_iter()
            .flat_map(|(v, rank)| {
                (0..2).map(move |n| ChunkInput {
                    id: format!("{v}-{n}"),
                    url: format!("/{v}/{n}.html"),
                    vendor: "acme".into(),
                    product: "rocket".into(),
                    version: v.into(),
                    version_rank: rank,
                    doc_set: "guide".into(),
                    document: "intro".into(),
                    title: "Intro".into(),
                    text: format!("passage number {n}"),
                    ..Default::default()
                })
            })
            .collect();
        build_index(chunks, &BuildOptions::default())
            .unwrap()
            .into_iter()
            .collect()
    }

    /// `path` rewritten by `edit`, sealed again with its fragments id.
    fn forged(
        files: &BTreeMap<String, Vec<u8>>,
        path: &str,
        edit: impl Fn(&mut Fragment),
    ) -> Vec<u8> {
        let (kind, family) = if path.starts_with("c/") {
            (FileKind::CopyFragments, Family::Copies)
        } else {
            (FileKind::Fragments, Family::Own)
        };
        let env = open(&files[path], kind).unwrap();
        let mut f = Fragment::decode(env.payload, family).unwrap();
        edit(&mut f);
        let refs: Vec<(u32, &ChunkDisplay)> = f.ordinals.iter().copied().zip(&f.chunks).collect();
        seal(kind, env.build_id, &encode_fragment(f.first, &refs, family))
    }

    #[test]
    fn copies_are_in_copy_fragments_and_show_their_canonical_text() {
        let files = two_versions();
        let fragments: Vec<&str> = files
            .keys()
            .map(String::as_str)
            .filter(|p| is_fragment_path(p))
            .collect();
        // Own group 0 (ordinals 0-2) holds 2 only, group 1 holds 3.
        assert_eq!(fragments, ["c/0.bin", "f/0.bin", "f/1.bin"]);
        let q = parse_query("passage", Filters::default());
        let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
        // Which file holds ordinal 0 is in its twin block.
        assert_eq!(index.fragments_for(&[0]), ["w/0.bin"]);
        assert_eq!(index.url_files(0), ["w/0.bin"]);
        assert_eq!(
            index.hit(0, &q).unwrap_err(),
            SearchError::NotLoaded(vec!["w/0.bin".into()])
        );
        index.add_file("w/0.bin", &files["w/0.bin"]).unwrap();
        assert_eq!(index.url_files(0), ["c/0.bin"]);
        assert_eq!(
            index.fragments_for(&[0, 1]),
            ["c/0.bin", "f/0.bin", "f/1.bin"]
        );
        index.add_file("c/0.bin", &files["c/0.bin"]).unwrap();
        assert_eq!(index.url(1).unwrap(), "/1.0/1.html");
        assert!(matches!(index.hit(1, &q), Err(SearchError::NotLoaded(p)) if p == ["f/1.bin"]));
        for p in ["f/0.bin", "f/1.bin"] {
            index.add_file(p, &files[p]).unwrap();
        }
        let hit = index.hit(1, &q).unwrap();
        assert_eq!((hit.id.as_str(), hit.version.as_str()), ("1.0-1", "1.0"));
        assert_eq!(hit.snippet.text, "passage number 1");
        assert_eq!(index.hit(3, &q).unwrap().snippet.text, "passage number 1");
        // Every fragment file is named once the twin blocks are in.
        let mut all = index.all_files();
        all.retain(|p| is_fragment_path(p));
        all.sort();
        assert_eq!(all, fragments);
        // A whole load asks for each file once, twin blocks before the
        // fragments they name.
        let mut whole = Index::open(&files[MANIFEST_PATH]).unwrap();
        let mut asked: Vec<String> = Vec::new();
        whole
            .add_all(|p| {
                asked.push(p.to_string());
                Ok::<_, FormatError>(files[p].clone())
            })
            .unwrap();
        let mut sorted = asked.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), asked.len());
        assert_eq!(asked.len() + 1, files.len());
        let first_fragment = asked.iter().position(|p| is_fragment_path(p)).unwrap();
        assert!(asked[..first_fragment].contains(&"w/0.bin".to_string()));
        assert!(whole.files_to_load().is_empty());
        // A read that fails stops the load with its error.
        let mut failing = Index::open(&files[MANIFEST_PATH]).unwrap();
        assert_eq!(
            failing.add_all(|_| Err(FormatError::Truncated)),
            Err(FormatError::Truncated)
        );
    }

    #[test]
    fn fragments_that_do_not_match_their_path_or_the_twin_blocks_are_malformed() {
        let files = two_versions();
        let q = parse_query("passage", Filters::default());
        let fresh = || {
            let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
            for p in ["w/0.bin", "f/0.bin", "f/1.bin"] {
                index.add_file(p, &files[p]).unwrap();
            }
            index
        };
        // A copy fragment without the record of copy 1.
        let mut index = fresh();
        let lacking = forged(&files, "c/0.bin", |f| {
            f.ordinals.pop();
            f.chunks.pop();
        });
        index.add_file("c/0.bin", &lacking).unwrap();
        assert_eq!(index.hit(0, &q).unwrap().snippet.text, "passage number 0");
        assert_eq!(
            index.hit(1, &q).unwrap_err(),
            SearchError::Format(FormatError::Malformed("fragment lacks a chunk"))
        );
        // Records outside the file's range of ordinals.
        let moved = forged(&files, "f/0.bin", |f| f.ordinals[0] = 3);
        let shifted = forged(&files, "c/0.bin", |f| {
            f.first = 1;
            f.ordinals = vec![1, 2];
        });
        for (path, bytes) in [("f/0.bin", moved), ("c/0.bin", shifted)] {
            let mut index = fresh();
            index.forget_file(path);
            assert_eq!(
                index.add_file(path, &bytes).unwrap_err(),
                FormatError::Malformed("fragment does not match its path")
            );
        }
        // An own fragment's bytes under a copy fragment's path.
        let mut index = fresh();
        assert!(matches!(
            index.add_file("c/0.bin", &files["f/0.bin"]).unwrap_err(),
            FormatError::WrongKind { .. }
        ));
    }
}
