//! Links between documents: where each source document landed, so a link
//! written against the content tree points at the built page.

use crate::content::Catalog;
use std::collections::BTreeMap;

/// A document links point at: its directory, its place among the
/// library's documents, and its headings' anchors with their page and
/// chunk numbers.
struct Target {
    dir: String,
    doc: usize,
    anchors: BTreeMap<String, (u32, u32)>,
}

/// Where each source document landed, to rewrite links between documents.
pub struct LinkIndex {
    by_source: BTreeMap<String, Target>,
}

impl LinkIndex {
    pub fn new(lib: &Catalog) -> Self {
        let mut by_source = BTreeMap::new();
        for (doc, d) in lib.documents().enumerate() {
            let target = || Target {
                dir: d.dir(),
                doc,
                anchors: d
                    .doc
                    .anchors
                    .iter()
                    .map(|(a, page, chunk)| (a.clone(), (*page, *chunk)))
                    .collect(),
            };
            let source = &d.doc.source;
            // Pages of an HTML doc set dropped into the tree link to each
            // other by the converted Markdown's path (`x.md` for `x.html`).
            if crate::content::dropin::is_html(std::path::Path::new(source)) {
                by_source.insert(crate::content::dropin::md_path(source), target());
            }
            by_source.insert(source.clone(), target());
        }
        LinkIndex { by_source }
    }

    /// A digest of every link target: equal digests resolve every link the
    /// same way.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for (source, t) in &self.by_source {
            for part in [source, &t.dir] {
                h.update(part.as_bytes());
                h.update([0]);
            }
            for (anchor, (page, _)) in &t.anchors {
                h.update(anchor.as_bytes());
                h.update([0]);
                h.update(page.to_le_bytes());
            }
            h.update([1]);
        }
        h.finalize().into()
    }

    /// The document a link written in `from_source` points at, and the
    /// link's fragment.
    fn target<'a>(&self, from_source: &str, target: &'a str) -> Option<(&Target, Option<&'a str>)> {
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
        let t = candidates.iter().find_map(|c| self.by_source.get(c))?;
        Some((t, fragment))
    }

    /// Site-relative URL for a link written in `from_source`, if it points at
    /// another document of the library.
    pub fn resolve(&self, from_source: &str, target: &str) -> Option<String> {
        let (t, fragment) = self.target(from_source, target)?;
        Some(
            match fragment.and_then(|f| t.anchors.get(f).map(|(p, _)| (f, p))) {
                Some((f, page)) => format!("{}#{f}", crate::site::page_url(&t.dir, *page)),
                None => crate::site::doc_url(&t.dir),
            },
        )
    }

    /// The chunk (place of its document among the library's, chunk number)
    /// that a link written in `from_source` lands on, when it names a
    /// heading of another document.
    fn chunk_of(&self, from_source: &str, target: &str) -> Option<(usize, u32)> {
        let (t, fragment) = self.target(from_source, target)?;
        let (_, chunk) = t.anchors.get(fragment?)?;
        (*chunk > 0).then_some((t.doc, *chunk))
    }
}

/// How many other documents link to a heading in each chunk, by chunk id
/// (chunks no link lands on are left out). A document counts once however
/// often it links; links within a document do not count. Builds the
/// library's link index; a renderer counts with its own
/// ([`crate::render::Renderer::inlinks`]).
pub fn inlinks(lib: &Catalog) -> std::collections::HashMap<String, u32> {
    LinkIndex::new(lib).inlinks(lib)
}

impl LinkIndex {
    /// [`inlinks`] through this index (made from `lib`).
    pub fn inlinks(&self, lib: &Catalog) -> std::collections::HashMap<String, u32> {
        let t = std::time::Instant::now();
        let docs: Vec<_> = lib.documents().collect();
        let mut seen = std::collections::HashSet::new();
        let mut counts = std::collections::HashMap::new();
        for (from, d) in docs.iter().enumerate() {
            for link in &d.doc.fragment_links {
                let Some((doc, chunk)) = self.chunk_of(&d.doc.source, link) else {
                    continue;
                };
                if doc != from && seen.insert((doc, chunk, from)) {
                    *counts.entry(docs[doc].chunk_id(chunk)).or_insert(0) += 1;
                }
            }
        }
        tracing::debug!(elapsed = ?t.elapsed(), links = seen.len(), chunks = counts.len(), "in-links counted");
        counts
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
