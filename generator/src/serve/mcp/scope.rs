//! Turns the filters a client asked for into search-core filters, or into an
//! error that lists the values that exist. Nothing is guessed: an unknown
//! value is an error, and a missing version is reported, never replaced.

use crate::serve::library::{Doc, DocInfo, Library, Product, Vendor, Version};
use mcdewey_search_core::{FilterSet, Filters};
use std::sync::Arc;

/// Filter values as asked for: tool arguments plus `product:`, `version:`
/// and `set:` words in the query text.
#[derive(Debug, Clone, Default)]
pub struct Requested {
    pub vendor: Vec<String>,
    pub product: Vec<String>,
    pub version: Vec<String>,
    pub doc_set: Vec<String>,
    pub document: Vec<String>,
}

/// What a search covers. Search-core ANDs the facets of one filter, so a
/// set of (product, version) pairs that is not a cross product, or several
/// documents, is a union of filters, searched as one.
#[derive(Debug)]
pub struct Scope {
    pub filters: FilterSet,
    /// `product version` of each searched version, or document ids.
    pub searched: Vec<String>,
    /// Set when no version was asked for and only current versions are searched.
    pub note: Option<String>,
    /// No version was asked for, so the current versions were chosen.
    pub defaulted: bool,
}

/// Most values listed in an error message.
const LIST_MAX: usize = 60;

/// Moves `product:relay`, `version:5.0` and `set:admin-guide` words from the
/// query text into `req`, as the search syntax describes.
pub fn take_inline_filters(query: &str, req: &mut Requested) -> String {
    let mut rest = Vec::new();
    for word in query.split(' ') {
        let target = match word.split_once(':') {
            Some(("product", v)) if !v.is_empty() => Some((&mut req.product, v)),
            Some(("version", v)) if !v.is_empty() => Some((&mut req.version, v)),
            Some(("set", v)) if !v.is_empty() => Some((&mut req.doc_set, v)),
            _ => None,
        };
        match target {
            Some((list, v)) => list.push(v.to_string()),
            None => rest.push(word),
        }
    }
    rest.join(" ")
}

pub fn resolve(lib: &Library, req: &Requested) -> Result<Scope, String> {
    let vendors = vendors(lib, &req.vendor)?;
    let products = products(&vendors, &req.product)?;
    if !req.document.is_empty() {
        return document_scope(lib, req, &products);
    }
    let (pairs, defaulted) = versions(&products, &req.version)?;
    let doc_sets = doc_sets(&pairs, &req.doc_set)?;
    let note = defaulted.then(|| default_note(&pairs)).flatten();
    Ok(Scope {
        filters: filters_for(lib, &pairs, &doc_sets),
        searched: pairs
            .iter()
            .map(|(p, v)| format!("{} {}", p.id, v.id))
            .collect(),
        note,
        defaulted,
    })
}

/// The scope of `req` over every version of its products: what a search
/// without `version` falls back to when the current versions match nothing.
pub fn all_versions(lib: &Library, req: &Requested) -> Result<Scope, String> {
    let vendors = vendors(lib, &req.vendor)?;
    let products = products(&vendors, &req.product)?;
    let pairs: Vec<Pair<'_>> = products
        .iter()
        .flat_map(|p| p.versions.iter().map(move |v| (*p, v)))
        .collect();
    let doc_sets = doc_sets(&pairs, &req.doc_set)?;
    Ok(Scope {
        filters: filters_for(lib, &pairs, &doc_sets),
        searched: pairs
            .iter()
            .map(|(p, v)| format!("{} {}", p.id, v.id))
            .collect(),
        note: None,
        defaulted: false,
    })
}

pub fn vendors<'a>(lib: &'a Library, asked: &[String]) -> Result<Vec<&'a Vendor>, String> {
    if asked.is_empty() {
        return Ok(lib.vendors.iter().collect());
    }
    let mut out: Vec<&Vendor> = Vec::new();
    for a in asked {
        let v = lib
            .vendors
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(a.trim()))
            .ok_or_else(|| {
                let names: Vec<String> = lib.vendors.iter().map(|v| v.name.clone()).collect();
                format!("Unknown vendor `{a}`. Valid vendors: {}.", list(&names))
            })?;
        if !out.iter().any(|o| std::ptr::eq(*o, v)) {
            out.push(v);
        }
    }
    Ok(out)
}

pub fn products<'a>(vendors: &[&'a Vendor], asked: &[String]) -> Result<Vec<&'a Product>, String> {
    let all: Vec<&Product> = vendors.iter().flat_map(|v| &v.products).collect();
    if asked.is_empty() {
        return Ok(all);
    }
    let mut out: Vec<&Product> = Vec::new();
    for a in asked {
        let a = a.trim();
        let p = all
            .iter()
            .find(|p| {
                p.id.eq_ignore_ascii_case(a)
                    || p.name.eq_ignore_ascii_case(a)
                    || p.aliases.iter().any(|x| x.eq_ignore_ascii_case(a))
            })
            .ok_or_else(|| {
                let names: Vec<String> = all
                    .iter()
                    .map(|p| format!("{} ({})", p.id, p.name))
                    .collect();
                format!("Unknown product `{a}`. Valid products: {}.", list(&names))
            })?;
        if !out.iter().any(|o| std::ptr::eq(*o, *p)) {
            out.push(p);
        }
    }
    Ok(out)
}

type Pair<'a> = (&'a Product, &'a Version);

/// The (product, version) pairs in scope, and whether the current versions
/// were chosen because no version was asked for.
pub fn versions<'a>(
    products: &[&'a Product],
    asked: &[String],
) -> Result<(Vec<Pair<'a>>, bool), String> {
    if asked.is_empty() {
        let pairs = products
            .iter()
            .filter_map(|p| p.versions.first().map(|v| (*p, v)))
            .collect();
        return Ok((pairs, true));
    }
    for a in asked {
        let exists = products
            .iter()
            .any(|p| p.versions.iter().any(|v| v.id == *a));
        if !exists {
            return Err(missing_version(products, a));
        }
    }
    let pairs = products
        .iter()
        .flat_map(|p| p.versions.iter().map(move |v| (*p, v)))
        .filter(|(_, v)| asked.contains(&v.id))
        .collect();
    Ok((pairs, false))
}

fn missing_version(products: &[&Product], asked: &str) -> String {
    let listing = |p: &Product| {
        p.versions
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if i == 0 {
                    format!("{} (current)", v.id)
                } else {
                    v.id.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut msg = match products {
        [p] => format!(
            "{} has no version `{asked}`. Its versions: {}.",
            p.name,
            listing(p)
        ),
        _ => {
            let all: Vec<String> = products
                .iter()
                .map(|p| format!("{}: {}", p.id, listing(p)))
                .collect();
            format!(
                "No product in scope has version `{asked}`. Versions: {}.",
                all.join("; ")
            )
        }
    };
    let near = products
        .iter()
        .flat_map(|p| &p.versions)
        .find(|v| same_version(&v.id, asked));
    if let Some(v) = near {
        msg.push_str(&format!(" Did you mean `{}`?", v.id));
    }
    msg
}

/// `v0.2` and `0.2`, or `5.0` and `5.0.0`, name the same release to a reader,
/// but not to the index: only offered as a suggestion.
fn same_version(id: &str, asked: &str) -> bool {
    let norm = |s: &str| {
        let s = s.trim().trim_start_matches(['v', 'V']).to_ascii_lowercase();
        s.trim_end_matches(".0").to_string()
    };
    norm(id) == norm(asked)
}

fn doc_sets(pairs: &[Pair<'_>], asked: &[String]) -> Result<Vec<String>, String> {
    let mut valid: Vec<(&str, &str)> = Vec::new();
    for (_, v) in pairs {
        for s in &v.doc_sets {
            if !valid.iter().any(|(id, _)| *id == s.id) {
                valid.push((&s.id, &s.title));
            }
        }
    }
    asked
        .iter()
        .map(|a| {
            let a = a.trim();
            valid
                .iter()
                .find(|(id, title)| id.eq_ignore_ascii_case(a) || title.eq_ignore_ascii_case(a))
                .map(|(id, _)| id.to_string())
                .ok_or_else(|| {
                    let names: Vec<String> =
                        valid.iter().map(|(i, t)| format!("{i} ({t})")).collect();
                    let scope: Vec<String> = pairs
                        .iter()
                        .map(|(p, v)| format!("{} {}", p.id, v.id))
                        .collect();
                    format!(
                        "Unknown doc set `{a}` in {}. Valid doc sets: {}.",
                        list(&scope),
                        list(&names)
                    )
                })
        })
        .collect()
}

fn default_note(pairs: &[Pair<'_>]) -> Option<String> {
    let searched: Vec<String> = pairs
        .iter()
        .map(|(p, v)| format!("{} {}", p.id, v.id))
        .collect();
    let others: Vec<String> = pairs
        .iter()
        .flat_map(|(p, _)| {
            p.versions
                .iter()
                .skip(1)
                .map(move |v| format!("{} {}", p.id, v.id))
        })
        .collect();
    if others.is_empty() {
        return None;
    }
    Some(format!(
        "No version was given, so only the current version of each product was searched ({}). Pass `version` to search another: {}.",
        searched.join(", "),
        list(&others)
    ))
}

/// Search-core filters whose union is exactly `pairs` (narrowed to `doc_sets`).
fn filters_for(lib: &Library, pairs: &[Pair<'_>], doc_sets: &[String]) -> FilterSet {
    let mut products: Vec<&Product> = Vec::new();
    let mut versions: Vec<String> = Vec::new();
    for (p, v) in pairs {
        if !products.iter().any(|o| std::ptr::eq(*o, *p)) {
            products.push(p);
        }
        if !versions.contains(&v.id) {
            versions.push(v.id.clone());
        }
    }
    let covered =
        |p: &Product, v: &Version| pairs.iter().any(|(a, b)| a.id == p.id && b.id == v.id);
    let exact = products.iter().all(|p| {
        p.versions
            .iter()
            .all(|v| !versions.contains(&v.id) || covered(p, v))
    });
    let base = Filters {
        doc_set: doc_sets.to_vec(),
        ..Filters::default()
    };
    if exact {
        let every_product = products.len() == lib.products().count();
        let every_version = products
            .iter()
            .all(|p| p.versions.iter().all(|v| covered(p, v)));
        return FilterSet::from(Filters {
            product: if every_product {
                vec![]
            } else {
                products.iter().map(|p| p.id.clone()).collect()
            },
            version: if every_version { vec![] } else { versions },
            ..base
        });
    }
    FilterSet::union(
        products
            .iter()
            .map(|p| Filters {
                product: vec![p.id.clone()],
                version: pairs
                    .iter()
                    .filter(|(a, _)| a.id == p.id)
                    .map(|(_, v)| v.id.clone())
                    .collect(),
                ..base.clone()
            })
            .collect(),
    )
}

fn document_scope(lib: &Library, req: &Requested, products: &[&Product]) -> Result<Scope, String> {
    let mut filters = Vec::new();
    let mut searched = Vec::new();
    for id in &req.document {
        let doc = &lib.docs[find_index(lib, id)?];
        check_document(doc, req, products)?;
        filters.push(Filters {
            product: vec![doc.product.clone()],
            version: vec![doc.version.clone()],
            doc_set: vec![doc.doc_set.clone()],
            document: vec![doc.document.clone()],
            ..Filters::default()
        });
        searched.push(doc.id.clone());
    }
    Ok(Scope {
        filters: FilterSet::union(filters),
        searched,
        note: None,
        defaulted: false,
    })
}

/// A document by id, or an error naming likely ids.
pub fn find_document(lib: &Library, id: &str) -> Result<Arc<Doc>, String> {
    lib.load_doc(find_index(lib, id)?)
}

/// A document's position in [`Library::docs`] by id, or an error naming
/// likely ids.
pub fn find_index(lib: &Library, id: &str) -> Result<usize, String> {
    let id = id.trim();
    lib.doc_index(id).ok_or_else(|| {
        let near = suggest_documents(lib, id);
        let mut msg = format!(
            "Unknown document `{id}`. Document ids look like `product::version::doc-set::document`; list_library lists them."
        );
        if !near.is_empty() {
            msg.push_str(&format!(" Close matches: {}.", list(&near)));
        }
        msg
    })
}

fn check_document(doc: &DocInfo, req: &Requested, products: &[&Product]) -> Result<(), String> {
    let excluded = |what: &str| {
        Err(format!(
            "Document `{}` is in {} {} (doc set {}), which the `{what}` filter excludes.",
            doc.id, doc.product, doc.version, doc.doc_set
        ))
    };
    if !products.iter().any(|p| p.id == doc.product) {
        return excluded("product/vendor");
    }
    if !req.version.is_empty() && !req.version.contains(&doc.version) {
        return excluded("version");
    }
    if !req.doc_set.is_empty()
        && !req
            .doc_set
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&doc.doc_set))
    {
        return excluded("doc_set");
    }
    Ok(())
}

/// Document ids that contain the text, share its last part, or whose title
/// contains it; every id when the library is small and nothing matched.
pub fn suggest_documents(lib: &Library, asked: &str) -> Vec<String> {
    let a = asked.to_lowercase();
    let last = a.rsplit("::").next().unwrap_or(&a).to_string();
    let mut near: Vec<String> = lib
        .docs
        .iter()
        .filter(|d| {
            let id = d.id.to_lowercase();
            (!a.is_empty() && id.contains(&a))
                || d.document.to_lowercase() == last
                || (!last.is_empty() && d.title.to_lowercase().contains(&last))
        })
        .map(|d| d.id.clone())
        .take(10)
        .collect();
    if near.is_empty() && lib.docs.len() <= 30 {
        near = lib.docs.iter().map(|d| d.id.clone()).collect();
    }
    near
}

/// `a, b, c` with a count of the rest past [`LIST_MAX`].
pub fn list(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(LIST_MAX)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LIST_MAX {
        s.push_str(&format!(" and {} more", items.len() - LIST_MAX));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_filters_leave_the_rest_of_the_query() {
        let mut r = Requested::default();
        let q = take_inline_filters(
            "product:relay tls version:4.2 \"set up\" set:admin-guide",
            &mut r,
        );
        assert_eq!(q, "tls \"set up\"");
        assert_eq!(r.product, ["relay"]);
        assert_eq!(r.version, ["4.2"]);
        assert_eq!(r.doc_set, ["admin-guide"]);
        let mut r = Requested::default();
        assert_eq!(
            take_inline_filters("error:E0729 product:", &mut r),
            "error:E0729 product:"
        );
        assert!(r.product.is_empty());
    }

    #[test]
    fn version_near_misses() {
        assert!(same_version("v0.2", "0.2"));
        assert!(same_version("5.0", "5"));
        assert!(!same_version("5.0", "4.2"));
    }
}
