//! The load stage: the theme and the content tree, read into the content
//! model. Input problems become diagnostics; only a build that cannot start
//! (no content directory, a broken theme) fails here.

use crate::config::Config;
use crate::content::{self, Catalog, LoadOptions, LoadReport};
use crate::diag::Sink;
use crate::render::theme::Theme;
use crate::ExitError;
use std::path::{Path, PathBuf};

pub struct Loaded {
    pub theme: Theme,
    pub catalog: Catalog,
    pub report: LoadReport,
}

/// `cache_dir` from mcdewey.toml, else `.mcdewey-cache/` beside the output
/// directory: outside the content tree (which may be read-only or under
/// version control) and kept when the site is rebuilt.
pub fn cache_dir(config: &Config, out: &Path) -> PathBuf {
    config.cache_dir.clone().unwrap_or_else(|| {
        out.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(content::dropin::CACHE_DIR_NAME)
    })
}

pub fn run(
    content_dir: &Path,
    out: &Path,
    config: &Config,
    parse_cache: Option<std::sync::Arc<content::ParseCache>>,
    sink: &Sink,
    progress: &(dyn Fn() + Sync),
) -> Result<Loaded, ExitError> {
    let theme = Theme::load(config.theme.as_deref()).map_err(ExitError::usage)?;
    let (catalog, report) = content::load(
        content_dir,
        &LoadOptions {
            chunking: config.chunking,
            cache_dir: Some(cache_dir(config, out)),
            symlink_roots: config.symlink_roots.clone(),
            output: Some(out.to_path_buf()),
            parse_cache,
        },
        sink,
        progress,
    )
    .map_err(ExitError::usage)?;
    let counts = catalog.counts();
    if counts.documents == 0 {
        // Still a valid site (home page, empty index), so `serve` and links
        // keep working; the report says why it is empty.
        sink.warn(
            &content_dir.display().to_string(),
            None,
            format!(
                "nothing to publish: {} files seen, none of them a document (see the summary); the site is empty",
                report.files_seen
            ),
        );
    }
    Ok(Loaded {
        theme,
        catalog,
        report,
    })
}
