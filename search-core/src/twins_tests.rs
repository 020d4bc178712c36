//! Tests of the twin sets and their blocks, kept apart so the module reads
//! on its own.

use super::*;

/// Run offsets that overflow when added are malformed, not a panic.
#[test]
fn overflowing_runs_are_malformed() {
    for (forward, inverse) in [(1u64, 0u64), (0, 1)] {
        let mut w = crate::codec::Writer::new();
        for n in [forward, inverse] {
            w.varint(n);
            for _ in 0..n {
                w.varint(u64::MAX); // offset from the previous run
                w.varint(1);
                w.varint(u64::MAX); // zigzag: the most negative step
            }
        }
        // Block 1: runs are offsets from ordinal 64.
        assert!(TwinBlock::decode(&w.buf, 1, 64, 128).is_err());
    }
}

fn chunk(version: &str, rank: u32, doc: &str, text: &str) -> ChunkInput {
    ChunkInput {
        id: format!("{version}/{doc}/{text}"),
        title: doc.into(),
        vendor: "v".into(),
        product: "p".into(),
        version: version.into(),
        version_rank: rank,
        doc_set: "s".into(),
        document: doc.into(),
        text: text.into(),
        ..ChunkInput::default()
    }
}

/// Twin sets by their definition, every field of every chunk compared:
/// the reference for [`Twins::find`], which groups only the chunks
/// whose passage repeats.
fn by_definition(chunks: &[ChunkInput]) -> Vec<u32> {
    let mut sets: std::collections::HashMap<_, Vec<u32>> = Default::default();
    for (o, c) in (0u32..).zip(chunks) {
        let key = (&c.vendor, &c.product, &c.doc_set, &c.document, c.passage());
        sets.entry(key).or_default().push(o);
    }
    let mut canon: Vec<u32> = (0..chunks.len() as u32).collect();
    for members in sets.values() {
        let c = |o: u32| &chunks[o as usize];
        let versions: std::collections::HashSet<&str> =
            members.iter().map(|&o| c(o).version.as_str()).collect();
        if members.len() > 1 && versions.len() == members.len() {
            let rep = *members
                .iter()
                .min_by_key(|&&o| (c(o).version_rank, o))
                .unwrap();
            for &o in members {
                canon[o as usize] = rep;
            }
        }
    }
    canon
}

/// [`Twins::find`] with each chunk's first passage found as the build
/// finds it, checked against [`by_definition`].
fn find(chunks: &[ChunkInput]) -> Twins {
    let mut seen: std::collections::HashMap<_, u32> = Default::default();
    let first: Vec<u32> = (0u32..)
        .zip(chunks)
        .map(|(o, c)| *seen.entry(c.passage()).or_insert(o))
        .collect();
    let t = Twins::find(chunks, &first);
    let canon: Vec<u32> = (0..chunks.len() as u32).map(|o| t.canonical(o)).collect();
    assert_eq!(canon, by_definition(chunks));
    t
}

fn blocks(t: &Twins, n: u32, block: u32) -> TwinBlocks {
    // An index without twins has no twin blocks.
    let payloads = t.encode_blocks(n, block);
    let mut b = TwinBlocks::new(block, payloads.len());
    for (k, p) in payloads.iter().enumerate() {
        b.blocks[k] = Some(TwinBlock::decode(p, k as u32, block, n).unwrap());
    }
    b
}

#[test]
fn identical_passages_of_other_versions_map_to_the_current_one() {
    // Ordinal order: version 1.0 (rank 1) first, then 2.0 (current).
    let chunks = vec![
        chunk("1.0", 1, "a", "alpha"),
        chunk("1.0", 1, "a", "beta"),
        chunk("1.0", 1, "a", "old gamma"),
        chunk("1.0", 1, "a", "same"),
        chunk("1.0", 1, "a", "same"),
        chunk("2.0", 0, "a", "alpha"),
        chunk("2.0", 0, "a", "beta"),
        chunk("2.0", 0, "a", "new gamma"),
        chunk("2.0", 0, "a", "same"),
        chunk("2.0", 0, "b", "alpha"),
    ];
    let t = find(&chunks);
    let canon: Vec<u32> = (0..chunks.len() as u32).map(|o| t.canonical(o)).collect();
    // alpha and beta of 1.0 are one run onto 2.0; "same" appears twice
    // in 1.0 and is left alone; document b is another document.
    assert_eq!(canon, vec![5, 6, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(t.runs().len(), 1);
    for block in [1, 3, 4, 100] {
        let b = blocks(&t, 10, block);
        for o in 0..10 {
            let got = b.get(o).unwrap().canonical(o);
            assert_eq!(got, canon[o as usize], "block {block} ordinal {o}");
        }
        let mut m = Vec::new();
        b.get(5).unwrap().members(5, &mut m);
        assert_eq!(m, vec![0], "block {block}");
    }
    // A block of another index, or a cut one, is rejected.
    let p = t.encode_blocks(10, 4);
    assert!(TwinBlock::decode(&p[0], 0, 4, 3).is_err());
    assert!(TwinBlock::decode(&p[1], 0, 4, 10).is_err());
    assert!(TwinBlock::decode(&p[0][..p[0].len() - 1], 0, 4, 10).is_err());
    assert!(TwinBlock::decode(&[1, 0, 0, 0, 0], 0, 4, 10).is_err());
}

fn s(ordinal: u32, score: f32) -> ScoredChunk {
    ScoredChunk { ordinal, score }
}

fn best_first(mut v: Vec<ScoredChunk>) -> Vec<ScoredChunk> {
    v.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.ordinal.cmp(&b.ordinal)));
    v
}

#[test]
fn top_keeps_the_best_of_each_set_and_prefers_the_canonical_on_ties() {
    let t = Twins::from_canon(vec![5, 6, 2, 3, 4, 5, 6, 7]);
    let b = blocks(&t, 8, 4);
    let results = best_first(vec![s(0, 1.0), s(5, 1.0), s(1, 0.9), s(6, 0.5), s(3, 0.7)]);
    let (hits, also) = b.top(&results, 10, &|_| 0).unwrap();
    assert_eq!(hits, vec![s(5, 1.0), s(1, 0.9), s(3, 0.7)]);
    assert_eq!(also, vec![vec![0], vec![6], vec![]]);
    let (hits, also) = b.top(&results, 2, &|_| 0).unwrap();
    assert_eq!((hits.len(), also.len()), (2, 2));
    // Without sets: plain ranking.
    let none = TwinBlocks::default();
    let (hits, also) = none
        .top(
            &best_first(vec![s(2, 0.1), s(1, 0.1), s(0, 0.3)]),
            2,
            &|_| 0,
        )
        .unwrap();
    assert_eq!(hits, vec![s(0, 0.3), s(1, 0.1)]);
    assert_eq!(also, vec![Vec::<u32>::new(); 2]);
}

#[test]
fn top_names_the_blocks_it_still_needs() {
    let t = Twins::from_canon(vec![5, 6, 2, 3, 4, 5, 6, 7]);
    let all = blocks(&t, 8, 4);
    let mut part = all.clone();
    part.blocks[1] = None;
    // Result 0 is in block 0, its canonical 5 in block 1.
    let results = best_first(vec![s(0, 1.0), s(2, 0.5)]);
    assert_eq!(part.top(&results, 1, &|_| 0), Err(vec![1]));
    assert_eq!(all.top(&results, 1, &|_| 0).unwrap().0, vec![s(0, 1.0)]);
}

/// The fold over blocks equals a fold over the whole canonical table:
/// one result per set (its best member, the canonical on a tie), sets
/// ranked by that member, the other members listed.
fn reference(
    canon: &[u32],
    results: &[ScoredChunk],
    limit: usize,
) -> (Vec<ScoredChunk>, Vec<Vec<u32>>) {
    let mut best: std::collections::BTreeMap<u32, ScoredChunk> = Default::default();
    for r in results {
        let c = canon[r.ordinal as usize];
        let e = best.entry(c).or_insert(*r);
        let wins = r.score > e.score
            || (r.score == e.score
                && (r.ordinal == c || (e.ordinal != c && r.ordinal < e.ordinal)));
        if wins {
            *e = *r;
        }
    }
    let reps = best_first(best.values().copied().collect());
    let reps: Vec<ScoredChunk> = reps.into_iter().take(limit).collect();
    let also = reps
        .iter()
        .map(|h| {
            let c = canon[h.ordinal as usize];
            let mut a: Vec<u32> = results
                .iter()
                .map(|r| r.ordinal)
                .filter(|&o| canon[o as usize] == c && o != h.ordinal)
                .collect();
            a.sort_unstable();
            a
        })
        .collect();
    (reps, also)
}

/// Folds with blocks added as `top` asks for them, from none, as a
/// browser or `/mcp` does; also returns the blocks it asked for.
fn fold_on_demand(
    all: &TwinBlocks,
    results: &[ScoredChunk],
    limit: usize,
    group: &dyn Fn(u32) -> u32,
) -> (Folded, usize) {
    let mut part = all.clone();
    for b in &mut part.blocks {
        *b = None;
    }
    let mut asked = 0;
    loop {
        match part.top(results, limit, group) {
            Ok(f) => return (f, asked),
            Err(need) => {
                assert!(!need.is_empty());
                for b in need {
                    // Every round asks only for blocks not yet added.
                    assert!(part.blocks[b as usize].is_none(), "block {b} asked twice");
                    part.blocks[b as usize] = all.blocks[b as usize].clone();
                    asked += 1;
                }
            }
        }
    }
}

/// Many copies of a product tie on every passage: the fold asks for the
/// blocks of the copies it keeps, not of every tied result.
#[test]
fn tied_copies_of_a_product_do_not_ask_for_every_block() {
    let (copies, versions, per) = (12u32, 3u32, 4u32);
    let mut chunks = Vec::new();
    for p in 0..copies {
        for v in 0..versions {
            for i in 0..per {
                let mut c = chunk(&format!("{v}.0"), versions - v, "a", &format!("p{i}"));
                c.product = format!("p{p:02}");
                chunks.push(c);
            }
        }
    }
    let t = find(&chunks);
    let n = chunks.len() as u32;
    let canon: Vec<u32> = (0..n).map(|o| t.canonical(o)).collect();
    let all = blocks(&t, n, per);
    let span = versions * per;
    let group = |o: u32| o / span * span;
    // Passage 0 of every version of every copy, all with one score.
    let results: Vec<ScoredChunk> = (0..n).filter(|o| o % per == 0).map(|o| s(o, 1.0)).collect();
    let (got, asked) = fold_on_demand(&all, &results, 3, &group);
    assert_eq!(got, reference(&canon, &results, 3));
    // Three kept sets, each found through one block per version at most.
    assert!(asked <= (3 * versions) as usize, "asked for {asked} blocks");
    let (_, flat) = fold_on_demand(&all, &results, 3, &|_| 0);
    assert!(asked < flat, "{asked} vs {flat} without groups");
}

proptest::proptest! {
    #[test]
    fn blocks_fold_like_the_whole_table(
        products in 1usize..4,
        versions in 1usize..4,
        per in 1usize..12,
        same in proptest::collection::vec(proptest::bool::ANY, 12),
        picks in proptest::collection::vec((0usize..144, 0u8..4), 0..40),
        block in 1u32..20,
        limit in 0usize..6,
    ) {
        // `products` copies of a product with `versions` copies of a
        // document of `per` chunks; chunk i is the same in every
        // version when same[i]; the last version is current.
        let mut chunks = Vec::new();
        for p in 0..products {
            for v in 0..versions {
                for (i, &same) in same.iter().enumerate().take(per) {
                    let text = if same { format!("p{i}") } else { format!("v{v} p{i}") };
                    let mut c = chunk(&format!("{v}.0"), (versions - v) as u32, "a", &text);
                    c.product = format!("p{p}");
                    chunks.push(c);
                }
            }
        }
        let t = find(&chunks);
        let n = chunks.len() as u32;
        let canon: Vec<u32> = (0..n).map(|o| t.canonical(o)).collect();
        let mut results: Vec<ScoredChunk> = Vec::new();
        for (o, sc) in picks {
            let o = (o % n as usize) as u32;
            if !results.iter().any(|r| r.ordinal == o) {
                results.push(s(o, f32::from(sc)));
            }
        }
        let results = best_first(results);
        let all = blocks(&t, n, block);
        let got = all.top(&results, limit, &|_| 0).unwrap();
        proptest::prop_assert_eq!(&got, &reference(&canon, &results, limit));
        // Blocks added only as asked for give the same answer, with
        // products as groups and with one group for all.
        let span = (versions * per) as u32;
        let by_product = move |o: u32| o / span * span;
        let (asked, _) = fold_on_demand(&all, &results, limit, &by_product);
        proptest::prop_assert_eq!(&asked, &got);
        let (asked, _) = fold_on_demand(&all, &results, limit, &|_| 0);
        proptest::prop_assert_eq!(&asked, &got);
        // Twin blocks round trip: a block decodes to what was written.
        for (k, p) in t.encode_blocks(n, block).iter().enumerate() {
            let b = TwinBlock::decode(p, k as u32, block, n).unwrap();
            for o in (k as u32 * block)..((k as u32 + 1) * block).min(n) {
                proptest::prop_assert_eq!(b.canonical(o), canon[o as usize]);
            }
        }
    }
}
