//! Fragment files (display data of a group of consecutive chunks) and the
//! documents file (document keys and titles, loaded only when needed).

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
    /// Empty when [`ChunkDisplay::twin_of`] is set.
    pub text: String,
    /// The canonical member of the chunk's twin set (see
    /// [`crate::twins`]), whose record holds the text they share: a
    /// passage repeated across versions is stored once.
    pub twin_of: Option<u32>,
}

const SAME_DOC: u8 = 1;
const SAME_BREADCRUMB: u8 = 2;
const HAS_LABEL: u8 = 4;
const PAGED: u8 = 8;
const TWIN: u8 = 16;

/// Fragment payload: first ordinal, count, then one record per chunk. Each
/// record starts with a flags byte; id and URL are front-coded against the
/// previous record, and title/document/breadcrumb are omitted when equal to
/// the previous record's. A twin's record holds its canonical ordinal in
/// place of the text.
pub fn encode_fragment(first: u32, chunks: &[&ChunkDisplay]) -> Vec<u8> {
    let mut w = Writer::new();
    w.varint(u64::from(first));
    w.varint(chunks.len() as u64);
    let empty = ChunkDisplay::default();
    let mut prev = &empty;
    for (i, c) in chunks.iter().enumerate() {
        let same_doc = i > 0 && c.title == prev.title && c.document == prev.document;
        let same_bc = i > 0 && c.breadcrumb == prev.breadcrumb;
        let flags = (u8::from(same_doc) * SAME_DOC)
            | (u8::from(same_bc) * SAME_BREADCRUMB)
            | (u8::from(c.page_label.is_some()) * HAS_LABEL)
            | (u8::from(c.paged) * PAGED)
            | (u8::from(c.twin_of.is_some()) * TWIN);
        w.u8(flags);
        w.front_coded(&prev.id, &c.id);
        w.front_coded(&prev.url, &c.url);
        if !same_doc {
            w.str(&c.title);
            w.str(&c.document);
        }
        if !same_bc {
            w.varint(c.breadcrumb.len() as u64);
            for b in &c.breadcrumb {
                w.str(b);
            }
        }
        w.varint(u64::from(c.page));
        if let Some(l) = &c.page_label {
            w.str(l);
        }
        match c.twin_of {
            Some(o) => w.varint(u64::from(o)),
            None => w.str(&c.text),
        }
        prev = c;
    }
    w.buf
}

/// A decoded fragment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub first: u32,
    pub chunks: Vec<ChunkDisplay>,
}

impl Fragment {
    pub fn decode(payload: &[u8]) -> Result<Fragment, FormatError> {
        let mut r = Reader::new(payload);
        let first = r.varint_u32()?;
        let n = r.count(5)?;
        let mut chunks: Vec<ChunkDisplay> = Vec::with_capacity(n);
        for i in 0..n {
            let flags = r.u8()?;
            if flags & !(SAME_DOC | SAME_BREADCRUMB | HAS_LABEL | PAGED | TWIN) != 0 {
                return Err(FormatError::Malformed("unknown fragment flags"));
            }
            if i == 0 && flags & (SAME_DOC | SAME_BREADCRUMB) != 0 {
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
                let m = r.count(1)?;
                let mut b = Vec::with_capacity(m);
                for _ in 0..m {
                    b.push(r.str()?.to_owned());
                }
                b
            };
            let page = r.varint_u32()?;
            let page_label = if flags & HAS_LABEL != 0 {
                Some(r.str()?.to_owned())
            } else {
                None
            };
            let (text, twin_of) = if flags & TWIN != 0 {
                let o = r.varint_u32()?;
                if o == first.wrapping_add(i as u32) {
                    return Err(FormatError::Malformed("chunk is its own twin"));
                }
                (String::new(), Some(o))
            } else {
                (r.str()?.to_owned(), None)
            };
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
                twin_of,
            });
        }
        if !r.is_empty() {
            return Err(FormatError::Malformed("trailing bytes in fragment"));
        }
        Ok(Fragment { first, chunks })
    }

    /// The record of `ordinal`, when this fragment holds it.
    pub(crate) fn get(&self, ordinal: u32) -> Option<&ChunkDisplay> {
        self.chunks.get(ordinal.checked_sub(self.first)? as usize)
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
    fn fragment_round_trip_with_sharing() {
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
            twin_of: None,
        };
        let mut b = a.clone();
        b.id = "guide/intro#2".into();
        b.url = "/acme/guide/intro.html#p2".into();
        b.page_label = None;
        b.paged = false;
        let mut c = b.clone();
        c.breadcrumb = vec![];
        c.title = "Other".into();
        let mut d = c.clone();
        d.id = "guide/intro#3".into();
        d.text = String::new();
        d.twin_of = Some(1_000_000);
        let bytes = encode_fragment(7, &[&a, &b, &c, &d]);
        let f = Fragment::decode(&bytes).unwrap();
        assert_eq!(f.first, 7);
        assert_eq!(f.chunks, vec![a, b, c, d]);
        assert_eq!(f.get(10).map(|c| c.twin_of), Some(Some(1_000_000)));
        assert_eq!(f.get(6), None);
        assert_eq!(f.get(11), None);
    }

    #[test]
    fn twin_record_stores_no_text_and_may_not_name_itself() {
        let text = "a passage that every version repeats word for word";
        let own = ChunkDisplay {
            id: "v1/a#1".into(),
            text: text.into(),
            ..Default::default()
        };
        let twin = ChunkDisplay {
            id: "v2/a#1".into(),
            twin_of: Some(0),
            ..Default::default()
        };
        let copy = ChunkDisplay {
            text: text.into(),
            twin_of: None,
            ..twin.clone()
        };
        let with_text = encode_fragment(3, &[&own, &copy]);
        let with_ref = encode_fragment(3, &[&own, &twin]);
        // The text and its length go; a one-byte ordinal comes.
        assert_eq!(with_ref.len() + text.len(), with_text.len());
        assert_eq!(Fragment::decode(&with_ref).unwrap().chunks[1], twin);
        // Record 4 naming ordinal 4 would send a reader round in a loop.
        let own_loop = encode_fragment(
            3,
            &[
                &own,
                &ChunkDisplay {
                    twin_of: Some(4),
                    ..Default::default()
                },
            ],
        );
        assert_eq!(
            Fragment::decode(&own_loop).unwrap_err(),
            FormatError::Malformed("chunk is its own twin")
        );
    }

    fn display() -> impl proptest::strategy::Strategy<Value = ChunkDisplay> {
        use proptest::prelude::*;
        // Few distinct values, so consecutive records often share them.
        let word = prop::sample::select(vec!["", "a", "Intro", "Setup", "ü€", "a/b#1"]);
        (
            (word.clone(), word.clone(), word.clone()),
            prop::collection::vec(word.clone(), 0..3),
            (any::<u32>(), prop::option::of(word.clone()), any::<bool>()),
            (
                word.clone(),
                ".{0,40}",
                prop::option::of(1_000_000u32..2_000_000),
            ),
        )
            .prop_map(
                |((id, url, title), bc, (page, label, paged), (doc, text, twin_of))| ChunkDisplay {
                    id: id.into(),
                    url: url.into(),
                    title: title.into(),
                    breadcrumb: bc.into_iter().map(String::from).collect(),
                    page,
                    page_label: label.map(String::from),
                    paged,
                    document: doc.into(),
                    text: if twin_of.is_some() {
                        String::new()
                    } else {
                        text
                    },
                    twin_of,
                },
            )
    }

    proptest::proptest! {
        #[test]
        fn fragments_of_any_chunks_round_trip(
            first in 0u32..1_000_000,
            chunks in proptest::collection::vec(display(), 0..12),
        ) {
            let bytes = encode_fragment(first, &chunks.iter().collect::<Vec<_>>());
            let f = Fragment::decode(&bytes).unwrap();
            proptest::prop_assert_eq!(f, Fragment { first, chunks });
        }
    }
}
