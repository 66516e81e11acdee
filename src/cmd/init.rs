//! `hanpub init [DIR]`: a new book folder with a commented book.toml and a sample zh-Hant
//! article that builds clean at once.

use std::path::Path;

use hanpub::Diagnostic;

use crate::cli::InitArgs;
use crate::cmd::build::source_date_epoch;
use crate::{EXIT_IO, Failure, term};

const BOOK_TOML: &str = include_str!("../../templates/init/book.toml");
const ARTICLE: &str = include_str!("../../templates/init/article.md");

/// `hanpub init`.
pub fn run(args: &InitArgs, quiet: bool) -> Result<(), Failure> {
    let dir = &args.dir;
    let shown = dir.display().to_string();
    if let Some(why) = occupied(dir) {
        term::eprint_diag(
            &Diagnostic::error(format!("cannot create a book in `{shown}`: {why}"))
                .with_hint("give a new folder name, e.g. `hanpub init my-book`"),
        );
        return Err(Failure::Exit(EXIT_IO));
    }
    // the date is today's (or SOURCE_DATE_EPOCH's): only the CLI reads the clock
    let secs = match source_date_epoch()? {
        Some(s) => s,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    let date = hanpub::config::epoch_to_rfc3339(secs)[..10].to_string();
    let io = |e: std::io::Error| {
        Failure::Io(anyhow::Error::new(e).context(format!("cannot create `{shown}`")))
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let toml_path = dir.join("book.toml");
    let md_path = dir.join("article.md");
    std::fs::write(&toml_path, BOOK_TOML.replace("{{date}}", &date)).map_err(io)?;
    std::fs::write(&md_path, ARTICLE).map_err(io)?;
    term::note(format_args!("wrote {}", toml_path.display()));
    term::note(format_args!("wrote {}", md_path.display()));
    if !quiet {
        eprintln!(
            "created the book `{shown}` (book.toml, article.md)\nnext: edit them, then run `hanpub check {shown}` and `hanpub build {shown}`"
        );
    }
    Ok(())
}

/// Why `dir` cannot hold a new book, if it cannot.
fn occupied(dir: &Path) -> Option<&'static str> {
    match std::fs::metadata(dir) {
        Err(_) => None,
        Ok(m) if !m.is_dir() => Some("it is a file"),
        Ok(_) => match std::fs::read_dir(dir) {
            Ok(mut entries) => entries
                .next()
                .is_some()
                .then_some("the folder is not empty"),
            Err(_) => Some("the folder cannot be read"),
        },
    }
}
