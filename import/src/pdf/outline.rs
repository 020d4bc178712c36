//! The document outline (bookmarks): titles, nesting and destination pages.

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::labels::{deref, deref_dict, text_string};

/// One bookmark, flattened in outline order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// Nesting depth, 1 for top-level bookmarks.
    pub level: usize,
    pub title: String,
    /// Destination page (0-based physical index), when it resolves.
    pub page: Option<usize>,
    /// Destination's top coordinate in default user space, when given.
    pub top: Option<f32>,
}

/// Caps guard against cyclic or absurd outlines in damaged files.
const MAX_ENTRIES: usize = 50_000;
const MAX_DEPTH: usize = 32;

pub(crate) fn read(doc: &Document, page_ids: &[ObjectId]) -> Vec<Entry> {
    let mut out = Vec::new();
    let Some(catalog) = doc.catalog().ok() else {
        return out;
    };
    let Some(first) = catalog
        .get(b"Outlines")
        .ok()
        .and_then(|o| deref_dict(doc, o))
        .and_then(|d| d.get(b"First").ok())
    else {
        return out;
    };
    let resolver = Resolver {
        doc,
        catalog,
        pages: page_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect(),
        names: std::cell::OnceCell::new(),
    };
    let mut seen = HashSet::new();
    walk(&resolver, first, 1, &mut seen, &mut out);
    out
}

fn walk<'a>(
    r: &Resolver<'a>,
    first: &'a Object,
    level: usize,
    seen: &mut HashSet<ObjectId>,
    out: &mut Vec<Entry>,
) {
    if level > MAX_DEPTH {
        return;
    }
    let mut cursor = Some(first);
    while let Some(obj) = cursor.take() {
        if out.len() >= MAX_ENTRIES {
            return;
        }
        if let Object::Reference(id) = obj {
            if !seen.insert(*id) {
                return;
            }
        }
        let Some(item) = deref_dict(r.doc, obj) else {
            return;
        };
        let title = item
            .get(b"Title")
            .ok()
            .map(|o| text_string(deref(r.doc, o)))
            .map(|t| crate::text::collapse_ws(&t))
            .unwrap_or_default();
        let (page, top) = r.item_target(item);
        if !title.is_empty() {
            out.push(Entry {
                level,
                title,
                page,
                top,
            });
        }
        if let Ok(child) = item.get(b"First") {
            walk(r, child, level + 1, seen, out);
        }
        cursor = item.get(b"Next").ok();
    }
}

struct Resolver<'a> {
    doc: &'a Document,
    catalog: &'a Dictionary,
    pages: HashMap<ObjectId, usize>,
    /// The `/Names /Dests` name tree, flattened on first use.
    names: std::cell::OnceCell<HashMap<Vec<u8>, &'a Object>>,
}

impl<'a> Resolver<'a> {
    fn item_target(&self, item: &'a Dictionary) -> (Option<usize>, Option<f32>) {
        if let Ok(dest) = item.get(b"Dest") {
            return self.dest(dest, 0);
        }
        if let Some(action) = item.get(b"A").ok().and_then(|a| deref_dict(self.doc, a)) {
            let is_goto = action
                .get(b"S")
                .ok()
                .and_then(|s| s.as_name().ok())
                .is_some_and(|s| s == b"GoTo");
            if is_goto {
                if let Ok(d) = action.get(b"D") {
                    return self.dest(d, 0);
                }
            }
        }
        (None, None)
    }

    fn dest(&self, obj: &'a Object, depth: usize) -> (Option<usize>, Option<f32>) {
        if depth > 4 {
            return (None, None);
        }
        match deref(self.doc, obj) {
            Object::Array(arr) => self.explicit(arr),
            Object::Dictionary(d) => match d.get(b"D") {
                Ok(inner) => self.dest(inner, depth + 1),
                Err(_) => (None, None),
            },
            Object::Name(name) => {
                let target = self
                    .catalog
                    .get(b"Dests")
                    .ok()
                    .and_then(|o| deref_dict(self.doc, o))
                    .and_then(|d| d.get(name).ok());
                match target {
                    Some(t) => self.dest(t, depth + 1),
                    None => (None, None),
                }
            }
            Object::String(key, _) => {
                let names = self.names.get_or_init(|| self.name_tree());
                match names.get(key.as_slice()) {
                    Some(t) => self.dest(t, depth + 1),
                    None => (None, None),
                }
            }
            _ => (None, None),
        }
    }

    /// `[page /XYZ left top zoom]`, `[page /FitH top]`, `[page /FitR l b r t]`, ...
    fn explicit(&self, arr: &[Object]) -> (Option<usize>, Option<f32>) {
        let page = match arr.first() {
            Some(Object::Reference(id)) => self.pages.get(id).copied(),
            // Integers are page numbers only in remote destinations, but some
            // producers write them for local ones too.
            Some(Object::Integer(n)) => usize::try_from(*n).ok(),
            _ => None,
        };
        let kind = arr.get(1).and_then(|o| o.as_name().ok());
        let top_index = match kind {
            Some(b"XYZ") => Some(3),
            Some(b"FitH") | Some(b"FitBH") => Some(2),
            Some(b"FitR") => Some(5),
            _ => None,
        };
        let top = top_index
            .and_then(|i| arr.get(i))
            .and_then(|o| o.as_float().ok());
        (page, top)
    }

    fn name_tree(&self) -> HashMap<Vec<u8>, &'a Object> {
        let mut map = HashMap::new();
        let root = self
            .catalog
            .get(b"Names")
            .ok()
            .and_then(|o| deref_dict(self.doc, o))
            .and_then(|n| n.get(b"Dests").ok())
            .and_then(|o| deref_dict(self.doc, o));
        if let Some(root) = root {
            let mut seen = HashSet::new();
            self.collect_names(root, 0, &mut seen, &mut map);
        }
        map
    }

    fn collect_names(
        &self,
        node: &'a Dictionary,
        depth: usize,
        seen: &mut HashSet<ObjectId>,
        map: &mut HashMap<Vec<u8>, &'a Object>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        if let Some(names) = node
            .get(b"Names")
            .ok()
            .map(|o| deref(self.doc, o))
            .and_then(|o| o.as_array().ok())
        {
            for pair in names.chunks(2) {
                if let [k, v] = pair {
                    if let Ok(k) = deref(self.doc, k).as_str() {
                        map.entry(k.to_vec()).or_insert(v);
                    }
                }
            }
        }
        if let Some(kids) = node
            .get(b"Kids")
            .ok()
            .map(|o| deref(self.doc, o))
            .and_then(|o| o.as_array().ok())
        {
            for kid in kids {
                if let Object::Reference(id) = kid {
                    if !seen.insert(*id) {
                        continue;
                    }
                }
                if let Some(kid) = deref_dict(self.doc, kid) {
                    self.collect_names(kid, depth + 1, seen, map);
                }
            }
        }
    }
}
