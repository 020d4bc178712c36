//! The query handle: a `Pass` built once from a query and a union of
//! filters plans its files (terms, semantic files, then the hits'
//! fragments) and gives complete, ordered results.

use std::collections::HashMap;
use std::sync::Arc;

use mcdewey_search_core::*;

type Files = HashMap<String, Vec<u8>>;

fn model() -> Arc<Model> {
    let path = format!(
        "{}/../models/minilm-static-128.mcdm",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path} is committed: {e}"));
    Arc::new(Model::from_bytes(&bytes).expect("model reads"))
}

fn chunk(id: &str, product: &str, version: &str, doc_set: &str, text: &str) -> ChunkInput {
    ChunkInput {
        id: id.into(),
        url: format!("/{product}/{version}/{id}.html"),
        title: format!("{product} {version}"),
        vendor: "Acme".into(),
        product: product.into(),
        version: version.into(),
        doc_set: doc_set.into(),
        document: format!("{product}-{doc_set}"),
        text: text.into(),
        ..Default::default()
    }
}

/// Two products with two versions each; the doc set `cur` holds exactly
/// alpha 2.0 and beta 1.0, a union of (product, version) pairs that is not
/// a cross product.
fn corpus() -> Vec<ChunkInput> {
    let strong = [
        "The retention policy keeps recordings; set the retention policy per tenant.",
        "Logs follow the retention policy of their tenant.",
        "Recordings on the archive volume are kept as retention says.",
        "The gateway listens on port 5060 for signalling traffic.",
    ];
    let weak = [
        "Upgrade the agents first, then the servers.",
        "Old exports are removed nightly; see your policy for how long they stay.",
        "Dashboards show call volume per queue and agent.",
    ];
    let mut v = Vec::new();
    for (product, version, set, texts) in [
        ("alpha", "1.0", "old", &strong[..]),
        ("alpha", "2.0", "cur", &strong[..]),
        ("beta", "1.0", "cur", &weak[..]),
        ("beta", "2.0", "old", &weak[..]),
    ] {
        for (i, t) in texts.iter().enumerate() {
            let text = format!("{t} Release {version}.");
            v.push(chunk(
                &format!("{product}-{version}-{i}"),
                product,
                version,
                set,
                &text,
            ));
        }
    }
    v
}

fn files(semantic: bool) -> Files {
    let mut opts = BuildOptions::default();
    if semantic {
        opts = opts.with_model(model());
    }
    build_index(corpus(), &opts).unwrap().into_iter().collect()
}

fn open(files: &Files) -> Index {
    Index::open(&files[MANIFEST_PATH]).unwrap()
}

/// plan → fetch → results; returns the rounds of paths fetched.
fn run(index: &mut Index, files: &Files, pass: &mut Pass) -> (Vec<Vec<String>>, Results) {
    let mut rounds = Vec::new();
    loop {
        let need = pass.plan(index);
        if need.is_empty() {
            break;
        }
        assert!(rounds.len() < 8, "plan does not converge: {need:?}");
        for p in &need {
            index.add_file(p, &files[p]).unwrap();
        }
        rounds.push(need);
    }
    let r = pass.results(index).unwrap();
    (rounds, r)
}

fn ids(r: &Results) -> Vec<(String, f32)> {
    r.hits.iter().map(|f| (f.hit.id.clone(), f.score)).collect()
}

fn pair(product: &str, version: &str) -> Filters {
    Filters {
        product: vec![product.into()],
        version: vec![version.into()],
        ..Filters::default()
    }
}

#[test]
fn a_union_of_filters_ranks_as_one_filter_over_the_same_chunks() {
    let files = files(true);
    let union = FilterSet::union(vec![pair("alpha", "2.0"), pair("beta", "1.0")]);
    let same = Filters {
        doc_set: vec!["cur".into()],
        ..Filters::default()
    };
    let mut index = open(&files);
    let mut a = Pass::new(parse_query("retention policy", union).with_limit(20));
    let (_, ra) = run(&mut index, &files, &mut a);
    let mut b = Pass::new(parse_query("retention policy", same).with_limit(20));
    let (_, rb) = run(&mut index, &files, &mut b);
    assert!(ra.semantic, "the semantic files were planned and added");
    assert_eq!(ids(&ra), ids(&rb));
    assert_eq!(ra.total, rb.total);
    assert_eq!(ra.facets, rb.facets);
    let versions: Vec<(String, String)> = ra
        .hits
        .iter()
        .map(|f| (f.hit.product.clone(), f.hit.version.clone()))
        .collect();
    assert!(
        versions.contains(&("alpha".into(), "2.0".into())),
        "{versions:?}"
    );
    assert!(
        versions.contains(&("beta".into(), "1.0".into())),
        "{versions:?}"
    );
    assert!(
        versions
            .iter()
            .all(|v| *v == ("alpha".into(), "2.0".into()) || *v == ("beta".into(), "1.0".into())),
        "{versions:?}"
    );
    // Searching the parts apart and merging by score orders differently:
    // each part's blend is normalised by its own best match.
    let mut merged: Vec<(String, f32)> = Vec::new();
    for f in [pair("alpha", "2.0"), pair("beta", "1.0")] {
        let mut p = Pass::new(parse_query("retention policy", f).with_limit(20));
        merged.extend(ids(&run(&mut index, &files, &mut p).1));
    }
    merged.sort_by(|a, b| b.1.total_cmp(&a.1));
    assert_ne!(merged, ids(&ra), "the fixture tells a union from a merge");
}

#[test]
fn an_empty_union_matches_nothing_and_an_empty_filter_everything() {
    let files = files(false);
    let mut index = open(&files);
    let mut none = Pass::new(parse_query("retention", FilterSet::union(vec![])));
    assert_eq!(run(&mut index, &files, &mut none).1.total, 0);
    let mut all = Pass::new(parse_query(
        "retention",
        FilterSet::union(vec![pair("beta", "1.0"), Filters::default()]),
    ));
    let mut plain = Pass::new(parse_query("retention", Filters::default()));
    assert_eq!(
        ids(&run(&mut index, &files, &mut all).1),
        ids(&run(&mut index, &files, &mut plain).1)
    );
}

#[test]
fn documents_in_a_union_plan_the_document_blocks_of_their_doc_sets() {
    let files = files(false);
    let mut index = open(&files);
    let docs = |d: &str| Filters {
        document: vec![d.into()],
        ..Filters::default()
    };
    let set = FilterSet::union(vec![docs("alpha-cur"), pair("beta", "2.0")]);
    let mut pass = Pass::new(parse_query("policy", set).with_limit(20));
    let (rounds, r) = run(&mut index, &files, &mut pass);
    // The document blocks of the doc sets the filter admits, with the
    // term shards: one round before ranking.
    assert!(rounds[0].iter().any(|p| p.starts_with("d/")), "{rounds:?}");
    let got: Vec<String> = r.hits.iter().map(|f| f.hit.id.clone()).collect();
    assert!(!got.is_empty());
    assert!(
        got.iter()
            .all(|id| id.starts_with("alpha-2.0-") || id.starts_with("beta-2.0-")),
        "{got:?}"
    );
}

#[test]
fn a_pass_gives_what_search_and_hit_give_in_one_call() {
    let files = files(true);
    for text in [
        "retention",
        "retention polic",
        "\"retention policy\"",
        "agents",
        "zzqxj",
    ] {
        for prefix in [false, true] {
            let q = parse_query(text, Filters::default())
                .with_prefix(prefix)
                .with_limit(5);
            let mut index = open(&files);
            let mut pass = Pass::new(q.clone());
            let (rounds, r) = run(&mut index, &files, &mut pass);
            // Terms and semantic files together, then fragments: the
            // semantic half adds at most its three rounds.
            assert!(rounds.len() <= 4, "{text}: {rounds:?}");
            let s = index.search(&q).unwrap();
            assert_eq!(r.total, s.total, "{text}");
            assert_eq!(r.hits.len(), s.hits.len(), "{text}");
            assert!(r.hits.len() <= 5);
            for ((f, h), also) in r.hits.iter().zip(&s.hits).zip(&s.also) {
                assert_eq!(f.hit, index.hit(h.ordinal, &q).unwrap(), "{text}");
                assert_eq!(f.score, h.score, "{text}");
                assert_eq!(&f.also, also, "{text}");
            }
        }
    }
}

#[test]
fn the_plan_follows_the_limit_and_semantic_turns_on_later() {
    let files = files(true);
    let mut index = open(&files);
    let mut pass = Pass::new(
        parse_query("policy retention agents release", Filters::default())
            .with_limit(12)
            .with_semantic(false),
    );
    let (rounds, lexical) = run(&mut index, &files, &mut pass);
    assert!(!lexical.semantic);
    assert!(rounds
        .iter()
        .flatten()
        .all(|p| !p.starts_with("e/") && !p.starts_with("v/")));
    assert_eq!(lexical.hits.len(), 12, "every hit has its fragment");
    pass.set_semantic(true);
    let (rounds, blended) = run(&mut index, &files, &mut pass);
    assert!(
        rounds.iter().flatten().any(|p| p == VOCAB_PATH),
        "{rounds:?}"
    );
    assert!(blended.semantic);
    assert_eq!(blended.hits.len(), 12);
}

/// A server with a bounded cache drops files and lets the plan name them
/// again; `files_for` names what a query read, loaded or not, so the
/// cache can keep them.
#[test]
fn forgotten_files_are_planned_again_and_answers_do_not_change() {
    let files: Files = build_index(corpus(), &BuildOptions::default())
        .unwrap()
        .into_iter()
        .collect();
    let mut index = Index::open(&files["manifest.bin"]).unwrap();
    let q = parse_query("retention policy", Filters::default());
    let run = |index: &mut Index| {
        let mut pass = Pass::new(q.clone());
        loop {
            let need = pass.plan(index);
            if need.is_empty() {
                break;
            }
            for p in need {
                index.add_file(&p, &files[&p]).unwrap();
            }
        }
        pass.results(index).unwrap()
    };
    let first = run(&mut index);
    let used = index.files_for(&q);
    assert!(used.iter().any(|p| p.starts_with("t/")), "{used:?}");
    assert!(index.plan(&q).is_empty());
    for p in &used {
        assert!(index.forget_file(p), "{p} was loaded");
        assert!(!index.forget_file(p), "{p} is gone");
    }
    assert!(!index.forget_file("manifest.bin"));
    assert!(!index.plan(&q).is_empty(), "the plan names them again");
    assert!(matches!(index.search(&q), Err(SearchError::NotLoaded(_))));
    assert_eq!(run(&mut index), first);
    assert_eq!(index.files_for(&q), used);
}
