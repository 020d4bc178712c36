//! Citations an agent can check: documents with physical pages (page
//! markers, as PDF imports write) are cited by printed page; documents
//! without them (HTML doc sets, plain Markdown) by document and section,
//! never by a page number nobody can find. URLs are absolute when the site
//! knows its `site_url`, or on the origin a `/mcp` client used.

use crate::mcp::{json_post, ok, ACCEPT};
use crate::util::TestSite;
use mcdewey::serve as server;
use mcdewey::serve::library::Library;
use mcdewey::serve::mcp::{self, tools, HttpOptions};
use serde_json::{json, Value};
use std::sync::Arc;

const PAGED: &str = "---\ntitle: Printed Manual\n---\n<!-- page 1 label=\"i\" -->\n# Printed Manual\n\nFront matter.\n\n<!-- page 2 label=\"7\" -->\n## Calibration\n\nCalibrate the flux sensor before first use.\n";
const SECTIONS: &str = "---\ntitle: Notes\n---\n# Notes\n\n## Intro\n\nGeneral remarks.\n\n## Storage\n\nStore the flux sensor in a dry place.\n";

fn html(title: &str, body: &str) -> String {
    format!("<html><head><title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>")
}

fn site(site_url: Option<&str>) -> TestSite {
    let mut site = TestSite::new()
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
    site.config.site_url = site_url.map(String::from);
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    site
}

fn search(lib: &Library, query: &str) -> tools::SearchOutput {
    tools::search(
        lib,
        &tools::SearchArgs {
            query: query.into(),
            vendor: None,
            product: None,
            version: None,
            doc_set: None,
            document: None,
            limit: Some(10),
            cursor: None,
        },
    )
    .unwrap()
}

fn citation_of(out: &tools::SearchOutput, document: &str) -> String {
    out.hits
        .iter()
        .find(|h| h.document == document)
        .unwrap_or_else(|| panic!("no hit in {document}: {out:?}"))
        .citation
        .clone()
}

#[test]
fn html_and_unmarked_documents_are_cited_by_section_not_page() {
    let site = site(None);
    let lib = Library::load(&site.out()).unwrap();
    let out = search(&lib, "\"flux sensor\"");
    assert_eq!(
        citation_of(&out, "kit::1.0::manual::manual"),
        "Kit 1.0 — Manual, p. 7 (§ Calibration)"
    );
    assert_eq!(
        citation_of(&out, "kit::1.0::notes::notes"),
        "Kit 1.0 — Notes (§ Storage)"
    );
    let web = citation_of(&out, "kit::1.0::web::sensor");
    assert_eq!(web, "Kit 1.0 — Kit Help › Sensor (§ Cleaning the flux sensor)");
    // Every way a tool cites an HTML page: fetch of a chunk and of a page,
    // read_page, get_outline.
    let hit = out
        .hits
        .iter()
        .find(|h| h.document == "kit::1.0::web::sensor")
        .unwrap();
    let chunk = tools::fetch(
        &lib,
        &tools::FetchArgs {
            id: hit.id.clone(),
            cursor: None,
        },
    )
    .unwrap();
    let page = tools::fetch(
        &lib,
        &tools::FetchArgs {
            id: hit.page_id.clone(),
            cursor: None,
        },
    )
    .unwrap();
    let read = serde_json::to_value(
        tools::read_page(
            &lib,
            &serde_json::from_value(
                json!({ "document": "kit::1.0::web::sensor", "page": 1, "neighbors": 3 }),
            )
            .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let mut cites = vec![chunk.citation, page.citation];
    for p in read["pages"].as_array().unwrap() {
        cites.push(p["citation"].as_str().unwrap().to_string());
    }
    for c in &cites {
        assert!(!c.contains("p. "), "{c}");
        assert!(c.starts_with("Kit 1.0 — Web › Sensor"), "{c}");
    }
    assert!(cites.iter().any(|c| c.contains("(§ ")), "{cites:?}");
    // The printed page stays for a paged document's page.
    let p = tools::fetch(
        &lib,
        &tools::FetchArgs {
            id: "kit::1.0::manual::manual::p2".into(),
            cursor: None,
        },
    )
    .unwrap();
    assert_eq!(p.citation, "Kit 1.0 — Manual, p. 7 (§ Calibration)");
    // document.json says which kind a document is.
    let doc: Value = serde_json::from_str(&site.read("kit/1.0/web/sensor/document.json")).unwrap();
    assert_eq!(doc["paged"], false);
    let doc: Value =
        serde_json::from_str(&site.read("kit/1.0/manual/manual/document.json")).unwrap();
    assert_eq!(doc["paged"], true);
}

fn urls(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::String(s) if k == "url" => out.push(s.clone()),
                    _ => urls(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| urls(x, out)),
        _ => {}
    }
}

#[test]
fn urls_are_absolute_with_site_url() {
    let site = site(Some("https://docs.example.com/"));
    let lib = Library::load(&site.out()).unwrap();
    let out = search(&lib, "\"flux sensor\"");
    assert!(!out.hits.is_empty());
    for h in &out.hits {
        assert!(
            h.url.starts_with("https://docs.example.com/kit/1.0/"),
            "{}",
            h.url
        );
    }
    // Whatever origin the client used, the configured one wins.
    let lib = Arc::new(lib);
    let http = crate::serve::start(&site.out(), move |opts, addr| {
        let http = HttpOptions::for_addr(addr, &[], &[]);
        server::static_router(opts).merge(mcp::router(lib, &http))
    });
    let r = call_search(http.addr, &[]);
    let mut found = Vec::new();
    urls(&r, &mut found);
    assert!(!found.is_empty(), "{r}");
    assert!(
        found
            .iter()
            .all(|u| u.starts_with("https://docs.example.com/")),
        "{found:?}"
    );
}

/// `tools/call search` as a raw request, for headers the rmcp client does
/// not let a test set.
fn call_search(addr: std::net::SocketAddr, headers: &[(&str, &str)]) -> Value {
    let body = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"query":"\"flux sensor\""}}}"#;
    let r = json_post(addr, headers, body);
    assert_eq!(r.status, 200, "{}", r.text());
    let v: Value = serde_json::from_str(&r.text()).unwrap();
    v["result"]["structuredContent"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_are_absolute_on_the_request_origin() {
    let site = site(None);
    let lib = Arc::new(Library::load(&site.out()).unwrap());
    let http = crate::serve::start(&site.out(), move |opts, addr| {
        let http = HttpOptions::for_addr(addr, &[], &["docs.internal".into()]);
        server::static_router(opts).merge(mcp::router(lib, &http))
    });
    let addr = http.addr;
    let got = tokio::task::spawn_blocking(move || {
        let plain = call_search(addr, &[]);
        let tls = call_search(addr, &[("X-Forwarded-Proto", "https")]);
        (plain, tls)
    })
    .await
    .unwrap();
    let (mut plain, mut tls) = (Vec::new(), Vec::new());
    urls(&got.0, &mut plain);
    urls(&got.1, &mut tls);
    assert!(!plain.is_empty());
    let origin = format!("http://127.0.0.1:{}/kit/1.0/", addr.port());
    assert!(plain.iter().all(|u| u.starts_with(&origin)), "{plain:?}");
    let origin = format!("https://127.0.0.1:{}/kit/1.0/", addr.port());
    assert!(tls.iter().all(|u| u.starts_with(&origin)), "{tls:?}");
    // The rmcp client, too; and a Host outside the allow-list gets no answer.
    let (era, mode) = crate::mcp::eras().into_iter().next().unwrap();
    let client = crate::mcp::http_client(addr, era, mode).await;
    let r = ok(&client, "search", json!({ "query": "\"flux sensor\"" })).await;
    assert!(
        r["hits"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("http://127.0.0.1:{}/", addr.port())),
        "{r}"
    );
    client.cancel().await.unwrap();
    let bad = tokio::task::spawn_blocking(move || {
        let body = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"query":"x"}}}"#;
        let req = format!(
            "POST /mcp HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nAccept: {ACCEPT}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        crate::mcp::send(addr, req.as_bytes())
    })
    .await
    .unwrap();
    assert_eq!(bad.status, 403, "{}", bad.text());
}

/// Real sets: every citation of the Flask 3.1 HTML docs names a section and
/// no page; the SQLite copyright release (a PDF) keeps its page.
#[cfg(unix)]
#[test]
fn shared_html_set_is_cited_without_pages_and_a_pdf_with_them() {
    let Some(shared) = crate::util::shared() else {
        return;
    };
    let site = TestSite::new();
    std::fs::create_dir_all(site.content().join("flask/3.1")).unwrap();
    std::os::unix::fs::symlink(
        shared.join("corpora/html/flask/3.1"),
        site.content().join("flask/3.1/docs"),
    )
    .unwrap();
    let pdf = site
        .content()
        .join("sqlite/3.46/legal/copyright-release.pdf");
    std::fs::create_dir_all(pdf.parent().unwrap()).unwrap();
    std::fs::copy(
        shared.join("corpora/pdf/sqlite/copyright-release.pdf"),
        &pdf,
    )
    .unwrap();
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    let lib = Library::load(&site.out()).unwrap();
    let (mut html, mut with_section, mut paged) = (0, 0, 0);
    for q in [
        "blueprint",
        "application context",
        "request",
        "config from file",
        "template",
        "sqlite",
        "copyright",
        "public domain",
    ] {
        for h in search(&lib, q).hits {
            if h.product == "flask" {
                html += 1;
                assert!(!h.citation.contains(", p. "), "{}: {}", h.id, h.citation);
                with_section += usize::from(h.citation.contains("(§ "));
            } else {
                paged += 1;
                assert!(h.citation.contains(", p. 1"), "{}: {}", h.id, h.citation);
            }
        }
    }
    eprintln!(
        "flask 3.1 + sqlite PDF: {html} HTML hits without a page ({with_section} with a section), {paged} PDF hits with their page"
    );
    assert!(html >= 20 && paged >= 1, "{html} {paged}");
}
