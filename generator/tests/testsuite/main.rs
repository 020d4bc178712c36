//! Integration tests of the generator, built into one binary (one link step).
//! Fixture sites are written to temporary directories by [`util::TestSite`].

mod budget;
mod cli;
mod contract;
mod corpora;
mod errors;
mod examples;
mod hardening;
mod import;
mod incremental;
mod invalid;
mod mcp;
mod mcp_auth;
mod mcp_cite;
mod mcp_ondemand;
mod mcp_schema;
mod mcp_scope;
mod nav;
mod safety;
mod serve;
mod site;
mod teacher;
mod unpaged;
mod util;
mod watch;
