//! Errors keep their cause: the message says what failed, and the chain
//! ends in the original error, so the exit message (which prints the whole
//! chain) and callers that inspect the cause both see it.

use crate::util::TestSite;
use clap::Parser;
use mcdewey::cli::{Cli, Command};
use mcdewey::cmd::build::build;
use mcdewey::Exit;

#[test]
fn a_missing_symlink_root_keeps_its_io_error() {
    let mut site = TestSite::new().file("p/1.0/d/a.md", "# A\n\nText.\n");
    let missing = site.dir.path().join("no-such-root");
    site.config.symlink_roots = vec![missing.clone()];
    let err = build(&site.content(), &site.out(), &site.config, true).unwrap_err();
    let top = err.error.to_string();
    assert!(
        top.contains("content.symlink_roots entry") && top.contains("no-such-root"),
        "{top}"
    );
    let io = err
        .error
        .root_cause()
        .downcast_ref::<std::io::Error>()
        .unwrap_or_else(|| panic!("no io::Error in {:#}", err.error));
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert!(err.error.chain().count() >= 2, "{:#}", err.error);
}

#[test]
fn a_bad_host_keeps_its_parse_error() {
    let site = TestSite::new().file("p/1.0/d/a.md", "# A\n\nText.\n");
    site.build();
    let out = site.out();
    let cli = Cli::try_parse_from([
        "mcdewey".as_ref(),
        "serve".as_ref(),
        out.as_os_str(),
        "--host".as_ref(),
        "not-an-ip".as_ref(),
    ])
    .unwrap();
    let Command::Serve(args) = cli.command else {
        panic!("not serve")
    };
    let err = mcdewey::cmd::serve::run(args).unwrap_err();
    assert_eq!(err.code, Exit::Usage);
    assert_eq!(err.error.to_string(), "--host must be an IP address");
    assert!(
        err.error
            .root_cause()
            .downcast_ref::<std::net::AddrParseError>()
            .is_some(),
        "{:#}",
        err.error
    );
}

#[test]
fn exit_statuses_are_the_documented_numbers() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
    )
    .unwrap();
    for (exit, text) in [
        (
            Exit::InputErrors,
            "1 the site was written but some input files had",
        ),
        (Exit::Usage, "2 usage or configuration error"),
        (Exit::Io, "3 fatal I/O error"),
    ] {
        assert!(text.starts_with(&(exit as u8).to_string()));
        assert!(
            readme
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(text),
            "README does not say `{text}`"
        );
    }
}
