//! Bounded-memory builds: the memory budget changes how much of the search
//! index is kept on disk while it is built, never the site.

use crate::util::{list_files, TestSite};
use mcdewey::build::build;
use std::path::{Path, PathBuf};

/// Two products, two versions each, documents with several sections and
/// words both shared and their own, so terms recur across many runs.
fn library(semantic: bool) -> TestSite {
    let mut site = TestSite::new()
        .file("kit/product.toml", "vendor = \"Acme\"\nname = \"Kit\"\n")
        .file("tool/product.toml", "vendor = \"Bolt\"\nname = \"Tool\"\n");
    for product in ["kit", "tool"] {
        for version in ["1.0", "2.0"] {
            for d in 0..8 {
                let mut text = format!("# Document {d} of {product}\n\n");
                for s in 0..4 {
                    text.push_str(&format!(
                        "## Section {s}\n\nThe sensor reports value {d}{s} in {product} {version}. \
                         Call START_RECORDING_{d} before word{d}x{s} and after the calibration step; \
                         version {version} adds option{s}.\n\n"
                    ));
                }
                site = site.file(&format!("{product}/{version}/guide/doc{d}.md"), &text);
            }
        }
    }
    site.config.semantic = semantic;
    site
}

fn build_into(site: &TestSite, name: &str, budget: usize) -> (PathBuf, u64) {
    let mut config = site.config.clone();
    config.memory_budget = budget;
    let out = site.dir.path().join(name);
    let outcome = build(&site.content(), &out, &config, true).expect("build runs");
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    assert!(
        outcome.counts.chunks > 100,
        "{} chunks",
        outcome.counts.chunks
    );
    (out, outcome.spilled)
}

fn assert_same_site(a: &Path, b: &Path) {
    let files = list_files(a);
    let shards = format!("{}/t/", mcdewey::site::SEARCH_DIR);
    assert!(files.iter().any(|f| f.starts_with(&shards)), "{files:?}");
    assert_eq!(files, list_files(b), "the same files");
    for f in &files {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between the two budgets");
    }
}

#[test]
fn a_tiny_memory_budget_spills_and_builds_the_same_site_as_a_large_one() {
    for semantic in [false, true] {
        let site = library(semantic);
        // A few KB: postings are spilled after almost every chunk, and most
        // finished payloads wait in the spill file.
        let (small, spilled) = build_into(&site, "small", 4 << 10);
        assert!(spilled > 0, "the tiny budget spills (semantic {semantic})");
        let (large, spilled) = build_into(&site, "large", 1 << 30);
        assert_eq!(spilled, 0, "the large budget keeps everything in memory");
        assert_same_site(&small, &large);
        let leftovers: Vec<String> = std::fs::read_dir(site.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(
            leftovers.iter().all(|n| n.ends_with("-lock")),
            "no spill or staging directory is left: {leftovers:?}"
        );
    }
}

#[test]
fn the_budget_is_read_from_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mcdewey.toml");
    std::fs::write(&path, "[build]\nmemory_budget = \"64MB\"\n").unwrap();
    let config = mcdewey::config::load(&path).unwrap();
    assert_eq!(config.memory_budget, 64 << 20);
    std::fs::write(&path, "[build]\nmemory_budget = \"64 parsecs\"\n").unwrap();
    let err = format!("{:#}", mcdewey::config::load(&path).unwrap_err());
    assert!(
        err.contains("memory_budget") && err.contains("mcdewey.toml"),
        "{err}"
    );
}

#[test]
fn the_memory_budget_flag_is_checked_and_reported() {
    let site = library(false);
    let run = |budget: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mcdewey"))
            .arg("build")
            .arg(site.content())
            .arg("--out")
            .arg(site.out())
            .args(["--memory-budget", budget])
            .current_dir(site.dir.path())
            .output()
            .unwrap()
    };
    let out = run("lots");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--memory-budget") && err.contains("lots"),
        "{err}"
    );
    // A tiny budget says how much went to disk.
    let out = run("4KB");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("kept on disk to stay within the memory budget"),
        "{err}"
    );
}

/// Documents are rendered and handed to the index as the worker threads
/// finish them, in an order that depends on the threads; the site may not.
#[test]
fn the_site_does_not_depend_on_the_number_of_threads_or_the_budget() {
    let site = library(false);
    let run = |threads: &str, budget: &str, name: &str| {
        let out = site.dir.path().join(name);
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_mcdewey"))
            .arg("build")
            .arg(site.content())
            .arg("--out")
            .arg(&out)
            .args(["--memory-budget", budget, "--quiet"])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(site.dir.path())
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        out
    };
    let one = run("1", "1GB", "one-thread");
    let many = run("6", "4KB", "six-threads");
    assert_same_site(&one, &many);
}
