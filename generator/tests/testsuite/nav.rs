//! Navigation pages stay small however large the library is, and every
//! document is reachable from the home by following links.

use crate::util::{list_files, TestSite};
use std::collections::{BTreeSet, VecDeque};

/// No HTML page may exceed this, at any library size.
const PAGE_BOUND: usize = 200 * 1024;

/// A library wide at every level: many products, a product with many
/// versions, a version with many doc sets, a doc set with many documents,
/// and long descriptions that would make full lists large.
fn wide_library(long: &str) -> TestSite {
    let mut site = TestSite::new();
    site.config.semantic = false;
    for i in 0..230 {
        site = site.file(
            &format!("big/1.0/many/doc{i:03}.md"),
            &format!("---\ntitle: Document {i} of many\ndescription: {long}\n---\n# Document {i}\n\nText {i}.\n"),
        );
    }
    for i in 0..45 {
        site = site.file(
            &format!("wide/2.0/set{i:02}/only.md"),
            &format!("# Only {i}\n\nText.\n"),
        );
    }
    for i in 0..30 {
        site = site.file(
            &format!("p{i:02}/1.0/guide/guide.md"),
            &format!("# Guide {i}\n\nText.\n"),
        );
    }
    for i in 0..60 {
        site = site.file(
            &format!("versions/{i}.0/notes/notes.md"),
            &format!("# Notes {i}\n\nText.\n"),
        );
    }
    site
}

fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// `link` on the page at `from` as a site path, without fragment or query.
fn resolve(from: &str, link: &str) -> Option<String> {
    let path = link.split(['#', '?']).next()?;
    if path.is_empty() || path.contains(':') || path.starts_with('/') {
        return None;
    }
    let mut dirs: Vec<&str> = from.split('/').collect();
    dirs.pop();
    for seg in path.split('/') {
        match seg {
            ".." => {
                dirs.pop()?;
            }
            "." | "" => {}
            s => dirs.push(s),
        }
    }
    Some(dirs.join("/"))
}

#[test]
fn navigation_pages_are_bounded_and_reach_every_document() {
    let long = "word ".repeat(300);
    let site = wide_library(&long);
    let outcome = site.build();
    assert_eq!(outcome.counts.chunks, 365, "{:?}", outcome.counts);

    // Crawl from the home through every link to an HTML page.
    let mut seen = BTreeSet::from(["index.html".to_string()]);
    let mut queue = VecDeque::from(["index.html".to_string()]);
    while let Some(page) = queue.pop_front() {
        let html = site.read(&page);
        assert!(html.len() <= PAGE_BOUND, "{page} is {} bytes", html.len());
        for link in hrefs(&html) {
            let Some(target) = resolve(&page, &link) else {
                continue;
            };
            if !target.ends_with(".html") {
                continue;
            }
            assert!(site.exists(&target), "{page} links to missing {link}");
            if seen.insert(target.clone()) {
                queue.push_back(target);
            }
        }
    }

    let all = list_files(&site.out());
    let documents: Vec<String> = all
        .iter()
        .filter_map(|f| f.strip_suffix("document.json"))
        .map(|dir| format!("{dir}index.html"))
        .collect();
    assert_eq!(documents.len(), 365);
    for d in &documents {
        assert!(seen.contains(d), "{d} is not reachable from the home");
    }
    // Every HTML page the build wrote is reachable, not only the documents.
    for f in all
        .iter()
        .filter(|f| f.ends_with(".html") && *f != "404.html")
    {
        assert!(seen.contains(f), "{f} is not reachable from the home");
    }
    // Long lists were split rather than written whole.
    for split in [
        "index-2.html",
        "big/1.0/many/index-3.html",
        "wide/2.0/index-3.html",
        "versions/index-2.html",
    ] {
        assert!(site.exists(split), "{split} missing");
    }
    // The home names versions with counts, not documents.
    let home = format!("{}{}", site.read("index.html"), site.read("index-2.html"));
    assert!(home.contains("52 more versions"), "{home}");
    assert!(
        !home.contains("Document 0 of many"),
        "the home lists documents"
    );
    // A version page names the nearest versions and links the rest.
    let version = site.read("versions/30.0/index.html");
    let others = version
        .split("class=\"other-versions\"")
        .nth(1)
        .expect("other versions");
    let others = others.split("</p>").next().unwrap();
    assert_eq!(others.matches("<a ").count(), 13, "{others}");
    assert!(others.contains("47 more</a>"), "{others}");
    // Long descriptions are clipped in lists but whole on the document page.
    let set = site.read("big/1.0/many/index.html");
    assert!(set.contains("word word…"), "{set}");
    let doc = site.read("big/1.0/many/doc000/index.html");
    assert!(doc.contains(long.trim_end()), "{doc}");
}
