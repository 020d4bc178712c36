//! What a build may read and write: nothing from outside the content tree,
//! never its own output, one build per output directory, no panic on a tree
//! with nothing to publish, and type errors in front matter reported.

use crate::util::TestSite;
use mcdewey::diag::Skip;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mcdewey() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mcdewey"))
}

fn build_cli(content: &Path, out: &Path, cwd: &Path) -> Output {
    mcdewey()
        .arg("build")
        .arg(content)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .current_dir(cwd)
        .output()
        .unwrap()
}

/// Every file below `dir`, as (path, bytes).
fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        let bytes = std::fs::read(&e).unwrap();
        out.push((e, bytes));
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

/// Files of the site holding `needle` (HTML, raw Markdown, JSON, index).
fn files_with(dir: &Path, needle: &str) -> Vec<PathBuf> {
    all_files(dir)
        .into_iter()
        .filter(|(_, b)| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|(p, _)| p)
        .collect()
}

fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("mcdewey-staging") || n.contains("mcdewey-old"))
        .collect()
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_tree_are_not_followed() {
    use std::os::unix::fs::symlink;
    let site = TestSite::new()
        .file("p/1.0/s/good.md", "# Good\n\nPublic text.\n")
        .file(
            "p/1.0/shared/inside.md",
            "# Inside\n\nlinkedinsidetoken here.\n",
        );
    // Secrets outside the content tree: a file and a directory.
    let outside = site.dir.path().join("outside");
    std::fs::create_dir_all(outside.join("dir")).unwrap();
    std::fs::write(outside.join("secret.md"), "# Secret\n\nzqxsecretfile\n").unwrap();
    std::fs::write(outside.join("dir/doc.md"), "# Doc\n\nzqxsecretdir\n").unwrap();
    let s = site.content().join("p/1.0/s");
    symlink(outside.join("secret.md"), s.join("leak.md")).unwrap();
    symlink(outside.join("dir"), site.content().join("p/1.0/linked")).unwrap();
    symlink(
        "../../../outside/secret.md",
        site.content().join("p/1.0/rel.md"),
    )
    .unwrap();
    symlink(site.dir.path().join("nothing.md"), s.join("dangling.md")).unwrap();
    // Links inside the tree are fine, to files and directories.
    symlink(
        site.content().join("p/1.0/shared"),
        site.content().join("p/1.0/alias"),
    )
    .unwrap();
    symlink("good.md", s.join("again.md")).unwrap();

    let outcome = site.build();
    let diags = site.diagnostics(&outcome);
    let has = |needle: &str| diags.iter().any(|d| d.contains(needle));
    assert!(
        has("[ROOT]/content/p/1.0/s/leak.md: error: symlink to [ROOT]/outside/secret.md (resolved: "),
        "{diags:#?}"
    );
    assert!(
        has("[ROOT]/content/p/1.0/linked: error: symlink to [ROOT]/outside/dir"),
        "{diags:#?}"
    );
    assert!(
        has("[ROOT]/content/p/1.0/rel.md: error: symlink to ../../../outside/secret.md"),
        "{diags:#?}"
    );
    assert!(
        has("[ROOT]/content/p/1.0/s/dangling.md: warning: dangling symlink: its target [ROOT]/nothing.md does not exist; skipped"),
        "{diags:#?}"
    );
    assert!(has("leads outside the content directory; not followed"));
    // Nothing from outside reached the pages, raw Markdown or the index.
    for token in ["zqxsecretfile", "zqxsecretdir"] {
        assert_eq!(files_with(&site.out(), token), Vec::<PathBuf>::new());
    }
    // Links inside the tree were followed.
    assert!(site.exists("p/1.0/s/again/index.html"));
    assert!(site.exists("p/1.0/alias/inside/index.html"));
    assert!(!files_with(&site.out(), "linkedinsidetoken").is_empty());
    let r = &outcome.load;
    assert_eq!(r.skipped.get(&Skip::Link), Some(&4), "{r:?}");
    assert!(r.is_balanced(), "{r:?}");
    assert!(outcome.summary().contains("4 symlinks not followed"));

    // A directory named in `[content] symlink_roots` may be linked to.
    let mut site = site;
    site.config.symlink_roots = vec![outside.clone()];
    let outcome = site.build();
    assert!(!files_with(&site.out(), "zqxsecretfile").is_empty());
    assert!(!files_with(&site.out(), "zqxsecretdir").is_empty());
    assert_eq!(outcome.load.skipped.get(&Skip::Link), Some(&1));
}

#[cfg(unix)]
#[test]
fn fifos_are_skipped_not_read() {
    let site = TestSite::new().file("p/1.0/s/good.md", "# Good\n\nText.\n");
    let fifo = site.content().join("p/1.0/s/pipe.md");
    let status = Command::new("mkfifo").arg(&fifo).status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("skipping: mkfifo unavailable");
        return;
    }
    // Reading the FIFO would block forever; the build finishes instead.
    let outcome = site.build();
    assert_eq!(outcome.load.skipped.get(&Skip::NotRegular), Some(&1));
    assert!(site
        .diagnostics(&outcome)
        .iter()
        .any(|d| d.contains("pipe.md: warning: not a regular file")));
}

#[test]
fn output_inside_the_content_tree_is_never_content() {
    let site = TestSite::new()
        .file("p/1.0/s/a.md", "# A\n\nText a.\n")
        .file("p/1.0/s/b.md", "# B\n\nText b.\n");
    let out = site.content().join("p/1.0/site");
    let config = site.config.clone();
    let run = || mcdewey::cmd::build::build(&site.content(), &out, &config, true).unwrap();
    let first = run();
    assert_eq!(first.counts.documents, 2);
    // The second build sees its own output in the tree and leaves it alone.
    let second = run();
    assert_eq!(second.counts.documents, 2, "{:?}", second.load);
    assert_eq!(second.load.skipped.get(&Skip::BuiltSite), Some(&1));
    assert!(second.diagnostics.iter().any(|d| d
        .to_string()
        .contains("p/1.0/site: warning: the build's output directory; never content, skipped")
        || d.to_string()
            .contains("p/1.0/site: warning: a built McDewey site")));
    // A copy of a built site elsewhere in the tree is recognised by its marker.
    let copy = site.content().join("p/2.0/old-site");
    std::fs::create_dir_all(copy.join("x/y")).unwrap();
    std::fs::write(copy.join(mcdewey::site::MARKER), "").unwrap();
    std::fs::write(copy.join("x/y/llms.md"), "# Generated\n\nText.\n").unwrap();
    let third = run();
    assert_eq!(third.counts.documents, 2);
    assert_eq!(third.load.skipped.get(&Skip::BuiltSite), Some(&2));
    assert!(third.diagnostics.iter().any(|d| d.to_string().contains(
        "p/2.0/old-site: warning: a built McDewey site (it has the site marker); never content, skipped"
    )));
}

#[test]
fn empty_and_all_skipped_trees_give_an_empty_site() {
    // An empty directory, and a tree whose files are all skipped.
    let empty = TestSite::new();
    let skipped = TestSite::new()
        .file("notes.txt", "not a document\n")
        .file("p/1.0/s/image.png", "png")
        .file("p/1.0/s/blank.md", "   \n")
        .file("stray.md", "# outside the layout\n");
    for site in [empty, skipped] {
        std::fs::create_dir_all(site.content()).unwrap();
        let out = build_cli(&site.content(), &site.out(), site.dir.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(err.contains("warning: nothing to publish"), "{err}");
        assert!(site.exists("index.html"), "{err}");
        assert!(site.exists("_search/manifest.bin"), "{err}");
        // The empty index opens and answers.
        let index = mcdewey::site::SiteDir::open(&site.out())
            .unwrap()
            .load_index(mcdewey::site::IndexParts::All)
            .expect("index loads");
        assert_eq!(index.chunk_count(), 0);
        let found = mcdewey()
            .args(["search"])
            .arg(site.out())
            .arg("anything")
            .output()
            .unwrap();
        assert!(
            found.status.success(),
            "{}",
            String::from_utf8_lossy(&found.stderr)
        );
    }
}

#[test]
fn a_held_lock_stops_a_second_build_before_it_touches_anything() {
    let site = TestSite::new().file("p/1.0/s/a.md", "# A\n\nText.\n");
    site.build();
    let before = all_files(&site.out());
    let parent = site.dir.path();
    let listing = |p: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    };
    let names = listing(parent);
    // This process holds the lock, as a running build would.
    let lock = mcdewey::build::publish::BuildLock::acquire(&site.out()).unwrap();
    let out = build_cli(&site.content(), &site.out(), parent);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "another build into {} is running (pid {}, started ",
            site.out().display(),
            std::process::id()
        )),
        "{err}"
    );
    assert_eq!(all_files(&site.out()), before, "site untouched");
    assert_eq!(listing(parent), names, "nothing created beside it");
    drop(lock);
    let out = build_cli(&site.content(), &site.out(), parent);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn two_concurrent_builds_into_one_directory() {
    // Enough documents that the first build is still running when the
    // second starts; the second is started once the first holds the lock.
    let mut docs = 300;
    for attempt in 0..4 {
        let mut site = TestSite::new();
        for i in 0..docs {
            site = site.file(
                &format!("p/1.0/s/doc{i}.md"),
                &format!("# Doc {i}\n\n## Part\n\nText of document {i} about recording.\n\n## More\n\nMore text {i}.\n"),
            );
        }
        let parent = site.dir.path();
        let lock_file = mcdewey::build::publish::lock_path(&site.out());
        let mut first = mcdewey()
            .arg("build")
            .arg(site.content())
            .arg("--out")
            .arg(site.out())
            .arg("--quiet")
            .current_dir(parent)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = format!("pid {}", first.id());
        let t = std::time::Instant::now();
        while !std::fs::read_to_string(&lock_file).is_ok_and(|s| s.contains(&pid)) {
            assert!(
                t.elapsed().as_secs() < 60,
                "first build never took the lock"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let overlapped = first.try_wait().unwrap().is_none();
        let second = build_cli(&site.content(), &site.out(), parent);
        let still_running = first.try_wait().unwrap().is_none();
        let first = first.wait_with_output().unwrap();
        let ferr = String::from_utf8_lossy(&first.stderr);
        assert_eq!(first.status.code(), Some(0), "{ferr}");
        if !(overlapped && still_running) {
            // The first finished too soon to tell; try a bigger tree.
            docs *= 2;
            eprintln!("attempt {attempt}: no overlap, retrying with {docs} documents");
            continue;
        }
        let err = String::from_utf8_lossy(&second.stderr);
        assert_eq!(second.status.code(), Some(2), "{err}");
        assert!(err.contains(&pid), "the holder is named: {err}");
        // The first site is complete: every document, and every chunk the
        // index points to.
        for i in 0..docs {
            assert!(site.exists(&format!("p/1.0/s/doc{i}/index.html")), "doc{i}");
        }
        let index = mcdewey::site::SiteDir::open(&site.out())
            .unwrap()
            .load_index(mcdewey::site::IndexParts::All)
            .unwrap();
        let chunk_pages = walk(&site.out())
            .iter()
            .filter(|p| p.parent().is_some_and(|d| d.ends_with("c")))
            .count();
        assert!(chunk_pages >= docs);
        assert_eq!(index.chunk_count() as usize, chunk_pages);
        assert_eq!(leftovers(parent), Vec::<String>::new());
        return;
    }
    panic!("the builds never overlapped");
}

#[test]
fn a_failed_build_leaves_no_staging_directory() {
    let mut site = TestSite::new().file("p/1.0/s/a.md", "# A\n\nText.\n");
    site.build();
    let before = all_files(&site.out());
    // A theme whose chunk template fails while the site is being written.
    let theme = site.dir.path().join("theme");
    std::fs::create_dir_all(theme.join("templates")).unwrap();
    std::fs::write(
        theme.join("templates/chunk.html"),
        "{{ chunk | no_such_filter }}",
    )
    .unwrap();
    site.config.theme = Some(theme);
    let r = mcdewey::cmd::build::build(&site.content(), &site.out(), &site.config, true);
    assert!(r.is_err(), "the build fails");
    assert_eq!(leftovers(site.dir.path()), Vec::<String>::new());
    assert_eq!(all_files(&site.out()), before, "old site kept");
    // A staging directory of a killed build is removed by the next one.
    let stale = site.dir.path().join(".site.mcdewey-staging-1-0-0");
    std::fs::create_dir_all(stale.join("a/b")).unwrap();
    site.config.theme = None;
    let outcome = site.build();
    assert_eq!(leftovers(site.dir.path()), Vec::<String>::new());
    assert!(site
        .diagnostics(&outcome)
        .iter()
        .any(|d| d
            .contains("removed [ROOT]/.site.mcdewey-staging-1-0-0 left by an interrupted build")));
}

#[test]
fn front_matter_types_and_doc_set_clashes_are_errors() {
    let site = TestSite::new()
        .file("p/1.0/s/ok.md", "---\nweight: 2\n---\n# Ok\n\nText.\n")
        .file(
            "p/1.0/s/quoted.md",
            "---\ntitle: Q\nweight: \"2\"\n---\n# Q\n\nText.\n",
        )
        .file("p/1.0/faq/general.md", "# General\n\nText.\n")
        .file("p/1.0/faq.md", "# FAQ\n\nText.\n");
    let outcome = site.build();
    let diags = site.diagnostics(&outcome);
    assert!(
        diags.contains(&"[ROOT]/content/p/1.0/s/quoted.md:3: error: `weight` must be an integer such as 2, got the text \"2\"".to_string()),
        "{diags:#?}"
    );
    let sep = std::path::MAIN_SEPARATOR;
    assert!(
        diags.contains(&format!(
            "[ROOT]/content/p/1.0/faq.md: error: doc-set id `faq` is also used by [ROOT]/content/p/1.0/faq{sep}; skipped"
        )),
        "{diags:#?}"
    );
    assert_eq!(outcome.counts.documents, 2);
    assert!(site.exists("p/1.0/faq/general/index.html"));
    assert!(!site.exists("p/1.0/faq/faq/index.html"));
}

#[test]
fn non_latin_file_names_get_distinct_ids() {
    let site = TestSite::new()
        .file("p/1.0/s/日本語.md", "# 日本語\n\n本文です。\n")
        .file("p/1.0/s/中文.md", "# 中文\n\n正文。\n")
        .file("p/1.0/s/Ελληνικά.md", "# Ελληνικά\n\nΚείμενο.\n");
    let outcome = site.build();
    assert_eq!(
        outcome.counts.documents,
        3,
        "{:#?}",
        site.diagnostics(&outcome)
    );
    assert_eq!(outcome.errors(), 0, "{:#?}", site.diagnostics(&outcome));
    let ids: Vec<String> = std::fs::read_dir(site.out().join("p/1.0/s"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != "index.html")
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.iter().all(|id| id != "_" && id.is_ascii()), "{ids:?}");
    // Stable: the same names give the same ids on the next build.
    let again = TestSite::new().file("p/1.0/s/日本語.md", "# x\n\ny\n");
    again.build();
    let id = mcdewey::content::sanitize_id("日本語");
    assert!(again.exists(&format!("p/1.0/s/{id}/index.html")));
    assert!(site.exists(&format!("p/1.0/s/{id}/index.html")));
}
