//! The HTML importer on the shared doc sets: for every set under
//! `corpora/html`, the quality targets (one test per set, so they run in
//! parallel); for PostgreSQL 15 and 17 (DocBook) and Flask 2.2 and 3.1
//! (Sphinx) also one document per page, no navigation text, every `<pre>`
//! kept as a fenced block, TOC order.

mod common;
mod html_metrics;

use std::collections::HashMap;
use std::path::PathBuf;

use mcdewey_import::{html_set_to_markdown, HtmlFlavor, HtmlImport, HtmlOptions};
use scraper::{Html, Selector};

struct Set {
    dir: PathBuf,
    files: Vec<(String, Vec<u8>)>,
    imp: HtmlImport,
}

/// Imported once per test binary: the tests run in parallel threads and
/// share the result.
fn sets() -> Option<&'static [Set]> {
    static SETS: std::sync::OnceLock<Option<Vec<Set>>> = std::sync::OnceLock::new();
    SETS.get_or_init(load_sets).as_deref()
}

fn load_sets() -> Option<Vec<Set>> {
    let shared = common::shared_dir()?;
    let html = shared.join("corpora/html");
    let mut out = Vec::new();
    for vendor in ["postgresql", "flask"] {
        let Ok(entries) = std::fs::read_dir(html.join(vendor)) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let files = common::read_tree(&dir);
            let imp = html_set_to_markdown(&files, &HtmlOptions::default())
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            out.push(Set { dir, files, imp });
        }
    }
    if out.is_empty() {
        println!("skipping: no HTML doc set under {}", html.display());
        return None;
    }
    Some(out)
}

fn body(markdown: &str) -> &str {
    // After the closing front-matter delimiter.
    markdown
        .strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---\n").map(|i| &rest[i + 5..]))
        .unwrap_or(markdown)
}

#[test]
fn flavors_are_recognised() {
    let Some(sets) = sets() else {
        return;
    };
    for s in sets {
        let expected = if s.dir.to_string_lossy().contains("postgresql") {
            HtmlFlavor::DocBook
        } else {
            HtmlFlavor::Sphinx
        };
        assert_eq!(s.imp.flavor, expected, "{}", s.dir.display());
    }
}

#[test]
fn every_page_produces_a_document() {
    let Some(sets) = sets() else {
        return;
    };
    for s in sets {
        let html: Vec<&String> = s
            .files
            .iter()
            .map(|(p, _)| p)
            .filter(|p| p.ends_with(".html"))
            .collect();
        for skipped in &s.imp.skipped {
            let name = skipped.rsplit('/').next().unwrap();
            assert!(
                [
                    "search.html",
                    "genindex.html",
                    "py-modindex.html",
                    "404.html"
                ]
                .contains(&name)
                    || skipped.starts_with("_"),
                "unexpected skip {skipped}"
            );
        }
        assert_eq!(
            s.imp.docs.len() + s.imp.skipped.len(),
            html.len(),
            "{}",
            s.dir.display()
        );
        let mut paths: Vec<&str> = s.imp.docs.iter().map(|d| d.rel_path.as_str()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), s.imp.docs.len(), "rel paths are unique");
        for (i, d) in s.imp.docs.iter().enumerate() {
            assert_eq!(d.weight, Some(i as u32 + 1));
            assert!(d.markdown.contains(&format!("\nweight: {}\n", i + 1)));
            assert!(!d.title.is_empty(), "{}", d.rel_path);
        }
        println!(
            "{}: {} html files, {} documents, {} skipped",
            s.dir.display(),
            html.len(),
            s.imp.docs.len(),
            s.imp.skipped.len()
        );
    }
}

#[test]
fn no_navigation_text_leaks() {
    let Some(sets) = sets() else {
        return;
    };
    let nav_lines = [
        "Prev",
        "Next",
        "Up",
        "Home",
        "Table of Contents",
        "**Table of Contents**",
        "Navigation",
        "### Navigation",
        "Quick search",
        "### Quick search",
        "Related Topics",
    ];
    for s in sets {
        for d in &s.imp.docs {
            let b = body(&d.markdown);
            for line in b.lines() {
                let t = line.trim();
                assert!(!nav_lines.contains(&t), "{}: nav line {t:?}", d.rel_path);
            }
            for needle in [
                "Prev Up Home Next",
                "Prev | Up",
                "Quick search",
                "Navigation header",
            ] {
                assert!(!b.contains(needle), "{}: {needle:?}", d.rel_path);
            }
        }
    }
}

/// Every `<pre>` of a page's main content comes out as one fenced block.
#[test]
fn code_blocks_survive() {
    let Some(sets) = sets() else {
        return;
    };
    let pre = Selector::parse("pre").unwrap();
    let main_sphinx = Selector::parse("div[role=main] pre").unwrap();
    for s in sets {
        let docs: HashMap<String, &str> = s
            .imp
            .docs
            .iter()
            .map(|d| (d.rel_path.clone(), d.markdown.as_str()))
            .collect();
        let (mut pres_in, mut fences_out) = (0usize, 0usize);
        for (path, bytes) in &s.files {
            let Some(md_path) = path.strip_suffix(".html").map(|p| format!("{p}.md")) else {
                continue;
            };
            let Some(md) = docs.get(&md_path) else {
                continue;
            };
            let page = Html::parse_document(&String::from_utf8_lossy(bytes));
            let n_in = match s.imp.flavor {
                HtmlFlavor::Sphinx => page.select(&main_sphinx).count(),
                _ => page.select(&pre).count(),
            };
            let n_out = count_fences(md);
            assert_eq!(
                n_in, n_out,
                "{path}: {n_in} <pre> in, {n_out} fenced blocks out"
            );
            pres_in += n_in;
            fences_out += n_out;
        }
        println!(
            "{}: {pres_in} <pre> in, {fences_out} fenced blocks out",
            s.dir.display()
        );
        assert!(pres_in > 0);
    }
}

fn count_fences(md: &str) -> usize {
    let mut open: Option<String> = None;
    let mut n = 0;
    for line in md.lines() {
        let t = line.trim_start_matches([' ', '>']).trim_start();
        let ticks: String = t.chars().take_while(|c| *c == '`').collect();
        match &open {
            None if ticks.len() >= 3 => {
                open = Some(ticks);
                n += 1;
            }
            Some(f) if ticks.len() >= f.len() && t.trim_end() == ticks => open = None,
            _ => {}
        }
    }
    n
}

/// Both generators also chain pages with `<link rel="next">` in reading
/// order; the TOC walk must agree with that chain from the start page.
#[test]
fn order_follows_the_table_of_contents() {
    let Some(sets) = sets() else {
        return;
    };
    let next = Selector::parse(r#"link[rel="next"]"#).unwrap();
    for s in sets {
        let files: HashMap<&str, &Vec<u8>> = s.files.iter().map(|(p, b)| (p.as_str(), b)).collect();
        let position: HashMap<String, usize> = s
            .imp
            .docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.rel_path.trim_end_matches(".md").to_string() + ".html", i))
            .collect();
        let mut page = "index.html".to_string();
        let mut chain = vec![page.clone()];
        while let Some(bytes) = files.get(page.as_str()) {
            let html = Html::parse_document(&String::from_utf8_lossy(bytes));
            let Some(href) = html
                .select(&next)
                .next()
                .and_then(|l| l.value().attr("href"))
            else {
                break;
            };
            let dir = page.rfind('/').map_or("", |i| &page[..=i]);
            let target = normalize(&format!("{dir}{}", href.split('#').next().unwrap()));
            if chain.contains(&target) || !position.contains_key(&target) {
                break;
            }
            chain.push(target.clone());
            page = target;
        }
        let positions: Vec<usize> = chain.iter().map(|p| position[p]).collect();
        let in_order = positions.windows(2).filter(|w| w[0] < w[1]).count();
        println!(
            "{}: rel=next chain of {} pages, {} of {} steps in our order",
            s.dir.display(),
            chain.len(),
            in_order,
            positions.len().saturating_sub(1)
        );
        assert!(
            chain.len() * 10 >= s.imp.docs.len() * 8,
            "chain covers the set"
        );
        assert_eq!(in_order, positions.len() - 1, "{}", s.dir.display());
        assert_eq!(s.imp.docs[0].rel_path, "index.md");
    }
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[test]
fn internal_links_point_at_imported_documents() {
    let Some(sets) = sets() else {
        return;
    };
    for s in sets {
        let paths: std::collections::HashSet<&str> =
            s.imp.docs.iter().map(|d| d.rel_path.as_str()).collect();
        // A link's #fragment must be an anchor the generator gives one of
        // its target's headings.
        let anchors: std::collections::HashMap<&str, std::collections::HashSet<String>> = s
            .imp
            .docs
            .iter()
            .map(|d| {
                let a = mcdewey_import::heading_anchors(&d.markdown);
                (d.rel_path.as_str(), a.into_iter().collect())
            })
            .collect();
        let (mut checked, mut with_fragment) = (0, 0);
        for d in &s.imp.docs {
            let dir = d.rel_path.rfind('/').map_or("", |i| &d.rel_path[..=i]);
            for (i, _) in d.markdown.match_indices("](") {
                let rest = &d.markdown[i + 2..];
                let Some(end) = rest.find(')') else { continue };
                let target = &rest[..end];
                if target.contains("://")
                    || target.starts_with("mailto:")
                    || target.starts_with('<')
                {
                    continue;
                }
                let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
                let resolved = normalize(&format!("{dir}{path}"));
                assert!(
                    paths.contains(resolved.as_str()),
                    "{}: link to {target}",
                    d.rel_path
                );
                if !fragment.is_empty() {
                    assert!(
                        anchors[resolved.as_str()].contains(fragment),
                        "{}: link to {target}: no such heading",
                        d.rel_path
                    );
                    with_fragment += 1;
                }
                checked += 1;
            }
        }
        println!(
            "{}: {checked} links between pages, {with_fragment} to a heading",
            s.dir.display()
        );
        assert!(checked > 0);
    }
}

/// Imports one shared set and asserts the targets: completes, >= 98% of
/// documents with text, fenced blocks >= 97% of `<pre>`, boilerplate in
/// <= 2% of documents, no permalink marks in headings, >= 95% distinct
/// titles, <= 1% empty table rows.
fn meets_targets(vendor: &str, version: &str) {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("corpora/html").join(vendor).join(version);
    if !dir.is_dir() {
        println!("skipping: {} not found", dir.display());
        return;
    }
    let files = common::read_tree(&dir);
    let t = std::time::Instant::now();
    let imp = html_set_to_markdown(&files, &HtmlOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let took = t.elapsed();
    let f = html_metrics::measure(&files, &imp);
    println!("{vendor} {version}: {f:?} in {took:?}");
    for p in &imp.problems {
        println!("  problem: {}: {}", p.path, p.reason);
    }
    let set = format!("{vendor} {version}");
    assert_eq!(
        f.docs_out + imp.skipped.len(),
        f.html_in,
        "{set}: every page is a document or skipped"
    );
    // Pages whose source is itself that short (a one-sentence reference
    // entry) count as having their text.
    assert!(
        f.text_share_fair() >= 0.98,
        "{set}: documents with text {f:?}"
    );
    assert!(f.code_share() >= 0.97, "{set}: code {f:?}");
    assert!(
        f.boilerplate_share() <= 0.02,
        "{set}: boilerplate {:?}",
        f.boilerplate_example
    );
    assert_eq!(f.permalink_headings, 0, "{set}: permalink marks");
    assert!(f.title_share() >= 0.95, "{set}: distinct titles {f:?}");
    assert!(
        (imp.distinct_title_share() - f.title_share()).abs() < 1e-9,
        "{set}: the importer's own figure agrees"
    );
    assert!(f.empty_row_share() <= 0.01, "{set}: empty rows {f:?}");
}

#[test]
fn targets_flask_2_2() {
    meets_targets("flask", "2.2");
}

#[test]
fn targets_flask_3_1() {
    meets_targets("flask", "3.1");
}

#[test]
fn targets_postgresql_15() {
    meets_targets("postgresql", "15");
}

#[test]
fn targets_postgresql_17() {
    meets_targets("postgresql", "17");
}

#[test]
fn targets_python_3_13() {
    meets_targets("python", "3.13");
}

#[test]
fn targets_cmake_3_31() {
    meets_targets("cmake", "3.31");
}

#[test]
fn targets_git_2_47() {
    meets_targets("git", "2.47");
}

#[test]
fn targets_sqlite_3_46() {
    meets_targets("sqlite", "3.46");
}

/// Every set under `corpora/html` has its own test above, so a new one is
/// not left unmeasured.
#[test]
fn every_shared_set_has_a_target_test() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let known = [
        "flask/2.2",
        "flask/3.1",
        "postgresql/15",
        "postgresql/17",
        "python/3.13",
        "cmake/3.31",
        "git/2.47",
        "sqlite/3.46",
    ];
    let root = shared.join("corpora/html");
    for dir in html_metrics::find_sets(&root) {
        let rel = dir
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        assert!(known.contains(&rel.as_str()), "{rel} has no target test");
    }
}
