//! Relative-path arithmetic for links inside a doc set (always `/`).

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

/// File name without extension.
pub(crate) fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rfind('.').map_or(name, |i| &name[..i])
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
    let path = percent_decode(path);
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

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
        assert_eq!(resolve("b.html", "https://x.org/a.html"), None);
        assert_eq!(resolve("b.html", "mailto:a@b"), None);
        assert_eq!(resolve("b.html", "#top"), None);
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
