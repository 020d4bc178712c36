//! The committed compat fixture: an index of the current format version
//! (`tests/compat/v<N>/`, written by `cargo run -p mcdewey-search-core
//! --example compat_fixture`). A change to the bytes the writer produces
//! fails here until it is made deliberately: bump `FORMAT_VERSION` and add
//! the new fixture (older sites then get `UnsupportedVersion`), or, for a
//! change that readers of the same version still accept, regenerate it.

#[path = "compat/input.rs"]
mod input;

use mcdewey_search_core::codec::FORMAT_VERSION;
use mcdewey_search_core::embed::{Model, MODEL_VERSION};
use mcdewey_search_core::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const REGENERATE: &str = "cargo run -p mcdewey-search-core --example compat_fixture";

fn compat_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat")
}

/// Index files of a fixture directory by index path (`t/0.bin`...).
fn read_fixture(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "bin") {
                let rel = p.strip_prefix(dir).unwrap();
                let key: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().to_string())
                    .collect();
                files.insert(key.join("/"), std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

fn current() -> BTreeMap<String, Vec<u8>> {
    let dir = compat_dir().join(format!("v{FORMAT_VERSION}"));
    assert!(
        dir.join("manifest.bin").is_file(),
        "no compat fixture for format version {FORMAT_VERSION}: run `{REGENERATE}` and commit {}",
        dir.display()
    );
    read_fixture(&dir)
}

fn open_all(files: &BTreeMap<String, Vec<u8>>) -> Index {
    let mut index = Index::open(&files[MANIFEST_PATH]).expect("fixture manifest opens");
    index
        .add_all(|path| {
            let bytes = files
                .get(path)
                .unwrap_or_else(|| panic!("fixture lacks {path}"));
            Ok::<_, FormatError>(bytes.clone())
        })
        .expect("fixture file reads");
    index
}

fn top_ids(index: &Index, q: &Query) -> Vec<String> {
    let r = index.search(q).expect("search");
    r.hits
        .iter()
        .map(|h| index.hit(h.ordinal, q).unwrap().id)
        .collect()
}

#[test]
fn current_fixture_reads_and_answers() {
    let files = current();
    let index = open_all(&files);
    assert_eq!(index.chunk_count(), 6);
    assert!(index.has_semantic());
    let q = |t: &str| parse_query(t, Filters::default());
    assert_eq!(
        top_ids(&index, &q("E0729")),
        vec!["relay::5.0::guide::admin::2"]
    );
    let mut ids = top_ids(&index, &q("START_RECORDING"));
    ids.sort();
    assert_eq!(
        ids,
        vec!["relay::4.2::guide::admin::1", "relay::5.0::guide::admin::1"]
    );
    // The passage that is the same in 4.2 and 5.0 is one result.
    let r = index.search(&q("\"healthy cluster\"")).unwrap();
    assert_eq!(r.hits.len(), 1, "{r:?}");
    assert_eq!(r.also[0].len(), 1, "{r:?}");
    // Prefix and typo tolerance read the same term shards.
    assert!(!top_ids(&index, &q("backu").with_prefix(true)).is_empty());
    assert!(top_ids(&index, &q("archve")).contains(&"relay::4.2::guide::admin::3".to_string()));
    // Semantic files: a query embedding and a hybrid search.
    let sq = q("archive backup").with_semantic(true);
    assert!(index.query_embedding(&sq).is_some());
    assert!(!index.search(&sq).unwrap().hits.is_empty());
    let hit = index.hit(0, &q("recording")).unwrap();
    assert_eq!(hit.page_label.as_deref(), Some("3"));
    // 4.2's guide has sections, not pages, and its hits say so.
    for o in 0..6 {
        let h = index.hit(o, &q("recording")).unwrap();
        assert_eq!(h.paged, h.version != "4.2", "{h:?}");
    }
    // The model the semantic files were built with reads too.
    let model = std::fs::read(compat_dir().join(format!("v{FORMAT_VERSION}/model.mcdm"))).unwrap();
    Model::from_bytes(&model).expect("fixture model reads");
}

#[test]
fn writer_output_is_the_committed_fixture() {
    let files = current();
    let built: BTreeMap<String, Vec<u8>> = build_index(input::chunks(), &input::options())
        .unwrap()
        .into_iter()
        .collect();
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&built),
        names(&files),
        "the writer's file set changed"
    );
    for (path, bytes) in &built {
        assert!(
            &files[path] == bytes,
            "{path}: the index writer's bytes differ from the v{FORMAT_VERSION} fixture. \
             If the format changed, bump codec::FORMAT_VERSION, document the change in \
             search-core/README.md and run `{REGENERATE}` (keep the old directory); \
             if readers of v{FORMAT_VERSION} still read the new bytes, just run `{REGENERATE}`."
        );
    }
}

#[test]
fn older_fixtures_are_rejected_with_the_version_error() {
    for e in std::fs::read_dir(compat_dir()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        let Some(v) = name.strip_prefix('v').and_then(|v| v.parse::<u16>().ok()) else {
            continue;
        };
        assert!(
            v <= FORMAT_VERSION,
            "fixture {name} is newer than the reader"
        );
        if v == FORMAT_VERSION {
            continue;
        }
        let files = read_fixture(&compat_dir().join(&name));
        assert_eq!(
            Index::open(&files[MANIFEST_PATH]).unwrap_err(),
            FormatError::UnsupportedVersion {
                found: v,
                supported: FORMAT_VERSION
            },
            "{name}"
        );
    }
}

/// A file whose version field is bumped gets the typed version error, not a
/// checksum or parse error, for every kind of index file and the model.
#[test]
fn a_bumped_version_is_rejected_with_the_typed_error() {
    let files = current();
    let bumped = |bytes: &[u8], version: u16| {
        let mut b = bytes.to_vec();
        b[4..6].copy_from_slice(&version.to_le_bytes());
        b
    };
    let newer = FORMAT_VERSION + 1;
    let want = FormatError::UnsupportedVersion {
        found: newer,
        supported: FORMAT_VERSION,
    };
    assert_eq!(
        Index::open(&bumped(&files[MANIFEST_PATH], newer)).unwrap_err(),
        want
    );
    let mut kinds = 0;
    for (path, bytes) in &files {
        if path == MANIFEST_PATH {
            continue;
        }
        let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
        assert_eq!(
            index.add_file(path, &bumped(bytes, newer)).unwrap_err(),
            want,
            "{path}"
        );
        kinds += 1;
    }
    assert!(
        kinds >= 6,
        "terms, positions, fragments, documents, vocabulary, token rows, vectors"
    );
    let model = input::model().to_bytes();
    let newer_model = MODEL_VERSION + 1;
    assert_eq!(
        Model::from_bytes(&bumped(&model, newer_model)).unwrap_err(),
        FormatError::UnsupportedVersion {
            found: newer_model,
            supported: MODEL_VERSION
        }
    );
}
