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
pub mod teacher;

/// The exit status of `mcdewey`, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The site was written but some input files had errors.
    InputErrors = 1,
    /// A usage or configuration error, or another build holds the lock.
    Usage = 2,
    /// A fatal I/O error.
    Io = 3,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

/// An error with the exit status it maps to.
#[derive(Debug)]
pub struct ExitError {
    pub code: Exit,
    pub error: anyhow::Error,
}

impl ExitError {
    pub fn input(msg: impl Into<String>) -> Self {
        ExitError {
            code: Exit::InputErrors,
            error: anyhow::anyhow!(msg.into()),
        }
    }

    pub fn usage(error: anyhow::Error) -> Self {
        ExitError {
            code: Exit::Usage,
            error,
        }
    }

    pub fn io(error: anyhow::Error) -> Self {
        ExitError {
            code: Exit::Io,
            error,
        }
    }
}
