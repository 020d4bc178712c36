//! `mcdewey serve [SITE_OR_CONTENT]`: builds content first when given a
//! content directory, then serves the site on loopback.

use crate::cli::{BuildArgs, ServeArgs};
use crate::serve::{self, watch, ServeOptions};
use crate::{Exit, ExitError};
use anyhow::Context as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

pub fn run(args: ServeArgs) -> Result<(), ExitError> {
    if let Some(site) = &args.site {
        return run_mcp_only(site, &args);
    }
    let is_site = crate::site::is_site(&args.path);
    if args.watch && is_site {
        return Err(ExitError::usage(anyhow::anyhow!(
            "--watch rebuilds from content, but {} is a built site; give the content directory",
            args.path.display()
        )));
    }
    let build_args = build_args(&args);
    let config = super::build::resolve_config(&build_args)?;
    // Watch mode keeps parsed documents and their pages between rebuilds.
    let mut memo = args.watch.then(super::build::Memo::default);
    let site: PathBuf = if is_site {
        args.path.clone()
    } else {
        match super::build::run_incremental(&build_args, &config, memo.as_mut()) {
            // Input errors are reported; the rest of the library is still worth serving.
            Err(e) if e.code == Exit::InputErrors => eprintln!("warning: {}", e.error),
            other => other?,
        }
        args.out.clone()
    };
    let addr = listen_addr(&args, &config)?;
    let opts = ServeOptions {
        base_path: serve::site_base_path(&site).map_err(ExitError::usage)?,
        site,
        addr,
    };
    let runtime = tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")
        .map_err(ExitError::io)?;
    let tokens = super::mcp::tokens(&args, &config)?;
    let mut router = serve::static_router(&opts);
    let reload = args.watch.then(watch::Reload::default);
    if reload.is_some() {
        router = router.layer(axum::middleware::from_fn(watch::inject));
    }
    if let Some(t) = tokens
        .clone()
        .filter(|_| args.protect_site || config.serve.protect_site)
    {
        router = router.layer(axum::middleware::from_fn_with_state(
            t,
            serve::auth::require,
        ));
    }
    // The MCP tools answer from a library loaded once; while the site keeps
    // changing they would answer from a stale one, so watch mode has none.
    let mcp = if args.watch {
        None
    } else {
        Some(super::mcp::endpoint(
            &opts.site.to_string_lossy(),
            &args,
            &config,
            tokens.clone(),
        )?)
    };
    if let Some(reload) = &reload {
        router = router.merge(reload.router());
        start_watching(
            &build_args,
            &config,
            reload.clone(),
            memo.unwrap_or_default(),
        )?;
    }
    let with_mcp = mcp.as_ref().is_some_and(|m| m.is_available());
    let base = opts.base_path.clone();
    let quiet = args.quiet;
    let watching = args.watch.then(|| args.path.display().to_string());
    let protect_site = args.protect_site || config.serve.protect_site;
    let closing = reload.clone();
    runtime
        .block_on(serve::run_with(
            opts,
            move |addr| match mcp {
                Some(endpoint) => endpoint.attach(router, addr),
                None => router,
            },
            move |addr| {
                if !quiet {
                    eprintln!("Serving the library at http://{addr}{base} (Ctrl-C to stop)");
                    if with_mcp {
                        eprintln!("MCP endpoint at http://{addr}/mcp");
                    }
                    if let Some(dir) = &watching {
                        eprintln!("Watching {dir} for changes (no /mcp while watching)");
                    }
                    if let Some(t) = &tokens {
                        eprintln!(
                            "Bearer token required for /mcp{} ({t:?})",
                            if protect_site { " and the site" } else { "" }
                        );
                    }
                }
            },
            async move {
                let _ = tokio::signal::ctrl_c().await;
                if let Some(r) = closing {
                    r.close();
                }
            },
        ))
        .map_err(ExitError::io)
}

/// The build `serve` runs (or would run) on its content directory: the
/// configuration's settings, nothing overridden from the command line.
fn build_args(args: &ServeArgs) -> BuildArgs {
    BuildArgs {
        content: args.path.clone(),
        out: args.out.clone(),
        config: args.config.clone(),
        theme: None,
        base_path: None,
        offline_search: false,
        memory_budget: None,
        quiet: args.quiet,
    }
}

/// Where to listen: the flags, else the configuration, else 127.0.0.1:8080.
fn listen_addr(args: &ServeArgs, config: &crate::config::Config) -> Result<SocketAddr, ExitError> {
    let host: IpAddr = args
        .host
        .clone()
        .or(config.serve.host.clone())
        .unwrap_or_else(|| "127.0.0.1".into())
        .parse()
        .context("--host must be an IP address")
        .map_err(ExitError::usage)?;
    Ok(SocketAddr::new(
        host,
        args.port.or(config.serve.port).unwrap_or(8080),
    ))
}

/// `serve --site DIR|URL`: only `/mcp`, answered from that site (read on
/// demand); its pages are served by whatever hosts them.
fn run_mcp_only(site: &str, args: &ServeArgs) -> Result<(), ExitError> {
    let config = super::build::resolve_config(&build_args(args))?;
    let addr = listen_addr(args, &config)?;
    let opts = ServeOptions {
        base_path: "/".into(),
        site: PathBuf::from(site),
        addr,
    };
    let tokens = super::mcp::tokens(args, &config)?;
    let endpoint = super::mcp::endpoint(site, args, &config, tokens)?;
    if !endpoint.is_available() {
        return Err(ExitError::io(anyhow::anyhow!(
            "cannot open {site} for /mcp"
        )));
    }
    let quiet = args.quiet;
    let runtime = tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")
        .map_err(ExitError::io)?;
    runtime
        .block_on(serve::run_with(
            opts,
            move |addr| endpoint.attach(axum::Router::new(), addr),
            move |addr| {
                if !quiet {
                    eprintln!("MCP endpoint at http://{addr}/mcp (answering from {site})");
                }
            },
            async move {
                let _ = tokio::signal::ctrl_c().await;
            },
        ))
        .map_err(ExitError::io)
}

/// Rebuilds on changes in the content directory and the theme, ignoring
/// what the build itself writes (the site, its staging copies, the cache).
fn start_watching(
    build_args: &BuildArgs,
    config: &crate::config::Config,
    reload: watch::Reload,
    memo: super::build::Memo,
) -> Result<(), ExitError> {
    let out = &build_args.out;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "site".into());
    let beside = |suffix: &str| out.with_file_name(format!(".{name}.mcdewey-{suffix}"));
    let ignore = vec![
        out.clone(),
        beside("staging"),
        beside("old"),
        super::build::cache_dir(config, out),
    ];
    let mut dirs = vec![build_args.content.clone()];
    dirs.extend(config.theme.clone());
    let (args, config) = (build_args.clone(), config.clone());
    let memo = std::sync::Mutex::new(memo);
    watch::spawn(dirs, ignore, reload, move || {
        let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
        match super::build::run_incremental(&args, &config, Some(&mut memo)) {
            Ok(()) => true,
            // Input errors are reported; the pages that built are worth showing.
            Err(e) if e.code == Exit::InputErrors => {
                eprintln!("warning: {}", e.error);
                true
            }
            Err(e) => {
                eprintln!("error: {:#}", e.error);
                false
            }
        }
    })
    .map_err(ExitError::io)
}
