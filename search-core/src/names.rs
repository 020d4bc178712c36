//! Products a query names. In a library of several products, "abstract
//! class python" asks about Python: the word names a scope, it is not a
//! word the answer must contain (the Python page on abstract base classes
//! never says "python", while CMake's `ABSTRACT` property does say
//! "abstract"). A product is named by its id, its display name and the
//! aliases a site gives it (`aliases` of `product.toml`, e.g. "pwsh"); the
//! names other than the id travel in the manifest's optional NAMES section.
//!
//! When a query names some products but not all, chunks of the others rank
//! at [`NAMED_PRIOR`] of their score, and the naming words weigh
//! [`NAMING_WEIGHT`] when the query has other content words. A one-word
//! name counts only when at least [`NAME_SHARE`] of the chunks holding it
//! belong to the product, so a product called "make" or "node" is not
//! named by every query that says "make" or "node" in its ordinary sense;
//! a name no chunk holds (an alias such as "pwsh") always counts, as it can
//! only name.
//!
//! A version is named by its id as one word ("5.1") in a product that has
//! several: with its product named too, or alone when no other product
//! has a version of that id. Then the product's other versions rank at
//! [`NAMED_PRIOR`]; other products are left alone.

use crate::codec::{Reader, Writer};
use crate::error::FormatError;
use crate::tokenize::Tokenizer;

/// Score multiplier of a chunk of a product the query does not name, when
/// it names others (chosen on the doc-QA dev split: 0.3 and 0.5 measure the
/// same, 0.7 loses a question).
pub const NAMED_PRIOR: f32 = 0.5;
/// Weight of a naming word when the query has other content words.
pub const NAMING_WEIGHT: f32 = 0.3;
/// Share of a one-word name's chunks that must belong to its product.
pub const NAME_SHARE: f32 = 0.5;
/// Most names a site may give one product besides its id.
pub const MAX_PRODUCT_NAMES: usize = 8;

/// Names of products besides their ids, as the site wrote them:
/// `(product id, names)`, sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductNames {
    pub products: Vec<(String, Vec<String>)>,
}

impl ProductNames {
    pub(crate) fn is_empty(&self) -> bool {
        self.products.iter().all(|(_, n)| n.is_empty())
    }

    /// Manifest section NAMES: `v` n, n × (str id, `v` k, k × str name).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.varint(self.products.len() as u64);
        for (id, names) in &self.products {
            w.str(id);
            w.varint(names.len() as u64);
            for n in names {
                w.str(n);
            }
        }
        w.buf
    }

    pub(crate) fn decode(body: &[u8]) -> Result<ProductNames, FormatError> {
        let mut r = Reader::new(body);
        let n = r.count(2)?;
        let mut products = Vec::with_capacity(n);
        for _ in 0..n {
            let id = r.str()?.to_string();
            let k = r.count(1)?;
            let mut names = Vec::with_capacity(k);
            for _ in 0..k {
                names.push(r.str()?.to_string());
            }
            products.push((id, names));
        }
        if !r.is_empty() {
            return Err(FormatError::Malformed("bytes after the product names"));
        }
        Ok(ProductNames { products })
    }
}

/// One name of a product as index terms.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    /// One term, or the terms of a name of several words (all of which
    /// the query must have).
    pub(crate) terms: Vec<String>,
    /// Product node (facet level 1).
    pub(crate) product: usize,
}

/// The names of every product node `(node, id)`, with `extra` names by id:
/// a one-word name gives its whole term and each of its atoms ("Node.js":
/// `node.js`, `node`, `js`); a name of several words gives their terms.
pub(crate) fn product_names<'a>(
    tokenizer: &Tokenizer,
    products: impl Iterator<Item = (usize, &'a str)>,
    extra: &ProductNames,
) -> Vec<Name> {
    let mut out: Vec<Name> = Vec::new();
    for (node, id) in products {
        let more = extra
            .products
            .iter()
            .filter(|(p, _)| p == id)
            .flat_map(|(_, n)| n.iter().map(String::as_str));
        for name in std::iter::once(id).chain(more) {
            let mut words: Vec<Vec<String>> = Vec::new();
            tokenizer.tokenize(name, 0, |w| {
                if let Some(p) = w.primary() {
                    let mut terms = vec![p.text.clone()];
                    terms.extend(w.atoms().map(|t| t.text.clone()));
                    words.push(terms);
                }
            });
            let found: Vec<Vec<String>> = match words.as_slice() {
                [one] => one.iter().map(|t| vec![t.clone()]).collect(),
                [] => Vec::new(),
                many => vec![many.iter().map(|w| w[0].clone()).collect()],
            };
            for terms in found {
                if !out.iter().any(|n| n.product == node && n.terms == terms) {
                    out.push(Name {
                        terms,
                        product: node,
                    });
                }
            }
        }
    }
    out
}

/// A version a query may name: the one term of its id, of a product with
/// two versions or more.
#[derive(Debug, Clone)]
pub(crate) struct VersionName {
    pub(crate) term: String,
    /// Version node (facet level 2) and its product's node (level 1).
    pub(crate) version: usize,
    pub(crate) product: usize,
    /// No other product has a version of this id, so the version is named
    /// without its product ("4.2 failover").
    pub(crate) unique: bool,
}

/// The names of the versions `(node, product node, id)` of products that
/// have more than one.
pub(crate) fn version_names<'a>(
    tokenizer: &Tokenizer,
    versions: impl Iterator<Item = (usize, usize, &'a str)>,
) -> Vec<VersionName> {
    let versions: Vec<(usize, usize, &str)> = versions.collect();
    let mut out: Vec<VersionName> = Vec::new();
    for &(version, product, id) in &versions {
        if versions.iter().filter(|v| v.1 == product).count() < 2 {
            continue;
        }
        let mut terms = Vec::new();
        tokenizer.tokenize(id, 0, |w| terms.push(w.primary().map(|t| t.text.clone())));
        if let [Some(term)] = terms.as_slice() {
            out.push(VersionName {
                term: term.clone(),
                version,
                product,
                unique: true,
            });
        }
    }
    for i in 0..out.len() {
        let shared = out
            .iter()
            .any(|o| o.term == out[i].term && o.product != out[i].product);
        out[i].unique = !shared;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::TokenizerSettings;

    #[test]
    fn names_round_trip_and_damage_is_a_typed_error() {
        let n = ProductNames {
            products: vec![
                ("nodejs".into(), vec!["Node.js".into(), "node".into()]),
                ("powershell".into(), vec!["pwsh".into()]),
            ],
        };
        let body = n.encode();
        assert_eq!(ProductNames::decode(&body).unwrap(), n);
        for cut in 0..body.len() {
            assert!(ProductNames::decode(&body[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = body;
        long.push(0);
        assert!(ProductNames::decode(&long).is_err());
    }

    #[test]
    fn one_word_names_give_their_atoms_and_longer_names_their_words() {
        let t = Tokenizer::new(TokenizerSettings::default());
        let extra = ProductNames {
            products: vec![(
                "nodejs".into(),
                vec!["Node.js".into(), "Relay Gateway".into()],
            )],
        };
        let names = product_names(&t, [(3, "nodejs")].into_iter(), &extra);
        let terms: Vec<Vec<&str>> = names
            .iter()
            .map(|n| n.terms.iter().map(String::as_str).collect())
            .collect();
        assert!(terms.contains(&vec!["node"]), "{terms:?}");
        assert!(terms.contains(&vec!["js"]), "{terms:?}");
        assert!(terms.iter().any(|t| t.len() == 2), "{terms:?}");
        assert!(names.iter().all(|n| n.product == 3));
    }

    #[test]
    fn versions_are_named_only_in_products_that_have_several() {
        let t = Tokenizer::new(TokenizerSettings::default());
        // (version node, product node, id): product 0 has 5.0 and 4.2,
        // product 1 has 4.2 and 1.0, product 2 has 20 alone.
        let v = [
            (0, 0, "5.0"),
            (1, 0, "4.2"),
            (2, 1, "4.2"),
            (3, 1, "1.0"),
            (4, 2, "20"),
        ];
        let names = version_names(&t, v.into_iter());
        let found: Vec<(usize, bool)> = names.iter().map(|n| (n.version, n.unique)).collect();
        assert_eq!(found, [(0, true), (1, false), (2, false), (3, true)]);
    }
}
