//! The load stage: a book's files → a [`Project`] (its configuration and its Markdown sources in
//! reading order), read through [`Files`] only. Each form a book can take has its reader
//! (`book.toml`, `metadata.yaml`, one Markdown file with front matter); every reader gives a
//! [`Found`], which [`load`] reads the chapters of. Also the partial reload of `watch`
//! ([`Project::reload`]) and the parse of every source ([`Project::parse`]).

use rayon::prelude::*;

use crate::chapters::Parsed;
use crate::config::{self, Config, Metadata};
use crate::diagnostics::{Diagnostic, Error};
use crate::files::{self, BookEntry, Files};
use crate::model::Spanned;
use crate::parse;
use crate::source::SourceFile;

/// A book read from its files: configuration and Markdown sources, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub config: Config,
    /// The configuration file (book.toml or metadata.yaml), if any.
    pub config_file: Option<SourceFile>,
    /// The Markdown files, in reading order.
    pub sources: Vec<Source>,
    /// Warnings met while loading.
    pub warnings: Vec<Diagnostic>,
    /// Errors that did not stop loading (unknown keys, missing chapters); `build` refuses to
    /// build while there are any, `check` reports them with everything else.
    pub errors: Vec<Diagnostic>,
}

/// A Markdown file of the book.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Path relative to the book folder, `/`-separated (`article.md`).
    pub path: String,
    pub file: SourceFile,
    /// Where the body starts: the front matter of a chapter file is skipped.
    pub body: usize,
}

impl Source {
    pub fn new(path: String, file: SourceFile) -> Self {
        let body = config::split_front_matter(&file.text).map_or(0, |(_, _, body)| body);
        Source { path, file, body }
    }
}

/// What a reader of one form of book finds before the chapters are read.
#[derive(Debug, Default)]
pub struct Found {
    pub config: Config,
    pub config_file: Option<SourceFile>,
    /// The Markdown files in reading order, relative to the book folder.
    pub chapters: Vec<String>,
    /// A chapter the reader has read already (the single file of a one-file book).
    pub read: Option<SourceFile>,
    pub warnings: Vec<Diagnostic>,
    /// Problems that do not stop loading (unknown keys).
    pub errors: Vec<Diagnostic>,
}

/// Read the configuration and the Markdown files of a book.
pub fn load(files: &dyn Files, entry: &BookEntry) -> Result<Project, Error> {
    let found = match entry {
        BookEntry::File(path) => single_file(files, path)?,
        BookEntry::Dir => folder(files)?,
    };
    Ok(read_chapters(files, found))
}

/// A Markdown file whose front matter (or first heading) gives the metadata.
fn single_file(files: &dyn Files, path: &str) -> Result<Found, Error> {
    let file = read_text(files, path)?;
    let mut found = Found::default();
    found.config = match config::split_front_matter(&file.text) {
        Some((kind, range, _)) => {
            let (config, errs) = config::parse_front_matter(&file, kind, range)?;
            found.errors = errs;
            config
        }
        None => {
            found.warnings.push(
                Diagnostic::warning("no front matter: the title comes from the first heading")
                    .in_file(file.name.clone())
                    .with_hint("start the file with ---, then title:, author:, lang: and date: lines, then ---"),
            );
            Config {
                meta: Metadata {
                    title: first_heading(&file.text).unwrap_or_else(|| stem(path)),
                    lang: "zh-Hant".into(),
                    ..Metadata::default()
                },
                ..Config::default()
            }
        }
    };
    found.chapters = vec![path.to_string()];
    found.read = Some(file);
    Ok(found)
}

/// A book folder: `book.toml`, else `metadata.yaml` with the Markdown files beside it, else
/// its one Markdown file.
fn folder(files: &dyn Files) -> Result<Found, Error> {
    let listing = files.list().map_err(|e| files::read_error(files, "", &e))?;
    let mds: Vec<String> = listing
        .iter()
        .filter(|p| p.ends_with(".md") || p.ends_with(".markdown"))
        .cloned()
        .collect();
    if listing.iter().any(|p| p == "book.toml") {
        let file = read_text(files, "book.toml")?;
        let (config, errors) = config::parse_book_toml(&file)?;
        let chapters = if config.build.chapters.is_empty() {
            mds
        } else {
            config.build.chapters.clone()
        };
        if chapters.is_empty() {
            return Err(Diagnostic::error("the book has no Markdown files")
                .in_file(file.name.clone())
                .with_hint("list them in [build] chapters = [\"article.md\"], or put .md files beside book.toml")
                .into());
        }
        Ok(Found {
            config,
            config_file: Some(file),
            chapters,
            errors,
            ..Found::default()
        })
    } else if let Some(meta) = listing
        .iter()
        .find(|p| *p == "metadata.yaml" || *p == "metadata.yml")
    {
        let file = read_text(files, meta)?;
        let range = 0..file.text.len();
        let (config, errors) =
            config::parse_front_matter(&file, config::FrontMatterKind::Yaml, range)?;
        Ok(Found {
            config,
            config_file: Some(file),
            chapters: mds,
            errors,
            ..Found::default()
        })
    } else if mds.len() == 1 {
        single_file(files, &mds[0])
    } else {
        Err(
            Diagnostic::error(format!("no book.toml in `{}`", files.name("")))
                .with_hint(
                    "add a book.toml (see README), or build one Markdown file with front matter",
                )
                .into(),
        )
    }
}

/// Read the chapters a reader found; a chapter that cannot be read is an error of the project,
/// pointed at where the configuration names it.
fn read_chapters(files: &dyn Files, found: Found) -> Project {
    let Found {
        config,
        config_file,
        chapters,
        mut read,
        warnings,
        mut errors,
    } = found;
    let mut sources = Vec::new();
    for path in chapters {
        if let Err(why) = files::check_relative(&path) {
            errors.push(point_at_chapter(
                Diagnostic::error(format!("chapter `{path}` {why}")),
                config_file.as_ref(),
                &path,
            ));
            continue;
        }
        match read.take().map_or_else(|| read_text(files, &path), Ok) {
            Ok(file) => sources.push(Source::new(path, file)),
            Err(d) => errors.push(match &config_file {
                Some(cf) if cf.text.contains(&format!("\"{path}\"")) => {
                    point_at_chapter(d, Some(cf), &path)
                }
                _ => d,
            }),
        }
    }
    Project {
        config,
        config_file,
        sources,
        warnings,
        errors,
    }
}

/// Point at `"path"` in the configuration file, or name the file when it is not there.
fn point_at_chapter(d: Diagnostic, config_file: Option<&SourceFile>, path: &str) -> Diagnostic {
    match config_file {
        Some(cf) => match cf.text.find(&format!("\"{path}\"")) {
            Some(off) => d.at(cf, off..off + path.len() + 2),
            None => d.in_file(cf.name.clone()),
        },
        None => d,
    }
}

fn first_heading(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix('#')
                .map(|r| r.trim_start_matches('#').trim().to_string())
        })
        .filter(|t| !t.is_empty())
}

fn stem(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
}

/// A text file of the book, decoded.
pub fn read_text(files: &dyn Files, path: &str) -> Result<SourceFile, Diagnostic> {
    let bytes = files
        .read_shared(path)
        .map_err(|e| files::read_error(files, path, &e))?;
    files::decode(files.name(path), bytes)
}

impl Project {
    /// The warnings met while loading, or every loading error: a project with errors is not
    /// built.
    pub fn ready(&self) -> Result<Vec<Diagnostic>, Error> {
        if self.errors.is_empty() {
            Ok(self.warnings.clone())
        } else {
            Err(self.errors.clone().into())
        }
    }

    /// Parse every source into chapter-sized chunks (at the configured split level), the files
    /// in parallel.
    pub fn parse(&self) -> Vec<Parsed> {
        self.parse_with(|_| None)
    }

    /// [`Project::parse`], taking the chunks of source `i` from `given(i)` when it has them.
    pub fn parse_with(
        &self,
        given: impl Fn(usize) -> Option<Vec<Vec<Spanned>>> + Sync,
    ) -> Vec<Parsed> {
        self.sources
            .par_iter()
            .enumerate()
            .map(|(i, s)| Parsed {
                path: s.path.clone(),
                source: i,
                chunks: given(i).unwrap_or_else(|| {
                    parse::parse_chunks(&s.file.text, s.body, self.config.build.split_level)
                }),
            })
            .collect()
    }

    /// Read the `changed` Markdown files again, in place (paths relative to the book,
    /// `/`-separated, as a watcher reports them). False when the change needs a whole
    /// [`load`]: the configuration changed, a file is new or unreadable, or loading had errors.
    pub fn reload(&mut self, files: &dyn Files, entry: &BookEntry, changed: &[String]) -> bool {
        if !self.errors.is_empty() || matches!(entry, BookEntry::File(_)) {
            return false;
        }
        for path in changed {
            let path = path.strip_prefix("./").unwrap_or(path);
            if matches!(path, "book.toml" | "metadata.yaml" | "metadata.yml") {
                return false;
            }
            if !(path.ends_with(".md") || path.ends_with(".markdown")) {
                continue; // images, styles, fonts: every build reads them
            }
            let Some(i) = self.sources.iter().position(|s| s.path == path) else {
                return false;
            };
            match read_text(files, path) {
                Ok(file) => self.sources[i] = Source::new(path.to_string(), file),
                Err(_) => return false,
            }
        }
        true
    }
}
