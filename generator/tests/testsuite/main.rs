//! Integration tests of the generator, built into one binary (one link step).
//! Fixture sites are written to temporary directories by [`util::TestSite`].

mod cli;
mod corpora;
mod import;
mod invalid;
mod mcp;
mod safety;
mod serve;
mod site;
mod util;
