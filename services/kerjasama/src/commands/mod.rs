//! One module per subcommand; `main` parses the flags and dispatches here.

pub mod backup;
pub mod import;
pub mod report;
pub mod seed;
pub mod serve;
pub mod token;

/// A line for the operator on stdout. A server must not die because whoever
/// started it stopped reading its output, so write errors are ignored.
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}
