//! Index files: round trips, corruption, versions, and no panics on bad bytes.

mod common;

use std::collections::HashMap;

use common::*;
use mcdewey_search_core::codec::{self, FileKind};
use mcdewey_search_core::*;
use proptest::prelude::*;

fn files() -> Files {
    build(fixture(), &BuildOptions::default())
}

fn kind_of(path: &str) -> FileKind {
    match path {
        MANIFEST_PATH => FileKind::Manifest,
        p if p.starts_with("d/") => FileKind::DocBlock,
        p if p.starts_with("w/") => FileKind::TwinBlock,
        p if p.starts_with("s/") => FileKind::ShardDir,
        p if p.starts_with("t/") => FileKind::Terms,
        p if p.starts_with("p/") => FileKind::Positions,
        _ => FileKind::Fragments,
    }
}

#[test]
fn display_data_round_trips() {
    let f = files();
    let index = load_all(&f);
    let q = parse_query("", Filters::default());
    let inputs: HashMap<String, ChunkInput> =
        fixture().into_iter().map(|c| (c.id.clone(), c)).collect();
    assert_eq!(index.chunk_count() as usize, inputs.len());
    let mut prev_key = None;
    for o in 0..index.chunk_count() {
        let h = index.hit(o, &q).unwrap();
        let c = &inputs[&h.id];
        assert_eq!(
            (
                &h.url,
                &h.title,
                &h.breadcrumb,
                h.page,
                &h.page_label,
                &h.document
            ),
            (
                &c.url,
                &c.title,
                &c.breadcrumb,
                c.page,
                &c.page_label,
                &c.document
            )
        );
        assert_eq!(
            (&h.vendor, &h.product, &h.version, &h.doc_set),
            (&c.vendor, &c.product, &c.version, &c.doc_set)
        );
        // No query terms: the snippet is the (short) text itself.
        assert_eq!(h.snippet.text, c.text);
        // Ordinals follow (vendor, product, version, doc set, document).
        let key = (
            c.vendor.clone(),
            c.product.clone(),
            c.version.clone(),
            c.doc_set.clone(),
            c.document.clone(),
        );
        assert!(prev_key.as_ref().is_none_or(|p| p <= &key));
        prev_key = Some(key);
    }
}

#[test]
fn postings_and_positions_round_trip() {
    let f = files();
    let index = load_all(&f);
    let tok = index.tokenizer().clone();
    let q = parse_query("", Filters::default());
    let by_id: HashMap<String, u32> = (0..index.chunk_count())
        .map(|o| (index.hit(o, &q).unwrap().id, o))
        .collect();
    // Expected postings, recomputed from the inputs with the public tokenizer.
    let mut expected: HashMap<String, HashMap<u32, [Vec<u32>; 3]>> = HashMap::new();
    for c in fixture() {
        let o = by_id[&c.id];
        let mut add = |field: usize, text: &str, first: u32| {
            tok.tokenize(text, first, |w| {
                for t in &w.terms {
                    let e = expected
                        .entry(t.text.clone())
                        .or_default()
                        .entry(o)
                        .or_default();
                    e[field].push(t.pos);
                }
            })
        };
        add(0, &c.title, 0);
        let mut p = 0;
        for h in &c.breadcrumb {
            p = add(1, h, p) + 1;
        }
        add(2, &c.text, 0);
    }
    assert!(expected.len() > 50);
    for (term, docs) in &expected {
        let (ords, impacts) = index.postings(term).unwrap().expect(term);
        let mut want: Vec<u32> = docs.keys().copied().collect();
        want.sort_unstable();
        assert_eq!(ords, want.as_slice(), "{term}");
        assert!(impacts.iter().all(|&i| i > 0));
        for (&o, fields) in docs {
            let mut fields = fields.clone();
            for f in &mut fields {
                f.sort_unstable();
                f.dedup();
            }
            assert_eq!(
                index.positions(term, o).unwrap().unwrap(),
                fields,
                "{term} in {o}"
            );
        }
    }
    assert!(index.postings("zzzz").unwrap().is_none());
}

#[test]
fn every_flipped_byte_is_a_typed_error() {
    let f = files();
    let index = Index::open(&f[MANIFEST_PATH]).unwrap();
    for (path, bytes) in &f {
        for i in 0..bytes.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = bytes.clone();
                bad[i] ^= bit;
                let err = if path == MANIFEST_PATH {
                    Index::open(&bad).err()
                } else {
                    let mut idx = Index::open(&f[MANIFEST_PATH]).unwrap();
                    idx.add_file(path, &bad).err()
                };
                assert!(err.is_some(), "{path} byte {i} flip {bit:#x} accepted");
            }
        }
        // Every truncation too.
        for n in 0..bytes.len() {
            let mut idx = Index::open(&f[MANIFEST_PATH]).unwrap();
            if path == MANIFEST_PATH {
                assert!(Index::open(&bytes[..n]).is_err());
            } else {
                assert!(
                    idx.add_file(path, &bytes[..n]).is_err(),
                    "{path} cut at {n}"
                );
            }
        }
    }
    drop(index);
}

#[test]
fn specific_errors() {
    let f = files();
    let mut index = Index::open(&f[MANIFEST_PATH]).unwrap();
    // Newer format version.
    for path in [MANIFEST_PATH, "t/0.bin"] {
        let mut v = f[path].clone();
        let newer = codec::FORMAT_VERSION + 1;
        v[4..6].copy_from_slice(&newer.to_le_bytes());
        let err = if path == MANIFEST_PATH {
            Index::open(&v).unwrap_err()
        } else {
            index.add_file(path, &v).unwrap_err()
        };
        assert_eq!(
            err,
            FormatError::UnsupportedVersion {
                found: newer,
                supported: codec::FORMAT_VERSION
            }
        );
    }
    // A file under the wrong name.
    assert!(matches!(
        index.add_file("f/0.bin", &f["t/0.bin"]),
        Err(FormatError::WrongKind { .. })
    ));
    assert_eq!(
        index.add_file("x/0.bin", &f["t/0.bin"]),
        Err(FormatError::UnknownFile("x/0.bin".into()))
    );
    assert!(matches!(
        index.add_file("t/999.bin", &f["t/0.bin"]),
        Err(FormatError::UnknownFile(_))
    ));
    // Not an index file at all, and a gzip-wrapped one.
    assert_eq!(
        Index::open(b"<html>not found</html>").unwrap_err(),
        FormatError::BadMagic
    );
    assert_eq!(
        index.add_file("t/0.bin", &[0x1f, 0x8b, 8, 0, 0, 0]),
        Err(FormatError::Compressed)
    );
    // A shard of another build (stale cache), and a fragment of other texts.
    let mut other = fixture();
    other[0].text.push_str(" extra words");
    let g = build(other, &BuildOptions::default());
    for path in ["t/0.bin", "f/0.bin"] {
        assert_ne!(f[path], g[path], "{path}");
        assert!(
            matches!(
                index.add_file(path, &g[path]),
                Err(FormatError::BuildMismatch { .. })
            ),
            "{path}"
        );
    }
}

#[test]
fn fragments_are_written_first_and_do_not_depend_on_the_rest_of_the_index() {
    // The fragments go to the writer while the rest is computed, so they
    // carry an id of their own: another ranking changes every other file
    // and leaves the fragments as they were, and they still read.
    let opts = BuildOptions::default();
    let listed = build_index(fixture(), &opts).unwrap();
    let fragments = listed
        .iter()
        .take_while(|(p, _)| is_fragment_path(p))
        .count();
    assert!(fragments > 0);
    assert!(listed[fragments..]
        .iter()
        .all(|(p, _)| !is_fragment_path(p)));
    let a = files();
    let mut other = opts.clone();
    other.ranking.k1 *= 1.5;
    let b = build(fixture(), &other);
    assert_ne!(a[MANIFEST_PATH], b[MANIFEST_PATH]);
    assert_ne!(a["t/0.bin"], b["t/0.bin"]);
    let mut index = Index::open(&b[MANIFEST_PATH]).unwrap();
    for (path, bytes) in &a {
        if is_fragment_path(path) {
            assert_eq!(bytes, &b[path], "{path}");
            index.add_file(path, bytes).unwrap();
        }
    }
    assert!(matches!(
        index.add_file("t/0.bin", &a["t/0.bin"]),
        Err(FormatError::BuildMismatch { .. })
    ));
}

#[test]
fn bad_build_input_is_rejected() {
    let mut c = fixture();
    c[1].id = c[0].id.clone();
    assert!(matches!(
        build_index(c, &BuildOptions::default()),
        Err(BuildError::DuplicateId(_))
    ));
    let opts = BuildOptions {
        shard_target_bytes: 0,
        ..Default::default()
    };
    assert!(matches!(
        build_index(fixture(), &opts),
        Err(BuildError::InvalidOption(_))
    ));
}

#[test]
fn empty_index_works() {
    let f = build(Vec::new(), &BuildOptions::default());
    let mut index = Index::open(&f[MANIFEST_PATH]).unwrap();
    let q = parse_query("anything", Filters::default());
    run_planned(&mut index, &f, &q);
    assert_eq!(index.search(&q).unwrap().total, 0);
}

#[test]
fn small_shards_and_fragment_groups_give_the_same_results() {
    let small = BuildOptions {
        shard_target_bytes: 64,
        fragment_group: 3,
        ..Default::default()
    };
    let a = files();
    let b = build(fixture(), &small);
    assert!(b.keys().filter(|p| p.starts_with("t/")).count() > 10);
    for q in [
        "recording guide",
        "\"quick brown fox\"",
        "storaeg ",
        "maint",
        "StartRecording ",
    ] {
        assert_eq!(
            ids(&a, q, Filters::default()),
            ids(&b, q, Filters::default()),
            "{q}"
        );
    }
}

/// Options that give the fixture many term shards and a shard table in two
/// levels: a manifest with a few first terms, directory blocks of two.
fn two_level() -> BuildOptions {
    BuildOptions {
        shard_target_bytes: 64,
        shard_root_entries: 3,
        shard_dir_min: 2,
        ..Default::default()
    }
}

#[test]
fn two_level_shard_table_gives_the_same_results() {
    let one = build(
        fixture(),
        &BuildOptions {
            shard_target_bytes: 64,
            ..Default::default()
        },
    );
    let two = build(fixture(), &two_level());
    let count = |f: &Files, dir: &str| f.keys().filter(|p| p.starts_with(dir)).count();
    assert_eq!(count(&one, "s/"), 0, "a small table stays in the manifest");
    let shards = count(&two, "t/");
    assert_eq!(shards, count(&one, "t/"));
    assert!(shards > 10);
    // At most 3 first terms in the manifest, so blocks of ⌈n/3⌉ shards.
    assert_eq!(
        count(&two, "s/"),
        shards.div_ceil(shards.div_ceil(3).max(2))
    );
    assert!(two[MANIFEST_PATH].len() < one[MANIFEST_PATH].len());
    for q in [
        "recording guide",
        "\"quick brown fox\"",
        "storaeg ",
        "maint",
        "StartRecording ",
        "media server",
        "zzzz unknown",
    ] {
        assert_eq!(
            ids(&one, q, Filters::default()),
            ids(&two, q, Filters::default()),
            "{q}"
        );
    }
    // The first round reads the directory blocks only; their shards follow.
    let mut index = Index::open(&two[MANIFEST_PATH]).unwrap();
    let q = parse_query("recording guide", Filters::default());
    let first = index.plan(&q);
    assert!(
        !first.is_empty() && first.iter().all(|p| p.starts_with("s/")),
        "{first:?}"
    );
    for p in &first {
        index.add_file(p, &two[p]).unwrap();
    }
    let second = index.plan(&q);
    assert!(second.iter().any(|p| p.starts_with("t/")), "{second:?}");
    assert!(second.iter().all(|p| !p.starts_with("s/")), "{second:?}");
    // Lookups that need a block say so, naming it.
    let mut fresh = Index::open(&two[MANIFEST_PATH]).unwrap();
    match fresh.postings("recording") {
        Err(SearchError::NotLoaded(p)) => assert!(p[0].starts_with("s/"), "{p:?}"),
        other => panic!("{other:?}"),
    }
    // A dropped block is named again.
    for p in &first {
        fresh.add_file(p, &two[p]).unwrap();
    }
    assert!(fresh.forget_file(&first[0]));
    assert!(fresh.plan(&q).contains(&first[0]));
    // A block of one build is rejected by another's manifest.
    let other = build(fixture()[1..].to_vec(), &two_level());
    let mut mixed = Index::open(&other[MANIFEST_PATH]).unwrap();
    assert!(mixed.add_file("s/0.bin", &two["s/0.bin"]).is_err());
}

/// Apply `edits` to the payload of `bytes` and re-seal it with a valid
/// checksum, so the decoders (not the checksum) face the garbage.
fn reseal(path: &str, bytes: &[u8], edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let build_id = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    let mut payload = bytes[codec::HEADER_LEN..bytes.len() - codec::TRAILER_LEN].to_vec();
    if !payload.is_empty() {
        for &(i, x) in edits {
            let n = payload.len();
            payload[i % n] ^= x;
        }
    }
    payload.truncate(payload.len().saturating_sub(cut));
    codec::seal(kind_of(path), build_id, &payload)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn garbage_with_valid_checksums_never_panics(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<usize>(), 1u8..=255), 1..4),
        cut in 0usize..3,
        split in any::<bool>(),
    ) {
        let f = if split { build(fixture(), &two_level()) } else { files() };
        let mut paths: Vec<&String> = f.keys().collect();
        paths.sort();
        let path = which.get(&paths).as_str();
        let bad = reseal(path, &f[path], &edits, cut);
        let index = if path == MANIFEST_PATH {
            match Index::open(&bad) {
                Ok(mut i) => {
                    // Twice: fragments are named once the twin blocks are in.
                    for _ in 0..2 {
                        for p in i.files_to_load() {
                            if let Some(bytes) = f.get(&p) {
                                let _ = i.add_file(&p, bytes);
                            }
                        }
                    }
                    i
                }
                Err(_) => return Ok(()),
            }
        } else {
            let mut i = load_all(&f);
            let _ = i.add_file(path, &bad);
            i
        };
        for text in ["recording guide", "\"quick brown fox\"", "storaeg ", "maint", "media"] {
            let q = parse_query(text, Filters { version: vec!["2.0".into()], ..Filters::default() });
            let _ = index.plan(&q);
            if let Ok(r) = index.search(&q) {
                for h in r.hits {
                    let _ = index.hit(h.ordinal, &q);
                }
            }
        }
        let _ = index.facets();
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = Index::open(&bytes);
        let f = files();
        let mut index = Index::open(&f[MANIFEST_PATH]).unwrap();
        for p in ["t/0.bin", "p/0.bin", "f/0.bin", "d/0.bin"] {
            prop_assert!(index.add_file(p, &bytes).is_err());
        }
    }
}
