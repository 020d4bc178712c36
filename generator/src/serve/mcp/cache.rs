//! Results of recent tool calls. The library never changes while the server
//! runs and every tool is a pure function of it and of its arguments, so a
//! repeated call (agents repeat searches and page through them with cursors)
//! can be answered from memory.

use rmcp::model::CallToolResult;
use std::collections::HashMap;
use std::sync::Mutex;

/// Results larger than this (as text) are not kept, so the cache's memory
/// stays within `entries` × this.
const MAX_RESULT_BYTES: usize = 64 * 1024;

/// A least-recently-used map from (tool, canonical arguments) to result.
pub struct ToolCache {
    entries: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    tick: u64,
    map: HashMap<String, (u64, CallToolResult)>,
}

impl ToolCache {
    /// A cache of at most `entries` results (0 turns it off).
    pub fn new(entries: usize) -> Self {
        ToolCache {
            entries,
            inner: Mutex::default(),
        }
    }

    /// The key of a call: tool name and its arguments with sorted keys.
    pub fn key(tool: &str, args: &serde_json::Map<String, serde_json::Value>) -> String {
        // serde_json's map is ordered by key, so equal arguments give equal text.
        let args = serde_json::to_string(args).unwrap_or_default();
        format!("{tool}\u{0}{args}")
    }

    pub fn get(&self, key: &str) -> Option<CallToolResult> {
        if self.entries == 0 {
            return None;
        }
        let mut g = self.inner.lock().ok()?;
        g.tick += 1;
        let tick = g.tick;
        let (used, result) = g.map.get_mut(key)?;
        *used = tick;
        Some(result.clone())
    }

    pub fn put(&self, key: String, result: &CallToolResult) {
        if self.entries == 0 || size_of_result(result) > MAX_RESULT_BYTES {
            return;
        }
        let Ok(mut g) = self.inner.lock() else {
            return;
        };
        if g.map.len() >= self.entries && !g.map.contains_key(&key) {
            // Evicting scans the map: rare next to hits, and `entries` is small.
            if let Some(oldest) = g
                .map
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| k.clone())
            {
                g.map.remove(&oldest);
            }
        }
        g.tick += 1;
        let tick = g.tick;
        g.map.insert(key, (tick, result.clone()));
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |g| g.map.len())
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Length of the result's JSON, counted as it is written rather than
/// built as a string (every uncached call is measured).
fn size_of_result(r: &CallToolResult) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    serde_json::to_writer(&mut n, r).map_or(usize::MAX, |()| n.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::ContentBlock;

    fn result(text: &str) -> CallToolResult {
        CallToolResult::success(vec![ContentBlock::text(text)])
    }

    #[test]
    fn size_is_the_length_of_the_json() {
        let r = result("caf\u{e9} \"quoted\"\n");
        assert_eq!(size_of_result(&r), serde_json::to_string(&r).unwrap().len());
    }

    fn args(q: &str) -> serde_json::Map<String, serde_json::Value> {
        let serde_json::Value::Object(m) = serde_json::json!({ "query": q, "limit": 5 }) else {
            unreachable!()
        };
        m
    }

    #[test]
    fn keeps_the_most_recently_used() {
        let c = ToolCache::new(2);
        let (a, b, d) = (
            ToolCache::key("search", &args("a")),
            ToolCache::key("search", &args("b")),
            ToolCache::key("search", &args("d")),
        );
        c.put(a.clone(), &result("A"));
        c.put(b.clone(), &result("B"));
        assert!(c.get(&a).is_some()); // a is now newer than b
        c.put(d.clone(), &result("D"));
        assert_eq!(c.len(), 2);
        assert!(c.get(&b).is_none());
        assert_eq!(c.get(&a), Some(result("A")));
        assert_eq!(c.get(&d), Some(result("D")));
    }

    #[test]
    fn keys_ignore_argument_order_but_not_values_or_tool() {
        let mut m1 = serde_json::Map::new();
        m1.insert("query".into(), "x".into());
        m1.insert("limit".into(), 5.into());
        let mut m2 = serde_json::Map::new();
        m2.insert("limit".into(), 5.into());
        m2.insert("query".into(), "x".into());
        assert_eq!(ToolCache::key("search", &m1), ToolCache::key("search", &m2));
        assert_ne!(ToolCache::key("search", &m1), ToolCache::key("fetch", &m1));
        assert_ne!(
            ToolCache::key("search", &args("x")),
            ToolCache::key("search", &args("y"))
        );
    }

    #[test]
    fn off_at_zero_and_skips_large_results() {
        let off = ToolCache::new(0);
        off.put("k".into(), &result("A"));
        assert!(off.get("k").is_none());
        let c = ToolCache::new(4);
        c.put("big".into(), &result(&"x".repeat(MAX_RESULT_BYTES + 1)));
        assert!(c.is_empty());
    }
}
