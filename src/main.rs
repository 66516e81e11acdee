//! CLI entry: parse arguments, do the I/O (files, environment, clock), print diagnostics, exit code.

mod cli;
mod cmd;
mod term;

use std::process::ExitCode;

use clap::Parser;
use hanpub::{Diagnostic, Error};

use cli::{Cli, Command};

/// Exit codes (documented in README).
const EXIT_BOOK: u8 = 1;
const EXIT_IO: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    term::set_verbose(cli.verbose);
    let result = match &cli.command {
        Command::Build(args) => cmd::build::run(args, cli.quiet),
        Command::Check(args) => cmd::check::run(args, cli.quiet),
        Command::Init(args) => cmd::init::run(args, cli.quiet),
        Command::Completions(args) => cmd::completions::run(args),
        Command::Watch(args) => cmd::watch::run(args, cli.quiet),
        Command::Serve(args) => cmd::serve::run(args, cli.quiet),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Exit(code)) => ExitCode::from(code),
        Err(Failure::Book(diags)) => {
            let n = diags.iter().filter(|d| d.is_error()).count();
            term::eprint_diags(&diags);
            eprintln!(
                "{}",
                term::paint(&format!(
                    "error: could not build the book ({} error{})",
                    hanpub::diagnostics::thousands(n),
                    if n == 1 { "" } else { "s" }
                ))
            );
            ExitCode::from(EXIT_BOOK)
        }
        Err(Failure::Io(e)) => {
            eprint!("{}", term::paint(&format!("error: {e}")));
            let mut source = e.source();
            while let Some(s) = source {
                eprint!(": {s}");
                source = s.source();
            }
            eprintln!();
            ExitCode::from(EXIT_IO)
        }
    }
}

pub enum Failure {
    /// Problems in the book, with locations.
    Book(Vec<Diagnostic>),
    /// Anything else (writing the output, …).
    Io(anyhow::Error),
    /// Already reported (e.g. by `check`): exit with this code.
    Exit(u8),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Book(d) => Failure::Book(d.0),
            other => Failure::Io(other.into()),
        }
    }
}
