//! Builds of the real documentation sets in ../shared: every page and chunk
//! of every document gets its files, and every input file is accounted for.

use crate::util::{shared, TestSite};
use std::path::Path;

/// Checks the site against each document.json: one page view + raw Markdown
/// per page, one chunk view per chunk. Returns (documents, pages, chunks).
fn check_site(out: &Path) -> (usize, usize, usize) {
    let mut totals = (0, 0, 0);
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "document.json") {
                let doc =
                    mcdewey::site::DocumentFile::from_json(&std::fs::read(&p).unwrap()).unwrap();
                let base = p.parent().unwrap();
                totals.0 += 1;
                for page in &doc.pages {
                    totals.1 += 1;
                    let n = page.number;
                    assert!(
                        base.join(format!("p/{n}.html")).is_file(),
                        "{}: page {n}",
                        base.display()
                    );
                    assert!(
                        base.join(format!("p/{n}.md")).is_file(),
                        "{}: page {n} md",
                        base.display()
                    );
                }
                for c in &doc.chunks {
                    totals.2 += 1;
                    assert!(
                        base.join(format!("c/{}.html", c.n)).is_file(),
                        "{}: chunk {}",
                        base.display(),
                        c.n
                    );
                }
            }
        }
    }
    totals
}

fn build_and_check(name: &str, site: &TestSite) {
    let outcome = site.build();
    let (d, p, c) = check_site(&site.out());
    assert_eq!(
        (d, p, c),
        (
            outcome.counts.documents,
            outcome.counts.pages,
            outcome.counts.chunks
        )
    );
    assert!(outcome.load.is_balanced(), "{:?}", outcome.load);
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    assert!(d > 0);
    eprintln!("{name}: {}", outcome.summary().replace('\n', " | "));
}

/// A content tree whose versions are symlinks into a vendor's own layout.
fn linked(product: &str, versions: &[(&str, &Path)]) -> TestSite {
    let mut site = TestSite::new();
    // The links lead out of the tree: allowed by name, as a user would.
    site.config.symlink_roots = versions.iter().map(|(_, t)| t.to_path_buf()).collect();
    let dir = site.content().join(product);
    std::fs::create_dir_all(&dir).unwrap();
    for (v, target) in versions {
        assert!(target.is_dir(), "{} missing", target.display());
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, dir.join(v)).unwrap();
    }
    site
}

#[test]
fn sample_library() {
    let Some(shared) = shared() else { return };
    let site = TestSite::new();
    let src = shared.join("corpora/sample-library/content");
    #[cfg(unix)]
    {
        std::fs::create_dir_all(site.dir.path()).unwrap();
        std::os::unix::fs::symlink(&src, site.content()).unwrap();
    }
    build_and_check("sample-library", &site);
}

#[cfg(unix)]
#[test]
fn etcd_nine_versions() {
    let Some(shared) = shared() else { return };
    let docs = shared.join("corpora/markdown/etcd/content/en/docs");
    let versions: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&docs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), p))
        .collect();
    assert_eq!(versions.len(), 9);
    let refs: Vec<(&str, &Path)> = versions
        .iter()
        .map(|(v, p)| (v.as_str(), p.as_path()))
        .collect();
    build_and_check("etcd", &linked("etcd", &refs));
}

#[cfg(unix)]
#[test]
fn powershell_five_versions() {
    let Some(shared) = shared() else { return };
    let r = shared.join("corpora/markdown/powershell/reference");
    let versions = ["5.1", "7.4", "7.5", "7.6", "7.7"].map(|v| (v, r.join(v)));
    let refs: Vec<(&str, &Path)> = versions.iter().map(|(v, p)| (*v, p.as_path())).collect();
    build_and_check("powershell", &linked("powershell", &refs));
}
