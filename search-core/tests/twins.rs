//! Identical passages across versions ("twins"): one result per passage,
//! the current-most version shown, the other versions listed with it.

mod common;

use common::*;
use mcdewey_search_core::*;

/// Three versions of one guide (3.0 current): "Retrying" is the same in
/// all, "Limits" changed in 3.0, "Tuning" exists twice in 1.0 (a repeated
/// passage is not matched across versions).
fn versions() -> Vec<ChunkInput> {
    let mut out = Vec::new();
    for (version, rank) in [("1.0", 2), ("2.0", 1), ("3.0", 0)] {
        let c = |n: u32, heading: &str, text: &str| ChunkInput {
            version_rank: rank,
            ..chunk(
                &format!("{version}-{n}"),
                ["Acme", "Rocket", version],
                "api",
                "API Guide",
                &[heading],
                text,
            )
        };
        out.push(c(
            1,
            "Retrying",
            "Retry a failed request after the Retry-After delay.",
        ));
        let limits = if version == "3.0" {
            "Each token allows 50 requests per second; the limit applies per gateway."
        } else {
            "Each token allows 20 requests per second."
        };
        out.push(c(2, "Limits", limits));
        out.push(c(3, "Tuning", "Raise the request pool for busy gateways."));
        if version == "1.0" {
            out.push(c(4, "Tuning", "Raise the request pool for busy gateways."));
        }
    }
    out
}

fn search(index: &Index, text: &str, filters: Filters) -> Vec<(String, Vec<String>)> {
    let q = parse_query(text, filters);
    let r = index.search(&q).unwrap();
    let id = |o: u32| index.hit(o, &q).unwrap().id;
    r.hits
        .iter()
        .zip(&r.also)
        .map(|(h, also)| (id(h.ordinal), also.iter().map(|&o| id(o)).collect()))
        .collect()
}

#[test]
fn a_passage_unchanged_across_versions_is_one_result() {
    let files = build(versions(), &BuildOptions::default());
    let index = load_all(&files);
    let got = search(&index, "retry failed request", Filters::default());
    assert_eq!(
        got[0],
        ("3.0-1".into(), vec!["1.0-1".into(), "2.0-1".into()])
    );
    assert!(
        got.iter()
            .all(|(id, _)| !id.ends_with("-1") || id == "3.0-1"),
        "{got:?}"
    );

    let q = parse_query("retry failed request", Filters::default());
    let r = index.search(&q).unwrap();
    // The total counts matching chunks, as the facets do: three versions.
    let by_version: u32 = r.facets.version.iter().map(|(_, c)| c).sum();
    assert_eq!(r.total, by_version);
    assert!(r.total as usize >= r.hits.len() + r.also[0].len());
    // Facets count chunks: the passage matched in each version.
    let versions: Vec<&str> = r.facets.version.iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(versions, ["1.0", "2.0", "3.0"], "{:?}", r.facets.version);
    assert_eq!(index.version_of(r.also[0][0]), Some("1.0"));
}

#[test]
fn changed_and_repeated_passages_stay_apart_and_filters_pick_a_version() {
    let files = build(versions(), &BuildOptions::default());
    let index = load_all(&files);
    // 1.0 and 2.0 agree with each other but not with 3.0.
    let limits = search(&index, "requests per second", Filters::default());
    let limits: Vec<_> = limits.iter().filter(|(id, _)| id.ends_with("-2")).collect();
    assert_eq!(limits.len(), 2, "{limits:?}");
    assert!(
        limits.contains(&&("3.0-2".to_string(), vec![])),
        "{limits:?}"
    );
    assert!(
        limits.contains(&&("2.0-2".to_string(), vec!["1.0-2".to_string()])),
        "{limits:?}"
    );
    // A passage twice in 1.0: no set, every copy is a result of its own.
    let tuning = search(&index, "request pool", Filters::default());
    let mut ids: Vec<&str> = tuning
        .iter()
        .map(|(id, _)| id.as_str())
        .filter(|id| id.ends_with("-3") || id.ends_with("-4"))
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["1.0-3", "1.0-4", "2.0-3", "3.0-3"], "{tuning:?}");
    // Asking for one old version shows its own copy, alone.
    let old = Filters {
        version: vec!["1.0".into()],
        ..Filters::default()
    };
    assert_eq!(
        search(&index, "retry failed request", old)[0],
        ("1.0-1".into(), vec![])
    );
}

#[test]
fn the_browser_path_collapses_the_same_way() {
    let files = build(versions(), &BuildOptions::default());
    let got = ids(&files, "retry failed request", Filters::default());
    assert_eq!(got[0], "3.0-1");
    assert!(!got.contains(&"2.0-1".to_string()), "{got:?}");
}

#[test]
fn a_twin_set_stores_its_text_once_and_each_version_shows_its_own_chunk() {
    let opts = BuildOptions {
        fragment_group: 1,
        ..BuildOptions::default()
    };
    let files = build(versions(), &opts);
    let copies = |text: &str| {
        files
            .iter()
            .filter(|(p, b)| {
                is_fragment_path(p) && b.windows(text.len()).any(|w| w == text.as_bytes())
            })
            .count()
    };
    // Retrying: one set of three versions, one copy of its text.
    assert_eq!(
        copies("Retry a failed request after the Retry-After delay."),
        1
    );
    // Tuning is twice in 1.0, so no set: every chunk keeps its own copy.
    assert_eq!(copies("Raise the request pool for busy gateways."), 4);

    // An old version asked for: the browser's loop fetches the canonical
    // member's fragment for the text, and the hit is still 1.0's own.
    let old = Filters {
        version: vec!["1.0".into()],
        ..Filters::default()
    };
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    let mut pass = Pass::new(parse_query("retry failed request", old));
    for round in 0.. {
        assert!(round < 5, "plan does not converge");
        let need = pass.plan(&index);
        if need.is_empty() {
            break;
        }
        for p in need {
            index.add_file(&p, &files[&p]).unwrap();
        }
    }
    let r = pass.results(&index).unwrap();
    let hit = &r.hits[0].hit;
    assert_eq!(hit.id, "1.0-1");
    assert_eq!(hit.version, "1.0");
    assert_eq!(
        hit.snippet.text,
        "Retry a failed request after the Retry-After delay."
    );
    assert!(!hit.snippet.highlights.is_empty());
    let q = parse_query("retry failed request", Filters::default());
    let twin_url = hit.url.clone();
    assert_eq!(index.hit(hit.ordinal, &q).unwrap().url, twin_url);

    // A URL needs the chunk's twin block (which file holds its record),
    // then that file only.
    let mut fresh = Index::open(&files[MANIFEST_PATH]).unwrap();
    let mut asked = Vec::new();
    loop {
        let need = fresh.url_files(hit.ordinal);
        if need.is_empty() {
            break;
        }
        for p in &need {
            fresh.add_file(p, &files[p]).unwrap();
        }
        asked.push(need);
    }
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(asked[0][0].starts_with("w/") && asked[1][0].starts_with("c/"));
    assert_eq!(fresh.url(hit.ordinal).unwrap(), twin_url);
    // Its snippet needs the canonical's text too: asked again, the plan names it.
    let more = fresh.fragments_for(&[hit.ordinal]);
    assert_eq!(more.len(), 1);
    assert!(more[0].starts_with("f/"), "{more:?}");
    assert!(matches!(
        fresh.hit(hit.ordinal, &q),
        Err(SearchError::NotLoaded(p)) if p == more
    ));
    fresh.add_file(&more[0], &files[&more[0]]).unwrap();
    // (Highlights need the term shards, which this index has not added.)
    let again = fresh.hit(hit.ordinal, &q).unwrap();
    assert_eq!((&again.id, &again.url), (&hit.id, &hit.url));
    assert_eq!(again.snippet.text, hit.snippet.text);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]
    /// Any layout of copies, fragment groups and block size: once the twin
    /// blocks are in, the reader names exactly the fragment files written
    /// (`load_all` checks), and every chunk shows its own id and URL with
    /// its text, a copy's from its canonical member's record.
    #[test]
    fn every_chunk_is_in_the_fragment_its_twin_block_names(
        changed in proptest::collection::vec(proptest::collection::vec(proptest::bool::ANY, 12), 3),
        n in 1usize..12,
        g in 1u32..5,
        copy_group in 1u32..20,
        block_chunks in 1u32..9,
    ) {
        // Version 3 is the current one; a passage unchanged since an older
        // version is a copy there.
        let text = |v: usize, i: usize| {
            if changed[v][i] {
                format!("passage {i} as version {} has it", v + 1)
            } else {
                format!("passage {i} as every version has it")
            }
        };
        let mut chunks = Vec::new();
        for v in 0..3 {
            for i in 0..n {
                chunks.push(ChunkInput {
                    version_rank: 2 - v as u32,
                    ..chunk(
                        &format!("{}-{i}", v + 1),
                        ["Acme", "Rocket", &(v + 1).to_string()],
                        "guide",
                        "Guide",
                        &["Setup"],
                        &text(v, i),
                    )
                })
            }
        }
        let opts = BuildOptions { fragment_group: g, copy_group, block_chunks, ..BuildOptions::default() };
        let files = build(chunks, &opts);
        let index = load_all(&files);
        let q = parse_query("", Filters::default());
        for v in 0..3 {
            for i in 0..n {
                let o = (v * n + i) as u32;
                let hit = index.hit(o, &q).unwrap();
                let id = format!("{}-{i}", v + 1);
                proptest::prop_assert_eq!(&hit.id, &id);
                let own_url = hit.url.ends_with(&format!("#{id}"));
                proptest::prop_assert!(own_url, "{}", hit.url);
                proptest::prop_assert_eq!(&hit.snippet.text, &text(v, i));
            }
        }
    }
}
