//! The command line (clap derive): `hanpub build`, `check`, `init`, `completions`, `watch`, `serve`, and the options each command takes.

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
    /// Say more: each chapter written, and how long each stage took.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a book into an EPUB.
    Build(BuildArgs),
    /// Report every problem of a book at once (or check a built EPUB), without writing an EPUB.
    Check(CheckArgs),
    /// Start a new book: a folder with a commented book.toml and a sample article.
    Init(InitArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// For example: `hanpub completions bash > ~/.local/share/bash-completion/completions/hanpub`.
    Completions(CompletionsArgs),
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
pub struct CheckArgs {
    /// The book (as for `hanpub build`), or a built EPUB file (`*.epub`) to verify: zip layout,
    /// container, package manifest and spine, well-formed XHTML, internal links and fragments.
    #[arg(default_value = "book")]
    pub book: PathBuf,
    /// How to print the problems: `human` (with source snippets, on stderr) or `json` (an array
    /// of {severity, message, file, line, column, hint} on stdout, for editors and CI; at most
    /// 100 of a kind, then an item with `omitted`, the count left out).
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Apply the typesetting fixes (full-width punctuation, joined line breaks) to the Markdown
    /// files in place, then report what changed and what problems remain.
    #[arg(long)]
    pub fix: bool,
    /// Keep Latin punctuation as written, as `hanpub build --no-punctuation` does: no
    /// punctuation warnings, and `--fix` only joins line breaks.
    #[arg(long)]
    pub no_punctuation: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Messages with file:line:column, a snippet and a caret, on stderr.
    Human,
    /// A JSON array on stdout.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to create (it must not exist, or be empty).
    #[arg(default_value = "new-book")]
    pub dir: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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
    /// Which edition to build: the text as written (zh-Hant), or a Simplified Chinese edition
    /// converted with OpenCC's Taiwan→mainland phrase tables (default output
    /// out/<book>.zh-Hans.epub).
    #[arg(long, value_enum, default_value = "zh-Hant")]
    pub edition: EditionArg,
    /// Do not generate a cover when the book gives none (by default hanpub draws one with the
    /// title, kicker and series, using --font or the system's Noto CJK font).
    #[arg(long)]
    pub no_cover: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EditionArg {
    /// Traditional Chinese, as written.
    #[value(name = "zh-Hant")]
    ZhHant,
    /// Simplified Chinese, converted from the Traditional source.
    #[value(name = "zh-Hans")]
    ZhHans,
}

impl From<EditionArg> for hanpub::Edition {
    fn from(e: EditionArg) -> Self {
        match e {
            EditionArg::ZhHant => hanpub::Edition::AsWritten,
            EditionArg::ZhHans => hanpub::Edition::Simplified,
        }
    }
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
