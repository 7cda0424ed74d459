//! One module per subcommand.

pub mod backtest;
pub mod baseline;
pub mod check;
pub mod compare;
pub mod demo;
pub mod etr;
pub mod gegravity;
pub mod merge;
pub mod montecarlo;
pub mod plot;
pub mod run;
pub mod schema;
pub mod show;

/// An error that carries its exit code (2 for invalid input, 1 for a failed run).
#[derive(Debug)]
pub struct Exit {
    /// Process exit code.
    pub code: u8,
    /// The message (already formatted with `error:`/`hint:` lines where useful).
    pub message: String,
    /// The message is a whole diagnostic with its own `error:` line (a scenario's): printed as
    /// it is, without another prefix.
    pub rendered: bool,
}

impl Exit {
    /// The text `main` prints on stderr.
    #[must_use]
    pub fn report(&self) -> String {
        if self.rendered {
            self.message.clone()
        } else {
            format!("error: {}", self.message)
        }
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

/// Invalid input (exit 2).
pub fn invalid(message: impl Into<String>) -> anyhow::Error {
    Exit {
        code: crate::exit::INVALID,
        message: message.into(),
        rendered: false,
    }
    .into()
}

/// Invalid input whose message is already a whole diagnostic (exit 2).
pub fn invalid_rendered(message: impl Into<String>) -> anyhow::Error {
    Exit {
        code: crate::exit::INVALID,
        message: message.into(),
        rendered: true,
    }
    .into()
}

/// The exit code for an error: an [`Exit`] says so itself; a core input error is invalid input;
/// anything else is a failed run.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if let Some(exit) = e.downcast_ref::<Exit>() {
        return exit.code;
    }
    match e.downcast_ref::<tariffsim_core::CoreError>() {
        Some(tariffsim_core::CoreError::Solve(_)) | None => crate::exit::FAILED,
        Some(_) => crate::exit::INVALID,
    }
}
