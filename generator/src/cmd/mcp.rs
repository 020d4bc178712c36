//! `mcdewey mcp [SITE]`: the MCP tools over stdin/stdout, for clients that
//! start the server themselves. Also the `/mcp` part of `mcdewey serve`.

use crate::cli::{McpArgs, ServeArgs};
use crate::config::Config;
use crate::serve::auth::Tokens;
use crate::serve::library::Library;
use crate::serve::mcp;
use crate::ExitError;
use anyhow::Context as _;
use axum::Router;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

pub fn run(args: McpArgs) -> Result<(), ExitError> {
    if !crate::site::is_site(&args.site) {
        return Err(ExitError::usage(anyhow::anyhow!(
            "{} is not a built McDewey site; run `mcdewey build` first",
            args.site.display()
        )));
    }
    let lib = Library::load(&args.site).map_err(ExitError::io)?;
    let runtime = tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")
        .map_err(ExitError::io)?;
    runtime
        .block_on(mcp::serve_stdio(Arc::new(lib), args.mcp_cache))
        .map_err(ExitError::io)
}

/// What `serve` adds for `/mcp`: the loaded library (or why it could not be
/// loaded) and who may call it.
pub struct Endpoint {
    lib: Result<Arc<Library>, String>,
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
    site: &Path,
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
    let lib = Library::load(site).map(Arc::new).map_err(|e| {
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
