//! Fragment files (display data of the chunks in a range of ordinals) and
//! the documents file (document keys and titles, loaded only when needed).
//!
//! A chunk's display data lives in one of two families of files. A chunk
//! that holds its own text is in an *own* fragment `f/<k>.bin` (ordinals
//! `k·g … k·g+g−1`). A *copy* (a twin set's member other than its
//! canonical one, see [`crate::twins`]) is in a copy fragment `c/<k>.bin`
//! (ordinals `k·G … k·G+G−1`) without its text, which its canonical
//! member's record holds. A reader tells the two apart with the chunk's twin
//! block. Copies' records are a few bytes each (their ids and URLs
//! front-code against their neighbours'), so G is larger than g: a file of
//! old-version copies grouped like own fragments would be mostly the
//! filesystem's block rounding.

use crate::codec::{Reader, Writer};
use crate::error::FormatError;

/// Display data of one chunk, as stored in a fragment file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChunkDisplay {
    pub id: String,
    pub url: String,
    pub title: String,
    pub breadcrumb: Vec<String>,
    pub page: u32,
    pub page_label: Option<String>,
    /// See [`crate::ChunkInput::paged`].
    pub paged: bool,
    pub document: String,
    /// Empty in a copy fragment: a copy's text is its canonical member's.
    pub text: String,
}

const SAME_DOC: u8 = 1;
const SAME_BREADCRUMB: u8 = 2;
const HAS_LABEL: u8 = 4;
const PAGED: u8 = 8;
const SAME_LABEL: u8 = 16;

/// Which family a fragment file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `f/<k>.bin`: records with their text.
    Own,
    /// `c/<k>.bin`: copies' records, without text.
    Copies,
}

/// Fragment payload: the file's first ordinal, the record count, then per
/// record the gap from the previous record's ordinal (from the first
/// ordinal for the first record) and the record. Each record starts with a
/// flags byte; id and URL are front-coded against the previous record,
/// title/document, breadcrumb and page label are omitted when equal to the
/// previous record's, and a breadcrumb that is not keeps the entries it
/// starts with in common with the previous one as a count (neighbouring
/// sections share their parents). A copy fragment's records have no text.
pub(crate) fn encode_fragment(
    first: u32,
    records: &[(u32, &ChunkDisplay)],
    family: Family,
) -> Vec<u8> {
    let mut w = Writer::new();
    w.varint(u64::from(first));
    w.varint(records.len() as u64);
    let empty = ChunkDisplay::default();
    let mut prev = &empty;
    let mut next = first;
    for (i, &(o, c)) in records.iter().enumerate() {
        debug_assert!(o >= next, "records in ascending ordinal order");
        w.varint(u64::from(o - next));
        next = o + 1;
        let same_doc = i > 0 && c.title == prev.title && c.document == prev.document;
        let same_bc = i > 0 && c.breadcrumb == prev.breadcrumb;
        let same_label = i > 0 && c.page_label.is_some() && c.page_label == prev.page_label;
        let flags = (u8::from(same_doc) * SAME_DOC)
            | (u8::from(same_bc) * SAME_BREADCRUMB)
            | (u8::from(c.page_label.is_some()) * HAS_LABEL)
            | (u8::from(c.paged) * PAGED)
            | (u8::from(same_label) * SAME_LABEL);
        w.u8(flags);
        w.front_coded(&prev.id, &c.id);
        w.front_coded(&prev.url, &c.url);
        if !same_doc {
            w.str(&c.title);
            w.str(&c.document);
        }
        if !same_bc {
            let shared = c
                .breadcrumb
                .iter()
                .zip(&prev.breadcrumb)
                .take_while(|(a, b)| a == b)
                .count();
            w.varint(shared as u64);
            w.varint((c.breadcrumb.len() - shared) as u64);
            for b in &c.breadcrumb[shared..] {
                w.str(b);
            }
        }
        w.varint(u64::from(c.page));
        if let (Some(l), false) = (&c.page_label, same_label) {
            w.str(l);
        }
        if family == Family::Own {
            w.str(&c.text);
        }
        prev = c;
    }
    w.buf
}

/// A decoded fragment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub first: u32,
    /// Ordinal of each record, ascending.
    pub ordinals: Vec<u32>,
    pub chunks: Vec<ChunkDisplay>,
}

impl Fragment {
    pub(crate) fn decode(payload: &[u8], family: Family) -> Result<Fragment, FormatError> {
        let mut r = Reader::new(payload);
        let first = r.varint_u32()?;
        let n = r.count(7)?;
        let mut chunks: Vec<ChunkDisplay> = Vec::with_capacity(n);
        let mut ordinals: Vec<u32> = Vec::with_capacity(n);
        let mut next = u64::from(first);
        for i in 0..n {
            let o = next
                .checked_add(r.varint()?)
                .and_then(|o| u32::try_from(o).ok())
                .ok_or(FormatError::Malformed("fragment ordinal out of range"))?;
            next = u64::from(o) + 1;
            let flags = r.u8()?;
            if flags & !(SAME_DOC | SAME_BREADCRUMB | HAS_LABEL | PAGED | SAME_LABEL) != 0 {
                return Err(FormatError::Malformed("unknown fragment flags"));
            }
            if i == 0 && flags & (SAME_DOC | SAME_BREADCRUMB | SAME_LABEL) != 0 {
                return Err(FormatError::Malformed(
                    "first record refers to a previous one",
                ));
            }
            let prev = chunks.last().cloned().unwrap_or_default();
            let id = r.front_coded(&prev.id)?;
            let url = r.front_coded(&prev.url)?;
            let (title, document) = if flags & SAME_DOC != 0 {
                (prev.title, prev.document)
            } else {
                (r.str()?.to_owned(), r.str()?.to_owned())
            };
            let breadcrumb = if flags & SAME_BREADCRUMB != 0 {
                prev.breadcrumb
            } else {
                let shared = usize::try_from(r.varint()?).unwrap_or(usize::MAX);
                if shared > prev.breadcrumb.len() {
                    return Err(FormatError::Malformed("bad breadcrumb prefix"));
                }
                let m = r.count(1)?;
                let mut b = prev.breadcrumb;
                b.truncate(shared);
                b.reserve(m);
                for _ in 0..m {
                    b.push(r.str()?.to_owned());
                }
                b
            };
            let page = r.varint_u32()?;
            let page_label = match (flags & HAS_LABEL != 0, flags & SAME_LABEL != 0) {
                (false, false) => None,
                (true, false) => Some(r.str()?.to_owned()),
                (true, true) if prev.page_label.is_some() => prev.page_label,
                _ => return Err(FormatError::Malformed("page label refers to none")),
            };
            let text = match family {
                Family::Own => r.str()?.to_owned(),
                Family::Copies => String::new(),
            };
            ordinals.push(o);
            chunks.push(ChunkDisplay {
                id,
                url,
                title,
                breadcrumb,
                page,
                page_label,
                paged: flags & PAGED != 0,
                document,
                text,
            });
        }
        if !r.is_empty() {
            return Err(FormatError::Malformed("trailing bytes in fragment"));
        }
        Ok(Fragment {
            first,
            ordinals,
            chunks,
        })
    }

    /// The record of `ordinal`, when this fragment holds it.
    pub(crate) fn get(&self, ordinal: u32) -> Option<&ChunkDisplay> {
        let i = self.ordinals.binary_search(&ordinal).ok()?;
        self.chunks.get(i)
    }

    /// Ordinal one past the last record's (the first ordinal when empty).
    pub(crate) fn end(&self) -> u32 {
        self.ordinals.last().map_or(self.first, |&o| o + 1)
    }
}

/// One entry of the documents file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    /// The `document` key chunks were indexed with.
    pub key: String,
    pub title: String,
    /// Chunk ordinals of the document: `start..end`.
    pub start: u32,
    pub end: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragment_round_trip_with_sharing_and_gaps() {
        let a = ChunkDisplay {
            id: "guide/intro#1".into(),
            url: "/acme/guide/intro.html#p1".into(),
            title: "Intro".into(),
            breadcrumb: vec!["Intro".into(), "Setup".into()],
            page: 3,
            page_label: Some("iii".into()),
            paged: true,
            document: "guide".into(),
            text: "Hello wörld".into(),
        };
        let mut b = a.clone();
        b.id = "guide/intro#2".into();
        b.url = "/acme/guide/intro.html#p2".into();
        b.page_label = None;
        b.paged = false;
        let mut c = b.clone();
        c.breadcrumb = vec![];
        c.title = "Other".into();
        let bytes = encode_fragment(7, &[(7, &a), (9, &b), (10, &c)], Family::Own);
        let f = Fragment::decode(&bytes, Family::Own).unwrap();
        assert_eq!((f.first, &f.ordinals[..]), (7, &[7, 9, 10][..]));
        assert_eq!(f.chunks, vec![a.clone(), b.clone(), c]);
        assert_eq!(f.get(9), Some(&b));
        assert_eq!(f.get(8), None);
        assert_eq!(f.get(6), None);
        assert_eq!(f.get(11), None);
        assert_eq!(f.end(), 11);
        // Read as the other family, the bytes are not a copy fragment.
        assert!(Fragment::decode(&bytes, Family::Copies).is_err());
    }

    #[test]
    fn copy_records_store_no_text_and_cost_a_few_bytes() {
        let text = "a passage that every version repeats word for word";
        let copy = |n: u32| ChunkDisplay {
            id: format!("acme::2.0::guide::setup::{n}"),
            url: format!("acme/2.0/guide/setup/c/{n}.html"),
            title: "Setup".into(),
            document: "setup".into(),
            page: n,
            ..Default::default()
        };
        let (x, y) = (copy(41), copy(42));
        let copies = encode_fragment(64, &[(70, &x), (71, &y)], Family::Copies);
        let f = Fragment::decode(&copies, Family::Copies).unwrap();
        assert_eq!(f.chunks, vec![x.clone(), y.clone()]);
        assert!(f.chunks.iter().all(|c| c.text.is_empty()));
        // The second record: gap, flags, the suffixes of id ("2") and URL
        // ("2.html") with their lengths, page.
        let one = encode_fragment(64, &[(70, &x)], Family::Copies);
        assert_eq!(copies.len() - one.len(), 1 + 1 + 3 + 8 + 1);
        // An own record with that text costs the text and its length more.
        let with_text = ChunkDisplay {
            text: text.into(),
            ..x.clone()
        };
        let own = encode_fragment(64, &[(70, &with_text)], Family::Own);
        assert_eq!(own.len(), one.len() + 1 + text.len());
    }

    #[test]
    fn neighbours_share_breadcrumb_parents_and_page_labels() {
        let section = |leaf: &str| ChunkDisplay {
            id: "a".into(),
            breadcrumb: vec!["Module".into(), "Cmdlets".into(), leaf.into()],
            page_label: Some("Cmdlets reference".into()),
            ..Default::default()
        };
        let (x, y) = (section("Get-Item"), section("Set-Item"));
        let both = encode_fragment(0, &[(0, &x), (1, &y)], Family::Copies);
        let one = encode_fragment(0, &[(0, &x)], Family::Copies);
        // Gap, flags, id, URL, 2 shared + 1 new entry ("Set-Item"), page.
        assert_eq!(both.len() - one.len(), 1 + 1 + 2 + 2 + (2 + 9) + 1);
        let f = Fragment::decode(&both, Family::Copies).unwrap();
        assert_eq!(f.chunks, vec![x.clone(), y]);
        // A label or breadcrumb that names entries the previous record
        // does not have is malformed.
        let mut w = Writer::new();
        w.varint(0);
        w.varint(1);
        w.varint(0); // gap
        w.u8(HAS_LABEL | SAME_LABEL);
        w.buf.extend([0; 8]);
        assert_eq!(
            Fragment::decode(&w.buf, Family::Copies).unwrap_err(),
            FormatError::Malformed("first record refers to a previous one")
        );
        let mut w = Writer::new();
        w.varint(0);
        w.varint(1);
        w.varint(0);
        w.u8(0);
        w.front_coded("", "a");
        w.front_coded("", "");
        w.str("");
        w.str("");
        w.varint(1); // one entry shared with a previous record that is not there
        w.varint(0);
        w.varint(0);
        assert_eq!(
            Fragment::decode(&w.buf, Family::Copies).unwrap_err(),
            FormatError::Malformed("bad breadcrumb prefix")
        );
    }

    #[test]
    fn ordinals_beyond_u32_are_malformed() {
        let mut w = Writer::new();
        w.varint(u64::from(u32::MAX));
        w.varint(2);
        for _ in 0..2 {
            // gap 0, flags, id, url, page
            w.varint(0);
            w.u8(0);
            w.front_coded("", "");
            w.front_coded("", "");
            w.str("");
            w.str("");
            w.varint(0); // breadcrumb: none shared, none new
            w.varint(0);
            w.varint(0); // page
        }
        assert_eq!(
            Fragment::decode(&w.buf, Family::Copies).unwrap_err(),
            FormatError::Malformed("fragment ordinal out of range")
        );
    }

    fn display(family: Family) -> impl proptest::strategy::Strategy<Value = ChunkDisplay> {
        use proptest::prelude::*;
        // Few distinct values, so consecutive records often share them.
        let word = prop::sample::select(vec!["", "a", "Intro", "Setup", "ü€", "a/b#1"]);
        (
            (word.clone(), word.clone(), word.clone()),
            prop::collection::vec(word.clone(), 0..3),
            (any::<u32>(), prop::option::of(word.clone()), any::<bool>()),
            (word.clone(), ".{0,40}"),
        )
            .prop_map(
                move |((id, url, title), bc, (page, label, paged), (doc, text))| ChunkDisplay {
                    id: id.into(),
                    url: url.into(),
                    title: title.into(),
                    breadcrumb: bc.into_iter().map(String::from).collect(),
                    page,
                    page_label: label.map(String::from),
                    paged,
                    document: doc.into(),
                    text: if family == Family::Copies {
                        String::new()
                    } else {
                        text
                    },
                },
            )
    }

    proptest::proptest! {
        #[test]
        fn fragments_of_any_chunks_round_trip(
            first in 0u32..1_000_000,
            own in proptest::collection::vec((0u32..4, display(Family::Own)), 0..12),
            copies in proptest::collection::vec((0u32..4, display(Family::Copies)), 0..12),
        ) {
            for (family, records) in [(Family::Own, own), (Family::Copies, copies)] {
                let mut at = first;
                let mut ordinals = Vec::new();
                for (gap, _) in &records {
                    ordinals.push(at + gap);
                    at += gap + 1;
                }
                let refs: Vec<(u32, &ChunkDisplay)> =
                    ordinals.iter().copied().zip(records.iter().map(|(_, c)| c)).collect();
                let bytes = encode_fragment(first, &refs, family);
                let f = Fragment::decode(&bytes, family).unwrap();
                let chunks: Vec<ChunkDisplay> = records.into_iter().map(|(_, c)| c).collect();
                proptest::prop_assert_eq!(f, Fragment { first, ordinals, chunks });
            }
        }
    }
}
