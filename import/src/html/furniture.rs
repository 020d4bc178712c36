//! Boilerplate by frequency across the set: site headers, menus, sidebars,
//! footers and "last updated" lines repeat on a large share of a set's
//! pages, exactly as running headers do on a PDF's pages. Each page's main
//! content is cut into text blocks (the text of one block-level element);
//! a block whose normalised text is on many pages is furniture when it is
//! part of the run of such blocks that starts or ends the page (headers,
//! menus and sidebars come before the content in the page's order, footers
//! and sidebars after it). Repeated blocks between the page's own stay: a
//! start page's table of contents lists the same links as a sidebar, and a
//! sentence such as "Added in version 2." repeats legitimately.

use std::collections::{HashMap, HashSet};

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Node};

/// Sets smaller than this are not pruned: with few pages, repetition says
/// little about what is furniture.
pub(crate) const MIN_SET: usize = 6;
/// Share of the set's pages a block must be on to count as repeated.
const SHARE: f64 = 0.25;

/// One text block of a page, in document order.
pub(crate) struct Block {
    pub id: NodeId,
    pub key: String,
    /// A `<pre>` block: code is never furniture, even when a set starts
    /// every page with the same `#include`.
    pub code: bool,
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "dt"
            | "dd"
            | "td"
            | "th"
            | "tr"
            | "table"
            | "ul"
            | "ol"
            | "dl"
            | "pre"
            | "blockquote"
            | "div"
            | "section"
            | "article"
            | "main"
            | "header"
            | "footer"
            | "nav"
            | "aside"
            | "caption"
            | "figcaption"
            | "figure"
            | "address"
            | "center"
            | "fieldset"
            | "legend"
            | "summary"
            | "details"
            | "body"
    )
}

/// Lowercase, digits folded (dates, versions, counters vary between pages),
/// whitespace collapsed.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = ' ';
    for c in s.chars() {
        let c = if c.is_ascii_digit() {
            '0'
        } else if c.is_whitespace() {
            ' '
        } else {
            c
        };
        if (c == ' ' || c == '0') && last == c {
            continue;
        }
        out.extend(c.to_lowercase());
        last = c;
    }
    out.trim().to_string()
}

/// The text blocks below `roots`; `skip` says which elements contribute no
/// text (scripts, permalinks, contents lists already removed).
pub(crate) fn blocks(
    roots: &[ElementRef<'_>],
    skip: &dyn Fn(ElementRef<'_>) -> bool,
) -> Vec<Block> {
    struct Acc {
        order: Vec<NodeId>,
        text: HashMap<NodeId, String>,
        code: HashSet<NodeId>,
    }
    fn walk(
        node: NodeRef<'_, Node>,
        block: NodeId,
        skip: &dyn Fn(ElementRef<'_>) -> bool,
        acc: &mut Acc,
    ) {
        match node.value() {
            Node::Text(t) => {
                if t.trim().is_empty() {
                    return;
                }
                let entry = acc.text.entry(block).or_insert_with(|| {
                    acc.order.push(block);
                    String::new()
                });
                entry.push_str(t);
                entry.push(' ');
            }
            Node::Element(e) => {
                let el = ElementRef::wrap(node).expect("element");
                if skip(el) {
                    return;
                }
                let block = if is_block(e.name()) { node.id() } else { block };
                if e.name() == "pre" {
                    acc.code.insert(node.id());
                }
                for c in node.children() {
                    walk(c, block, skip, acc);
                }
            }
            _ => {}
        }
    }
    let mut acc = Acc {
        order: Vec::new(),
        text: HashMap::new(),
        code: HashSet::new(),
    };
    for r in roots {
        walk(**r, r.id(), skip, &mut acc);
    }
    acc.order
        .into_iter()
        .filter_map(|id| {
            let text = acc.text.remove(&id)?;
            let key = normalise(&text);
            let code = acc.code.contains(&id);
            (!key.is_empty()).then_some(Block { id, key, code })
        })
        .collect()
}

/// Pages per block text over the whole set.
pub(crate) fn frequencies<'a>(pages: impl Iterator<Item = &'a [Block]>) -> HashMap<String, usize> {
    let mut freq: HashMap<String, usize> = HashMap::new();
    for blocks in pages {
        let distinct: HashSet<&str> = blocks.iter().map(|b| b.key.as_str()).collect();
        for k in distinct {
            *freq.entry(k.to_string()).or_default() += 1;
        }
    }
    freq
}

/// How many pages a block must be on to be repeated, for a set of `n` pages
/// (`None`: too small a set to tell).
pub(crate) fn threshold(n: usize) -> Option<usize> {
    (n >= MIN_SET).then(|| ((n as f64 * SHARE).ceil() as usize).max(3))
}

/// The blocks of one page that are furniture.
pub(crate) fn furniture(
    blocks: &[Block],
    freq: &HashMap<String, usize>,
    min: usize,
) -> HashSet<NodeId> {
    let repeated: Vec<bool> = blocks
        .iter()
        .map(|b| !b.code && freq[&b.key] >= min)
        .collect();
    if repeated.iter().all(|r| *r) {
        // Nothing of its own would be left: keep the page whole rather than
        // lose it (it is reported if it turns out empty anyway).
        return HashSet::new();
    }
    let mut drop = vec![false; blocks.len()];
    for (i, r) in repeated.iter().enumerate() {
        if !r {
            break;
        }
        drop[i] = true;
    }
    for (i, r) in repeated.iter().enumerate().rev() {
        if !r {
            break;
        }
        drop[i] = true;
    }
    blocks
        .iter()
        .zip(drop)
        .filter(|(_, d)| *d)
        .map(|(b, _)| b.id)
        .collect()
}

/// Extends a set of dropped blocks to the elements left with no text of
/// their own (a list whose items all went, a menu's wrapper).
pub(crate) fn close_upwards(
    roots: &[ElementRef<'_>],
    blocks: &[Block],
    dropped: &mut HashSet<NodeId>,
) {
    if dropped.is_empty() {
        return;
    }
    let root_ids: HashSet<NodeId> = roots.iter().map(|r| r.id()).collect();
    // Count, per ancestor, its text blocks and its dropped ones.
    let mut total: HashMap<NodeId, usize> = HashMap::new();
    let mut gone: HashMap<NodeId, usize> = HashMap::new();
    let tree = roots[0].tree();
    for b in blocks {
        let Some(node) = tree.get(b.id) else { continue };
        let is_dropped = dropped.contains(&b.id);
        for a in node.ancestors() {
            if root_ids.contains(&a.id()) {
                break;
            }
            *total.entry(a.id()).or_default() += 1;
            if is_dropped {
                *gone.entry(a.id()).or_default() += 1;
            }
        }
    }
    // A dropped block that holds kept ones (a menu entry with a nested
    // list of the page's own) stays: dropping it would drop them too.
    let holds_kept: HashSet<NodeId> = total
        .iter()
        .filter(|(id, n)| gone.get(id).copied().unwrap_or(0) < **n)
        .map(|(id, _)| *id)
        .collect();
    dropped.retain(|id| !holds_kept.contains(id));
    let block_ids: HashSet<NodeId> = blocks.iter().map(|b| b.id).collect();
    for (id, n) in total {
        if gone.get(&id) == Some(&n) && !block_ids.contains(&id) {
            dropped.insert(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_folds_numbers_and_space() {
        assert_eq!(
            normalise("Last updated\n 2025-06-13  22:20:03 UTC"),
            "last updated 0-0-0 0:0:0 utc"
        );
    }

    #[test]
    fn thresholds() {
        assert_eq!(threshold(5), None);
        assert_eq!(threshold(6), Some(3));
        assert_eq!(threshold(100), Some(25));
    }
}
