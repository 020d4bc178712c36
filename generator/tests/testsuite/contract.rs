//! The site contract: the data files a build writes are read back through
//! the same types without loss, and a site of another format version is
//! refused by every reader with a message naming both versions.

use crate::util::TestSite;
use mcdewey::site::{SiteDir, FORMAT_VERSION, LIBRARY_JSON, MARKER};
use std::process::Command;

fn fixture() -> TestSite {
    let site = TestSite::new()
        .file(
            "kit/1.0/manual/manual.md",
            "# Manual\n\n<!-- page 1 label=\"i\" -->\nFront.\n\n<!-- page 2 -->\n## Wiring\n\nConnect the sensor.\n",
        )
        .file(
            "kit/1.0/guide/intro.md",
            "---\ntitle: Intro\ndescription: Start here\n---\n# Intro\n\n## Sensors\n\nThe sensor reports.\n",
        );
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    site
}

/// Every field of `library.json` and `document.json` survives a read and a
/// write through the contract's types: nothing the build writes is unknown
/// to the readers.
#[test]
fn data_files_round_trip_through_the_contract() {
    let site = fixture();
    let dir = SiteDir::open(&site.out()).unwrap();
    let lib = dir.read_library().unwrap();
    let again = serde_json::to_vec(&serde_json::to_value(&lib).unwrap()).unwrap();
    assert_eq!(String::from_utf8(again).unwrap(), site.read(LIBRARY_JSON));
    let mut docs = 0;
    for v in &lib.vendors {
        for p in &v.products {
            for ver in &p.versions {
                for s in &ver.doc_sets {
                    for d in &s.documents {
                        let doc = dir.read_document(&d.url).unwrap();
                        let path = format!("{}document.json", d.url.trim_end_matches("index.html"));
                        assert_eq!(String::from_utf8(doc.to_json()).unwrap(), site.read(&path));
                        docs += 1;
                    }
                }
            }
        }
    }
    assert_eq!(docs, 2);
    assert_eq!(dir.marker.format_version, Some(FORMAT_VERSION));
}

/// Makes the built site look like one from format version `v` as an older
/// build wrote it: no version in the marker, `v` in the data files.
fn age_site(site: &TestSite, v: u32) {
    let marker = site.out().join(MARKER);
    let text = std::fs::read_to_string(&marker).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("format_version"))
        .collect();
    std::fs::write(&marker, kept.join("\n") + "\n").unwrap();
    let from = format!("\"format_version\":{FORMAT_VERSION}");
    let to = format!("\"format_version\":{v}");
    let lib = site.read(LIBRARY_JSON).replacen(&from, &to, 1);
    std::fs::write(site.out().join(LIBRARY_JSON), lib).unwrap();
}

fn assert_names_both(text: &str, old: u32) {
    assert!(
        text.contains(&format!("site format version {old}"))
            && text.contains(&format!("reads format version {FORMAT_VERSION}")),
        "{text}"
    );
}

#[test]
fn serve_and_search_refuse_a_site_of_an_older_format_version() {
    let site = fixture();
    let old = FORMAT_VERSION - 1;
    age_site(&site, old);
    let search = Command::new(env!("CARGO_BIN_EXE_mcdewey"))
        .arg("search")
        .arg(site.out())
        .arg("sensor")
        .output()
        .unwrap();
    assert_eq!(search.status.code(), Some(2));
    assert_names_both(&String::from_utf8_lossy(&search.stderr), old);
    let serve = Command::new(env!("CARGO_BIN_EXE_mcdewey"))
        .arg("serve")
        .arg(site.out())
        .args(["--port", "0"])
        .output()
        .unwrap();
    assert_eq!(serve.status.code(), Some(2));
    assert_names_both(&String::from_utf8_lossy(&serve.stderr), old);
    let e = mcdewey::serve::library::Library::load(&site.out())
        .err()
        .expect("refused");
    assert_names_both(&format!("{e:#}"), old);
}

/// A document written by another format version is refused by name even
/// when the marker and `library.json` agree with this build.
#[test]
fn a_document_of_another_format_version_is_refused_by_name() {
    let site = fixture();
    let path = "kit/1.0/guide/intro/document.json";
    let newer = FORMAT_VERSION + 1;
    let doc = site.read(path).replacen(
        &format!("\"format_version\":{FORMAT_VERSION}"),
        &format!("\"format_version\":{newer}"),
        1,
    );
    std::fs::write(site.out().join(path), doc).unwrap();
    let e = mcdewey::serve::library::Library::load(&site.out())
        .err()
        .expect("refused");
    let text = format!("{e:#}");
    assert!(text.contains(path), "{text}");
    assert_names_both(&text, newer);
}
