//! `mcdewey serve [SITE_OR_CONTENT]`: builds content first when given a
//! content directory, then serves the site on loopback.

use crate::cli::{BuildArgs, ServeArgs};
use crate::serve::{self, ServeOptions};
use crate::ExitError;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

pub fn run(args: ServeArgs) -> Result<(), ExitError> {
    let is_site = args.path.join(crate::render::SITE_MARKER).is_file();
    let build_args = BuildArgs {
        content: args.path.clone(),
        out: args.out.clone(),
        config: args.config.clone(),
        theme: None,
        base_path: None,
        quiet: args.quiet,
    };
    let config = super::build::resolve_config(&build_args)?;
    let site: PathBuf = if is_site {
        args.path.clone()
    } else {
        match super::build::run_with(&build_args, &config) {
            // Input errors are reported; the rest of the library is still worth serving.
            Err(e) if e.code == 1 => eprintln!("warning: {}", e.error),
            other => other?,
        }
        args.out.clone()
    };
    let host: IpAddr = args
        .host
        .clone()
        .or(config.serve.host.clone())
        .unwrap_or_else(|| "127.0.0.1".into())
        .parse()
        .map_err(|e| ExitError::usage(anyhow::anyhow!("--host must be an IP address: {e}")))?;
    let port = args.port.or(config.serve.port).unwrap_or(8080);
    let opts = ServeOptions {
        base_path: serve::site_base_path(&site).map_err(ExitError::usage)?,
        site,
        addr: SocketAddr::new(host, port),
    };
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| ExitError::io(anyhow::anyhow!("cannot start the async runtime: {e}")))?;
    let router = serve::static_router(&opts);
    let mcp = super::mcp::endpoint(&opts.site, &args, &config)?;
    let with_mcp = mcp.is_available();
    let base = opts.base_path.clone();
    let quiet = args.quiet;
    runtime
        .block_on(serve::run_with(
            opts,
            move |addr| mcp.attach(router, addr),
            move |addr| {
                if !quiet {
                    eprintln!("Serving the library at http://{addr}{base} (Ctrl-C to stop)");
                    if with_mcp {
                        eprintln!("MCP endpoint at http://{addr}/mcp");
                    }
                }
            },
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
        ))
        .map_err(ExitError::io)
}
