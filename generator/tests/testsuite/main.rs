//! Integration tests of the generator, built into one binary (one link step).
//! Fixture sites are written to temporary directories by [`util::TestSite`].

mod cli;
mod corpora;
mod examples;
mod hardening;
mod import;
mod invalid;
mod mcp;
mod mcp_auth;
mod mcp_cite;
mod mcp_schema;
mod mcp_scope;
mod nav;
mod safety;
mod serve;
mod site;
mod util;
mod watch;
