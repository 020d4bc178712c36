//! Document-type prior: release notes, changelogs and "what's new" pages
//! name every feature they touch, so a query for a feature finds them next
//! to (and, within one version, often above) the page that explains it.
//! The writer recognises them by title and document key; search ranks
//! their chunks lower unless the query asks about changes.

use crate::codec::{Reader, Writer};
use crate::error::FormatError;
use crate::query::Query;

/// Score multiplier of a chunk of a change document (see
/// [`is_changes_document`]) for a query that does not ask about changes.
pub const CHANGES_PRIOR: f32 = 0.5;

/// Lowercase runs of ASCII letters and digits.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn has_seq(w: &[String], seq: &[&str]) -> bool {
    w.windows(seq.len())
        .any(|win| win.iter().zip(seq).all(|(a, b)| a == b))
}

/// Whether a title (or a file name) names a list of changes.
fn names_changes(s: &str) -> bool {
    let w = words(s);
    let only = |x: &str| w.len() == 1 && w[0] == x;
    w.iter().any(|x| {
        matches!(
            x.as_str(),
            "changelog" | "changelogs" | "releasenotes" | "whatsnew"
        )
    }) || has_seq(&w, &["release", "notes"])
        || has_seq(&w, &["release", "note"])
        || has_seq(&w, &["release", "history"])
        || has_seq(&w, &["version", "history"])
        || has_seq(&w, &["change", "log"])
        || has_seq(&w, &["what", "s", "new"])
        || has_seq(&w, &["whats", "new"])
        || w.starts_with(&["changes".to_string(), "in".to_string()])
        || only("changes")
        || only("news")
}

/// Whether a document is release notes, a changelog or a "what's new"
/// page, from its title and the last segment of its key.
pub fn is_changes_document(key: &str, title: &str) -> bool {
    let last = key.rsplit('/').next().unwrap_or(key);
    names_changes(title) || names_changes(last)
}

/// Whether the query asks about changes ("what's new in 7.4", "breaking
/// changes", "release notes"): then change documents rank as they are.
pub fn asks_for_changes(q: &Query) -> bool {
    words(&q.semantic_text()).iter().any(|w| {
        matches!(
            w.as_str(),
            "new"
                | "release"
                | "released"
                | "releases"
                | "changelog"
                | "changelogs"
                | "changes"
                | "changed"
                | "breaking"
                | "news"
        )
    })
}

/// The chunks of the change documents of an index, as ordinal ranges
/// (adjacent documents merged): the manifest's CHANGES section, bounded by
/// the number of change documents, not by the library. Body: `v n` · n ×
/// (`v` gap from the previous range's end · `v` length).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChangeDocs {
    ranges: Vec<(u32, u32)>,
}

impl ChangeDocs {
    /// From (chunk count, key, title) per document, in ordinal order.
    pub(crate) fn find<'a>(docs: impl IntoIterator<Item = (u32, &'a str, &'a str)>) -> ChangeDocs {
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        let mut at = 0u32;
        for (n, key, title) in docs {
            if is_changes_document(key, title) {
                match ranges.last_mut() {
                    Some(r) if r.1 == at => r.1 += n,
                    _ => ranges.push((at, at + n)),
                }
            }
            at += n;
        }
        ChangeDocs { ranges }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether chunk `o` belongs to a change document.
    pub(crate) fn contains(&self, o: u32) -> bool {
        let i = self.ranges.partition_point(|r| r.1 <= o);
        self.ranges.get(i).is_some_and(|r| r.0 <= o)
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.varint(self.ranges.len() as u64);
        let mut end = 0u32;
        for &(a, b) in &self.ranges {
            w.varint(u64::from(a - end));
            w.varint(u64::from(b - a));
            end = b;
        }
        w.buf
    }

    /// Decodes a section body of an index with `chunk_count` chunks.
    pub(crate) fn decode(body: &[u8], chunk_count: u32) -> Result<ChangeDocs, FormatError> {
        let mut r = Reader::new(body);
        let n = r.count(2)?;
        let mut ranges = Vec::with_capacity(n);
        let mut end = 0u64;
        for _ in 0..n {
            let a = end + r.varint()?;
            let b = a + r.varint()?;
            if b == a || b > u64::from(chunk_count) {
                return Err(FormatError::Malformed("change document out of range"));
            }
            ranges.push((a as u32, b as u32));
            end = b;
        }
        if !r.is_empty() {
            return Err(FormatError::Malformed("trailing bytes in changes section"));
        }
        Ok(ChangeDocs { ranges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{parse_query, Filters};

    #[test]
    fn recognises_change_documents_by_title_or_key() {
        for (key, title) in [
            ("release-notes", "Relay 5.0"),
            ("guide/CHANGELOG", "Changes"),
            (
                "whats-new/What-s-New-in-PowerShell-74",
                "What's New in PowerShell 7.4",
            ),
            ("news", "News"),
            ("x", "Release Notes for 3.5"),
            ("changes-3.5", "Changes in 3.5"),
        ] {
            assert!(is_changes_document(key, title), "{key} / {title}");
        }
        for (key, title) in [
            ("admin/recording", "Call recording"),
            (
                "whats-new/differences-from-windows-powershell",
                "Differences",
            ),
            ("api/fs", "File system"),
            ("ops/changing-config", "Changing the configuration"),
            ("newsletter", "Notes on releasing a version"),
        ] {
            assert!(!is_changes_document(key, title), "{key} / {title}");
        }
    }

    #[test]
    fn queries_about_changes() {
        let q = |t: &str| parse_query(t, Filters::default());
        assert!(asks_for_changes(&q("what's new in 7.4")));
        assert!(asks_for_changes(&q("\"breaking changes\"")));
        assert!(!asks_for_changes(&q("configure call recording")));
    }

    #[test]
    fn round_trip_and_bounds() {
        let c = ChangeDocs::find([
            (2, "a", "A"),
            (3, "changelog", "x"),
            (1, "news", "News"),
            (1, "b", "B"),
            (2, "n", "News"),
        ]);
        // The changelog and the news next to it make one range.
        assert_eq!(c.ranges, vec![(2, 6), (7, 9)]);
        assert_eq!(ChangeDocs::decode(&c.encode(), 9).unwrap(), c);
        assert!(ChangeDocs::decode(&c.encode(), 8).is_err());
        let inside: Vec<u32> = (0..9).filter(|&o| c.contains(o)).collect();
        assert_eq!(inside, vec![2, 3, 4, 5, 7, 8]);
    }
}
