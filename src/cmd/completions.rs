//! `hanpub completions <shell>`: a completion script from the clap definition, on stdout.

use clap::CommandFactory;

use crate::Failure;
use crate::cli::{Cli, CompletionsArgs};

pub fn run(args: &CompletionsArgs) -> Result<(), Failure> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "hanpub", &mut std::io::stdout());
    Ok(())
}
