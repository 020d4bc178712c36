//! McDewey's generator: the only crate that touches the file system or the
//! network. `main.rs` is a thin shell over this library so integration tests
//! can drive builds directly.

pub mod build;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod content;
pub mod diag;
pub mod markdown;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;

/// An error with the exit code it maps to: 1 input errors, 2 usage or
/// configuration, 3 fatal I/O.
#[derive(Debug)]
pub struct ExitError {
    pub code: u8,
    pub error: anyhow::Error,
}

impl ExitError {
    pub fn input(msg: impl Into<String>) -> Self {
        ExitError {
            code: 1,
            error: anyhow::anyhow!(msg.into()),
        }
    }

    pub fn usage(error: anyhow::Error) -> Self {
        ExitError { code: 2, error }
    }

    pub fn io(error: anyhow::Error) -> Self {
        ExitError { code: 3, error }
    }
}
