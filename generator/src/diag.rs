//! Diagnostics: every problem names the file and, where known, the line, and
//! every input file ends up either in the site or in the report.

use std::fmt;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Path as shown to the user (relative to the working directory when possible).
    pub path: String,
    pub line: Option<usize>,
    pub level: Level,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Warning => "warning",
            Level::Error => "error",
        };
        match self.line {
            Some(line) => write!(f, "{}:{}: {}: {}", self.path, line, level, self.message),
            None => write!(f, "{}: {}: {}", self.path, level, self.message),
        }
    }
}

/// Why an input file is not in the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Skip {
    /// Not Markdown (images, JSON, YAML samples...): not part of the library.
    NotMarkdown,
    /// Hidden files and directories (`.git`, `.DS_Store`).
    Hidden,
    /// Not at `product/version/[doc-set/]document.md`.
    OutsideLayout,
    /// Empty or whitespace-only document.
    Empty,
    /// A page of an HTML doc set that is not documentation (search page,
    /// general index, Sphinx assets); the importer leaves it out.
    NotContent,
    /// Unreadable, invalid UTF-8, malformed front matter, bad page markers,
    /// duplicate id.
    Failed,
    /// A symlink that leads outside the content tree (and the allowed
    /// `symlink_roots`), or to nothing.
    Link,
    /// A built McDewey site (the output directory, or any directory with the
    /// site marker): never content, so a build never re-ingests its output.
    BuiltSite,
    /// A FIFO, socket or device: reading one could block or never end.
    NotRegular,
}

impl Skip {
    pub fn describe(self) -> &'static str {
        match self {
            Skip::NotMarkdown => "not Markdown",
            Skip::Hidden => "hidden",
            Skip::OutsideLayout => "outside the layout",
            Skip::Empty => "empty",
            Skip::NotContent => "generated HTML (search, index)",
            Skip::Failed => "failed",
            Skip::Link => "symlinks not followed",
            Skip::BuiltSite => "built site",
            Skip::NotRegular => "not a regular file",
        }
    }
}

/// Collects diagnostics from parallel workers.
#[derive(Debug, Default)]
pub struct Sink {
    items: Mutex<Vec<Diagnostic>>,
}

impl Sink {
    pub fn push(&self, d: Diagnostic) {
        self.items.lock().expect("diagnostics lock").push(d);
    }

    pub fn warn(&self, path: &str, line: Option<usize>, message: impl Into<String>) {
        self.push(Diagnostic {
            path: path.to_string(),
            line,
            level: Level::Warning,
            message: message.into(),
        });
    }

    pub fn error(&self, path: &str, line: Option<usize>, message: impl Into<String>) {
        self.push(Diagnostic {
            path: path.to_string(),
            line,
            level: Level::Error,
            message: message.into(),
        });
    }

    /// All diagnostics, sorted by path and line so output is reproducible.
    pub fn into_sorted(self) -> Vec<Diagnostic> {
        let mut v = self.items.into_inner().expect("diagnostics lock");
        v.sort();
        v
    }
}

/// 1-based line of byte `offset` in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
