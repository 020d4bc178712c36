//! Links between pages of the site, written relative to the page that holds
//! them. Writing every link as `root + site path` repeated the whole path
//! (`../../../../../product/version/set/doc/p/2.html`) on every link of every
//! chunk page; most links point into the same document, where the relative
//! form is a few bytes (`../p/2.html`).

/// `target` (a site-relative URL, maybe with `#fragment` or `?query`) as seen
/// from the page at site-relative path `from`.
pub fn relative(from: &str, target: &str) -> String {
    let split = target.find(['#', '?']).unwrap_or(target.len());
    let (path, tail) = target.split_at(split);
    if path.is_empty() {
        // Only a fragment or a query: the same page.
        return target.to_string();
    }
    // Every link of every page comes through here (five on a chunk page,
    // a sixth of its rendering), so the directories are compared as bytes,
    // each with its trailing `/`: `a/b/` for `a/b/x.html`, empty for
    // `x.html`.
    let dir = |p: &str| p.rfind('/').map_or(0, |i| i + 1);
    let (from_dir, to_dir) = (&from.as_bytes()[..dir(from)], &path[..dir(path)]);
    let file = &path[to_dir.len()..];
    let same = from_dir
        .iter()
        .zip(to_dir.as_bytes())
        .take_while(|(a, b)| a == b)
        .count();
    // Whole components only: back to the last shared `/`.
    let cut = from_dir[..same]
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(0, |i| i + 1);
    // One `../` for each of the page's components past the shared ones.
    let ups = from_dir[cut..].iter().filter(|&&b| b == b'/').count();
    let rest = &to_dir[cut..];
    let mut out = String::with_capacity(3 * ups + rest.len() + file.len() + tail.len() + 2);
    for _ in 0..ups {
        out.push_str("../");
    }
    out.push_str(rest);
    out.push_str(file);
    if out.is_empty() {
        // A directory URL of the page's own directory.
        out.push_str("./");
    }
    out.push_str(tail);
    out
}

/// The minijinja filter `href`: a site-relative URL as a link from the page
/// being rendered (its `path`); on pages served from any depth (the 404
/// page) it is made absolute with the base path instead.
pub fn filter(state: &minijinja::State<'_, '_>, target: String) -> String {
    let path = state.lookup("path");
    let path = path
        .as_ref()
        .and_then(minijinja::Value::as_str)
        .unwrap_or_default();
    if path == "404.html" {
        let base = state
            .lookup("base_path")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "/".to_string());
        return format!("{base}{target}");
    }
    relative(path, &target)
}

#[cfg(test)]
mod tests {
    use super::relative;

    /// The byte comparison gives what comparing split components gives.
    #[test]
    fn directories_compare_as_components() {
        fn by_components(from: &str, target: &str) -> String {
            let split = target.find(['#', '?']).unwrap_or(target.len());
            let (path, tail) = target.split_at(split);
            if path.is_empty() {
                return target.to_string();
            }
            let from_dirs: Vec<&str> = match from.rsplit_once('/') {
                Some((dir, _)) => dir.split('/').collect(),
                None => Vec::new(),
            };
            let mut to: Vec<&str> = path.split('/').collect();
            let file = to.pop().unwrap_or("");
            let common = from_dirs
                .iter()
                .zip(&to)
                .take_while(|(a, b)| a == b)
                .count();
            let mut out = "../".repeat(from_dirs.len() - common);
            for d in &to[common..] {
                out.push_str(d);
                out.push('/');
            }
            out.push_str(file);
            if out.is_empty() {
                out.push_str("./");
            }
            out.push_str(tail);
            out
        }
        let parts = ["a", "ab", "b", "a.b", ""];
        let mut paths = vec![String::from("x.html")];
        for p in parts {
            paths.push(format!("{p}/x.html"));
            for q in parts {
                paths.push(format!("{p}/{q}/x.html"));
                paths.push(format!("{p}/{q}/"));
                for r in ["a", "ab"] {
                    paths.push(format!("{p}/{q}/{r}/y.html#f"));
                }
            }
        }
        for from in &paths {
            for to in &paths {
                assert_eq!(
                    relative(from, to),
                    by_components(from, to),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn links_within_a_document_are_short() {
        let from = "a/1.0/set/doc/c/3.html";
        assert_eq!(
            relative(from, "a/1.0/set/doc/p/2.html#c-3"),
            "../p/2.html#c-3"
        );
        assert_eq!(relative(from, "a/1.0/set/doc/c/4.html"), "4.html");
        assert_eq!(relative(from, "a/1.0/set/doc/index.html"), "../index.html");
        assert_eq!(relative(from, "a/1.0/index.html"), "../../../index.html");
        assert_eq!(relative(from, "index.html"), "../../../../../index.html");
        assert_eq!(
            relative(from, "b/2/s/d/index.html"),
            "../../../../../b/2/s/d/index.html"
        );
    }

    #[test]
    fn links_from_the_root_and_to_directories() {
        assert_eq!(relative("index.html", "a/index.html"), "a/index.html");
        assert_eq!(relative("index.html", "index.html"), "index.html");
        assert_eq!(relative("a/index.html", "a/"), "./");
        assert_eq!(relative("a/b.html", "#x"), "#x");
        assert_eq!(relative("a/b.html", "a/b.html?q=1"), "b.html?q=1");
    }

    #[test]
    fn a_relative_link_resolves_to_its_target() {
        // Resolving the link against the page's directory gives the target back.
        let pages = [
            "index.html",
            "a/index.html",
            "a/1/s/d/p/9.html",
            "b/x/y.html",
        ];
        let targets = [
            "a/1/s/d/c/1.html",
            "b/index.html",
            "index.html",
            "a/1/t/e/index.html#h",
        ];
        for from in pages {
            for to in targets {
                let rel = relative(from, to);
                let mut dirs: Vec<&str> = from.split('/').collect();
                dirs.pop();
                for seg in rel.split('/') {
                    match seg {
                        ".." => {
                            dirs.pop().expect("no climbing above the root");
                        }
                        "." | "" => {}
                        s => dirs.push(s),
                    }
                }
                assert_eq!(dirs.join("/"), to, "{from} -> {to} via {rel}");
            }
        }
    }
}
