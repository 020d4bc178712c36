//! `mcdewey`: parse the command line, run the subcommand, map errors to exit
//! codes (0 ok, then [`mcdewey::Exit`]).

use clap::Parser;
use mcdewey::{cli, cmd};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MCDEWEY_LOG")
        // pdf-extract logs every odd glyph at warn, and html5ever every
        // markup error it recovers from ("foster parenting not
        // implemented"); the importer reports what matters per page itself.
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("warn,pdf_extract=error,html5ever=error")
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging();
    let result = match cli.command {
        cli::Command::Build(args) => cmd::build::run(args),
        cli::Command::Serve(args) => cmd::serve::run(args),
        cli::Command::Search(args) => cmd::search::run(args),
        cli::Command::Mcp(args) => cmd::mcp::run(args),
        cli::Command::Import(command) => cmd::import::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut msg = format!("error: {}", e.error);
            for cause in e.error.chain().skip(1) {
                msg.push_str(&format!(": {cause}"));
            }
            eprintln!("{msg}");
            e.code.into()
        }
    }
}
