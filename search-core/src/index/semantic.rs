//! The semantic half of ranking: the query's vector from the token
//! table, the probed partitions and the hybrid blend with lexical scores.

use super::Index;
use crate::embed::model::embed_ids;
use crate::layout::{partition_path, token_shard_path, CENTROIDS_PATH, VOCAB_PATH};
use crate::query::{Query, QueryShape};
use crate::result::ScoredChunk;

impl Index {
    /// Weight of the semantic score for `q` (0 when semantic is off or the
    /// index has no vectors): the query's own override, else 0 for a query
    /// of code words alone ([`Query::only_code_words`]), else the index's
    /// weight scaled by the query's shape ([`shape_weight`]).
    pub fn semantic_weight(&self, q: &Query) -> f32 {
        match &self.m.semantic {
            Some(s) if q.semantic => q.semantic_weight().unwrap_or_else(|| {
                if q.only_code_words() {
                    0.0
                } else {
                    shape_weight(s.weight, q.shape())
                }
            }),
            _ => 0.0,
        }
    }

    /// The query's unit vector from the loaded token shards: `Err(paths)`
    /// lists the files still missing, `Ok(None)` means the query has no
    /// known token (or the index no vectors).
    pub(super) fn query_vector(&self, q: &Query) -> Result<Option<Vec<f32>>, Vec<String>> {
        let Some(s) = &self.m.semantic else {
            return Ok(None);
        };
        let Some(vocab) = &self.vocab else {
            // The centroids come in the same round: probing needs them next.
            let mut need = vec![VOCAB_PATH.to_string()];
            if !s.has_centroids() {
                need.push(CENTROIDS_PATH.to_string());
            }
            return Err(need);
        };
        let ids = vocab.token_ids(&q.semantic_text());
        let per = s.rows_per_shard as usize;
        let mut missing: Vec<usize> = ids
            .iter()
            .map(|&id| id as usize / per)
            .filter(|&i| self.token_rows[i].is_none())
            .collect();
        crate::order::sort_dedup(&mut missing);
        if !missing.is_empty() {
            return Err(missing.into_iter().map(token_shard_path).collect());
        }
        let row_bytes = s.rows.row_bytes(s.dims);
        let v = embed_ids(&ids, s.rows, s.dims, |id| {
            let shard = self.token_rows[id as usize / per].as_ref()?;
            let k = id as usize % per;
            Some((
                shard.rows.get(k * row_bytes..(k + 1) * row_bytes)?,
                *shard.weights.get(k)?,
            ))
        });
        Ok(v.iter().any(|&x| x != 0.0).then_some(v))
    }

    /// Semantic files `query` reads, loaded or not, as far as the loaded
    /// files tell (see [`Index::files_for`]).
    pub(super) fn semantic_files(&self, q: &Query) -> Vec<String> {
        let Some(s) = &self.m.semantic else {
            return Vec::new();
        };
        if self.semantic_weight(q) <= 0.0 {
            return Vec::new();
        }
        let mut out = vec![VOCAB_PATH.to_string()];
        let Some(vocab) = &self.vocab else {
            return out;
        };
        let per = s.rows_per_shard as usize;
        let mut shards: Vec<usize> = vocab
            .token_ids(&q.semantic_text())
            .iter()
            .map(|&id| id as usize / per)
            .collect();
        crate::order::sort_dedup(&mut shards);
        out.extend(shards.into_iter().map(token_shard_path));
        if let Ok(Some(v)) = self.query_vector(q) {
            out.extend(s.probe(&v).into_iter().map(partition_path));
        }
        out
    }

    /// The query's embedding, once `e/vocab.bin` and the token shards of
    /// [`Index::plan_semantic`] are added; bit-identical to
    /// [`crate::Model::embed`] of [`Query::semantic_text`] with the model
    /// the index was built with.
    pub fn query_embedding(&self, q: &Query) -> Option<Vec<f32>> {
        self.query_vector(q).ok().flatten()
    }

    /// Files still needed to add semantic results to `query`: first the
    /// vocabulary, then the token shards of the query's WordPieces, then
    /// the vector partitions nearest to the query. Call again after adding
    /// them (at most three rounds; the vocabulary stays loaded across
    /// queries). Empty when semantic search is complete, off
    /// ([`Query::with_semantic`]) or unavailable. [`Index::search`] does
    /// not wait for these files: it ranks lexically until they are added,
    /// so a page can show lexical results first and re-run the search when
    /// the semantic files arrive.
    pub fn plan_semantic(&self, query: &Query) -> Vec<String> {
        if self.semantic_weight(query) <= 0.0 {
            return Vec::new();
        }
        let Some(s) = &self.m.semantic else {
            return Vec::new();
        };
        match self.query_vector(query) {
            Err(paths) => paths,
            Ok(None) => Vec::new(),
            Ok(Some(_)) if !s.has_centroids() => vec![CENTROIDS_PATH.to_string()],
            Ok(Some(v)) => s
                .probe(&v)
                .into_iter()
                .filter(|&p| self.partitions[p].is_none())
                .map(partition_path)
                .collect(),
        }
    }

    /// True when [`Index::search`] will blend semantic results into
    /// `query` (the index has vectors, semantic is on, the query has known
    /// tokens and every file of [`Index::plan_semantic`] is added).
    pub fn semantic_ready(&self, query: &Query) -> bool {
        self.semantic_weight(query) > 0.0
            && matches!(self.query_vector(query), Ok(Some(_)))
            && self.plan_semantic(query).is_empty()
    }

    /// Semantic scores of every chunk passing `ok` in the probed
    /// partitions, or `None` when semantic ranking does not apply or its
    /// files are missing.
    pub(super) fn semantic_candidates(
        &self,
        query: &Query,
        ok: &dyn Fn(u32) -> bool,
    ) -> Option<SemanticScores> {
        if self.semantic_weight(query) <= 0.0 {
            return None;
        }
        let s = self.m.semantic.as_ref().filter(|s| s.has_centroids())?;
        let q = self.query_vector(query).ok()??;
        let code = s.vectors.code_bytes(s.dims);
        let scorer = s.vectors.scorer(&q);
        let mut all: Vec<(u32, f32)> = Vec::new();
        for p in s.probe(&q) {
            let part = self.partitions[p].as_ref()?;
            for (&o, c) in part.ords.iter().zip(part.codes.chunks_exact(code)) {
                if ok(o) {
                    all.push((o, scorer.score(c)));
                }
            }
        }
        let mut by_ord = vec![f32::NAN; self.chunk_count() as usize];
        let (mut hi, mut lo, mut sum) = (f32::NEG_INFINITY, f32::INFINITY, 0f32);
        for &(o, x) in &all {
            by_ord[o as usize] = x;
            hi = hi.max(x);
            lo = lo.min(x);
            sum += x;
        }
        // A lexical match outside the probed partitions has no semantic
        // score; it gets the mean of the probed ones rather than the worst.
        let (hi, lo, unprobed) = if all.is_empty() {
            (0.0, 0.0, 0.0)
        } else {
            (hi, lo, sum / all.len() as f32)
        };
        let best = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        let top = s.candidates.max(1) as usize;
        crate::order::top_by(&mut all, top, best);
        Some(SemanticScores {
            hi,
            lo,
            unprobed,
            top: all,
            by_ord,
        })
    }
}

/// Multiplier on the index's semantic weight per [`QueryShape`], chosen
/// per shape on the dev sets (doc-QA dev split, heading set, IR
/// collections; see README, "Query-dependent weight"). With the default
/// model neither exact names nor questions gain from moving away from the
/// index's weight; a few plain words gain from a lower one.
pub const SHAPE_FACTORS: [(QueryShape, f32); 3] = [
    (QueryShape::Exact, 1.0),
    (QueryShape::Keywords, 2.0 / 3.0),
    (QueryShape::Question, 1.0),
];

/// The semantic weight for a query of `shape` in an index whose weight is
/// `base`, in `[0, 1]`.
pub fn shape_weight(base: f32, shape: QueryShape) -> f32 {
    let f = SHAPE_FACTORS
        .iter()
        .find(|(s, _)| *s == shape)
        .map_or(1.0, |&(_, f)| f);
    (base * f).clamp(0.0, 1.0)
}

/// Semantic scores of the chunks in the probed partitions.
pub(crate) struct SemanticScores {
    /// The best, best first: they enter the results on their own.
    top: Vec<(u32, f32)>,
    /// Raw score per ordinal, NaN outside the probed partitions.
    by_ord: Vec<f32>,
    /// Raw score assumed for chunks outside the probed partitions.
    unprobed: f32,
    hi: f32,
    lo: f32,
}

/// Hybrid score: `(1 − w) · lexical / best lexical + w · semantic`, where
/// the semantic score is min-max normalised over every chunk of the probed
/// partitions (best = 1, worst = 0). Every lexical match in a probed
/// partition gets its semantic score; the `top` best semantic chunks enter
/// even without a lexical match. Both normalisations are independent of
/// the query's limit. See README ("Hybrid ranking") for how this was chosen.
pub(crate) fn fuse(
    mut lexical: Vec<ScoredChunk>,
    sem: &SemanticScores,
    w: f32,
) -> Vec<ScoredChunk> {
    let lmax = lexical.iter().fold(0f32, |m, s| m.max(s.score));
    let norm = |x: f32| {
        if sem.hi > sem.lo {
            (x - sem.lo) / (sem.hi - sem.lo)
        } else {
            1.0
        }
    };
    let mut lexical_match = vec![false; sem.by_ord.len()];
    for s in &mut lexical {
        let lex = if lmax > 0.0 {
            (1.0 - w) * (s.score / lmax)
        } else {
            0.0
        };
        let x = sem.by_ord[s.ordinal as usize];
        let x = if x.is_nan() { sem.unprobed } else { x };
        s.score = lex + w * norm(x);
        lexical_match[s.ordinal as usize] = true;
    }
    for &(ordinal, x) in &sem.top {
        if !lexical_match[ordinal as usize] {
            lexical.push(ScoredChunk {
                ordinal,
                score: w * norm(x),
            });
        }
    }
    lexical.retain(|s| s.score > 0.0);
    lexical
}
