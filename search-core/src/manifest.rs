//! The manifest: the one file every query needs. It holds the settings, the
//! shard table, the facet tree down to the doc sets and the block sizes of
//! the other files, as a versioned list of typed sections so later features
//! (vectors) can add sections without a rewrite. Nothing in it is per
//! document or per chunk: those tables live in blocks (`d/`, `w/`) fetched
//! for the filters and results that need them, so the manifest grows with
//! the number of facet values, not with the library: the term-shard table
//! keeps a bounded sample here and the rest in directory blocks (`s/`, see
//! [`crate::directory`]).

use crate::codec::{Reader, Writer};
use crate::directory::ShardTable;
use crate::embed::vectors::SemanticSettings;
use crate::error::FormatError;
use crate::names::ProductNames;
use crate::prior::ChangeDocs;
use crate::synonyms::SynonymSettings;
use crate::tokenize::TokenizerSettings;

/// Section kinds. Numbers are stable; new ones get new numbers.
pub mod section {
    pub const SETTINGS: u16 = 1;
    pub const SHARDS: u16 = 2;
    pub const FACETS: u16 = 3;
    pub const FRAGMENTS: u16 = 4;
    /// Chunks per document and twin block, and whether twin blocks exist.
    pub const BLOCKS: u16 = 5;
    /// Semantic search settings and partition centroids (optional: a
    /// reader that does not know it stays lexical).
    pub const SEMANTIC: u16 = 16;
    // 17 held the twin runs of format 1; they are in twin blocks now.
    /// Release notes and changelogs, ranked lower (optional: a reader that
    /// does not know it ranks them like any page).
    pub const CHANGES: u16 = 18;
    /// A site's thesaurus settings (optional: a reader that does not know
    /// it uses its built-in thesaurus).
    pub const SYNONYMS: u16 = 19;
    /// Names of products besides their ids (optional: a reader that does
    /// not know it knows products by their ids alone).
    pub const NAMES: u16 = 20;
}

/// Flag bit of a section entry: readers that do not know the kind must reject
/// the file instead of skipping the section.
pub const SECTION_REQUIRED: u8 = 1;

/// BM25F parameters of one field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldParams {
    /// Multiplier on the field's term frequency.
    pub weight: f32,
    /// Length normalisation (0 = none, 1 = full).
    pub b: f32,
}

/// BM25F parameters, applied when the index is built (impacts are
/// precomputed, see README) and stored in the manifest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankingParams {
    pub k1: f32,
    pub title: FieldParams,
    pub heading: FieldParams,
    pub body: FieldParams,
}

impl Default for RankingParams {
    fn default() -> Self {
        RankingParams {
            k1: 1.2,
            title: FieldParams {
                weight: 2.0,
                b: 0.5,
            },
            heading: FieldParams {
                weight: 1.5,
                b: 0.5,
            },
            body: FieldParams {
                weight: 1.0,
                b: 0.75,
            },
        }
    }
}

impl RankingParams {
    pub(crate) fn fields(&self) -> [FieldParams; 3] {
        [self.title, self.heading, self.body]
    }
}

/// Index-wide settings (section SETTINGS).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub tokenizer: TokenizerSettings,
    pub ranking: RankingParams,
    pub chunk_count: u32,
    /// Average length in positions of title, heading and body.
    pub avg_len: [f32; 3],
    /// Chunks per own fragment file `f/<k>.bin`.
    pub fragment_group: u32,
    /// Chunks per copy fragment file `c/<k>.bin` (see [`crate::fragment`]).
    pub copy_group: u32,
}

/// Facet levels above the document, in sort order.
pub const LEVELS: usize = 4;

/// The facet hierarchy vendor → product → version → doc set → document →
/// chunks. Chunk ordinals are assigned in this order, so every node covers
/// one contiguous ordinal range. The manifest stops at the doc sets: the
/// documents are counted, their table is in the document blocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacetTree {
    /// Distinct names per level (vendor, product, version, doc set), sorted.
    pub names: [Vec<String>; LEVELS],
    /// Per level: (name index, number of children in the next level; for
    /// doc sets, the number of documents).
    pub nodes: [Vec<(u32, u32)>; LEVELS],
    /// Chunks per doc set node, in ordinal order.
    pub leaf_chunks: Vec<u32>,
}

impl FacetTree {
    /// Number of documents.
    pub fn document_count(&self) -> u32 {
        self.nodes[LEVELS - 1].iter().map(|n| n.1).sum()
    }
}

/// Sizes of the block files (section BLOCKS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocks {
    /// Chunks per document block `d/<k>.bin` and twin block `w/<k>.bin`.
    pub chunks: u32,
    /// Whether the index has twin blocks (some passage has twins).
    pub twins: bool,
}

/// Decoded manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub build_id: u32,
    /// The id the fragment files carry instead of the build id: a digest of
    /// their payloads, which the build writes before the rest of the index
    /// is known. The build id covers it through this manifest.
    pub fragments_id: u32,
    pub settings: Settings,
    /// The term-shard table's root: shard `i` holds the terms from its
    /// first term up to the next shard's first term (exclusive).
    pub shards: ShardTable,
    pub facets: FacetTree,
    /// Vector settings, for indexes built with a model.
    pub semantic: Option<SemanticSettings>,
    pub blocks: Blocks,
    /// Change documents (release notes, changelogs); empty when none.
    pub(crate) changes: ChangeDocs,
    /// The site's thesaurus settings.
    pub(crate) synonyms: SynonymSettings,
    /// Names of products besides their ids.
    pub(crate) names: ProductNames,
}

impl Manifest {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        let mut sections = vec![
            (section::SETTINGS, self.encode_settings(), SECTION_REQUIRED),
            (section::SHARDS, self.shards.encode(), SECTION_REQUIRED),
            (section::FACETS, self.encode_facets(), SECTION_REQUIRED),
            (
                section::FRAGMENTS,
                {
                    let mut s = Writer::new();
                    s.varint(u64::from(self.settings.fragment_group));
                    s.u32(self.fragments_id);
                    s.varint(u64::from(self.settings.copy_group));
                    s.buf
                },
                SECTION_REQUIRED,
            ),
            (
                section::BLOCKS,
                {
                    let mut s = Writer::new();
                    s.varint(u64::from(self.blocks.chunks));
                    s.u8(u8::from(self.blocks.twins));
                    s.buf
                },
                SECTION_REQUIRED,
            ),
        ];
        if let Some(s) = &self.semantic {
            // Optional: an older reader skips it and stays lexical.
            sections.push((section::SEMANTIC, s.encode(), 0));
        }
        if !self.changes.is_empty() {
            sections.push((section::CHANGES, self.changes.encode(), 0));
        }
        if !self.synonyms.is_default() {
            sections.push((section::SYNONYMS, self.synonyms.encode(), 0));
        }
        if !self.names.is_empty() {
            sections.push((section::NAMES, self.names.encode(), 0));
        }
        w.varint(sections.len() as u64);
        for (kind, body, flags) in &sections {
            w.varint(u64::from(*kind));
            w.u8(*flags);
            w.varint(body.len() as u64);
        }
        for (_, body, _) in &sections {
            w.bytes(body);
        }
        w.buf
    }

    fn encode_settings(&self) -> Vec<u8> {
        let s = &self.settings;
        let mut w = Writer::new();
        let t = s.tokenizer;
        w.u8(u8::from(t.stem)
            | u8::from(t.fold_diacritics) << 1
            | u8::from(t.stop_words) << 2
            | u8::from(t.stop_pairs) << 3);
        w.u8(1); // stemmer language: 1 = English (Snowball); the only one so far
        w.varint(u64::from(s.chunk_count));
        w.f32(s.ranking.k1);
        for f in s.ranking.fields() {
            w.f32(f.weight);
            w.f32(f.b);
        }
        for a in s.avg_len {
            w.f32(a);
        }
        w.buf
    }

    fn encode_facets(&self) -> Vec<u8> {
        let f = &self.facets;
        let mut w = Writer::new();
        for level in 0..LEVELS {
            w.varint(f.names[level].len() as u64);
            let mut prev = "";
            for n in &f.names[level] {
                w.front_coded(prev, n);
                prev = n;
            }
            w.varint(f.nodes[level].len() as u64);
            for &(name, children) in &f.nodes[level] {
                w.varint(u64::from(name));
                w.varint(u64::from(children));
            }
        }
        // One per doc set node, so no count.
        for &c in &f.leaf_chunks {
            w.varint(u64::from(c));
        }
        w.buf
    }

    /// Decode a manifest payload (the envelope is checked by the caller).
    pub fn decode(build_id: u32, payload: &[u8]) -> Result<Manifest, FormatError> {
        let mut r = Reader::new(payload);
        let n = r.count(3)?;
        let mut dir = Vec::with_capacity(n);
        for _ in 0..n {
            let kind = u16::try_from(r.varint()?)
                .map_err(|_| FormatError::Malformed("section kind exceeds u16"))?;
            let flags = r.u8()?;
            let len = r.count(0)?;
            dir.push((kind, flags, len));
        }
        let mut settings = None;
        let mut shards = None;
        let mut facets = None;
        let mut fragment_group = None;
        let mut copy_group = 1;
        let mut fragments_id = 0;
        let mut semantic_body = None;
        let mut blocks = None;
        let mut changes_body = None;
        let mut synonyms = SynonymSettings::default();
        let mut names = ProductNames::default();
        for (kind, flags, len) in dir {
            let body = r.take(len)?;
            let mut s = Reader::new(body);
            match kind {
                section::SETTINGS => settings = Some(decode_settings(&mut s)?),
                section::SHARDS => shards = Some(ShardTable::decode(&mut s)?),
                section::FACETS => facets = Some(decode_facets(&mut s)?),
                section::FRAGMENTS => {
                    let g = s.varint_u32()?;
                    fragments_id = s.u32()?;
                    copy_group = s.varint_u32()?;
                    if g == 0 || copy_group == 0 {
                        return Err(FormatError::Malformed("fragment group of 0"));
                    }
                    fragment_group = Some(g);
                }
                section::BLOCKS => {
                    let chunks = s.varint_u32()?;
                    let twins = s.u8()?;
                    if chunks == 0 || twins > 1 {
                        return Err(FormatError::Malformed("bad block section"));
                    }
                    blocks = Some(Blocks {
                        chunks,
                        twins: twins == 1,
                    });
                }
                section::SEMANTIC => semantic_body = Some(body),
                section::CHANGES => changes_body = Some(body),
                section::SYNONYMS => synonyms = SynonymSettings::decode(body)?,
                section::NAMES => names = ProductNames::decode(body)?,
                // Unknown optional sections (e.g. vectors from a newer
                // writer) are skipped; unknown required ones are not.
                _ if flags & SECTION_REQUIRED != 0 => {
                    return Err(FormatError::UnknownRequiredSection(kind))
                }
                _ => {}
            }
        }
        let mut settings = settings.ok_or(FormatError::MissingSection(section::SETTINGS))?;
        settings.fragment_group =
            fragment_group.ok_or(FormatError::MissingSection(section::FRAGMENTS))?;
        settings.copy_group = copy_group;
        let shards = shards.ok_or(FormatError::MissingSection(section::SHARDS))?;
        let facets = facets.ok_or(FormatError::MissingSection(section::FACETS))?;
        let blocks = blocks.ok_or(FormatError::MissingSection(section::BLOCKS))?;
        let total: u64 = facets.leaf_chunks.iter().map(|&c| u64::from(c)).sum();
        if total != u64::from(settings.chunk_count) {
            return Err(FormatError::Malformed(
                "doc sets do not add up to the chunk count",
            ));
        }
        let semantic = semantic_body
            .map(|b| SemanticSettings::decode(b, settings.chunk_count))
            .transpose()?;
        let changes = changes_body
            .map(|b| ChangeDocs::decode(b, settings.chunk_count))
            .transpose()?
            .unwrap_or_default();
        Ok(Manifest {
            build_id,
            fragments_id,
            settings,
            shards,
            facets,
            semantic,
            blocks,
            changes,
            synonyms,
            names,
        })
    }
}

fn decode_settings(r: &mut Reader<'_>) -> Result<Settings, FormatError> {
    let flags = r.u8()?;
    let lang = r.u8()?;
    if lang != 1 {
        return Err(FormatError::Malformed("unknown stemmer language"));
    }
    let tokenizer = TokenizerSettings {
        stem: flags & 1 != 0,
        fold_diacritics: flags & 2 != 0,
        stop_words: flags & 4 != 0,
        stop_pairs: flags & 8 != 0,
    };
    let chunk_count = u32::try_from(r.varint()?)
        .ok()
        .filter(|&n| n <= i32::MAX as u32)
        .ok_or(FormatError::Malformed("chunk count too large"))?;
    let k1 = r.f32()?;
    let mut fields = [FieldParams {
        weight: 0.0,
        b: 0.0,
    }; 3];
    for f in &mut fields {
        f.weight = r.f32()?;
        f.b = r.f32()?;
    }
    let mut avg_len = [0f32; 3];
    for a in &mut avg_len {
        *a = r.f32()?;
    }
    Ok(Settings {
        tokenizer,
        ranking: RankingParams {
            k1,
            title: fields[0],
            heading: fields[1],
            body: fields[2],
        },
        chunk_count,
        avg_len,
        fragment_group: 1,
        copy_group: 1,
    })
}

fn decode_facets(r: &mut Reader<'_>) -> Result<FacetTree, FormatError> {
    let mut f = FacetTree::default();
    // Children of the level above; the root has one "node" owning all vendors.
    let mut expected_nodes: Option<u64> = None;
    for level in 0..LEVELS {
        let n = r.count(2)?;
        let mut prev = String::new();
        for _ in 0..n {
            let s = r.front_coded(&prev)?;
            f.names[level].push(s.clone());
            prev = s;
        }
        let m = r.count(2)?;
        if expected_nodes.is_some_and(|e| e != m as u64) {
            return Err(FormatError::Malformed("facet tree levels do not match"));
        }
        let mut children = 0u64;
        for _ in 0..m {
            let name = r.varint_u32()?;
            if name as usize >= n {
                return Err(FormatError::Malformed("facet name index out of range"));
            }
            let c = r.varint_u32()?;
            children += u64::from(c);
            f.nodes[level].push((name, c));
        }
        expected_nodes = Some(children);
    }
    for &(_, docs) in &f.nodes[LEVELS - 1] {
        let c = r.varint_u32()?;
        // Every document has a chunk.
        if c < docs {
            return Err(FormatError::Malformed(
                "doc set has fewer chunks than documents",
            ));
        }
        f.leaf_chunks.push(c);
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            build_id: 42,
            fragments_id: 0x0123_4567,
            settings: Settings {
                tokenizer: TokenizerSettings::default(),
                ranking: RankingParams::default(),
                chunk_count: 3,
                avg_len: [3.0, 2.0, 100.0],
                fragment_group: 2,
                copy_group: 5,
            },
            shards: ShardTable::split(vec!["a".into(), "abc".into(), "zz".into()], 2, 1).0,
            facets: FacetTree {
                names: [
                    vec!["acme".into()],
                    vec!["rocket".into()],
                    vec!["1.0".into()],
                    vec!["guides".into()],
                ],
                nodes: [vec![(0, 1)], vec![(0, 1)], vec![(0, 1)], vec![(0, 2)]],
                leaf_chunks: vec![3],
            },
            semantic: None,
            blocks: Blocks {
                chunks: 4096,
                twins: true,
            },
            changes: ChangeDocs::find([(1, "a", "A"), (2, "changelog", "Changes")]),
            synonyms: SynonymSettings {
                builtin: false,
                site: vec![("k8s".into(), vec!["kubernetes".into(), "kube".into()])],
            },
            names: ProductNames {
                products: vec![("rocket".into(), vec!["Rocket Launcher".into()])],
            },
        }
    }

    #[test]
    fn round_trip() {
        let m = sample();
        let back = Manifest::decode(42, &m.encode()).unwrap();
        assert_eq!(back.settings, m.settings);
        assert_eq!(back.shards, m.shards);
        assert_eq!(back.facets, m.facets);
        assert_eq!(back.blocks, m.blocks);
        assert_eq!(back.changes, m.changes);
        assert_eq!(back.synonyms, m.synonyms);
        assert_eq!(back.names, m.names);
        assert_eq!(back.fragments_id, m.fragments_id);
        // The default thesaurus is no section at all.
        let plain = Manifest {
            synonyms: SynonymSettings::default(),
            names: ProductNames::default(),
            ..sample()
        };
        assert!(plain.encode().len() < m.encode().len());
        assert_eq!(
            Manifest::decode(42, &plain.encode()).unwrap().synonyms,
            SynonymSettings::default()
        );
    }

    #[test]
    fn a_damaged_thesaurus_is_a_typed_error() {
        let good = sample().synonyms.encode();
        for cut in 0..good.len() {
            assert!(
                SynonymSettings::decode(&good[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut flags = good.clone();
        flags[0] = 7;
        assert!(SynonymSettings::decode(&flags).is_err());
        let mut long = good;
        long.push(0);
        assert!(SynonymSettings::decode(&long).is_err());
    }

    /// Re-encode a manifest with an extra section appended.
    fn with_extra_section(m: &Manifest, kind: u16, flags: u8) -> Vec<u8> {
        let orig = m.encode();
        let mut r = Reader::new(&orig);
        let n = r.varint().unwrap() as usize;
        let mut dir = Vec::new();
        for _ in 0..n {
            dir.push((r.varint().unwrap(), r.u8().unwrap(), r.varint().unwrap()));
        }
        let bodies = &orig[r.position()..];
        let mut w = Writer::new();
        w.varint(n as u64 + 1);
        for (k, f, l) in dir {
            w.varint(k);
            w.u8(f);
            w.varint(l);
        }
        w.varint(u64::from(kind));
        w.u8(flags);
        w.varint(3);
        w.bytes(bodies);
        w.bytes(b"xyz");
        w.buf
    }

    #[test]
    fn unknown_optional_section_is_skipped_required_is_rejected() {
        let m = sample();
        let optional = with_extra_section(&m, 900, 0);
        assert_eq!(Manifest::decode(42, &optional).unwrap().shards, m.shards);
        let required = with_extra_section(&m, 901, SECTION_REQUIRED);
        assert_eq!(
            Manifest::decode(42, &required).unwrap_err(),
            FormatError::UnknownRequiredSection(901)
        );
    }

    proptest::proptest! {
        /// Any facet tree, block size and change ranges round trip, and a
        /// manifest whose chunk count disagrees with the tree is rejected.
        #[test]
        fn any_root_round_trips(
            shape in proptest::collection::vec(1u32..4, 1..4),
            names in proptest::collection::btree_set("[a-z0-9.]{1,8}", 1..6),
            extra in proptest::collection::vec(0u32..5, 64),
            block in 1u32..100_000,
            twins in proptest::bool::ANY,
        ) {
            let names: Vec<String> = names.into_iter().collect();
            let mut f = FacetTree::default();
            for l in 0..LEVELS {
                f.names[l] = names.clone();
            }
            // Level 0 has shape.len() nodes; every node has shape[i % len] children.
            let mut count = shape.len();
            for l in 0..LEVELS {
                for i in 0..count {
                    let children = shape[i % shape.len()];
                    f.nodes[l].push(((i % names.len()) as u32, children));
                }
                count = f.nodes[l].iter().map(|n| n.1 as usize).sum();
            }
            f.leaf_chunks = f.nodes[LEVELS - 1]
                .iter()
                .enumerate()
                .map(|(i, n)| n.1 + extra[i % extra.len()])
                .collect();
            let chunks: u32 = f.leaf_chunks.iter().sum();
            let mut m = sample();
            m.settings.chunk_count = chunks;
            m.facets = f;
            m.blocks = Blocks { chunks: block, twins };
            m.changes = ChangeDocs::find([(chunks, "changelog", "Changes")]);
            let bytes = m.encode();
            let back = Manifest::decode(7, &bytes).unwrap();
            proptest::prop_assert_eq!(&back.facets, &m.facets);
            proptest::prop_assert_eq!(back.blocks, m.blocks);
            proptest::prop_assert_eq!(&back.changes, &m.changes);
            proptest::prop_assert_eq!(back.settings.chunk_count, chunks);
            m.settings.chunk_count = chunks + 1;
            m.changes = ChangeDocs::default();
            proptest::prop_assert!(Manifest::decode(7, &m.encode()).is_err());
        }
    }
}
