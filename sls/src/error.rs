//! [`SlsError`]: every pipeline error names the SLS/file, the line and the cause.

/// An error from rendering or compiling state data.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SlsError {
    /// A template failed to render (Jinja syntax error, undefined variable, raise, ...).
    /// `message` is already in Salt's wording (`Jinja syntax error: ...; line N` + context).
    #[error("{message}")]
    Render {
        /// The file being rendered (`salt://` relative path or absolute path).
        file: String,
        /// 1-based line where known.
        line: Option<usize>,
        /// Salt-style message.
        message: String,
    },
    /// A YAML document could not be loaded.
    #[error("{message}")]
    Yaml {
        /// The file being loaded.
        file: String,
        /// 1-based line.
        line: usize,
        /// Salt-style message.
        message: String,
    },
    /// A file referenced by a template or SLS does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Any other error, message already in Salt's wording.
    #[error("{0}")]
    Other(String),
}
