//! An mdBook: `book.toml` with mdBook's keys, and `src/SUMMARY.md` ([`super::summary`]) for
//! the chapters, their nesting and the parts. Chapters expand mdBook's `{{#include}}`s
//! ([`super::include`]); Rust code hides its `# ` lines as mdBook shows it. hanpub's own
//! settings for the book live under `[output.hanpub]`.
//!
//! Whose a `book.toml` is ([`classify`]) is decided by its keys: mdBook's alone, hanpub's
//! alone, or only the keys both share (`[book] title authors description`: an mdBook when
//! `src/SUMMARY.md` exists). Keys of both tools, or of neither, are one error that names
//! each key's tool.

use super::{Form, Found, read_text, summary};
use crate::config::{self, MDBOOK_BOOK_KEYS, MDBOOK_BUILD_KEYS};
use crate::diagnostics::{Diagnostic, Error};
use crate::files::Files;
use crate::source::SourceFile;

/// hanpub's own keys in `[book]` and `[build]` (those mdBook does not have).
const HANPUB_BOOK_KEYS: &[&str] = &[
    "subtitle",
    "kicker",
    "lang",
    "date",
    "modified",
    "publisher",
    "subjects",
    "rights",
    "identifier",
    "source",
];
const HANPUB_BUILD_KEYS: &[&str] = &[
    "chapters",
    "split-level",
    "layout",
    "css",
    "font",
    "cover",
    "punctuation",
    "site-root",
    "remote-images",
];
/// Keys of `[book]` both tools read the same way (`author`: mdBook reads past it, and books
/// written for it use it).
const SHARED_BOOK_KEYS: &[&str] = &["title", "authors", "author", "description"];

/// Whose a book.toml is.
#[derive(Debug, Clone, PartialEq)]
pub enum Owner {
    MdBook,
    Hanpub,
    /// A mix of both tools' keys, or keys of neither: the one error to report.
    Neither(Diagnostic),
}

/// Which tool's keys a book.toml has (see the module documentation).
pub fn classify(file: &SourceFile, files: &dyn Files) -> Owner {
    let Ok(table) = file.text.parse::<toml::Table>() else {
        return Owner::Hanpub; // hanpub's reader reports the TOML error at its place
    };
    let (mut mdbook, mut hanpub, mut shared, mut neither) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (top, value) in &table {
        let sub: Vec<&String> = value
            .as_table()
            .map(|t| t.keys().collect())
            .unwrap_or_default();
        match top.as_str() {
            "book" | "build" => {
                for k in sub {
                    let name = format!("[{top}] {k}");
                    let (md, hp): (&[&str], &[&str]) = if top == "book" {
                        (MDBOOK_BOOK_KEYS, HANPUB_BOOK_KEYS)
                    } else {
                        (MDBOOK_BUILD_KEYS, HANPUB_BUILD_KEYS)
                    };
                    if top == "book" && SHARED_BOOK_KEYS.contains(&k.as_str()) {
                        shared.push(name);
                    } else if md.contains(&k.as_str()) {
                        mdbook.push(name);
                    } else if hp.contains(&k.as_str()) {
                        hanpub.push(name);
                    } else {
                        neither.push(name);
                    }
                }
            }
            "output" | "preprocessor" => {
                if sub.is_empty() {
                    mdbook.push(format!("[{top}]"));
                }
                for k in sub {
                    mdbook.push(format!("[{top}.{k}]"));
                }
            }
            "rust" => mdbook.push("[rust]".into()),
            "series" => hanpub.push("[series]".into()),
            _ => neither.push(format!("[{top}]")),
        }
    }
    let summary = |t: &toml::Table| {
        let src = t
            .get("book")
            .and_then(|b| b.get("src"))
            .and_then(|s| s.as_str())
            .unwrap_or("src")
            .trim_matches('/')
            .to_string();
        files.read(&format!("{src}/SUMMARY.md")).is_ok()
    };
    // in the file's order (the table reads them sorted)
    for keys in [&mut mdbook, &mut hanpub, &mut shared, &mut neither] {
        keys.sort_by_key(|k| key_position(file, k).map_or(usize::MAX, |(p, _)| p));
    }
    let list = |keys: &[String]| keys.join(", ");
    if !mdbook.is_empty() && !hanpub.is_empty() {
        let first = first_key(file, &hanpub[0]);
        let mut hint = format!("hanpub's: {}; mdBook's: {}", list(&hanpub), list(&mdbook));
        if !shared.is_empty() {
            hint.push_str(&format!("; both tools': {}", list(&shared)));
        }
        if !neither.is_empty() {
            hint.push_str(&format!("; neither's: {}", list(&neither)));
        }
        hint.push_str(". For an mdBook, move hanpub's keys under [output.hanpub]; for a hanpub book, remove mdBook's");
        return Owner::Neither(
            first(Diagnostic::error(
                "book.toml mixes hanpub's keys with mdBook's",
            ))
            .with_hint(hint),
        );
    }
    if !mdbook.is_empty() {
        return Owner::MdBook;
    }
    if !hanpub.is_empty() {
        return Owner::Hanpub;
    }
    if !shared.is_empty() {
        return if summary(&table) {
            Owner::MdBook
        } else {
            Owner::Hanpub
        };
    }
    let first = first_key(file, neither.first().map_or("", String::as_str));
    Owner::Neither(
        first(Diagnostic::error("book.toml is neither hanpub's nor mdBook's"))
            .with_hint(format!(
                "{} belong to neither. hanpub's book.toml has [book] (title, authors, lang, …), [series] and [build]; mdBook's has [book] (title, authors, language, src), [build], [output.*], [preprocessor.*] and [rust] (see README)",
                if neither.is_empty() { "its keys".to_string() } else { list(&neither) }
            )),
    )
}

/// Point a diagnostic at the line of a key named as `[table] key` or `[table]`.
fn first_key<'a>(file: &'a SourceFile, name: &str) -> impl Fn(Diagnostic) -> Diagnostic + 'a {
    let at = key_position(file, name);
    move |d: Diagnostic| match at {
        Some((p, len)) => d.at(file, p..p + len),
        None => d.in_file(file.name.clone()),
    }
}

/// Where a key named as `[table] key` or `[table]` is in the file, and its length.
fn key_position(file: &SourceFile, name: &str) -> Option<(usize, usize)> {
    match name.split_once("] ") {
        Some((_, key)) => file
            .text
            .split_inclusive('\n')
            .scan(0, |pos, l| {
                let here = *pos;
                *pos += l.len();
                Some((here, l))
            })
            .find(|(_, l)| {
                l.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|r| r.trim_start().starts_with('='))
            })
            .map(|(p, l)| (p + l.len() - l.trim_start().len(), key.len())),
        None => file.text.find(name).map(|p| (p, name.len())),
    }
}

/// Read an mdBook: its book.toml, its SUMMARY.md, its chapters in the summary's order.
pub fn read(files: &dyn Files, file: SourceFile) -> Result<Found, Error> {
    let src = file
        .text
        .parse::<toml::Table>()
        .ok()
        .and_then(|t| {
            t.get("book")
                .and_then(|b| b.get("src"))
                .and_then(|s| s.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "src".into());
    let summary_path = format!("{}/SUMMARY.md", src.trim_matches('/'));
    let summary_file = read_text(files, &summary_path).map_err(|d| {
        d.with_hint(format!(
            "an mdBook lists its chapters in {summary_path} (see mdBook's documentation)"
        ))
    })?;
    let outline = summary::read(&summary_file, &summary_path)?;
    let folder = files.name("");
    let folder = folder
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let fallback = outline
        .title
        .clone()
        .filter(|t| !matches!(t.trim(), "" | "Summary" | "SUMMARY" | "目錄" | "目录"))
        .unwrap_or_else(|| folder.to_string());
    let (mut config, errors, info) = config::parse_mdbook_toml(&file, &fallback)?;
    config.build.hide_lines = true;
    let mut warnings = outline.warnings;
    if let Some((path, at)) = &info.katex_macros {
        config.build.formula_macros = katex_macros(files, &file, path, *at, &mut warnings);
    }
    let mut found = Found {
        form: Form::MdBook,
        config,
        config_file: Some(file),
        entries: outline.entries,
        includes: true,
        errors,
        warnings,
        ..Found::default()
    };
    for d in &outline.drafts {
        found.notes.push(format!(
            "left out the draft chapter `{d}` of {summary_path}"
        ));
    }
    found.details.push(format!(
        "{summary_path}: {} chapter files, {} parts, {} drafts",
        found.entries.len(),
        outline.parts,
        outline.drafts.len()
    ));
    if found.entries.is_empty() {
        found.errors.push(
            Diagnostic::error(format!("{summary_path} names no chapter"))
                .in_file(summary_file.name.clone())
                .with_hint("list the chapters as - [Title](file.md)"),
        );
    }
    Ok(found)
}

/// mdbook-katex's file of formula macros (`[preprocessor.katex] macros`, at `at` in book.toml),
/// for every chapter's formulas; a file not found, or a line that is not a macro, is a warning.
fn katex_macros(
    files: &dyn Files,
    toml: &SourceFile,
    path: &str,
    at: usize,
    warnings: &mut Vec<Diagnostic>,
) -> crate::render::macros::Macros {
    let path = path.trim_start_matches("./");
    let file = match read_text(files, path) {
        Ok(f) => f,
        Err(e) => {
            warnings.push(
                Diagnostic::warning(format!(
                    "the formula macros of [preprocessor.katex] ({path}) cannot be read: formulas that use them are shown as TeX"
                ))
                .at(toml, at..at + "macros".len())
                .with_hint(e.message),
            );
            return Default::default();
        }
    };
    let (macros, bad) = crate::render::macros::from_katex_file(&file.text);
    for line in bad {
        warnings.push(
            Diagnostic::warning("not a formula macro: left out")
                .at(&file, file.line_range(line))
                .with_hint(r"mdbook-katex's macros are written a line each, as \name:definition (#1, #2 for its arguments)"),
        );
    }
    macros
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::MemFiles;

    fn owner(toml: &str) -> Owner {
        let files = MemFiles::from([("src/SUMMARY.md", "- [a](a.md)\n")]);
        classify(&SourceFile::new("b/book.toml", toml), &files)
    }

    #[test]
    fn whose_book_toml() {
        assert_eq!(
            owner("[book]\ntitle = \"x\"\nlanguage = \"zh-TW\"\n"),
            Owner::MdBook
        );
        assert_eq!(
            owner("[book]\ntitle = \"x\"\n[output.html]\n"),
            Owner::MdBook
        );
        assert_eq!(
            owner("[book]\ntitle = \"x\"\nlang = \"zh-Hant\"\n"),
            Owner::Hanpub
        );
        assert_eq!(owner("[book]\ntitle = \"x\"\n"), Owner::MdBook);
        let files = MemFiles::default();
        assert_eq!(
            classify(
                &SourceFile::new("book.toml", "[book]\ntitle = \"x\"\n"),
                &files
            ),
            Owner::Hanpub
        );
    }
}
