//! Paths inside an imported set: the one place that splits, cleans and
//! resolves them. Either separator is accepted on input (`\\` from
//! Windows tools); output always uses `/`. `%xx` escapes in links are
//! decoded by the `percent-encoding` crate.

/// Normalises a relative path: `/` separators, no `.` or empty segments,
/// `..` applied (never above the root).
pub(crate) fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Directory part of a path ("" for top-level files).
fn dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Last segment of a path, after `/` or `\\`.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// File name without its extension; a name that only starts with a dot
/// (`.hidden`) is kept whole.
pub(crate) fn stem(path: &str) -> &str {
    let name = file_name(path);
    match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    }
}

/// The page an `href` on page `from` points to, when it is a relative link
/// within the set (scheme, protocol-relative and pure-fragment links give
/// `None`). Query and fragment are dropped; `%xx` escapes are decoded.
pub(crate) fn resolve(from: &str, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') || href.starts_with("//") || has_scheme(href) {
        return None;
    }
    let path = href.split(['#', '?']).next().unwrap_or("");
    if path.is_empty() {
        return None;
    }
    // Invalid escapes (`%zz`, a trailing `%2`) stay as written; bytes
    // that are not UTF-8 become U+FFFD.
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    let joined = if let Some(abs) = path.strip_prefix('/') {
        abs.to_string()
    } else {
        let d = dir(from);
        if d.is_empty() {
            path
        } else {
            format!("{d}/{path}")
        }
    };
    let mut cleaned = clean(&joined);
    if joined.ends_with('/') || cleaned.is_empty() {
        // A directory link means its index page.
        cleaned = if cleaned.is_empty() {
            "index.html".to_string()
        } else {
            format!("{cleaned}/index.html")
        };
    }
    Some(cleaned)
}

/// The element id an `href` names after `#`, `%xx` escapes decoded; `None`
/// without one, or for one holding U+E000..U+E003 (the HTML importer's
/// marks for fragments; pages are cleared of them, so no id has them).
pub(crate) fn fragment(href: &str) -> Option<String> {
    let (_, f) = href.split_once('#')?;
    let id = percent_encoding::percent_decode_str(f.trim())
        .decode_utf8_lossy()
        .into_owned();
    let mark = |c: char| matches!(c, '\u{E000}'..='\u{E003}');
    (!id.is_empty() && !id.contains(mark)).then_some(id)
}

/// The pages a resolved link may name, best first: the path itself, then,
/// for a last segment without an extension (`/docs/intro`, as sites with
/// extensionless URLs link their pages), the directory's index page and the
/// same name with `.html`.
pub(crate) fn candidates(target: &str) -> impl Iterator<Item = String> + '_ {
    let bare = !file_name(target).contains('.');
    std::iter::once(target.to_string()).chain(
        ["/index.html", ".html", "/index.htm", ".htm"]
            .into_iter()
            .filter(move |_| bare)
            .map(move |suffix| format!("{target}{suffix}")),
    )
}

pub(crate) fn has_scheme(href: &str) -> bool {
    match href.find(':') {
        Some(i) => {
            let scheme = &href[..i];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !href[..i].contains('/')
        }
        None => false,
    }
}

/// Where the Markdown for an HTML page goes: same path, `.md` extension.
pub(crate) fn md_path(html_path: &str) -> String {
    let name_start = html_path.rfind('/').map_or(0, |i| i + 1);
    match html_path[name_start..].rfind('.') {
        Some(i) => format!("{}.md", &html_path[..name_start + i]),
        None => format!("{html_path}.md"),
    }
}

/// Relative path from the document at `from` to the one at `to`.
pub(crate) fn relative(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = dir(from).split('/').filter(|s| !s.is_empty()).collect();
    let to_parts: Vec<&str> = to.split('/').collect();
    let to_dir = &to_parts[..to_parts.len() - 1];
    let common = from_dir
        .iter()
        .zip(to_dir)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out: Vec<&str> = vec![".."; from_dir.len() - common];
    out.extend(&to_parts[common..]);
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolving() {
        assert_eq!(resolve("a/b.html", "c.html#x").as_deref(), Some("a/c.html"));
        assert_eq!(resolve("a/b.html", "../c.html").as_deref(), Some("c.html"));
        assert_eq!(resolve("a/b.html", "./").as_deref(), Some("a/index.html"));
        assert_eq!(resolve("b.html", "sub/").as_deref(), Some("sub/index.html"));
        assert_eq!(resolve("b.html", "x%20y.html").as_deref(), Some("x y.html"));
        let c: Vec<String> = candidates("docs/intro").collect();
        assert_eq!(
            c,
            [
                "docs/intro",
                "docs/intro/index.html",
                "docs/intro.html",
                "docs/intro/index.htm",
                "docs/intro.htm"
            ]
        );
        assert_eq!(candidates("a/b.html").count(), 1);
        assert_eq!(resolve("b.html", "https://x.org/a.html"), None);
        assert_eq!(resolve("b.html", "mailto:a@b"), None);
        assert_eq!(resolve("b.html", "#top"), None);
    }

    #[test]
    fn percent_escapes_in_links() {
        let r = |href| resolve("a/b.html", href);
        assert_eq!(r("x%20y.html").as_deref(), Some("a/x y.html"));
        assert_eq!(r("caf%C3%A9.html").as_deref(), Some("a/café.html"));
        // Escapes are case-insensitive, and a decoded `/` or `..` is a path
        // separator or step like a written one, never above the root.
        assert_eq!(r("sub%2fc.html").as_deref(), Some("a/sub/c.html"));
        assert_eq!(r("%2e%2e/%2E%2E/%2e%2e/c.html").as_deref(), Some("c.html"));
        // Invalid or cut-off escapes stay as written.
        assert_eq!(r("100%zz.html").as_deref(), Some("a/100%zz.html"));
        assert_eq!(r("x%2").as_deref(), Some("a/x%2"));
        assert_eq!(r("x%").as_deref(), Some("a/x%"));
        // Bytes that are not UTF-8 become U+FFFD.
        assert_eq!(r("x%FF.html").as_deref(), Some("a/x\u{FFFD}.html"));
        // The query and fragment go before decoding: an escaped `#` is part
        // of the name.
        assert_eq!(r("c%23d.html#x").as_deref(), Some("a/c#d.html"));
    }

    #[test]
    fn names_and_stems() {
        assert_eq!(file_name("a/b/c.html"), "c.html");
        assert_eq!(file_name("C:\\docs\\manual.pdf"), "manual.pdf");
        assert_eq!(file_name("plain"), "plain");
        assert_eq!(stem("a/genindex.html"), "genindex");
        assert_eq!(stem("dir\\R-intro.pdf"), "R-intro");
        assert_eq!(stem("a/archive.tar.gz"), "archive.tar");
        assert_eq!(stem(".hidden"), ".hidden");
        assert_eq!(stem("noext"), "noext");
        assert_eq!(clean("./a\\b/../c//d.html"), "a/c/d.html");
        assert_eq!(clean("../../x"), "x");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative("a/b.md", "a/c.md"), "c.md");
        assert_eq!(relative("a/b.md", "c.md"), "../c.md");
        assert_eq!(relative("b.md", "a/c.md"), "a/c.md");
        assert_eq!(relative("a/x/b.md", "a/y/c.md"), "../y/c.md");
        assert_eq!(md_path("tutorial/index.html"), "tutorial/index.md");
        assert_eq!(stem("a/genindex.html"), "genindex");
    }
}
