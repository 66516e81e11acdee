//! The command line (clap derive): `hanpub build`, `watch`, `serve`, and the options each command takes.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Turn Markdown into an EPUB 3 that reads well in Chinese (Traditional first).
#[derive(Debug, Parser)]
#[command(name = "hanpub", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a book into an EPUB.
    Build(BuildArgs),
    /// Rebuild the EPUB on every save in the book folder (Ctrl-C to stop).
    Watch(WatchArgs),
    /// Rebuild on every save and preview the book in a browser at http://127.0.0.1:PORT/,
    /// reloading the page after each rebuild.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub build: BuildArgs,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// The port to listen on, on 127.0.0.1 only (0: any free port).
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The book: a folder with book.toml (or metadata.yaml, or one Markdown file), or a Markdown
    /// file with YAML (---) or TOML (+++) front matter.
    #[arg(default_value = "book")]
    pub book: PathBuf,
    /// Where to write the EPUB [default: out/<book name>.epub].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Writing mode; overrides `layout` in book.toml.
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Keep Latin punctuation as written (no full-width conversion).
    #[arg(long)]
    pub no_punctuation: bool,
    /// Embed this font (TTF, OTF, or a TTC collection such as NotoSerifCJK-Regular.ttc, whose
    /// Traditional Chinese face is chosen), subset to the characters the book uses.
    #[arg(long, value_name = "FILE")]
    pub font: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// Left to right, top to bottom (the default).
    Horizontal,
    /// Top to bottom, right to left (直排), pages turn right to left.
    Vertical,
}

impl From<LayoutArg> for hanpub::Layout {
    fn from(l: LayoutArg) -> Self {
        match l {
            LayoutArg::Horizontal => hanpub::Layout::Horizontal,
            LayoutArg::Vertical => hanpub::Layout::Vertical,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
