//! Fixture sites: what a build writes, and what readers see in it.

use crate::util::{assert_snapshot, list_files, TestSite};

const MANUAL: &str = r#"---
title: Developer Guide
---
<!-- page 1 label="i" -->
# Developer Guide

Front matter of the manual.

<!-- page 2 label="107" -->
## Start Recording

Send `START_RECORDING` to begin. See [events](../events/recording.md#stop-recording) and [the intro](intro.md).

| Field | Meaning |
|---|---|
| targetMediaAddress | Where media goes |

<!-- page 3 label="108" -->
<!-- page 4 label="109" -->
Error E0729 means the recorder is unreachable.
"#;

fn fixture() -> TestSite {
    TestSite::new()
        .file(
            "finesse/product.toml",
            "vendor = \"Cisco\"\nname = \"Finesse\"\nversions = [\"v12.5\", \"v12.0\"]\n[doc_sets]\ndeveloper-guide = \"Developer Guide\"\n",
        )
        .file("finesse/v12.5/developer-guide/developer-guide.md", MANUAL)
        .file("finesse/v12.5/developer-guide/intro.md", "+++\ntitle = \"Introduction\"\nweight = 1\n+++\n# Intro\n\nHello.\n")
        .file(
            "finesse/v12.5/events/recording.md",
            "# Recording events\n\n## Start recording\n\nStarted.\n\n## Stop recording\n\nStopped.\n",
        )
        .file("finesse/v12.0/developer-guide/developer-guide.md", "# Old guide\n\nOld text.\n")
        .file("acme/1.0/faq.md", "# FAQ\n\n## Why?\n\nBecause.\n\n![logo](https://cdn.example.com/logo.png)\n\n<script src=\"https://cdn.example.com/x.js\"></script>\n")
}

#[test]
fn every_page_and_chunk_has_its_files() {
    let site = fixture();
    let outcome = site.build();
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    assert_eq!(outcome.counts.documents, 5);
    let dir = "finesse/v12.5/developer-guide/developer-guide/";
    for page in 1..=4 {
        assert!(site.exists(&format!("{dir}p/{page}.html")), "page {page}");
        assert!(site.exists(&format!("{dir}p/{page}.md")), "page {page} md");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&site.read(&format!("{dir}document.json"))).unwrap();
    // Chunks are columns; ids, URLs and Markdown follow from the document
    // and its pages' files, and the reader fills them in.
    let chunks = doc["chunks"].as_object().unwrap();
    assert_eq!(chunks["path"].as_array().unwrap().len(), 3);
    for key in ["id", "url", "markdown"] {
        assert!(doc.get(key).is_none() && chunks.get(key).is_none(), "{key}");
    }
    let read = mcdewey::site::SiteDir::open(&site.out())
        .unwrap()
        .read_document(dir)
        .unwrap();
    assert_eq!(read.chunks.len(), 3);
    for c in &read.chunks {
        assert!(site.exists(&format!("{dir}c/{}.html", c.n)));
    }
    assert_eq!(read.url, format!("{dir}index.html"));
    assert_eq!(
        read.chunks[1].id,
        "finesse::v12.5::developer-guide::developer-guide::2"
    );
    for c in &read.chunks {
        let page = site.read(&format!("{dir}p/{}.md", c.page));
        assert!(
            !c.markdown.is_empty() && c.markdown.split("\n\n").all(|p| page.contains(p)),
            "{}",
            c.markdown
        );
    }
    for f in [
        "index.html",
        "404.html",
        "sitemap.xml",
        "llms.txt",
        "library.json",
        "_static/style.css",
        "_static/mcdewey.js",
        "finesse/index.html",
        "finesse/v12.5/index.html",
        "finesse/v12.5/developer-guide/index.html",
        "acme/1.0/faq/faq/index.html",
        "finesse/v12.5/events/recording/index.html",
    ] {
        assert!(site.exists(f), "{f} missing");
    }
    // The summary accounts for every file.
    assert!(outcome.load.is_balanced());
    assert_eq!(outcome.load.files_seen, 6);
}

#[test]
fn chunk_view_shows_citation_data() {
    let site = fixture();
    site.build();
    let html = site.read("finesse/v12.5/developer-guide/developer-guide/c/2.html");
    assert!(
        html.contains("<p class=\"page-number\">Page 107</p>"),
        "{html}"
    );
    // Links within the document are relative to the chunk page.
    assert!(
        html.contains("href=\"../p/2.html#c-2\">View in doc context</a>"),
        "{html}"
    );
    assert!(html.contains("finesse::v12.5::developer-guide::developer-guide::2"));
    assert!(
        html.contains("<code>finesse/v12.5/developer-guide/developer-guide.md</code>, line 10"),
        "{html}"
    );
    assert!(html
        .contains("McDewey</span> — <span class=\"brand-tag\">Multi-vendor documentation library"));
    assert_snapshot("chunk.html", &html);
    assert_snapshot(
        "page.html",
        &site.read("finesse/v12.5/developer-guide/developer-guide/p/2.html"),
    );
}

#[test]
fn page_view_anchors_every_chunk() {
    let site = fixture();
    site.build();
    let html = site.read("finesse/v12.5/developer-guide/developer-guide/p/2.html");
    assert!(
        html.contains("<section class=\"chunk\" id=\"c-2\" data-chunk-id=\"finesse::v12.5::developer-guide::developer-guide::2\">\n<a class=\"chunk-link\" href=\"../c/2.html\">#2</a>"),
        "{html}"
    );
    assert!(html.contains("Page 107"));
    // A physical page with no text still has its view.
    let empty = site.read("finesse/v12.5/developer-guide/developer-guide/p/3.html");
    assert!(empty.contains("This page has no text."), "{empty}");
    let md = site.read("finesse/v12.5/developer-guide/developer-guide/p/2.md");
    assert!(
        md.contains("<!-- page 2 label=\"107\" -->\n## Start Recording"),
        "{md}"
    );
}

#[test]
fn links_between_documents_are_rewritten() {
    let site = fixture();
    site.build();
    let html = site.read("finesse/v12.5/developer-guide/developer-guide/c/2.html");
    assert!(
        html.contains("href=\"../../../events/recording/p/2.html#stop-recording\""),
        "{html}"
    );
    assert!(html.contains("href=\"../../intro/index.html\""), "{html}");
}

/// A reference link resolves with a definition anywhere in its document:
/// on a later page, in another chunk, in either case of label.
#[test]
fn reference_links_resolve_with_definitions_from_other_pages() {
    let site = TestSite::new().file(
        "acme/1.0/manual.md",
        "<!-- page 1 -->\n# Manual\n\nRead [the spec][Spec] first.\n\n\
         <!-- page 2 -->\n## Appendix\n\nSee [spec] again.\n\n\
         [spec]: https://example.com/spec \"The spec\"\n",
    );
    site.build();
    let link = "<a href=\"https://example.com/spec\" title=\"The spec\">";
    let chunk = site.read("acme/1.0/manual/manual/c/1.html");
    assert!(chunk.contains(&format!("{link}the spec</a>")), "{chunk}");
    let page = site.read("acme/1.0/manual/manual/p/2.html");
    assert!(page.contains(&format!("{link}spec</a>")), "{page}");
    // The page's raw Markdown carries the definitions it uses.
    let md = site.read("acme/1.0/manual/manual/p/1.md");
    assert!(md.contains("[spec]: https://example.com/spec"), "{md}");
}

#[test]
fn nothing_is_requested_from_other_hosts() {
    let site = fixture();
    site.build();
    for f in list_files(&site.out()) {
        if !f.ends_with(".html") {
            continue;
        }
        let html = site.read(&f);
        assert!(html.contains("Content-Security-Policy"), "{f}");
        for (tag, url) in resource_urls(&html) {
            assert!(
                !(url.contains("://") || url.starts_with("//")),
                "{f}: <{tag}> loads {url}"
            );
        }
        assert!(!html.contains("<img"), "{f}");
    }
    let faq = site.read("acme/1.0/faq/faq/p/1.html");
    assert!(faq.contains("[image: logo]"), "{faq}");
    // Raw HTML that would load something is removed, not shown.
    assert!(!faq.contains("cdn.example.com/x.js"), "{faq}");
    assert!(!faq.contains("&lt;script"), "{faq}");
}

#[test]
fn base_path_and_404() {
    let mut site = fixture();
    site.config.base_path = "/docs/".into();
    site.build();
    let nf = site.read("404.html");
    assert!(nf.contains("href=\"/docs/_static/style.css\""), "{nf}");
    assert!(nf.contains("href=\"/docs/index.html\""), "{nf}");
    let sitemap = site.read("sitemap.xml");
    assert!(
        sitemap.contains("<loc>/docs/finesse/v12.5/developer-guide/developer-guide/p/2.html</loc>"),
        "{sitemap}"
    );
    assert!(
        sitemap
            .contains("<loc>/docs/finesse/v12.5/developer-guide/developer-guide/index.html</loc>"),
        "{sitemap}"
    );
    // Chunk views repeat their page views' text: pages are listed, not them.
    assert!(!sitemap.contains("/c/"), "{sitemap}");
    assert!(site.exists("finesse/v12.5/developer-guide/developer-guide/c/2.html"));
    assert!(!sitemap.contains("404.html"));
    // Other pages use relative links, so they work under any path.
    let home = site.read("index.html");
    assert!(home.contains("href=\"_static/style.css\""), "{home}");
}

#[test]
fn sitemap_uses_site_url() {
    let mut site = fixture();
    site.config.site_url = Some("https://docs.example.org".into());
    site.build();
    let sitemap = site.read("sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://docs.example.org/index.html</loc>"),
        "{sitemap}"
    );
}

#[test]
fn home_lists_the_tree_with_counts() {
    let site = fixture();
    site.build();
    let home = site.read("index.html");
    let cisco = home.find(">Cisco</h2>").expect("vendor heading");
    let acme = home.find(">Acme</h2>").expect("vendor heading");
    assert!(acme < cisco, "vendors sorted");
    let v125 = home.find("Finesse v12.5</a>").unwrap();
    let v120 = home.find("Finesse v12.0</a>").unwrap();
    assert!(v125 < v120, "versions in product.toml order");
    assert!(home.contains("3 documents · 7 pages · 6 chunks"), "{home}");
    let llms = site.read("llms.txt");
    assert!(llms.contains("- [Developer Guide — Developer Guide](finesse/v12.5/developer-guide/developer-guide/index.md): 4 pages"), "{llms}");
}

#[test]
fn documents_are_ordered_by_weight() {
    let site = fixture();
    site.build();
    let ds = site.read("finesse/v12.5/developer-guide/index.html");
    let intro = ds.find(">Introduction</a>").unwrap();
    let guide = ds.find(">Developer Guide</a> ").unwrap();
    assert!(intro < guide, "{ds}");
}

#[test]
fn theme_overrides_file_by_file() {
    let mut site = fixture();
    let theme = site.dir.path().join("mytheme");
    std::fs::create_dir_all(theme.join("templates")).unwrap();
    std::fs::create_dir_all(theme.join("static")).unwrap();
    std::fs::write(
        theme.join("templates/404.html"),
        "{% extends \"base.html\" %}{% block title %}Lost{% endblock %}{% block content %}<p>custom not found</p>{% endblock %}",
    )
    .unwrap();
    std::fs::write(theme.join("static/extra.css"), "body{}").unwrap();
    site.config.theme = Some(theme);
    site.build();
    assert!(site.read("404.html").contains("custom not found"));
    assert!(site.exists("_static/extra.css"));
    // Untouched templates still come from the default theme.
    assert!(site.read("index.html").contains("class=\"vendor\""));
}

#[test]
fn rebuilds_are_byte_identical() {
    let a = fixture();
    a.build();
    let b = fixture();
    b.build();
    let files_a = list_files(&a.out());
    assert_eq!(files_a, list_files(&b.out()));
    for f in &files_a {
        let (x, y) = (
            std::fs::read(a.out().join(f)).unwrap(),
            std::fs::read(b.out().join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between builds");
    }
    // Rebuilding over the previous output gives the same files too.
    a.build();
    assert_eq!(files_a, list_files(&a.out()));
}

#[test]
fn refuses_to_clear_a_foreign_directory() {
    let site = fixture();
    std::fs::create_dir_all(site.out()).unwrap();
    std::fs::write(site.out().join("precious.txt"), "keep").unwrap();
    let err =
        mcdewey::cmd::build::build(&site.content(), &site.out(), &site.config, true).unwrap_err();
    assert_eq!(err.code, mcdewey::Exit::Usage);
    assert!(
        err.error.to_string().contains("not written by McDewey"),
        "{}",
        err.error
    );
    assert!(site.out().join("precious.txt").exists());
}

/// (tag, url) of every attribute that makes a browser fetch something:
/// src/href/srcset/poster/data on resource tags, plus CSS url(...).
fn resource_urls(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag_text = &rest[..end];
        let name: String = tag_text
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        let loads = matches!(
            name.as_str(),
            "script"
                | "link"
                | "img"
                | "iframe"
                | "source"
                | "video"
                | "audio"
                | "embed"
                | "object"
                | "track"
                | "input"
                | "image"
        );
        if loads {
            for attr in ["src=\"", "href=\"", "srcset=\"", "poster=\"", "data=\""] {
                let mut t = tag_text;
                while let Some(j) = t.find(attr) {
                    t = &t[j + attr.len()..];
                    let url: String = t.chars().take_while(|&c| c != '"').collect();
                    out.push((name.clone(), url));
                }
            }
        }
        rest = &rest[end..];
    }
    let mut css = html;
    while let Some(i) = css.find("url(") {
        css = &css[i + 4..];
        out.push((
            "css".into(),
            css.chars().take_while(|&c| c != ')').collect(),
        ));
    }
    out
}

#[test]
fn each_embedded_model_builds_vectors_that_find_a_paraphrase() {
    use mcdewey_search_core::{parse_query, Filters};
    for name in mcdewey::search::MODELS.map(|(n, _)| n) {
        let mut site = TestSite::new()
            .file(
                "acme/1.0/monitoring.md",
                "# Monitoring\n\nA supervisor is unable to capture the conversation of a representative during a shift.\n",
            )
            .file(
                "acme/1.0/billing.md",
                "# Billing\n\nInvoices are generated on the first business day of each month and sent by email.\n",
            )
            .file(
                "acme/1.0/install.md",
                "# Installation\n\nInstall the server package, then open port 8443 in the firewall before starting the service.\n",
            );
        site.config.model = name;
        site.build();
        let mut index = mcdewey::site::SiteDir::open(&site.out())
            .unwrap()
            .load_index(mcdewey::site::IndexParts::All)
            .expect("index loads");
        assert_eq!(
            index.semantic_settings().map(|s| s.model_name.clone()),
            Some(name.to_string())
        );
        let q = parse_query("agent cannot record a call", Filters::default());
        let top = |index: &mut mcdewey_search_core::Index, q: &mcdewey_search_core::Query| {
            let r = index.search(q).expect("search runs");
            r.hits
                .first()
                .map(|h| index.hit(h.ordinal, q).expect("hit").id)
        };
        assert_eq!(
            top(&mut index, &q.clone().with_semantic(false)),
            None,
            "{name}"
        );
        assert_eq!(
            top(&mut index, &q).as_deref(),
            Some("acme::1.0::monitoring::monitoring::1"),
            "{name}"
        );
    }
}

/// Offline search adds files and one script tag; without it the site is
/// exactly what it was, byte for byte.
#[test]
fn offline_search_adds_scripts_of_every_index_file_and_changes_nothing_else() {
    let plain = fixture();
    plain.build();
    let mut offline = fixture();
    offline.config.offline_search = true;
    offline.build();

    let plain_files = list_files(&plain.out());
    let offline_files = list_files(&offline.out());
    assert!(
        !plain_files.iter().any(|f| f.contains("offline")),
        "{plain_files:?}"
    );
    let index: Vec<&String> = plain_files
        .iter()
        .filter(|f| f.starts_with("_search/"))
        .collect();
    assert!(index.len() > 3, "{index:?}");
    for f in &index {
        let script = offline.read(&format!("_offline/{f}.js"));
        let bytes = std::fs::read(plain.out().join(f)).unwrap();
        let prefix = format!("mcdeweyOfflineFile(\"{f}\",\"");
        assert!(
            script.starts_with(&prefix),
            "{f}: {}",
            &script[..60.min(script.len())]
        );
        let b64 = script[prefix.len()..].trim_end().trim_end_matches("\");");
        assert_eq!(decode_base64(b64), bytes, "{f}");
    }
    let added: Vec<&String> = offline_files
        .iter()
        .filter(|f| !plain_files.contains(f))
        .collect();
    assert_eq!(added.len(), index.len() + 3, "{added:?}");
    for f in [
        "_offline/_static/engine/mcdewey_search_wasm_bg.wasm.js",
        "_static/search-offline.js",
        "_static/search-worker-offline.js",
    ] {
        assert!(offline.exists(f), "{f}");
    }
    // Everything the plain build wrote is the same, but for the pages' one
    // extra script tag.
    let tag = "<script src=\"ROOT_static/search-offline.js\" defer></script>\n";
    for f in &plain_files {
        let a = std::fs::read(plain.out().join(f)).unwrap();
        let b = std::fs::read(offline.out().join(f)).unwrap();
        if f.ends_with(".html") && a != b {
            let (a, b) = (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
            let root = b
                .split("data-root=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let search = format!("<script src=\"{root}_static/search.js\"");
            assert_eq!(b.replacen(&tag.replace("ROOT", root), "", 1), a, "{f}");
            assert!(
                b.contains(&format!("{}{search}", tag.replace("ROOT", root))),
                "{f}"
            );
        } else {
            assert!(a == b, "{f} differs");
        }
    }
    assert!(!plain.read("index.html").contains("search-offline"));
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    } as u32;
    let mut out = Vec::new();
    for quad in text.as_bytes().chunks(4) {
        let n = quad.iter().enumerate().fold(0u32, |n, (i, &c)| {
            if c == b'=' {
                n
            } else {
                n | value(c) << (18 - 6 * i)
            }
        });
        let len = quad.iter().filter(|&&c| c != b'=').count() - 1;
        out.extend_from_slice(&n.to_be_bytes()[1..1 + len]);
    }
    out
}

/// The search index's term shards of a two-document library in which
/// `guide.md` links to `setup.md` with `target`.
fn term_shards_with_link(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut setup =
        String::from("# Setup\n\nIntro.\n\n## Network\n\nConfigure the network bridge.\n\n");
    // Enough words that the two headings land in different chunks.
    setup.push_str(&"Filler words about other matters. ".repeat(80));
    setup.push_str("\n\n## Storage\n\nConfigure the storage pool.\n");
    let site = TestSite::new().file("p/1.0/docs/setup.md", &setup).file(
        "p/1.0/docs/guide.md",
        &format!("# Guide\n\nBefore you start, read [the setup]({target}).\n"),
    );
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    let shards = format!("{}/t/", mcdewey::site::SEARCH_DIR);
    let files: Vec<(String, Vec<u8>)> = list_files(&site.out())
        .into_iter()
        .filter(|f| f.starts_with(&shards))
        .map(|f| {
            let bytes = std::fs::read(site.out().join(&f)).unwrap();
            (f, bytes)
        })
        .collect();
    assert!(!files.is_empty());
    files
}

/// A build feeds the index each chunk's in-links: a link to a heading of
/// another document changes the term shards' impacts (the chunk's text is
/// the same either way), while a link to an anchor that does not exist
/// counts for nothing, like a link to the page alone.
#[test]
fn a_build_gives_the_index_its_in_links() {
    let page = term_shards_with_link("setup.md");
    let unknown = term_shards_with_link("setup.md#nowhere");
    let heading = term_shards_with_link("setup.md#storage");
    assert_eq!(page, unknown, "no in-link either way");
    assert_ne!(page, heading, "the linked heading's chunk gains its prior");
}
