//! The `mcdewey` binary: exit codes and messages as a user sees them.

use crate::util::TestSite;
use std::process::Command;

fn mcdewey() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mcdewey"))
}

#[test]
fn help_lists_build() {
    let out = mcdewey().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("build"), "{text}");
    assert!(text.contains("Exit codes"), "{text}");
}

#[test]
fn successful_build_exits_0_and_summarises() {
    let site = TestSite::new().file("p/1.0/s/d.md", "# D\n\nText.\n");
    std::fs::create_dir_all(site.content()).unwrap();
    let out = mcdewey()
        .arg("build")
        .arg(site.content())
        .arg("--out")
        .arg(site.out())
        .current_dir(site.dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Built 1 documents, 1 pages, 1 chunks"),
        "{err}"
    );
    assert!(err.contains("0 warnings, 0 errors"), "{err}");
}

#[test]
fn input_errors_exit_1_but_write_the_site() {
    let site = TestSite::new()
        .file("p/1.0/s/ok.md", "# Ok\n\nText.\n")
        .file(
            "p/1.0/s/bad.md",
            "<!-- page 2 -->\nA\n\n<!-- page 1 -->\nB\n",
        );
    let out = mcdewey()
        .args(["build", "content", "--out", "site"])
        .current_dir(site.dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("content/p/1.0/s/bad.md:4: error: page marker 1 follows page 2 (line 1)"),
        "{err}"
    );
    assert!(site.exists("p/1.0/s/ok/index.html"));
}

#[test]
fn config_errors_exit_2_with_file_and_line() {
    let site = TestSite::new().file("p/1.0/s/d.md", "# D\n");
    std::fs::write(
        site.dir.path().join("mcdewey.toml"),
        "title = \"x\"\n[chunking]\ntarget = 3\n",
    )
    .unwrap();
    let out = mcdewey()
        .args(["build", "content", "--out", "site"])
        .current_dir(site.dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("mcdewey.toml:3: unknown field `target`"),
        "{err}"
    );
}

#[test]
fn missing_content_exits_2() {
    let site = TestSite::new();
    let out = mcdewey()
        .args(["build", "nowhere", "--out", "site"])
        .current_dir(site.dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("content directory nowhere does not exist"),
        "{err}"
    );
}

#[test]
fn offline_search_from_the_flag_or_the_config_file() {
    let site = TestSite::new().file("p/1.0/s/d.md", "# D\n\nText.\n");
    let manifest = "_offline/_search/manifest.bin.js";
    let build = |extra: &[&str]| {
        let _ = std::fs::remove_dir_all(site.out());
        let out = mcdewey()
            .arg("build")
            .arg(site.content())
            .arg("--out")
            .arg(site.out())
            .args(extra)
            .current_dir(site.dir.path())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        site.exists(manifest)
    };
    assert!(!build(&[]));
    assert!(build(&["--offline-search"]));
    let toml = site.dir.path().join("offline.toml");
    std::fs::write(&toml, "[search]\noffline = true\n").unwrap();
    assert!(build(&["--config", toml.to_str().unwrap()]));
    std::fs::write(&toml, "[search]\noffline = \"yes\"\n").unwrap();
    let out = mcdewey()
        .args(["build", "--config", toml.to_str().unwrap(), "--out"])
        .arg(site.out())
        .arg(site.content())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("offline.toml:2"), "{err}");
}

/// Builds `site` afresh with `config` as its mcdewey.toml and gives
/// `mcdewey search --json` of `query` on the result.
fn build_and_search(site: &TestSite, config: &str, query: &str) -> serde_json::Value {
    let _ = std::fs::remove_dir_all(site.out());
    let toml = site.dir.path().join("site.toml");
    std::fs::write(&toml, config).unwrap();
    let out = mcdewey()
        .args(["build", "-q", "--config", toml.to_str().unwrap(), "--out"])
        .arg(site.out())
        .arg(site.content())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let out = mcdewey()
        .arg("search")
        .arg(site.out())
        .args([query, "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `[search.synonyms]` reaches the index: the site's word finds the page
/// that calls it otherwise, in `mcdewey search` as in the browser.
#[test]
fn a_site_thesaurus_from_the_config_file() {
    let site = TestSite::new().file(
        "p/1.0/s/d.md",
        "# Clusters\n\nA Kubernetes cluster runs the workers.\n",
    );
    let found = |config: &str| {
        build_and_search(&site, config, "k8s")["total"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(found(""), 0);
    assert_eq!(found("[search.synonyms]\nk8s = [\"kubernetes\"]\n"), 1);
}

/// `aliases` of product.toml reach the index: a query that says one ranks
/// that product's page first.
#[test]
fn a_product_alias_in_a_query_ranks_that_product_first() {
    let site = TestSite::new()
        .file(
            "shell/7.5/ref/history.md",
            "# Saved commands\n\nThe command history keeps each command you type between sessions.\n",
        )
        .file(
            "bash/5.2/ref/history.md",
            "# Command history\n\nThe history command lists the history of each command line.\n",
        );
    let first = |meta: &str| {
        std::fs::write(site.content().join("shell/product.toml"), meta).unwrap();
        let v = build_and_search(&site, "", "pwsh command history");
        let id = v["hits"][0]["id"].as_str().unwrap();
        id.split("::").next().unwrap().to_string()
    };
    assert_eq!(first("name = \"PowerShell\"\n"), "bash");
    let aliased = "name = \"PowerShell\"\naliases = [\"pwsh\"]\n";
    assert_eq!(first(aliased), "shell");
}

#[test]
fn a_bad_product_alias_is_reported_with_its_file() {
    let site = TestSite::new()
        .file("shell/7.5/ref/a.md", "# A\n\nText.\n")
        .file("shell/product.toml", "aliases = [\"  \", \"pwsh\"]\n");
    let out = mcdewey()
        .args(["build", "-q", "--out"])
        .arg(site.out())
        .arg(site.content())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shell/product.toml"), "{err}");
    assert!(err.contains("alias"), "{err}");
}
