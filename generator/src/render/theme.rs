//! The default theme is compiled into the binary; a theme directory overrides
//! it file by file (`templates/*.html`, `static/*`), so a user can change one
//! template without copying the rest.

use anyhow::Context;
use std::collections::BTreeMap;
use std::path::Path;

macro_rules! embed {
    ($($kind:ident $name:literal),* $(,)?) => {
        &[$((stringify!($kind), $name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../themes/default/", stringify!($kind), "/", $name)))),*]
    };
}

/// (kind, file name, bytes) of every default theme file.
const DEFAULT: &[(&str, &str, &[u8])] = embed![
    templates "base.html",
    templates "macros.html",
    templates "home.html",
    templates "product.html",
    templates "version.html",
    templates "docset.html",
    templates "document.html",
    templates "page.html",
    templates "chunk.html",
    templates "404.html",
    static "style.css",
    static "mcdewey.js",
    static "favicon.svg",
    static "search.js",
    static "search-worker.js",
];

/// The loader for copies opened from disk, written only by builds with
/// offline search (a theme can still override it).
const OFFLINE_LOADER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../themes/default/static/search-offline.js"
));

/// The classic-script form of the worker, for builds with offline search.
pub const OFFLINE_WORKER: &str = "search-worker-offline.js";
/// The loader that serves the worker and the index from scripts on `file://`.
pub const OFFLINE_LOADER_NAME: &str = "search-offline.js";

/// The WASM engine and its JS glue, built by `build.rs` from search-wasm,
/// with the engine's precompressed forms for servers that send them
/// (`mcdewey serve`, nginx's `gzip_static`/`brotli_static`).
const ENGINE: &[(&str, &[u8])] = &[
    (
        "engine/mcdewey_search_wasm.js",
        include_bytes!(concat!(env!("OUT_DIR"), "/mcdewey_search_wasm.js")),
    ),
    (
        "engine/mcdewey_search_wasm_bg.wasm",
        include_bytes!(concat!(env!("OUT_DIR"), "/mcdewey_search_wasm_bg.wasm")),
    ),
    (
        "engine/mcdewey_search_wasm_bg.wasm.br",
        include_bytes!(concat!(env!("OUT_DIR"), "/mcdewey_search_wasm_bg.wasm.br")),
    ),
    (
        "engine/mcdewey_search_wasm_bg.wasm.gz",
        include_bytes!(concat!(env!("OUT_DIR"), "/mcdewey_search_wasm_bg.wasm.gz")),
    ),
];

/// A template of the default theme, as compiled in.
pub fn default_template(name: &str) -> Option<&'static str> {
    DEFAULT
        .iter()
        .find(|(kind, n, _)| *kind == "templates" && *n == name)
        .and_then(|(_, _, bytes)| std::str::from_utf8(bytes).ok())
}

#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: BTreeMap<String, String>,
    /// Files copied to `_static/` in the site.
    pub statics: BTreeMap<String, Vec<u8>>,
    /// The offline loader, kept apart so builds without offline search
    /// do not carry it.
    pub offline_loader: Vec<u8>,
}

impl Theme {
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Theme> {
        let mut theme = Theme {
            offline_loader: OFFLINE_LOADER.to_vec(),
            ..Theme::default()
        };
        for (kind, name, bytes) in DEFAULT {
            theme.insert(kind, name, bytes.to_vec())?;
        }
        for (name, bytes) in ENGINE {
            theme.statics.insert(name.to_string(), bytes.to_vec());
        }
        if let Some(dir) = dir {
            if !dir.is_dir() {
                anyhow::bail!("theme directory {} does not exist", dir.display());
            }
            for kind in ["templates", "static"] {
                let sub = dir.join(kind);
                if !sub.is_dir() {
                    continue;
                }
                let mut entries: Vec<_> = std::fs::read_dir(&sub)
                    .with_context(|| format!("cannot read {}", sub.display()))?
                    .collect::<Result<_, _>>()
                    .with_context(|| format!("cannot read {}", sub.display()))?;
                entries.sort_by_key(|e| e.file_name());
                for e in entries {
                    if !e.file_type()?.is_file() {
                        continue;
                    }
                    let name = e.file_name().to_string_lossy().to_string();
                    let bytes = std::fs::read(e.path())
                        .with_context(|| format!("cannot read {}", e.path().display()))?;
                    theme
                        .insert(kind, &name, bytes)
                        .with_context(|| format!("in theme file {}", e.path().display()))?;
                }
            }
        }
        if let Some(own) = theme.statics.remove(OFFLINE_LOADER_NAME) {
            theme.offline_loader = own;
        }
        // After the overrides, so a theme's own worker still gets the engine.
        theme.bundle_worker();
        Ok(theme)
    }

    /// The static files a build with offline search adds to `_static/`: the
    /// loader, and the bundled worker as a classic script. Pages opened from
    /// `file://` can load neither modules nor workers, so the worker's code
    /// runs in the page: wrapped in a function that receives a stand-in for
    /// the worker's global scope.
    pub fn offline_statics(&self) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
        let worker = self
            .statics
            .get("search-worker.js")
            .context("the theme has no search-worker.js")?;
        let worker = std::str::from_utf8(worker).context("search-worker.js is not valid UTF-8")?;
        let mut classic = String::with_capacity(worker.len() + 128);
        classic.push_str("mcdeweyOfflineWorker(function (self) {\n");
        for (n, line) in worker.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("export {") {
                continue;
            }
            if t.starts_with("import ") || t.starts_with("import{") || line.contains("import.meta")
            {
                anyhow::bail!(
                    "_static/search-worker.js:{}: offline search cannot run a worker that imports modules",
                    n + 1
                );
            }
            classic.push_str(line.strip_prefix("export ").unwrap_or(line));
            classic.push('\n');
        }
        classic.push_str("});\n");
        Ok(vec![
            (OFFLINE_LOADER_NAME.to_string(), self.offline_loader.clone()),
            (OFFLINE_WORKER.to_string(), classic.into_bytes()),
        ])
    }

    /// Prepends the engine's JS glue to the search worker, saving the worker
    /// one sequential request before it can search. The glue is an ES module
    /// and the worker is started as one.
    fn bundle_worker(&mut self) {
        let glue = &ENGINE[0].1;
        if let Some(worker) = self.statics.get_mut("search-worker.js") {
            let mut bundled = glue.to_vec();
            bundled.extend_from_slice(b"\n");
            bundled.extend_from_slice(worker);
            *worker = bundled;
        }
    }

    fn insert(&mut self, kind: &str, name: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        if kind == "templates" {
            let text = String::from_utf8(bytes).context("template is not valid UTF-8")?;
            self.templates.insert(name.to_string(), text);
        } else {
            self.statics.insert(name.to_string(), bytes);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overridden_worker_still_carries_the_engine() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("static")).unwrap();
        let own = b"// the theme's own worker\nself.onmessage = () => {};\n";
        std::fs::write(dir.path().join("static/search-worker.js"), own).unwrap();
        let theme = Theme::load(Some(dir.path())).unwrap();
        let worker = &theme.statics["search-worker.js"];
        assert!(worker.starts_with(ENGINE[0].1), "engine glue missing");
        assert!(worker.ends_with(own), "theme's worker missing");

        let default = Theme::load(None).unwrap();
        assert!(default.statics["search-worker.js"].starts_with(ENGINE[0].1));
    }

    #[test]
    fn the_offline_worker_is_a_classic_script() {
        let theme = Theme::load(None).unwrap();
        assert!(!theme.statics.contains_key(OFFLINE_LOADER_NAME));
        let files = theme.offline_statics().unwrap();
        let worker = String::from_utf8(files[1].1.clone()).unwrap();
        assert!(worker.starts_with("mcdeweyOfflineWorker(function (self) {"));
        assert!(worker.contains("class Engine"), "engine glue missing");
        assert!(worker.contains("function initSync"), "engine glue missing");
        assert!(worker.contains("self.onmessage"), "worker code missing");
        for line in worker.lines() {
            let t = line.trim_start();
            assert!(
                !t.starts_with("export ") && !t.starts_with("import "),
                "{line}"
            );
        }
        assert_eq!(files[0].1, OFFLINE_LOADER);
    }

    #[test]
    fn a_worker_that_imports_modules_cannot_go_offline() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("static")).unwrap();
        std::fs::write(
            dir.path().join("static/search-worker.js"),
            "import { x } from './x.js';\n",
        )
        .unwrap();
        let theme = Theme::load(Some(dir.path())).unwrap();
        let e = theme.offline_statics().unwrap_err().to_string();
        assert!(e.contains("search-worker.js:"), "{e}");
    }
}
