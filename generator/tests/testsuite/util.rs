//! A small fixture-site builder: write files, build, inspect the output.

use mcdewey::cmd::build::{build, BuildOutcome};
use mcdewey::config::Config;
use std::path::{Path, PathBuf};

pub struct TestSite {
    pub dir: tempfile::TempDir,
    pub config: Config,
}

impl TestSite {
    pub fn new() -> Self {
        TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
            config: Config::default(),
        }
    }

    pub fn content(&self) -> PathBuf {
        self.dir.path().join("content")
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    /// Writes `content/<rel>`.
    pub fn file(self, rel: &str, text: &str) -> Self {
        self.bytes(rel, text.as_bytes())
    }

    pub fn bytes(self, rel: &str, bytes: &[u8]) -> Self {
        let path = self.content().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
        self
    }

    pub fn build(&self) -> BuildOutcome {
        std::fs::create_dir_all(self.content()).unwrap();
        build(&self.content(), &self.out(), &self.config, true).expect("build runs")
    }

    pub fn read(&self, rel: &str) -> String {
        let p = self.out().join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.out().join(rel).is_file()
    }

    /// Diagnostics with the temp dir replaced by `[ROOT]`.
    pub fn diagnostics(&self, outcome: &BuildOutcome) -> Vec<String> {
        let root = self.dir.path().display().to_string();
        outcome
            .diagnostics
            .iter()
            .map(|d| d.to_string().replace(&root, "[ROOT]"))
            .collect()
    }
}

/// `../shared` next to the workspace (override with MCDEWEY_SHARED), or None
/// with a printed notice, so tests skip on a user's fresh clone.
pub fn shared() -> Option<PathBuf> {
    let p = std::env::var_os("MCDEWEY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    if p.join("corpora").is_dir() {
        Some(p)
    } else {
        eprintln!(
            "skipping: shared corpora not found at {} (set MCDEWEY_SHARED)",
            p.display()
        );
        None
    }
}

/// Compares `actual` with `tests/testsuite/snapshots/<name>`; with
/// SNAPSHOTS=overwrite it rewrites the file instead.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testsuite/snapshots")
        .join(name);
    if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with SNAPSHOTS=overwrite",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(5)
            .map(|(i, (a, b))| format!("line {}:\n  expected: {a}\n  actual:   {b}", i + 1))
            .collect();
        panic!(
            "snapshot {} differs (run with SNAPSHOTS=overwrite to accept):\n{}\n(expected {} lines, actual {})",
            path.display(),
            diff.join("\n"),
            expected.lines().count(),
            actual.lines().count()
        );
    }
}

/// Every file below `dir`, relative, sorted.
pub fn list_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| {
            p.strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
