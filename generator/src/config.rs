//! `mcdewey.toml`: read strictly (unknown keys are errors), then validated into
//! [`Config`]. Command-line flags override the file.

use crate::content::document::ChunkingOptions;
use anyhow::{bail, Context};
use mcdewey_search_core::synonyms::{SynonymSettings, MAX_SITE_SYNONYMS};
use mcdewey_search_core::{Tokenizer, TokenizerSettings};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file as written. Every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawConfig {
    pub title: Option<String>,
    pub base_path: Option<String>,
    pub site_url: Option<String>,
    pub theme: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    pub chunking: RawChunking,
    pub search: RawSearch,
    pub serve: RawServe,
    pub content: RawContent,
    pub build: RawBuild,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawBuild {
    /// Memory the build aims to stay within, e.g. "512MB" or "2GB".
    pub memory_budget: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawContent {
    /// Directories outside the content tree that symlinks in it may lead to.
    pub symlink_roots: Vec<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawSearch {
    /// Vectors for semantic search (default on).
    pub semantic: Option<bool>,
    /// Name of the embedded embedding model (see [`crate::search::MODELS`]).
    pub model: Option<String>,
    /// A sentence-transformers BERT folder whose vectors the chunks get
    /// (see [`crate::teacher`]); relative to the config file.
    pub teacher: Option<PathBuf>,
    /// Also write the index as scripts, so search works from `file://`.
    pub offline: Option<bool>,
    /// The site's own thesaurus: a word as users type it to the words the
    /// library uses for it (`k8s = ["kubernetes"]`).
    pub synonyms: std::collections::BTreeMap<String, Vec<String>>,
    /// Use the built-in thesaurus of software documentation (default on).
    pub builtin_synonyms: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawChunking {
    pub target_words: Option<usize>,
    pub max_words: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawServe {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub allowed_origins: Vec<String>,
    pub allowed_hosts: Vec<String>,
    /// File of bearer tokens `/mcp` requires (one per line).
    pub token_file: Option<PathBuf>,
    /// Require a token for the static site too, not only `/mcp`.
    pub protect_site: Option<bool>,
}

/// Validated settings for a build.
#[derive(Debug, Clone)]
pub struct Config {
    /// Library name shown after the McDewey header, if any.
    pub title: Option<String>,
    /// Path prefix the site is served under, always starting and ending with `/`.
    pub base_path: String,
    /// Absolute origin for sitemap.xml (`https://example.org`), if known.
    pub site_url: Option<String>,
    pub theme: Option<PathBuf>,
    /// Where converted PDF/HTML drop-ins are kept between builds; `None`
    /// means `.mcdewey-cache/` beside the output directory.
    pub cache_dir: Option<PathBuf>,
    pub chunking: ChunkingOptions,
    /// Directories outside the content tree that its symlinks may lead to
    /// (`[content] symlink_roots`); links anywhere else are not followed.
    pub symlink_roots: Vec<PathBuf>,
    /// Build the semantic (vector) part of the search index.
    pub semantic: bool,
    /// Name of the embedded embedding model the vectors come from.
    pub model: &'static str,
    /// A transformer folder for teacher-aligned chunk vectors.
    pub teacher: Option<PathBuf>,
    /// Also write the index and engine as classic scripts, so search works
    /// when the site is opened from disk (`file://`).
    pub offline_search: bool,
    /// The thesaurus settings the index carries (`[search] synonyms`,
    /// `builtin_synonyms`).
    pub synonyms: SynonymSettings,
    /// Bytes of memory the build aims to stay within (`[build]
    /// memory_budget`, `--memory-budget`): what the search index writer
    /// holds beyond it goes to a temporary file. The site is the same bytes
    /// whatever the budget.
    pub memory_budget: usize,
    pub serve: ServeConfig,
}

/// Default [`Config::memory_budget`].
pub const DEFAULT_MEMORY_BUDGET: usize = 256 << 20;

#[derive(Debug, Clone, Default)]
pub struct ServeConfig {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub allowed_origins: Vec<String>,
    pub allowed_hosts: Vec<String>,
    /// Relative to the config file's directory.
    pub token_file: Option<PathBuf>,
    pub protect_site: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: None,
            base_path: "/".into(),
            site_url: None,
            theme: None,
            cache_dir: None,
            chunking: ChunkingOptions::default(),
            symlink_roots: Vec::new(),
            semantic: true,
            model: crate::search::MODELS[0].0,
            teacher: None,
            offline_search: false,
            synonyms: SynonymSettings::default(),
            memory_budget: DEFAULT_MEMORY_BUDGET,
            serve: ServeConfig::default(),
        }
    }
}

/// Reads and validates a config file. Relative paths in it are relative to the
/// file's directory.
pub fn load(path: &Path) -> anyhow::Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let raw: RawConfig = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| crate::diag::line_at(&text, s.start));
        match line {
            Some(l) => anyhow::anyhow!("{}:{}: {}", path.display(), l, e.message()),
            None => anyhow::anyhow!("{}: {}", path.display(), e.message()),
        }
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    validate(raw, dir).with_context(|| format!("invalid config file {}", path.display()))
}

pub fn validate(raw: RawConfig, dir: &Path) -> anyhow::Result<Config> {
    let mut config = Config {
        title: raw.title.filter(|t| !t.trim().is_empty()),
        ..Config::default()
    };
    if let Some(b) = raw.base_path {
        config.base_path = normalise_base_path(&b)?;
    }
    if let Some(url) = raw.site_url {
        let url = url.trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("site_url must start with http:// or https://, got `{url}`");
        }
        config.site_url = Some(url);
    }
    config.theme = raw.theme.map(|t| dir.join(t));
    config.cache_dir = raw.cache_dir.map(|c| dir.join(c));
    config.symlink_roots = raw
        .content
        .symlink_roots
        .into_iter()
        .map(|r| dir.join(r))
        .collect();
    let defaults = ChunkingOptions::default();
    let target = raw.chunking.target_words.unwrap_or(defaults.target_words);
    let max = raw
        .chunking
        .max_words
        .unwrap_or(defaults.max_words.max(target));
    if target == 0 {
        bail!("chunking.target_words must be at least 1");
    }
    if max < target {
        bail!(
            "chunking.max_words ({max}) must not be smaller than chunking.target_words ({target})"
        );
    }
    config.chunking = ChunkingOptions {
        target_words: target,
        max_words: max,
    };
    config.semantic = raw.search.semantic.unwrap_or(true);
    config.offline_search = raw.search.offline.unwrap_or(false);
    config.teacher = raw.search.teacher.map(|t| dir.join(t));
    if config.teacher.is_some() && !config.semantic {
        bail!("search.teacher needs semantic search (search.semantic = false turns it off)");
    }
    config.synonyms = synonyms(raw.search.synonyms, raw.search.builtin_synonyms)?;
    if let Some(b) = raw.build.memory_budget {
        config.memory_budget = parse_size(&b)
            .context("build.memory_budget: expected a size such as \"512MB\" or \"2GB\"")?;
    }
    if let Some(m) = raw.search.model {
        let names = crate::search::MODELS.map(|(name, _)| name);
        config.model = names.into_iter().find(|name| *name == m).ok_or_else(|| {
            anyhow::anyhow!(
                "search.model `{m}` is not an embedded model; choose one of: {}",
                names.join(", ")
            )
        })?;
    }
    config.serve = ServeConfig {
        host: raw.serve.host,
        port: raw.serve.port,
        allowed_origins: raw.serve.allowed_origins,
        allowed_hosts: raw.serve.allowed_hosts,
        token_file: raw.serve.token_file.map(|t| dir.join(t)),
        protect_site: raw.serve.protect_site.unwrap_or(false),
    };
    Ok(config)
}

/// `[search] synonyms`: each word and alternative one word that the
/// search tokenizer keeps (a stop word would never match), at most
/// [`MAX_SITE_SYNONYMS`] alternatives a word.
fn synonyms(
    site: std::collections::BTreeMap<String, Vec<String>>,
    builtin: Option<bool>,
) -> anyhow::Result<SynonymSettings> {
    let tokenizer = Tokenizer::new(TokenizerSettings::default());
    let one_word = |w: &str| {
        let mut words = 0;
        let mut terms = 0;
        tokenizer.tokenize(w, 0, |t| {
            words += 1;
            terms += usize::from(!t.terms.is_empty());
        });
        if words != 1 || w.chars().any(char::is_whitespace) {
            bail!("search.synonyms: `{w}` is not one word (phrases are not supported)");
        }
        if terms == 0 {
            bail!("search.synonyms: `{w}` is a stop word, which search ignores");
        }
        Ok(())
    };
    let mut out = Vec::new();
    for (word, alts) in site {
        one_word(&word)?;
        // Queries expand plain words only: `sign-in` would never be asked.
        if !word.chars().all(char::is_alphanumeric) {
            bail!(
                "search.synonyms: `{word}` must be letters and digits only (it is what users type)"
            );
        }
        if alts.is_empty() || alts.len() > MAX_SITE_SYNONYMS {
            bail!(
                "search.synonyms.{word}: give 1 to {MAX_SITE_SYNONYMS} alternatives, not {}",
                alts.len()
            );
        }
        for a in &alts {
            one_word(a)?;
        }
        out.push((
            word.to_lowercase(),
            alts.iter().map(|a| a.to_lowercase()).collect(),
        ));
    }
    Ok(SynonymSettings {
        builtin: builtin.unwrap_or(true),
        site: out,
    })
}

/// A memory size: a whole number with an optional unit `KB`, `MB` or `GB`
/// (powers of 1024; `K`, `M`, `G`, `KiB`, `MiB`, `GiB` too), else bytes.
pub fn parse_size(s: &str) -> anyhow::Result<usize> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num
        .parse()
        .with_context(|| format!("`{s}` does not start with a whole number"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        other => bail!("unknown unit `{other}` in `{s}` (use KB, MB or GB)"),
    };
    let bytes = n
        .checked_mul(1usize << shift)
        .with_context(|| format!("`{s}` is too large"))?;
    if bytes == 0 {
        bail!("a memory budget must be more than zero");
    }
    Ok(bytes)
}

/// `/docs` → `/docs/`; `` → `/`. Rejects anything that is not a plain path.
pub fn normalise_base_path(b: &str) -> anyhow::Result<String> {
    let t = b.trim();
    if t.contains("://") || t.contains(['?', '#', '"', '<', '>', '\\', ' ']) {
        bail!("base_path must be a URL path such as /docs/, got `{b}`");
    }
    let inner = t.trim_matches('/');
    Ok(if inner.is_empty() {
        "/".into()
    } else {
        format!("/{inner}/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Config> {
        let raw: RawConfig = toml::from_str(text)?;
        validate(raw, Path::new("/site"))
    }

    #[test]
    fn memory_sizes_take_binary_units_and_reject_the_rest() {
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("64KB").unwrap(), 64 << 10);
        assert_eq!(parse_size(" 512 MiB ").unwrap(), 512 << 20);
        assert_eq!(parse_size("2g").unwrap(), 2 << 30);
        for bad in [
            "",
            "MB",
            "1.5GB",
            "-1MB",
            "0",
            "10 parsecs",
            "99999999999999999999GB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse("").unwrap().memory_budget, DEFAULT_MEMORY_BUDGET);
        let c = parse("[build]\nmemory_budget = \"1GB\"\n").unwrap();
        assert_eq!(c.memory_budget, 1 << 30);
        let e = format!(
            "{:#}",
            parse("[build]\nmemory_budget = \"lots\"\n").unwrap_err()
        );
        assert!(e.contains("build.memory_budget"), "{e}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = parse("titel = \"x\"\n").unwrap_err().to_string();
        assert!(e.contains("unknown field `titel`"), "{e}");
        let e = parse("[chunking]\nwords = 3\n").unwrap_err().to_string();
        assert!(e.contains("unknown field `words`"), "{e}");
    }

    #[test]
    fn a_site_thesaurus_is_one_word_each() {
        let d = parse("").unwrap().synonyms;
        assert!(d.builtin && d.site.is_empty());
        let c = parse(
            "[search]\nbuiltin_synonyms = false\n[search.synonyms]\nK8s = [\"Kubernetes\", \"kube\"]\npwsh = [\"powershell\"]\n",
        )
        .unwrap()
        .synonyms;
        assert!(!c.builtin);
        assert_eq!(
            c.site,
            [
                (
                    "k8s".to_string(),
                    vec!["kubernetes".to_string(), "kube".into()]
                ),
                ("pwsh".into(), vec!["powershell".into()]),
            ]
        );
        for (text, want) in [
            ("cm = [\"call manager\"]", "is not one word"),
            ("the = [\"a\"]", "is a stop word"),
            ("sign-in = [\"login\"]", "letters and digits only"),
            ("k8s = []", "give 1 to 8 alternatives"),
        ] {
            let e = format!(
                "{:#}",
                parse(&format!("[search.synonyms]\n{text}\n")).unwrap_err()
            );
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn a_teacher_is_a_folder_beside_the_file_and_needs_semantic_search() {
        assert_eq!(parse("").unwrap().teacher, None);
        let c = parse("[search]\nteacher = \"models/minilm\"\n").unwrap();
        assert_eq!(c.teacher, Some(PathBuf::from("/site/models/minilm")));
        let e = format!(
            "{:#}",
            parse("[search]\nteacher = \"m\"\nsemantic = false\n").unwrap_err()
        );
        assert!(e.contains("search.teacher needs semantic search"), "{e}");
    }

    #[test]
    fn search_model_is_one_of_the_embedded_ones() {
        assert_eq!(parse("").unwrap().model, "minilm-regress-128");
        let c = parse("[search]\nmodel = \"wordllama-l2-128\"\n").unwrap();
        assert_eq!(c.model, "wordllama-l2-128");
        let e = format!("{:#}", parse("[search]\nmodel = \"bert\"\n").unwrap_err());
        assert!(
            e.contains("`bert` is not an embedded model; choose one of: minilm-regress-128, minilm-retrieval-128, minilm-context-128, minilm-static-128, wordllama-l2-128"),
            "{e}"
        );
    }

    #[test]
    fn base_path_is_normalised() {
        assert_eq!(normalise_base_path("docs").unwrap(), "/docs/");
        assert_eq!(normalise_base_path("/a/b/").unwrap(), "/a/b/");
        assert_eq!(normalise_base_path("").unwrap(), "/");
        assert!(normalise_base_path("https://x/").is_err());
    }

    #[test]
    fn chunking_bounds_are_checked() {
        let c = parse("[chunking]\ntarget_words = 100\n").unwrap();
        assert_eq!(c.chunking.target_words, 100);
        assert_eq!(c.chunking.max_words, 400);
        let e = parse("[chunking]\ntarget_words = 300\nmax_words = 100\n").unwrap_err();
        assert!(e.to_string().contains("max_words (100)"), "{e}");
        let c = parse("[chunking]\ntarget_words = 500\n").unwrap();
        assert_eq!(c.chunking.max_words, 500);
    }

    #[test]
    fn theme_is_relative_to_config() {
        let c = parse("theme = \"mytheme\"\n").unwrap();
        assert_eq!(c.theme.unwrap(), Path::new("/site/mytheme"));
    }

    #[test]
    fn symlink_roots_are_relative_to_config() {
        let c = parse("[content]\nsymlink_roots = [\"../manuals\", \"/srv/docs\"]\n").unwrap();
        assert_eq!(
            c.symlink_roots,
            vec![
                PathBuf::from("/site/../manuals"),
                PathBuf::from("/srv/docs")
            ]
        );
        assert!(parse("").unwrap().symlink_roots.is_empty());
    }

    #[test]
    fn cache_dir_is_relative_to_config() {
        let c = parse("cache_dir = \"build/cache\"\n").unwrap();
        assert_eq!(c.cache_dir.unwrap(), Path::new("/site/build/cache"));
        assert!(parse("").unwrap().cache_dir.is_none());
    }
}
