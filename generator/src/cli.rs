//! Command-line interface (clap derive). Parsing only: each subcommand's work
//! lives in `cmd/<name>.rs`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "mcdewey",
    version,
    about = "Turn vendor documentation into a static, searchable multi-vendor library",
    long_about = "McDewey reads a content tree laid out as product/version/doc-set/document.md, \
splits every document into pages and chunks with stable ids, and writes a static site \
that can be hosted anywhere and browsed with no backend.\n\n\
Exit codes: 0 success; 1 finished, but some input files had errors (see the report); \
2 usage or configuration error; 3 fatal I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the static site from a content directory
    Build(BuildArgs),
    /// Serve a built site (building it first when given a content directory)
    Serve(ServeArgs),
    /// Search a built site from the terminal (same ranking as the browser)
    Search(SearchArgs),
    /// Serve a built site to an MCP client over standard input and output
    Mcp(McpArgs),
    /// Convert PDF manuals or an HTML doc set into Markdown documents
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Convert PDFs into one document each, with a page marker per physical page
    Pdf(ImportPdfArgs),
    /// Convert an HTML doc set into one document per page, keeping its paths
    Html(ImportHtmlArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ImportPdfArgs {
    /// PDF files to convert
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Doc-set directory to write to: CONTENT/product/version/doc-set/
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// Document id, i.e. the file name without .md [default: the PDF's name, as an id]; one FILE only
    #[arg(long, value_name = "ID")]
    pub name: Option<String>,
    /// Overwrite documents that already exist
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no summary, only diagnostics
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ImportHtmlArgs {
    /// Directory of the HTML doc set (with its index.html)
    pub dir: PathBuf,
    /// Doc-set directory to write to: CONTENT/product/version/doc-set/
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// Overwrite documents that already exist
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no summary, only diagnostics
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args, Clone)]
pub struct McpArgs {
    /// A built site directory, or the base URL of one on a static host
    /// (http://bucket.example/docs/)
    #[arg(default_value = "site")]
    pub site: PathBuf,
    #[command(flatten)]
    pub reading: ReadingArgs,
    /// Recent tool results kept in memory and answered again without
    /// re-running the tool; 0 turns this off
    #[arg(long, value_name = "ENTRIES", default_value_t = crate::serve::mcp::DEFAULT_CACHE_ENTRIES)]
    pub mcp_cache: usize,
}

/// How the MCP server reads the site: file by file as queries need them,
/// within bounded caches, or everything at start.
#[derive(Debug, Args, Clone)]
pub struct ReadingArgs {
    /// Index files kept in memory, in MB as stored; the least recently used
    /// go first
    #[arg(long, value_name = "MB", default_value_t = 256)]
    pub index_cache_mb: usize,
    /// document.json files kept in memory, in MB as stored
    #[arg(long, value_name = "MB", default_value_t = 64)]
    pub doc_cache_mb: usize,
    /// Read every index file and document at start instead (a local site
    /// only): no cold queries, memory as large as the library
    #[arg(long)]
    pub preload: bool,
    /// Seconds between checks of a site for a new build (a conditional
    /// request for its index manifest)
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub revalidate: f64,
    /// Seconds before a request to a remote site gives up (then retried
    /// twice, with back-off)
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub origin_timeout: f64,
    /// PEM file of certificates to trust for an https:// site besides the
    /// system's (an intranet's own certificate authority)
    #[arg(long, value_name = "FILE")]
    pub origin_ca: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct SearchArgs {
    /// A built site directory
    pub site: PathBuf,
    /// The query: words, "quoted phrases", identifiers
    pub query: String,
    /// Only these vendors (repeatable; display names)
    #[arg(long)]
    pub vendor: Vec<String>,
    /// Only these products (repeatable; ids)
    #[arg(long)]
    pub product: Vec<String>,
    /// Only these versions (repeatable; ids)
    #[arg(long)]
    pub version: Vec<String>,
    /// Only these doc sets (repeatable; ids)
    #[arg(long)]
    pub doc_set: Vec<String>,
    /// Only these documents (repeatable; ids within their doc set)
    #[arg(long)]
    pub document: Vec<String>,
    /// Number of results
    #[arg(short = 'n', long, default_value_t = 10)]
    pub limit: usize,
    /// Treat the last word as a prefix, as the search box does while typing
    #[arg(long)]
    pub prefix: bool,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Print only the query's embedding as JSON, {"embedding":[...]}, each f32 as the u32 of its IEEE-754 bits (f32::to_bits) so it round-trips exactly; null when the index has no vectors or the query no known token
    #[arg(long, conflicts_with = "json")]
    pub embedding: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// A built site, or a content directory to build first
    #[arg(default_value = "content")]
    pub path: PathBuf,
    /// Where to build when PATH is a content directory
    #[arg(short, long, default_value = "site")]
    pub out: PathBuf,
    /// Config file [default: ./mcdewey.toml when present]
    #[arg(short, long)]
    pub config: Option<PathBuf>,
    /// Address to bind; use 0.0.0.0 only behind a reverse proxy you trust
    #[arg(long)]
    pub host: Option<String>,
    /// Port to listen on [default: 8080]
    #[arg(short, long)]
    pub port: Option<u16>,
    /// Browser origin allowed to call /mcp besides the server's own, e.g. https://app.example.com (repeatable)
    #[arg(long = "allow-origin", value_name = "URL")]
    pub allow_origin: Vec<String>,
    /// Host name /mcp accepts besides loopback, e.g. docs.example.com behind a proxy (repeatable)
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_host: Vec<String>,
    /// Recent /mcp tool results kept in memory and answered again without
    /// re-running the tool; 0 turns this off
    #[arg(long, value_name = "ENTRIES", default_value_t = crate::serve::mcp::DEFAULT_CACHE_ENTRIES)]
    pub mcp_cache: usize,
    /// Require `Authorization: Bearer <token>` on /mcp, with the tokens in
    /// FILE (one per line); tokens in the MCDEWEY_MCP_TOKENS environment
    /// variable are accepted too
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Require a token for the whole site, not only /mcp
    #[arg(long)]
    pub protect_site: bool,
    /// Answer /mcp from this site instead of PATH: a built site directory or
    /// the base URL of one on a static host (http://bucket.example/docs/).
    /// Only /mcp is served then; the site's pages stay where they are
    #[arg(long, value_name = "DIR|URL", conflicts_with = "watch")]
    pub site: Option<String>,
    #[command(flatten)]
    pub reading: ReadingArgs,
    /// Rebuild when the content or theme changes and reload open pages
    /// (PATH must be a content directory; /mcp is off while watching)
    #[arg(long)]
    pub watch: bool,
    /// Less output
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args, Clone)]
pub struct BuildArgs {
    /// Content directory (product/version/doc-set/document.md)
    #[arg(default_value = "content")]
    pub content: PathBuf,
    /// Output directory; a previous McDewey site there is replaced
    #[arg(short, long, default_value = "site")]
    pub out: PathBuf,
    /// Config file [default: ./mcdewey.toml when present]
    #[arg(short, long)]
    pub config: Option<PathBuf>,
    /// Theme directory whose files override the built-in theme, file by file
    #[arg(long)]
    pub theme: Option<PathBuf>,
    /// URL path the site is served under, e.g. /my-repo/ on GitHub Pages
    #[arg(long)]
    pub base_path: Option<String>,
    /// Also write the index as scripts so search works from file:// (a copy on disk)
    #[arg(long)]
    pub offline_search: bool,
    /// Memory the build aims to stay within, e.g. 512MB or 2GB (overrides
    /// `[build] memory_budget`; default 256MB); the site is the same either way
    #[arg(long, value_name = "SIZE")]
    pub memory_budget: Option<String>,
    /// No progress bar and no summary, only diagnostics
    #[arg(short, long)]
    pub quiet: bool,
}
