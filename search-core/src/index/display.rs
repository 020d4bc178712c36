//! Display: hits with snippets and highlights for ranked chunks.

use crate::order::TermSet;

use super::rank::Ranking;
use super::Index;
use crate::error::{FormatError, SearchError};
use crate::fragment::ChunkDisplay;
use crate::layout::fragment_path;
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
        let c = self.display_of(ordinal)?;
        // A twin's text is its canonical member's.
        let text = match c.twin_of {
            None => &c.text,
            Some(t) => {
                let canonical = self.display_of(t)?;
                if canonical.twin_of.is_some() {
                    return Err(FormatError::Malformed("twin of a twin in fragments").into());
                }
                &canonical.text
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

    /// URL of a chunk: needs its own fragment only (see
    /// [`Index::url_files`]), not the text its twins share.
    pub fn url(&self, ordinal: u32) -> Result<String, SearchError> {
        Ok(self.display_of(ordinal)?.url.clone())
    }

    /// The fragment record of `ordinal`.
    fn display_of(&self, ordinal: u32) -> Result<&ChunkDisplay, SearchError> {
        if ordinal >= self.chunk_count() {
            return Err(SearchError::NoSuchChunk(ordinal));
        }
        let g = self.m.settings.fragment_group;
        self.fragment(ordinal / g)
            .ok_or_else(|| SearchError::NotLoaded(vec![fragment_path(ordinal / g)]))?
            .get(ordinal)
            .ok_or(SearchError::NoSuchChunk(ordinal))
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
    use crate::fragment::{encode_fragment, Fragment};
    use crate::*;

    /// An index of three chunks, one per fragment file, and a fragment
    /// file for chunk 1 rewritten by `edit`.
    fn with_fragment_1(edit: impl Fn(&mut fragment::ChunkDisplay)) -> (Index, String, Vec<u8>) {
        let chunks = (0..3)
            .map(|i| ChunkInput {
                id: format!("c{i}"),
                text: format!("text number {i}"),
                ..Default::default()
            })
            .collect();
        let opts = BuildOptions {
            fragment_group: 1,
            ..BuildOptions::default()
        };
        let files = build_index(chunks, &opts).unwrap();
        let get = |p: &str| files.iter().find(|(q, _)| q == p).unwrap().1.clone();
        let mut index = Index::open(&get(MANIFEST_PATH)).unwrap();
        for p in ["f/0.bin", "f/2.bin"] {
            index.add_file(p, &get(p)).unwrap();
        }
        let bytes = get("f/1.bin");
        let env = open(&bytes, FileKind::Fragments).unwrap();
        let mut f = Fragment::decode(env.payload).unwrap();
        edit(&mut f.chunks[0]);
        let refs: Vec<_> = f.chunks.iter().collect();
        let forged = seal(
            FileKind::Fragments,
            env.build_id,
            &encode_fragment(1, &refs),
        );
        (index, "f/1.bin".into(), forged)
    }

    #[test]
    fn a_twin_shows_its_canonical_text_and_bad_references_are_malformed() {
        let q = parse_query("", Filters::default());
        let (mut index, path, forged) = with_fragment_1(|c| {
            c.text.clear();
            c.twin_of = Some(2);
        });
        index.add_file(&path, &forged).unwrap();
        assert_eq!(index.hit(1, &q).unwrap().snippet.text, "text number 2");
        assert_eq!(index.hit(1, &q).unwrap().id, "c1");

        let (mut index, path, forged) = with_fragment_1(|c| {
            c.text.clear();
            c.twin_of = Some(3);
        });
        assert_eq!(
            index.add_file(&path, &forged).unwrap_err(),
            FormatError::Malformed("twin outside the index")
        );

        // 0 → 1 → 2: a reference to a record that is itself a reference.
        let (mut index, path, forged) = with_fragment_1(|c| {
            c.text.clear();
            c.twin_of = Some(2);
        });
        index.add_file(&path, &forged).unwrap();
        let (_, _, to_1) = with_fragment_1(|_| {});
        let env = open(&to_1, FileKind::Fragments).unwrap();
        let mut f0 = Fragment::decode(env.payload).unwrap();
        f0.first = 0;
        f0.chunks[0].twin_of = Some(1);
        f0.chunks[0].text.clear();
        let refs: Vec<_> = f0.chunks.iter().collect();
        index.forget_file("f/0.bin");
        index
            .add_file(
                "f/0.bin",
                &seal(
                    FileKind::Fragments,
                    env.build_id,
                    &encode_fragment(0, &refs),
                ),
            )
            .unwrap();
        assert_eq!(
            index.hit(0, &q).unwrap_err(),
            SearchError::Format(FormatError::Malformed("twin of a twin in fragments"))
        );
    }
}
