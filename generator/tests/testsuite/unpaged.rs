//! Documents without physical pages (HTML doc sets, Markdown without page
//! markers) show and cite their sections, never a page number a reader of
//! the original could not find: in the site's page, chunk and document views,
//! in `index.md`, and in `mcdewey search`. Documents with page markers (as PDF
//! imports write) keep their printed pages.

use crate::util::TestSite;
use std::process::Command;

const PAGED: &str = "---\ntitle: Printed Manual\n---\n<!-- page 1 label=\"i\" -->\n# Printed Manual\n\nFront matter.\n\n<!-- page 2 label=\"7\" -->\n## Calibration\n\nCalibrate the flux sensor before first use.\n";
const SECTIONS: &str = "---\ntitle: Notes\n---\n# Notes\n\n## Intro\n\nGeneral remarks.\n\n## Storage\n\nStore the flux sensor in a dry place.\n";

fn html(title: &str, body: &str) -> String {
    format!("<html><head><title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>")
}

fn site() -> TestSite {
    let site = TestSite::new()
        .file("kit/1.0/manual/manual.md", PAGED)
        .file("kit/1.0/notes/notes.md", SECTIONS)
        .file(
            "kit/1.0/web/index.html",
            &html("Kit Help", "<p>See <a href=\"sensor.html\">the sensor</a>.</p>"),
        )
        .file(
            "kit/1.0/web/sensor.html",
            &html(
                "Sensor",
                "<h2>Overview</h2><p>The kit has one sensor.</p><h2>Cleaning the flux sensor</h2><p>Wipe the flux sensor with a soft cloth.</p>",
            ),
        );
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    site
}

/// Every view of an unpaged document below `dir`.
fn views(site: &TestSite, dir: &str) -> Vec<(String, String)> {
    crate::util::list_files(&site.out().join(dir))
        .into_iter()
        .filter(|f| f.ends_with(".html") || f == "index.md")
        .map(|f| {
            let text = site.read(&format!("{dir}{f}"));
            (format!("{dir}{f}"), text)
        })
        .collect()
}

#[test]
fn unpaged_views_name_sections_and_paged_views_keep_pages() {
    let site = site();
    let docs = ["kit/1.0/notes/notes/", "kit/1.0/web/sensor/"];
    for dir in docs {
        let all = views(&site, dir);
        assert!(all.len() >= 4, "{dir}: {all:?}");
        for (file, text) in &all {
            assert!(!text.contains("Page "), "{file} names a page:\n{text}");
            assert!(!text.contains("<dt>Page</dt>"), "{file}");
        }
    }
    let storage = site.read("kit/1.0/notes/notes/p/2.html");
    assert!(
        storage.contains("<p class=\"page-number\">Storage</p>"),
        "{storage}"
    );
    let chunk = site.read("kit/1.0/notes/notes/c/2.html");
    assert!(
        chunk.contains("<dt>Section</dt><dd>Storage</dd>"),
        "{chunk}"
    );
    let index = site.read("kit/1.0/notes/notes/index.md");
    assert!(index.contains("- [Storage](p/2.md)"), "{index}");

    let printed = site.read("kit/1.0/manual/manual/p/2.html");
    assert!(
        printed.contains("<p class=\"page-number\">Page 7 "),
        "{printed}"
    );
    let chunk = site.read("kit/1.0/manual/manual/c/2.html");
    assert!(chunk.contains("<dt>Page</dt>"), "{chunk}");
    let doc = site.read("kit/1.0/manual/manual/index.html");
    assert!(doc.contains(">Page 7</a> — Calibration"), "{doc}");
}

#[test]
fn search_cites_sections_of_unpaged_documents_and_pages_of_paged_ones() {
    let site = site();
    let run = |json: bool| {
        let out = Command::new(env!("CARGO_BIN_EXE_mcdewey"))
            .arg("search")
            .arg(site.out())
            .args(["flux sensor", "-n", "10"])
            .args(json.then_some("--json"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(false);
    let line = |id: &str| {
        text.lines()
            .find(|l| l.contains(&format!("[{id}")))
            .unwrap_or_else(|| panic!("no hit in {id}:\n{text}"))
            .to_string()
    };
    assert!(
        line("kit::1.0::manual::manual::").contains(" — p. 7  "),
        "{text}"
    );
    let notes = line("kit::1.0::notes::notes::");
    assert!(
        notes.contains(" — § Storage  ") && !notes.contains("p. "),
        "{text}"
    );
    let web = line("kit::1.0::web::sensor::");
    assert!(web.contains(" — § ") && !web.contains("p. "), "{text}");

    let json: serde_json::Value = serde_json::from_str(&run(true)).unwrap();
    let hits = json["hits"].as_array().unwrap();
    for h in hits {
        let id = h["id"].as_str().unwrap();
        if id.starts_with("kit::1.0::manual::") {
            assert_eq!(
                (h["paged"].as_bool(), h["page_label"].as_str()),
                (Some(true), Some("7"))
            );
        } else {
            assert_eq!(h["paged"], false, "{h}");
            assert!(h["page"].is_null() && h["page_label"].is_null(), "{h}");
            assert!(h.get("section").is_some(), "{h}");
        }
    }
    assert!(hits.len() >= 3, "{json}");
}
