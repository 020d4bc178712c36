//! Links between documents: where each source document landed, so a link
//! written against the content tree points at the built page.

use crate::content::Catalog;
use std::collections::BTreeMap;

/// Where each source document landed, to rewrite links between documents.
pub struct LinkIndex {
    by_source: BTreeMap<String, (String, BTreeMap<String, u32>)>,
}

impl LinkIndex {
    pub fn new(lib: &Catalog) -> Self {
        let mut by_source = BTreeMap::new();
        for d in lib.documents() {
            let anchors: BTreeMap<String, u32> = d.doc.anchors.iter().cloned().collect();
            let source = &d.doc.source;
            // Pages of an HTML doc set dropped into the tree link to each
            // other by the converted Markdown's path (`x.md` for `x.html`).
            if crate::content::dropin::is_html(std::path::Path::new(source)) {
                let md = crate::content::dropin::md_path(source);
                by_source.insert(md, (d.dir(), BTreeMap::clone(&anchors)));
            }
            by_source.insert(source.clone(), (d.dir(), anchors));
        }
        LinkIndex { by_source }
    }

    /// A digest of every link target: equal digests resolve every link the
    /// same way.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for (source, (dir, anchors)) in &self.by_source {
            for part in [source, dir] {
                h.update(part.as_bytes());
                h.update([0]);
            }
            for (anchor, page) in anchors {
                h.update(anchor.as_bytes());
                h.update([0]);
                h.update(page.to_le_bytes());
            }
            h.update([1]);
        }
        h.finalize().into()
    }

    /// Site-relative URL for a link written in `from_source`, if it points at
    /// another document of the library.
    pub fn resolve(&self, from_source: &str, target: &str) -> Option<String> {
        let (path, fragment) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (target, None),
        };
        if path.is_empty() || path.starts_with('/') || path.contains(':') {
            return None;
        }
        let base = from_source.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let joined = normalise(&format!("{base}/{path}"))?;
        let trimmed = joined.trim_end_matches('/');
        let candidates = [
            trimmed.to_string(),
            format!("{trimmed}.md"),
            format!("{trimmed}/_index.md"),
            format!("{trimmed}/index.md"),
        ];
        let (dir, anchors) = candidates.iter().find_map(|c| self.by_source.get(c))?;
        Some(
            match fragment.and_then(|f| anchors.get(f).map(|p| (f, p))) {
                Some((f, page)) => format!("{}#{f}", crate::site::page_url(dir, *page)),
                None => crate::site::doc_url(dir),
            },
        )
    }
}

fn normalise(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    Some(out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_paths() {
        assert_eq!(normalise("a/b/../c/./d.md").as_deref(), Some("a/c/d.md"));
        assert_eq!(normalise("../x"), None);
    }
}
