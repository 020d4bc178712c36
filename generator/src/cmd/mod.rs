//! One module per subcommand.

pub mod build;
pub mod import;
pub mod mcp;
pub mod search;
pub mod serve;
