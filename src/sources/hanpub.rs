//! hanpub's own forms: a `book.toml` with `[book]`, `[series]` and `[build]`; a
//! `metadata.yaml` beside the Markdown files (make-corpus's `multi/` books); one Markdown file
//! whose front matter (or first heading) gives the metadata.
//!
//! In a book of several files, a file whose front matter has a `title` is an article (see
//! README, "Many articles, one book").

use super::{Entry, Form, Found, markdown_files, read_text};
use crate::config::{self, Config, Metadata};
use crate::diagnostics::{Diagnostic, Error};
use crate::files::Files;
use crate::source::SourceFile;

/// hanpub's `book.toml`: the chapters of `[build] chapters`, or every `*.md` beside it in name
/// order.
pub fn book_toml(files: &dyn Files, file: SourceFile, listing: &[String]) -> Result<Found, Error> {
    let (config, mut errors) = config::parse_book_toml(&file)?;
    let chapters = if config.build.chapters.is_empty() {
        markdown_files(listing)
    } else {
        config.build.chapters.clone()
    };
    if chapters.is_empty() {
        errors.push(
            Diagnostic::error("the book has no Markdown files")
                .in_file(file.name.clone())
                .with_hint(
                    "list them in [build] chapters = [\"article.md\"], or put .md files beside book.toml",
                ),
        );
    }
    let _ = files;
    Ok(Found {
        form: Form::BookToml,
        config,
        config_file: Some(file),
        entries: chapters.into_iter().map(Entry::at_top).collect(),
        articles: true,
        errors,
        ..Found::default()
    })
}

/// `metadata.yaml` (the keys of front matter) and every `*.md` beside it in name order.
pub fn metadata_yaml(files: &dyn Files, name: &str, listing: &[String]) -> Result<Found, Error> {
    let file = read_text(files, name)?;
    let range = 0..file.text.len();
    let (config, errors) = config::parse_front_matter(&file, config::FrontMatterKind::Yaml, range)?;
    Ok(Found {
        form: Form::MetadataYaml,
        config,
        config_file: Some(file),
        entries: markdown_files(listing)
            .into_iter()
            .map(Entry::at_top)
            .collect(),
        articles: true,
        errors,
        ..Found::default()
    })
}

/// A Markdown file whose front matter (or first heading) gives the metadata.
pub fn single_file(files: &dyn Files, path: &str) -> Result<Found, Error> {
    let file = read_text(files, path)?;
    let mut found = Found {
        form: Form::SingleFile,
        ..Found::default()
    };
    found.config = match config::split_front_matter(&file.text) {
        Some((kind, range, _)) => {
            let (config, errs) = config::parse_front_matter(&file, kind, range)?;
            found.errors = errs;
            if !config.ignored.is_empty() {
                found
                    .details
                    .push(ignored_note(&file.name, &config.ignored));
            }
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
    found.entries = vec![Entry::at_top(path)];
    found.read.insert(path.to_string(), file);
    Ok(found)
}

/// The `-v` note for the keys of other tools a front matter carries.
pub fn ignored_note(file: &str, keys: &[String]) -> String {
    let list: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    format!(
        "{file}: front-matter keys of other tools ignored: {}",
        list.join(", ")
    )
}

pub fn first_heading(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix('#')
                .map(|r| r.trim_start_matches('#').trim().to_string())
        })
        .filter(|t| !t.is_empty())
}

pub fn stem(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
}
