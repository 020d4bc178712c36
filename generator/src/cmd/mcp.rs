//! `mcdewey mcp [SITE]`: the MCP tools over stdin/stdout, for clients that
//! start the server themselves. Also the `/mcp` part of `mcdewey serve`.

use crate::cli::{McpArgs, ReadingArgs, ServeArgs};
use crate::config::Config;
use crate::serve::auth::Tokens;
use crate::serve::library::{Library, Limits, Live};
use crate::serve::mcp;
use crate::serve::source::{HttpSettings, Source};
use crate::ExitError;
use anyhow::Context as _;
use axum::Router;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub fn run(args: McpArgs) -> Result<(), ExitError> {
    let location = args.site.to_string_lossy().to_string();
    if !is_url(&location) && !crate::site::is_site(&args.site) {
        return Err(ExitError::usage(anyhow::anyhow!(
            "{} is not a built McDewey site; run `mcdewey build` first",
            args.site.display()
        )));
    }
    let lib = open(&location, &args.reading).map_err(ExitError::io)?;
    let runtime = tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")
        .map_err(ExitError::io)?;
    runtime
        .block_on(mcp::serve_stdio(lib, args.mcp_cache))
        .map_err(ExitError::io)
}

fn is_url(location: &str) -> bool {
    location.starts_with("http://") || location.starts_with("https://")
}

/// The library `/mcp` answers from: a local site or a remote one read on
/// demand within the cache bounds, or a local site read completely.
pub fn open(location: &str, reading: &ReadingArgs) -> anyhow::Result<Live> {
    if reading.preload {
        if is_url(location) {
            anyhow::bail!("--preload reads a local site; {location} is remote");
        }
        return Ok(Library::load(Path::new(location))?.into());
    }
    let seconds = |s: f64, what: &str| {
        Duration::try_from_secs_f64(s)
            .map_err(|_| anyhow::anyhow!("{what} must be a number of seconds, got {s}"))
    };
    let http = HttpSettings {
        timeout: seconds(reading.origin_timeout, "--origin-timeout")?,
        extra_roots: reading.origin_ca.clone(),
        ..HttpSettings::default()
    };
    let limits = Limits {
        index_bytes: reading.index_cache_mb.saturating_mul(1 << 20),
        doc_bytes: reading.doc_cache_mb.saturating_mul(1 << 20),
    };
    let source = Arc::new(Source::new(location, http)?);
    Live::open(source, limits, seconds(reading.revalidate, "--revalidate")?)
}

/// What `serve` adds for `/mcp`: the opened library (or why it could not be
/// opened) and who may call it.
pub struct Endpoint {
    lib: Result<Live, String>,
    origins: Vec<String>,
    hosts: Vec<String>,
    cache_entries: usize,
    tokens: Option<Arc<Tokens>>,
}

/// Tokens from `--token-file` (or `[serve] token_file`) and from
/// [`crate::serve::auth::TOKENS_ENV`]; `None` when neither is given.
pub fn tokens(args: &ServeArgs, config: &Config) -> Result<Option<Arc<Tokens>>, ExitError> {
    let file = args
        .token_file
        .as_deref()
        .or(config.serve.token_file.as_deref())
        .map(Tokens::from_file)
        .transpose()
        .map_err(ExitError::usage)?;
    let env = Tokens::from_env().map_err(ExitError::usage)?;
    let all = match (file, env) {
        (Some(f), Some(e)) => Some(f.merge(e)),
        (f, e) => f.or(e),
    };
    if all.is_none() && (args.protect_site || config.serve.protect_site) {
        return Err(ExitError::usage(anyhow::anyhow!(
            "--protect-site needs tokens: give --token-file FILE or set {}",
            crate::serve::auth::TOKENS_ENV
        )));
    }
    Ok(all.map(Arc::new))
}

/// Loads the site for `/mcp`. A bad `--allow-origin` is a usage error; a
/// site whose library cannot be loaded (a damaged index) is still served,
/// with `/mcp` answering every call with the reason.
pub fn endpoint(
    site: &str,
    args: &ServeArgs,
    config: &Config,
    tokens: Option<Arc<Tokens>>,
) -> Result<Endpoint, ExitError> {
    let origins = args
        .allow_origin
        .iter()
        .chain(&config.serve.allowed_origins)
        .map(|o| mcp::check_origin(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ExitError::usage(anyhow::anyhow!(e)))?;
    let hosts: Vec<String> = args
        .allow_host
        .iter()
        .chain(&config.serve.allowed_hosts)
        .map(|h| h.trim().to_string())
        .collect();
    let lib = open(site, &args.reading).map_err(|e| {
        let reason = format!("{e:#}");
        eprintln!("warning: /mcp is unavailable: {reason}");
        reason
    });
    Ok(Endpoint {
        lib,
        origins,
        hosts,
        cache_entries: args.mcp_cache,
        tokens,
    })
}

impl Endpoint {
    /// Adds `/mcp` to the site's router, allowing the bound address's own
    /// loopback origins plus the configured ones.
    pub fn attach(self, router: Router, addr: SocketAddr) -> Router {
        let mut opts = mcp::HttpOptions::for_addr(addr, &self.origins, &self.hosts);
        opts.cache_entries = self.cache_entries;
        opts.tokens = self.tokens;
        match self.lib {
            Ok(lib) => router.merge(mcp::router(lib, &opts)),
            Err(reason) => router.merge(mcp::unavailable_router(&reason)),
        }
    }

    /// Whether the library loaded (and `/mcp` answers tool calls).
    pub fn is_available(&self) -> bool {
        self.lib.is_ok()
    }
}
