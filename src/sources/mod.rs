//! Sources are readers: each form a book can take on disk has a module that turns what it
//! finds into the same [`Found`] — the configuration, and the Markdown files in reading order
//! with their place in the book's tree (parts, nesting, the title the form gives them, the URL
//! a site published them at). The load stage ([`crate::project`]) reads the files it names;
//! no later stage knows which form the book came in.
//!
//! Forms are tried in this order ([`find`]): a `book.toml` (mdBook's [`mdbook`] or hanpub's
//! [`hanpub`]; a mix, or neither, is one error saying which key belongs to which tool); a
//! GitBook (`book.json`/`SUMMARY.md`, [`gitbook`]); a docsify site (`_sidebar.md`,
//! [`docsify`]); hanpub's `metadata.yaml`; a static site's posts (Hexo, Hugo, Jekyll, Zola,
//! Astro: [`posts`]); one Markdown file.

pub mod docsify;
pub mod gitbook;
pub mod hanpub;
pub mod include;
pub mod mdbook;
pub mod posts;
pub mod site_config;
pub mod summary;
pub mod tags;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Error};
use crate::files::{self, BookEntry, Files};
use crate::source::SourceFile;

/// The form a book was found in (said under `-v`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Form {
    /// hanpub's own `book.toml`.
    #[default]
    BookToml,
    /// `metadata.yaml` beside the Markdown files.
    MetadataYaml,
    /// One Markdown file with front matter.
    SingleFile,
    /// `book.toml` of mdBook and `src/SUMMARY.md`.
    MdBook,
    /// `book.json` and/or `SUMMARY.md`.
    GitBook,
    /// `_sidebar.md` (and `README.md` as the home page).
    Docsify,
    /// The posts of a static site.
    Posts(posts::Site),
}

impl std::fmt::Display for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Form::BookToml => write!(f, "a hanpub book (book.toml)"),
            Form::MetadataYaml => write!(f, "a hanpub book (metadata.yaml)"),
            Form::SingleFile => write!(f, "one Markdown file"),
            Form::MdBook => write!(f, "an mdBook (book.toml, SUMMARY.md)"),
            Form::GitBook => write!(f, "a GitBook (SUMMARY.md)"),
            Form::Docsify => write!(f, "a docsify site (_sidebar.md)"),
            Form::Posts(site) => write!(f, "the posts of a {site} site ({})", site.posts_hint()),
        }
    }
}

/// Where a Markdown file sits in the book's tree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    /// Nesting depth of the file's first chapter in the navigation (0: the top level).
    pub depth: u8,
    /// The title the form gives the file (the link text in SUMMARY.md), shown in the
    /// navigation instead of its first heading.
    pub title: Option<String>,
    /// Titles of the parts (or untitled groups) that open just before the file, outermost
    /// first, each with its depth: `# Part` of a SUMMARY.md, a docsify group.
    pub parts: Vec<(u8, String)>,
    /// The URL path a static site published the file at (`/2021/02/19/cors-guide-1/`), for
    /// links between posts by permalink.
    pub permalink: Option<String>,
    /// The date the form gives the file when its front matter has none (a Jekyll post's, from
    /// its file name).
    pub date: Option<String>,
}

/// A Markdown file the form names, and its place.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    /// Path relative to the book folder, `/`-separated.
    pub path: String,
    pub place: Place,
}

impl Entry {
    pub fn at_top(path: impl Into<String>) -> Entry {
        Entry {
            path: path.into(),
            place: Place::default(),
        }
    }
}

/// What the reader of one form finds before the chapters are read.
#[derive(Debug, Default)]
pub struct Found {
    pub form: Form,
    pub config: Config,
    pub config_file: Option<SourceFile>,
    /// The Markdown files in reading order.
    pub entries: Vec<Entry>,
    /// Chapters the reader has read already, by path (the single file of a one-file book,
    /// the posts of a site).
    pub read: std::collections::BTreeMap<String, SourceFile>,
    /// Files whose front matter has a title are articles, each with its own opening.
    pub articles: bool,
    /// Expand mdBook's `{{#include}}` and friends.
    pub includes: bool,
    pub warnings: Vec<Diagnostic>,
    /// Problems that do not stop loading (unknown keys).
    pub errors: Vec<Diagnostic>,
    /// What the reader did that a user may want to know (drafts left out): printed by `build`.
    pub notes: Vec<String>,
    /// Details for `-v` only (other tools' keys ignored).
    pub details: Vec<String>,
}

/// Find the book: try each form in order (see the module documentation).
pub fn find(files: &dyn Files, entry: &BookEntry) -> Result<Found, Error> {
    let mut found = find_form(files, entry)?;
    chinese_despite_settings(files, &mut found);
    // hanpub's own forms show `:smile:` as 😄 unless `[build] emoji = false`, as GitHub shows a
    // Markdown file; another tool's book, as that tool does (its reader said so, else not)
    let own = matches!(
        found.form,
        Form::BookToml | Form::MetadataYaml | Form::SingleFile
    );
    found.config.build.emoji.get_or_insert(own);
    Ok(found)
}

/// Another tool's book whose settings say English (`language = "en"`: what `mdbook init`,
/// Hexo's and Hugo's starter settings write) but whose text is Chinese: built as the Chinese
/// it is written in, with a warning.
fn chinese_despite_settings(files: &dyn Files, found: &mut Found) {
    let (setting, file) = match found.form {
        Form::MdBook => ("book.toml's `language`", Some("book.toml")),
        Form::GitBook => ("book.json's `language`", Some("book.json")),
        Form::Posts(_) => ("the site's language setting", None),
        _ => return,
    };
    let lang = found.config.meta.lang.clone();
    if !lang.to_ascii_lowercase().starts_with("en") {
        return;
    }
    // the start of the first few chapters
    // (a file read here is kept with the reader's: loading takes it, not reading it again)
    let mut sample = String::new();
    for e in found.entries.iter().take(3) {
        let file = match found.read.entry(e.path.clone()) {
            std::collections::btree_map::Entry::Occupied(f) => f.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => match read_text(files, &e.path) {
                Ok(f) => v.insert(f),
                Err(_) => continue,
            },
        };
        sample.push_str(head(&file.text, 8192));
    }
    let Some(script) = chinese_script(&sample) else {
        return;
    };
    let d = Diagnostic::warning(format!(
        "{setting} says `{lang}`, but the book is written in Chinese: built as {script}"
    ))
    .with_hint(format!(
        "set it to {} to say so",
        if script == "zh-Hans" {
            "zh-CN"
        } else {
            "zh-TW"
        }
    ));
    found.warnings.push(match file {
        Some(f) => d.in_file(files.name(f)),
        None => d,
    });
    found.config.meta.lang = script.to_string();
}

/// The Chinese script a text is mostly written in (`zh-Hant`, `zh-Hans`), if it is mostly
/// Chinese (at least half as many Han characters as other letters, at least 4), told apart by
/// the common characters each script writes its own way: for docsify's `lang="en"` template,
/// another tool's `language = "en"`, a README without front matter.
pub(super) fn chinese_script(text: &str) -> Option<&'static str> {
    let (mut han, mut letters, mut hant, mut hans) = (0usize, 0usize, 0usize, 0usize);
    // what a reader does not read as text: HTML tags, link destinations, inline code
    let mut skip_until: Option<char> = None;
    let mut prev = ' ';
    for c in text.chars().take(20_000) {
        let before = std::mem::replace(&mut prev, c);
        if let Some(end) = skip_until {
            if c == end || c == '\n' {
                skip_until = None;
            }
            continue;
        }
        match c {
            '<' => skip_until = Some('>'),
            '(' if before == ']' => skip_until = Some(')'),
            '`' => skip_until = Some('`'),
            _ => {}
        }
        if skip_until.is_some() {
            continue;
        }
        if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            han += 1;
            if "們這說時發會個為對國還過學來將與話開關見現書長問題點體".contains(c)
            {
                hant += 1;
            } else if "们这说时发会个为对国还过学来将与话开关见现书长问题点体".contains(c)
            {
                hans += 1;
            }
        } else if c.is_alphabetic() {
            letters += 1;
        }
    }
    (han * 2 >= letters && han >= 4).then_some(if hans > hant { "zh-Hans" } else { "zh-Hant" })
}

/// The first `n` bytes of `text` at most, cut at a character.
fn head(text: &str, n: usize) -> &str {
    let mut end = n.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What marks a folder as a book of one form, in the order [`find`] tries them.
enum Marker {
    BookToml,
    GitBook,
    Docsify,
    MetadataYaml(String),
    Posts(posts::Site),
}

/// The form the files of a folder mark it as (not one Markdown file alone).
fn marker(files: &dyn Files, listing: &[String]) -> Option<Marker> {
    let has = |name: &str| listing.iter().any(|p| p == name);
    if has("book.toml") {
        return Some(Marker::BookToml);
    }
    if has("book.json") || has("SUMMARY.md") || has("LANGS.md") || gitbook::is_synced(files) {
        return Some(Marker::GitBook);
    }
    if has("_sidebar.md") {
        return Some(Marker::Docsify);
    }
    if let Some(meta) = listing
        .iter()
        .find(|p| *p == "metadata.yaml" || *p == "metadata.yml")
    {
        return Some(Marker::MetadataYaml(meta.clone()));
    }
    posts::detect(files, listing).map(Marker::Posts)
}

/// Whether the folder holds a book of a form of its own (a `book.toml`, a GitBook, a docsify
/// site, `metadata.yaml`, a site's posts), not just Markdown files: the CLI looks in a folder's
/// `docs/` when the folder has none.
pub fn has_form(files: &dyn Files) -> bool {
    files
        .list()
        .is_ok_and(|listing| marker(files, &listing).is_some())
}

fn find_form(files: &dyn Files, entry: &BookEntry) -> Result<Found, Error> {
    if let BookEntry::File(path) = entry {
        return hanpub::single_file(files, path);
    }
    let listing = files.list().map_err(|e| files::read_error(files, "", &e))?;
    match marker(files, &listing) {
        Some(Marker::BookToml) => {
            let file = read_text(files, "book.toml")?;
            return match mdbook::classify(&file, files) {
                mdbook::Owner::MdBook => mdbook::read(files, file),
                mdbook::Owner::Hanpub => hanpub::book_toml(files, file, &listing),
                mdbook::Owner::Neither(d) => Err(d.into()),
            };
        }
        Some(Marker::GitBook) => return gitbook::read(files, &listing),
        Some(Marker::Docsify) => return docsify::read(files, &listing),
        Some(Marker::MetadataYaml(meta)) => return hanpub::metadata_yaml(files, &meta, &listing),
        Some(Marker::Posts(site)) => return posts::read(files, site, &listing),
        None => {}
    }
    let mds = markdown_files(&listing);
    if mds.len() == 1 {
        return hanpub::single_file(files, &mds[0]);
    }
    Err(Diagnostic::error(format!("no book found in `{}`", files.name("")))
        .with_hint(
            "hanpub reads a book.toml (hanpub's or mdBook's), a GitBook SUMMARY.md, a docsify _sidebar.md, metadata.yaml, the posts of a Hexo, Hugo, Jekyll, Zola or Astro site, or a folder with one Markdown file (see README)",
        )
        .into())
}

/// The Markdown files of a listing, in name order.
pub fn markdown_files(listing: &[String]) -> Vec<String> {
    listing.iter().filter(|p| is_markdown(p)).cloned().collect()
}

pub fn is_markdown(path: &str) -> bool {
    path.ends_with(".md") || path.ends_with(".markdown")
}

/// A text file of the book, decoded.
pub fn read_text(files: &dyn Files, path: &str) -> Result<SourceFile, Diagnostic> {
    let bytes = files
        .read_shared(path)
        .map_err(|e| files::read_error(files, path, &e))?;
    files::decode(files.name(path), bytes)
}

/// Another tool's language setting as a tag hanpub writes: `zh-TW`, `zh_tw`, `zh-HK` →
/// `zh-Hant`; `zh-CN`, `zh-SG` → `zh-Hans`; anything else with `_` written as `-`.
pub fn language_tag(lang: &str) -> String {
    let tag = lang.trim().replace('_', "-");
    match tag.to_ascii_lowercase().as_str() {
        "zh-tw" | "zh-hk" | "zh-mo" | "zh-hant-tw" | "zh-hant-hk" => "zh-Hant".into(),
        "zh-cn" | "zh-sg" | "zh-hans-cn" => "zh-Hans".into(),
        _ => canonical_case(&tag),
    }
}

/// A language tag in BCP 47's case (`zh-hans` → `zh-Hans`, `en-us` → `en-US`): the tag is
/// the same, and reading systems and hanpub's own choices (the edition, the labels, the
/// fonts) match it as written.
pub fn canonical_case(tag: &str) -> String {
    tag.split('-')
        .enumerate()
        .map(|(i, sub)| match sub.len() {
            _ if i == 0 => sub.to_ascii_lowercase(),
            4 if sub.bytes().all(|b| b.is_ascii_alphabetic()) => {
                let mut s = sub.to_ascii_lowercase();
                s[..1].make_ascii_uppercase();
                s
            }
            2 if sub.bytes().all(|b| b.is_ascii_alphabetic()) => sub.to_ascii_uppercase(),
            _ => sub.to_ascii_lowercase(),
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The folder of a path (`a/b.md` → `a`, `b.md` → ``).
pub fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `dir` joined with `name` (`""` for the book folder).
pub fn join(dir: &str, name: &str) -> String {
    match dir.trim_end_matches('/') {
        "" => name.to_string(),
        d => format!("{d}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_of_other_tools() {
        assert_eq!(language_tag("zh-TW"), "zh-Hant");
        assert_eq!(language_tag("zh_tw"), "zh-Hant");
        assert_eq!(language_tag("zh-CN"), "zh-Hans");
        assert_eq!(language_tag("zh-hans"), "zh-Hans");
        assert_eq!(language_tag("ZH-HANT-tw"), "zh-Hant");
        assert_eq!(canonical_case("en-us"), "en-US");
        assert_eq!(canonical_case("zh-hant-x-private"), "zh-Hant-x-private");
        assert_eq!(language_tag("en_US"), "en-US");
        assert_eq!(language_tag("zh-Hant"), "zh-Hant");
    }
}
