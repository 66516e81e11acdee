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
    /// `plugins: ["emoji"]` (or `advanced-emoji`): the book shows `:smile:` as 😄.
    #[serde(default)]
    plugins: Vec<String>,
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
    // GitBook's Git Sync: `.gitbook.yaml` names the root and the summary and readme files
    let synced = synced_layout(files);
    let root = synced
        .root
        .as_deref()
        .or(book.root.as_deref())
        .unwrap_or("")
        .trim_start_matches("./")
        .trim_matches('/')
        .to_string();
    // a multi-language GitBook (`LANGS.md`): its Chinese book, else its first
    let root = match (root.is_empty(), languages(files, listing)) {
        (true, Some((dir, label, others))) => {
            found.notes.push(format!(
                "a GitBook in several languages: built `{dir}/` ({label}){}",
                if others.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; build another with `hanpub build {}`",
                        files.name(&others[0])
                    )
                }
            ));
            dir
        }
        _ => root,
    };
    let structure = synced.structure.unwrap_or_default();
    let summary_name = structure.summary.as_deref().unwrap_or("SUMMARY.md");
    let summary_path = join(&root, summary_name.trim_start_matches("./"));
    let summary_file = read_text(files, &summary_path)?;
    let outline = summary::read(&summary_file, &summary_path)?;
    let readme_name = structure.readme.as_deref().unwrap_or("README.md");
    let readme = read_text(files, &join(&root, readme_name.trim_start_matches("./"))).ok();
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
    found.config.build.inline_display_math = true;
    found.config.build.emoji = Some(
        book.plugins
            .iter()
            .any(|p| matches!(p.trim_start_matches('-'), "emoji" | "advanced-emoji")),
    );
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

/// GitBook's `.gitbook.yaml` (Git Sync): where the book is in the repository.
#[derive(Deserialize, Default)]
struct Synced {
    root: Option<String>,
    structure: Option<Structure>,
}

#[derive(Deserialize, Default)]
struct Structure {
    readme: Option<String>,
    summary: Option<String>,
}

/// The `.gitbook.yaml` of the book folder, if it has one (its other keys are GitBook's).
fn synced_layout(files: &dyn Files) -> Synced {
    files
        .read(".gitbook.yaml")
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| serde_saphyr::from_str(&t).ok())
        .unwrap_or_default()
}

/// The language folder of a GitBook's `LANGS.md` to build (the first Chinese one, else the
/// first), its label, and the other folders.
fn languages(files: &dyn Files, listing: &[String]) -> Option<(String, String, Vec<String>)> {
    if listing.iter().any(|p| p == "SUMMARY.md") {
        return None;
    }
    let text = String::from_utf8(files.read("LANGS.md").ok()?).ok()?;
    let langs: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| {
            let (label, rest) = l.split_once('[')?.1.split_once("](")?;
            let dir = rest
                .split_once(')')?
                .0
                .trim()
                .trim_matches('/')
                .trim_start_matches("./");
            (!dir.is_empty()).then(|| (dir.to_string(), label.to_string()))
        })
        .collect();
    let pick = langs
        .iter()
        .position(|(d, _)| d.to_ascii_lowercase().starts_with("zh"))
        .unwrap_or(0);
    let (dir, label) = langs.get(pick)?.clone();
    let others = langs
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != pick)
        .map(|(_, (d, _))| d.clone())
        .collect();
    Some((dir, label, others))
}

/// Whether the folder is a GitBook kept with Git Sync (`.gitbook.yaml`).
pub fn is_synced(files: &dyn Files) -> bool {
    files.read(".gitbook.yaml").is_ok()
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
