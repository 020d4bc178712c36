//! The lexical half of the index writer: each chunk's terms, the
//! inversion into postings (spilled in sorted runs) and their impacts.

use super::*;
use crate::pairs::Pairs;

/// Quantised BM25F impact of one posting: the saturated pseudo term
/// frequency `tf'·(k1+1)/(tf'+k1)` with
/// `tf' = Σ_f weight_f·tf_f / (1 − b_f + b_f·len_f/avg_f)`, scaled so
/// `k1+1` maps to 255, times the chunk's `prior` (at most 1, see
/// [`link_priors`]). The query multiplies it by the term's IDF.
pub(super) fn impact(
    r: &RankingParams,
    avg: &[f32; 3],
    len: &[u32; 3],
    tf: &[u16; 3],
    prior: f32,
) -> u8 {
    let mut tfp = 0f64;
    for (f, p) in r.fields().iter().enumerate() {
        if tf[f] == 0 {
            continue;
        }
        let a = f64::from(avg[f]).max(1e-6);
        let norm = 1.0 - f64::from(p.b) + f64::from(p.b) * f64::from(len[f]) / a;
        tfp += f64::from(p.weight) * f64::from(tf[f]) / norm.max(1e-6);
    }
    let k1 = f64::from(r.k1);
    let s = tfp / (tfp + k1);
    (s * f64::from(prior) * 255.0).round().clamp(1.0, 255.0) as u8
}

/// Each chunk's in-link prior `1 + β·ln(1 + min(inlinks, cap))`, divided
/// by the largest of them: 1 for every chunk of a library without links.
pub(super) fn link_priors(chunks: &[ChunkInput], beta: f32) -> Vec<f32> {
    let f = |c: &ChunkInput| 1.0 + f64::from(beta) * f64::from(c.inlinks.min(INLINKS_CAP)).ln_1p();
    let max = chunks.iter().map(f).fold(1.0, f64::max);
    chunks.iter().map(|c| (f(c) / max) as f32).collect()
}

/// Chunks tokenized per parallel step of [`invert`] (bounds the memory of
/// not yet merged terms).
pub(super) const INVERT_BLOCK: usize = 2048;

/// Merged terms encoded per parallel step of [`invert`].
pub(super) const ENCODE_BATCH: usize = 4096;

/// What [`invert`] gives: field length means and the term and position
/// shard payloads.
pub(super) struct Lexical {
    pub(super) avg_len: [f32; 3],
    pub(super) shard_firsts: Vec<String>,
    pub(super) term_payloads: Vec<Stored>,
    pub(super) pos_payloads: Vec<Stored>,
}

/// A chunk's field lengths and its terms with their sorted positions per
/// field.
pub(super) fn chunk_terms(tokenizer: &Tokenizer, c: &ChunkInput) -> ChunkTerms {
    // Sized for the text's distinct terms (about one per 16 bytes of prose),
    // so the map is not grown and rehashed several times per chunk.
    let mut local: FastMap<String, FieldPositions> =
        FastMap::with_capacity_and_hasher(c.text.len() / 16 + 16, Default::default());
    let mut len = [0u32; 3];
    let pairs = tokenizer.settings().pairs();
    let mut add = |field: usize, text: &str, first: u32| -> u32 {
        // Stop-word pairs in the title and headings only (see `pairs`).
        let mut run = (pairs && field < 2).then(Pairs::default);
        tokenizer.tokenize(text, first, |w| {
            len[field] += w.span;
            for t in &w.terms {
                // Most occurrences repeat a term: copy its text only once.
                match local.get_mut(t.text.as_str()) {
                    Some(f) => f[field].push(t.pos),
                    None => local.entry(t.text.clone()).or_default()[field].push(t.pos),
                }
            }
            if let Some(run) = &mut run {
                run.push(text, w, |term, pos| {
                    local.entry(term).or_default()[field].push(pos);
                });
            }
        })
    };
    add(0, &c.title, 0);
    let mut p = 0;
    for h in &c.breadcrumb {
        // A one-position gap keeps phrases from spanning two headings.
        p = add(1, h, p) + 1;
    }
    add(2, &c.text, 0);
    let mut out = ChunkTerms::new(len);
    let mut scratch = Writer::new();
    for (term, mut fields) in local {
        for f in &mut fields {
            f.sort_unstable();
            f.dedup();
        }
        out.push(&term, &fields, &mut scratch);
    }
    out
}

/// Where [`invert`] takes each chunk's terms from.
#[derive(Clone, Copy)]
pub(super) enum TermsOf<'a> {
    /// An earlier build's analysis, one per chunk.
    Cache(&'a [Arc<Analysed>]),
    /// Tokenized here, once per distinct passage.
    Passages(&'a Sources),
}

/// Inverts the chunks and cuts the dictionary into shards. Postings are
/// accumulated until they reach a third of the memory budget (vectors may
/// hold up to twice what they use), then spilled as a sorted run; the runs
/// are merged term by term into the shards.
pub(super) fn invert(
    chunks: &[ChunkInput],
    tokenizer: &Tokenizer,
    opts: &BuildOptions,
    store: &dyn SpillStore,
    terms_of: TermsOf<'_>,
) -> Result<Lexical, BuildError> {
    let r = &opts.ranking;
    let run_budget = (opts.memory_budget / 3).max(1);
    let page_bytes = (opts.memory_budget / 64).clamp(1024, 1 << 20);
    let mut dict: FastMap<String, TermAcc> = FastMap::default();
    let mut held = 0usize;
    let mut runs = Vec::new();
    let mut lens: Vec<[u32; 3]> = Vec::with_capacity(chunks.len());
    let priors = link_priors(chunks, opts.inlink_prior);
    let sorted = |dict: &mut FastMap<String, TermAcc>| {
        let mut v: Vec<(String, TermAcc)> = dict.drain().collect();
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        v
    };
    // Tokenizing is the costly part: it runs in parallel over blocks of
    // chunks, and the terms are merged in chunk order. A passage seen
    // before takes its first chunk's terms, kept until their last use
    // within a quarter of the budget (past it, the passage is tokenized
    // again: the same terms).
    let kept_budget = opts.memory_budget / 4;
    let mut kept: FastMap<u32, ChunkTerms> = FastMap::default();
    let mut kept_bytes = 0usize;
    for (block_no, block) in chunks.chunks(INVERT_BLOCK).enumerate() {
        let first = block_no * INVERT_BLOCK;
        let end = (first + block.len()) as u32;
        let mut tokenized: Vec<Option<ChunkTerms>> = Vec::new();
        // Per chunk of the block, its place in `tokenized`.
        let mut own: Vec<Option<usize>> = vec![None; block.len()];
        let terms: Vec<&ChunkTerms> = match terms_of {
            TermsOf::Cache(a) => a[first..first + block.len()]
                .iter()
                .map(|a| &a.terms)
                .collect(),
            TermsOf::Passages(src) => {
                let todo: Vec<usize> = (0..block.len())
                    .filter(|&i| {
                        let f = src.first[first + i];
                        f as usize == first + i || ((f as usize) < first && !kept.contains_key(&f))
                    })
                    .collect();
                tokenized = par::map(&todo, |&i| Some(chunk_terms(tokenizer, &block[i])));
                for (k, &i) in todo.iter().enumerate() {
                    own[i] = Some(k);
                }
                (0..block.len())
                    .map(|i| {
                        let f = src.first[first + i] as usize;
                        let at = own[i].or_else(|| f.checked_sub(first).and_then(|j| own[j]));
                        match at {
                            Some(k) => tokenized[k].as_ref().expect("tokenized"),
                            None => &kept[&(f as u32)],
                        }
                    })
                    .collect()
            }
        };
        for (i, t) in terms.into_iter().enumerate() {
            let ord = (first + i) as u32;
            lens.push(t.lens);
            t.each(|term, tfs, positions| {
                // One lookup for a known term (most of them).
                let acc = match dict.get_mut(term) {
                    Some(acc) => acc,
                    None => {
                        held += term.len() + ENTRY_OVERHEAD;
                        dict.entry(term.to_owned()).or_default()
                    }
                };
                acc.ords.push(ord);
                acc.tfs.push(tfs);
                acc.positions.extend_from_slice(positions);
                held += 10 + positions.len();
            })?;
            if held > run_budget {
                runs.push(write_run(store, sorted(&mut dict), page_bytes)?);
                dict.shrink_to_fit();
                held = 0;
            }
        }
        if let TermsOf::Passages(src) = terms_of {
            kept.retain(|&f, t| {
                let used = src.last_use[f as usize] >= end;
                if !used {
                    kept_bytes -= t.heap_bytes();
                }
                used
            });
            for (i, k) in own.iter().enumerate() {
                let o = first + i;
                if let Some(k) = k.filter(|_| src.is_first(o) && src.last_use[o] >= end) {
                    let t = tokenized[k].take().expect("tokenized");
                    if kept_bytes + t.heap_bytes() <= kept_budget {
                        kept_bytes += t.heap_bytes();
                        kept.insert(o as u32, t);
                    }
                }
            }
        }
    }

    let n = chunks.len().max(1) as f64;
    let mut avg_len = [0f32; 3];
    for (f, a) in avg_len.iter_mut().enumerate() {
        *a = (lens.iter().map(|l| f64::from(l[f])).sum::<f64>() / n) as f32;
    }

    // Shards, in term order.
    let mut merge = Merge::new(store, runs, sorted(&mut dict))?;
    drop(dict);
    let mut shard_firsts: Vec<String> = Vec::new();
    let mut term_payloads: Vec<Stored> = Vec::new();
    let mut pos_payloads: Vec<Stored> = Vec::new();
    let mut cur: Vec<PendingTerm> = Vec::new();
    let mut cur_size = 0usize;
    let mut flush = |cur: &mut Vec<PendingTerm>, cur_size: &mut usize| -> Result<(), BuildError> {
        if cur.is_empty() {
            return Ok(());
        }
        let enc: Vec<EncodedTerm> = cur
            .iter()
            .map(|t| EncodedTerm {
                term: &t.term,
                df: t.df,
                postings: &t.postings,
            })
            .collect();
        term_payloads.push(stash(store, encode_term_shard(&enc))?);
        let pos: Vec<(u32, Vec<u8>)> = cur
            .iter_mut()
            .map(|t| (t.df, std::mem::take(&mut t.positions)))
            .collect();
        pos_payloads.push(stash(store, encode_position_shard(&pos))?);
        shard_firsts.push(std::mem::take(&mut cur[0].term));
        cur.clear();
        *cur_size = 0;
        Ok(())
    };
    // Merged terms are encoded in parallel a batch at a time, so only a
    // batch of merged postings is held besides the runs' pages.
    let mut batch: Vec<(String, TermAcc)> = Vec::with_capacity(ENCODE_BATCH);
    loop {
        batch.clear();
        let mut batch_bytes = 0;
        while batch.len() < ENCODE_BATCH && batch_bytes < run_budget {
            let Some((term, acc)) = merge.next_term()? else {
                break;
            };
            batch_bytes += acc.heap_bytes() + term.len() + ENTRY_OVERHEAD;
            batch.push((term, acc));
        }
        if batch.is_empty() {
            break;
        }
        let encoded = par::map(&batch, |(_, acc)| {
            let impacts: Vec<u8> = acc
                .ords
                .iter()
                .zip(&acc.tfs)
                .map(|(&o, tf)| impact(r, &avg_len, &lens[o as usize], tf, priors[o as usize]))
                .collect();
            let mut postings = Vec::new();
            encode_postings(&mut postings, &acc.ords, &impacts);
            postings
        });
        for ((term, acc), postings) in batch.drain(..).zip(encoded) {
            let size = term.len() + 4 + postings.len();
            let big = size > opts.shard_target_bytes;
            if big || cur_size + size > opts.shard_target_bytes {
                flush(&mut cur, &mut cur_size)?;
            }
            cur.push(PendingTerm {
                term,
                df: acc.ords.len() as u32,
                postings,
                positions: acc.positions,
            });
            cur_size += size;
            if big {
                flush(&mut cur, &mut cur_size)?;
            }
        }
    }
    flush(&mut cur, &mut cur_size)?;

    Ok(Lexical {
        avg_len,
        shard_firsts,
        term_payloads,
        pos_payloads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linked(n: u32) -> ChunkInput {
        ChunkInput {
            inlinks: n,
            ..ChunkInput::default()
        }
    }

    #[test]
    fn link_priors_are_relative_to_the_most_linked_chunk_and_capped() {
        let none: Vec<ChunkInput> = (0..3).map(|_| linked(0)).collect();
        assert_eq!(link_priors(&none, 0.05), [1.0; 3]);
        let p = link_priors(
            &[
                linked(0),
                linked(10),
                linked(INLINKS_CAP),
                linked(50 * INLINKS_CAP),
            ],
            0.1,
        );
        assert_eq!(p[2], 1.0);
        assert_eq!(p[3], 1.0, "counts past the cap add nothing");
        let expect =
            |n: f64| (1.0 + 0.1 * n.ln_1p()) / (1.0 + 0.1 * f64::from(INLINKS_CAP).ln_1p());
        assert!((f64::from(p[0]) - expect(0.0)).abs() < 1e-6);
        assert!((f64::from(p[1]) - expect(10.0)).abs() < 1e-6);
        assert!(p[0] < p[1] && p[1] < p[2]);
        assert_eq!(link_priors(&[linked(0), linked(9)], 0.0), [1.0, 1.0]);
    }

    #[test]
    fn the_prior_scales_the_impact() {
        let r = RankingParams::default();
        let full = impact(&r, &[4.0; 3], &[4; 3], &[0, 0, 3], 1.0);
        let half = impact(&r, &[4.0; 3], &[4; 3], &[0, 0, 3], 0.5);
        assert!(
            full > 1 && (i32::from(half) - i32::from(full) / 2).abs() <= 1,
            "{full} {half}"
        );
    }
}
