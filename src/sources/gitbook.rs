//! A GitBook: `book.json` (title, description, language, author, root) and the `SUMMARY.md`
//! under its root, read like an mdBook's summary ([`super::summary`]): nested lists of
//! chapters, `##` part titles.

use serde::Deserialize;

use super::hanpub::first_heading;
use super::{Form, Found, join, language_tag, read_text, summary};
use crate::config::{Config, Metadata};
use crate::diagnostics::{Diagnostic, Error};
use crate::files::Files;

/// The keys of `book.json` hanpub reads (GitBook's others are its own).
#[derive(Deserialize, Default)]
struct BookJson {
    title: Option<String>,
    description: Option<String>,
    language: Option<String>,
    author: Option<String>,
    root: Option<String>,
}

/// Read a GitBook: book.json (if any), then its SUMMARY.md.
pub fn read(files: &dyn Files, listing: &[String]) -> Result<Found, Error> {
    let mut found = Found {
        form: Form::GitBook,
        ..Found::default()
    };
    let book: BookJson = if listing.iter().any(|p| p == "book.json") {
        let file = read_text(files, "book.json")?;
        match serde_json::from_str(&file.text) {
            Ok(b) => b,
            Err(e) => {
                let off = file.offset(e.line(), e.column());
                return Err(Diagnostic::error(format!("invalid book.json: {e}"))
                    .at(&file, off..off + 1)
                    .into());
            }
        }
    } else {
        BookJson::default()
    };
    let root = book
        .root
        .as_deref()
        .unwrap_or("")
        .trim_matches(['/', '.'])
        .to_string();
    let summary_path = join(&root, "SUMMARY.md");
    let summary_file = read_text(files, &summary_path)?;
    let outline = summary::read(&summary_file, &summary_path)?;
    let readme = read_text(files, &join(&root, "README.md")).ok();
    let folder = files.name("");
    let folder = folder
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let title = book
        .title
        .or_else(|| outline.title.clone().filter(|t| !is_contents_heading(t)))
        .or_else(|| readme.as_ref().and_then(|r| first_heading(&r.text)))
        .unwrap_or_else(|| folder.to_string());
    found.config = Config {
        meta: Metadata {
            title,
            authors: book.author.into_iter().collect(),
            description: book.description,
            lang: book
                .language
                .as_deref()
                .map_or_else(|| "zh-Hant".into(), language_tag),
            ..Metadata::default()
        },
        ..Config::default()
    };
    for d in &outline.drafts {
        found.notes.push(format!(
            "left out the draft chapter `{d}` of {summary_path}"
        ));
    }
    found.warnings = outline.warnings;
    found.entries = outline.entries;
    if found.entries.is_empty() {
        found.errors.push(
            Diagnostic::error(format!("{summary_path} names no chapter"))
                .in_file(summary_file.name.clone())
                .with_hint("list the chapters as * [Title](file.md)"),
        );
    }
    Ok(found)
}

/// A summary's heading that names the list, not the book: `# Summary`, GitBook's default
/// `# Table of contents`, `# 目錄`.
fn is_contents_heading(title: &str) -> bool {
    let t = title.trim().to_ascii_lowercase();
    matches!(
        t.as_str(),
        "" | "summary" | "table of contents" | "contents" | "toc" | "目錄" | "目录" | "目次"
    )
}
