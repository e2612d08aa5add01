//! Logging flags shared by every subcommand, and the tracing subscriber.

use std::io::IsTerminal;

use clap::{Args, ValueEnum};

use super::log_lines::OneLineEvents;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum LogFormat {
    /// Human-readable lines (coloured on a terminal).
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

#[derive(Debug, Args)]
pub(super) struct LogArgs {
    /// Log line format.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_enum,
        default_value = "text",
        env = "POLICY_CLASSIFIER_LOG_FORMAT"
    )]
    log_format: LogFormat,
    /// What to log, as a tracing filter: a level (`debug`) or per-module
    /// directives (`info,policy_classifier=debug` adds one line per request).
    #[arg(
        long = "log",
        global = true,
        help_heading = "Global options",
        default_value = "info",
        env = "POLICY_CLASSIFIER_LOG"
    )]
    filter: String,
}

impl LogArgs {
    /// Installs the global subscriber; logs go to standard error so that
    /// `classify` output on standard output stays clean.
    pub(super) fn init(&self) -> Result<(), Box<dyn std::error::Error>> {
        let filter = tracing_subscriber::EnvFilter::try_new(&self.filter)
            .map_err(|e| format!("--log {:?}: {e}", self.filter))?;
        let builder = tracing_subscriber::fmt().with_env_filter(filter);
        match self.log_format {
            LogFormat::Text => {
                let colour = std::io::stderr().is_terminal();
                builder
                    .with_writer(OneLineEvents::new(std::io::stderr, colour))
                    .with_ansi(colour)
                    .try_init()
            }
            // JSON strings escape control characters themselves.
            LogFormat::Json => builder
                .with_writer(std::io::stderr)
                .json()
                .flatten_event(true)
                .try_init(),
        }
        .map_err(|e| format!("cannot install the logger: {e}"))?;
        Ok(())
    }
}
