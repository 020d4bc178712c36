//! The deployment examples in `examples/`: they parse, they run the commands
//! the documentation gives, those commands are ones `mcdewey` accepts, and
//! the deployment guide shows the same workflow file.

use clap::Parser;
use mcdewey::cli::{Cli, Command};
use serde_yaml_ng::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A shell line as arguments: whitespace-separated words, quotes removed.
fn words(line: &str) -> Vec<String> {
    line.split_whitespace()
        .map(|w| w.trim_matches('"').to_string())
        .collect()
}

fn steps(job: &Value) -> Vec<&Value> {
    job["steps"].as_sequence().unwrap().iter().collect()
}

#[test]
fn pages_workflow_installs_builds_and_deploys() {
    let text = read("examples/github-pages.yml");
    let wf: Value = serde_yaml_ng::from_str(&text).expect("the workflow is YAML");
    assert_eq!(wf["permissions"]["pages"], "write");
    assert_eq!(wf["permissions"]["id-token"], "write");
    assert!(
        wf["on"]["push"]["branches"].as_sequence().is_some(),
        "{text}"
    );
    let build = &wf["jobs"]["build"];
    let runs: Vec<&str> = steps(build)
        .iter()
        .filter_map(|s| s["run"].as_str())
        .map(str::trim)
        .collect();
    let uses: Vec<&str> = steps(build)
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect();
    // The commands the installation and deployment pages give.
    assert!(
        runs.contains(&"rustup target add wasm32-unknown-unknown"),
        "{runs:?}"
    );
    assert!(
        runs.contains(&"cargo install --locked --path generator"),
        "{runs:?}"
    );
    let build_cmd = runs
        .iter()
        .find(|r| r.starts_with("mcdewey build"))
        .expect("a mcdewey build step");
    let args = words(&build_cmd.replace("${{ github.event.repository.name }}", "docs"));
    let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{build_cmd}: {e}"));
    let Command::Build(b) = cli.command else {
        panic!("{build_cmd}")
    };
    assert_eq!(b.content, Path::new("content"));
    assert_eq!(b.base_path.as_deref(), Some("/docs/"));
    // The artifact is the directory the build wrote, and it is deployed.
    let upload = steps(build)
        .into_iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-pages-artifact@"))
        })
        .expect("upload-pages-artifact");
    assert_eq!(Path::new(upload["with"]["path"].as_str().unwrap()), b.out);
    assert!(uses.iter().any(|u| u.starts_with("actions/checkout@")));
    let deploy = &wf["jobs"]["deploy"];
    assert_eq!(deploy["needs"], "build");
    assert!(steps(deploy).iter().any(|s| s["uses"]
        .as_str()
        .is_some_and(|u| u.starts_with("actions/deploy-pages@"))));
    // The deployment guide shows this very file.
    let guide = read("content/mcdewey/v0.2/guide/deployment.md");
    assert!(
        guide.contains(text.trim_end()),
        "deployment.md must include examples/github-pages.yml verbatim"
    );
}

#[test]
fn container_recipe_builds_and_serves_with_accepted_flags() {
    let text = read("examples/Containerfile");
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let froms = lines.iter().filter(|l| l.starts_with("FROM ")).count();
    assert_eq!(froms, 2, "a build stage and a run stage");
    assert!(lines.contains(&"RUN rustup target add wasm32-unknown-unknown"));
    let install = lines
        .iter()
        .find(|l| l.starts_with("RUN cargo install"))
        .expect("cargo install");
    assert!(install.contains("--locked --path generator"), "{install}");
    let build = lines
        .iter()
        .find(|l| l.contains("mcdewey build"))
        .expect("a build step");
    let mut args = words(build.trim_start_matches("RUN "));
    args[0] = "mcdewey".into();
    let Command::Build(b) = Cli::try_parse_from(&args).unwrap().command else {
        panic!("{build}")
    };
    // CMD in exec form: JSON, and a `serve` of the directory built above.
    let cmd = lines
        .iter()
        .find_map(|l| l.strip_prefix("CMD "))
        .expect("CMD");
    let argv: Vec<String> = serde_json::from_str(cmd).expect("CMD is a JSON array");
    let Command::Serve(s) = Cli::try_parse_from(&argv).unwrap().command else {
        panic!("{cmd}")
    };
    assert_eq!(s.path, b.out);
    assert_eq!(s.host.as_deref(), Some("0.0.0.0"));
    assert!(
        !s.allow_host.is_empty(),
        "behind a proxy the public host must be allowed"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("USER ") && !l.contains("root")),
        "runs unprivileged"
    );
    let ignore = read("examples/Containerfile.dockerignore");
    assert!(ignore.lines().any(|l| l.trim() == "target"));
}
