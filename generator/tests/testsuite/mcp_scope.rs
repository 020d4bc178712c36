//! Which versions a search covers when none is given: the current version is
//! the newest directory that reads as a version (or the one product metadata
//! names), and a default search that finds nothing there says so and
//! searches every version instead of answering empty.

use crate::mcp::{eras, http_client, ok, strings, OLD_ADMIN};
use crate::util::{shared, TestSite};
use mcdewey::serve as server;
use mcdewey::serve::library::Library;
use mcdewey::serve::mcp::{self, tools, HttpOptions};
use serde_json::json;

fn page(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\n---\n# {title}\n\n## About\n\n{body}\n")
}

/// A product laid out like vendor repositories often are: version
/// directories next to directories that are not versions.
fn mixed_site(product_toml: Option<&str>) -> TestSite {
    let mut site = TestSite::new();
    for v in ["5.1", "7.10", "7.4", "docs-conceptual", "module"] {
        site = site.file(
            &format!("shell/{v}/ref/cmdlets.md"),
            &page("Cmdlets", &format!("Release {v} cmdlet reference.")),
        );
    }
    if let Some(t) = product_toml {
        site = site.file("shell/product.toml", t);
    }
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    site
}

fn versions_of(site: &TestSite) -> (Vec<String>, String) {
    let lib = Library::load(&site.out()).unwrap();
    let out = tools::list_library(&lib, &tools::ListLibraryArgs::default()).unwrap();
    let p = &out.vendors[0].products[0];
    (
        p.versions.iter().map(|v| v.id.clone()).collect(),
        p.current_version.clone(),
    )
}

#[test]
fn versions_are_ordered_as_versions_and_other_directories_never_current() {
    let site = mixed_site(None);
    let (order, current) = versions_of(&site);
    assert_eq!(order, ["7.10", "7.4", "5.1", "docs-conceptual", "module"]);
    assert_eq!(current, "7.10");
    // The site's own pages list the same order (library.json is the tree).
    let lib: serde_json::Value = serde_json::from_str(&site.read("library.json")).unwrap();
    let ids: Vec<&str> = lib["vendors"][0]["products"][0]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, order);
    // A default search covers the current version only.
    let lib = Library::load(&site.out()).unwrap();
    let r = tools::search(&lib, &args("cmdlet reference")).unwrap();
    assert_eq!(r.searched, ["shell 7.10"]);
    assert!(!r.widened);
    assert!(r.hits.iter().all(|h| h.version == "7.10"), "{r:?}");
}

#[test]
fn product_metadata_states_the_order_and_the_current_version() {
    let site = mixed_site(Some("versions = [\"7.4\", \"5.1\"]\n"));
    assert_eq!(
        versions_of(&site),
        (
            vec!["7.4", "5.1", "7.10", "docs-conceptual", "module"]
                .into_iter()
                .map(String::from)
                .collect(),
            "7.4".to_string()
        )
    );
    let site = mixed_site(Some("current = \"7.4\"\n"));
    let (order, current) = versions_of(&site);
    assert_eq!(order, ["7.4", "7.10", "5.1", "docs-conceptual", "module"]);
    assert_eq!(current, "7.4");
    // A `current` that names no directory is reported, not ignored.
    let site = mixed_site(Some("current = \"8.0\"\n"));
    let outcome = site.build();
    let diags = site.diagnostics(&outcome).join("\n");
    assert!(
        diags.contains("product.toml") && diags.contains("`8.0` is listed but has no documents"),
        "{diags}"
    );
    assert_eq!(versions_of(&site).1, "7.10");
}

fn args(query: &str) -> tools::SearchArgs {
    tools::SearchArgs {
        query: query.into(),
        vendor: None,
        product: None,
        version: None,
        doc_set: None,
        document: None,
        limit: None,
        cursor: None,
    }
}

/// Through the rmcp client: a phrase only the old version has is found in
/// it, labelled, and a query nothing matches says what was searched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_scope_never_answers_empty_without_saying_so() {
    let lib = crate::mcp::library();
    let http = crate::serve::start(&crate::mcp::site(), move |opts, addr| {
        let http = HttpOptions::for_addr(addr, &[], &[]);
        server::static_router(opts).merge(mcp::router(lib, &http))
    });
    for (era, mode) in eras() {
        let client = http_client(http.addr, era, mode).await;
        let r = ok(&client, "search", json!({ "query": "service" })).await;
        assert_eq!(r["widened"], true, "{era}: {r}");
        assert_eq!(r["hits"][0]["document"], OLD_ADMIN, "{r}");
        assert_eq!(r["hits"][0]["version"], "1.0");
        let note = r["note"].as_str().unwrap();
        assert!(
            note.contains("Nothing matched in the current versions (gateway 2.0, tool v1)")
                && note.contains("every version was searched"),
            "{note}"
        );
        assert_eq!(
            strings(&r["searched"]),
            ["gateway 2.0", "gateway 1.0", "tool v1"]
        );
        // Found in the current version: no fallback, no flag.
        let r = ok(&client, "search", json!({ "query": "\"RG-1042\"" })).await;
        assert!(r.get("widened").is_none(), "{r}");
        assert_eq!(r["hits"][0]["version"], "2.0");
        // Nothing anywhere: an empty answer that says what was searched.
        let r = ok(&client, "search", json!({ "query": "\"qwzx vbnm\"" })).await;
        // Nothing has these words in any version: no widening, and the
        // note says the results (if any) are only close in meaning.
        assert!(r.get("widened").is_none(), "{r}");
        let note = r["note"].as_str().unwrap();
        assert!(note.contains("has the query's words"), "{note}");
        // An explicit version is searched as asked, and an empty answer says so.
        let r = ok(
            &client,
            "search",
            json!({ "query": "service", "version": "2.0" }),
        )
        .await;
        assert!(r.get("widened").is_none(), "{r}");
        let note = r["note"].as_str().unwrap();
        assert!(
            note.starts_with("No text in gateway 2.0 has the query's words"),
            "{note}"
        );
        client.cancel().await.unwrap();
    }
}

/// The PowerShell reference keeps its versions next to `docs-conceptual`,
/// `includes`, `module` and other directories: the current version must be
/// the newest numbered one.
#[test]
fn powershell_current_version_is_the_newest_release() {
    let Some(shared) = shared() else { return };
    let r = shared.join("corpora/markdown/powershell/reference");
    let names: Vec<String> = std::fs::read_dir(&r)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    let ids: Vec<&str> = names.iter().map(String::as_str).collect();
    let order = mcdewey::content::versions::order(&ids, &[], None);
    let ordered: Vec<&str> = order.iter().map(|&i| ids[i]).collect();
    let numbered: Vec<&str> = ordered
        .iter()
        .copied()
        .filter(|n| mcdewey::content::versions::is_version(n))
        .collect();
    eprintln!("powershell versions in order: {ordered:?}");
    assert!(numbered.len() >= 2, "{ordered:?}");
    assert_eq!(ordered[..numbered.len()], numbered[..], "versions first");
    assert!(ordered.contains(&"module") && ordered.contains(&"docs-conceptual"));
    assert_eq!(ordered[0], "7.7");
}

/// Two products whose current versions differ: a default search covers
/// alpha 2.0 and beta 1.0, a union no single filter states (alpha 1.0 and
/// beta 2.0 exist). The doc set `cur` holds exactly those versions, so one
/// search filtered by it covers the same chunks.
fn union_site() -> TestSite {
    let alpha = "---\ntitle: Alpha Guide\n---\n# Alpha Guide\n\n\
        ## Retention policy\n\nThe retention policy keeps recordings. Set the retention policy per tenant; \
        a retention policy with no end keeps recordings forever.\n\n\
        ## Retention of logs\n\nLogs follow the retention policy of their tenant.\n\n\
        ## Storage\n\nRecordings are stored on the archive volume; retention applies to them.\n\n\
        ## Networking\n\nThe gateway listens on port 5060 for signalling traffic.\n";
    let beta = "---\ntitle: Beta Notes\n---\n# Beta Notes\n\n\
        ## Upgrades\n\nUpgrade the agents first, then the servers, one site at a time.\n\n\
        ## Housekeeping\n\nOld exports are removed nightly; see your policy for how long they stay.\n\n\
        ## Dashboards\n\nDashboards show call volume per queue and agent.\n";
    let site = TestSite::new()
        .file(
            "alpha/product.toml",
            "versions = [\"2.0\", \"1.0\"]\n\n[doc_sets]\ncur = \"Current\"\nold = \"Old\"\n",
        )
        .file(
            "beta/product.toml",
            "versions = [\"1.0\", \"2.0\"]\n\n[doc_sets]\ncur = \"Current\"\nold = \"Old\"\n",
        )
        .file("alpha/2.0/cur/guide.md", alpha)
        .file("alpha/1.0/old/guide.md", &alpha.replace("tenant", "site"))
        .file("beta/1.0/cur/notes.md", beta)
        .file("beta/2.0/old/notes.md", &beta.replace("nightly", "weekly"));
    let outcome = site.build();
    assert_eq!(outcome.errors(), 0, "{:?}", outcome.diagnostics);
    site
}

/// A search over a union of scopes ranks as one search over the chunks
/// they cover, with the hybrid blend normalised over all of them (not per
/// scope, which would put the best of a weak scope level with the best of
/// a strong one).
#[test]
fn a_union_of_scopes_ranks_as_one_search_over_it() {
    use mcdewey_search_core::{parse_query, Filters};
    let site = union_site();
    let lib = Library::load(&site.out()).unwrap();
    assert!(
        lib.with_index(|i| i.has_semantic()),
        "semantic search is on by default"
    );
    let text = "retention policy";
    let mut a = args(text);
    a.limit = Some(20);
    let r = tools::search(&lib, &a).unwrap();
    assert_eq!(r.searched, ["alpha 2.0", "beta 1.0"]);
    let cur = Filters {
        doc_set: vec!["cur".into()],
        ..Filters::default()
    };
    let q = parse_query(text, cur).with_limit(20);
    assert!(lib.with_index(|i| i.semantic_ready(&q)));
    let (one, _) = lib.search_with_terms(&q).unwrap();
    let expected: Vec<(String, f32)> = one
        .hits
        .iter()
        .map(|h| {
            let (doc, i) = lib.chunk_at(h.ordinal).unwrap();
            (doc.chunks[i].id.clone(), h.score)
        })
        .collect();
    let got: Vec<(String, f32)> = r.hits.iter().map(|h| (h.id.clone(), h.score)).collect();
    assert_eq!(got, expected);
    assert_eq!(r.total, one.total);
    // Both scopes are in the answer, so the order between them counts.
    assert!(r.hits.iter().any(|h| h.product == "alpha"), "{got:?}");
    assert!(r.hits.iter().any(|h| h.product == "beta"), "{got:?}");
}
