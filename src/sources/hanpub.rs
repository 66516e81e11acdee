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
            // no language given: Traditional Chinese, unless the text is Simplified
            let lang = match super::chinese_script(&file.text) {
                Some("zh-Hans") => {
                    found.notes.push(format!(
                        "{} is written in Simplified Chinese: built as zh-Hans (a `lang:` line in front matter chooses)",
                        file.name
                    ));
                    "zh-Hans"
                }
                _ => "zh-Hant",
            };
            Config {
                meta: Metadata {
                    title: first_heading(&file.text).unwrap_or_else(|| stem(path)),
                    lang: lang.into(),
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

/// The plain text of a Markdown file's first heading (ATX `# …` or setext `…` over `===`/`---`),
/// as a title: lines in fenced code blocks (a shell comment `# install` in a README) and HTML
/// comments are not headings, nor is `#tag` without a space; markup, closing `#`s and a
/// `{#id}` are left out. A line scan, not a parse: a 200 MB file is read only up to its first
/// heading.
pub fn first_heading(text: &str) -> Option<String> {
    // the fence a code block was opened with (its character and length), or inside a comment
    let mut fence: Option<(u8, usize)> = None;
    let mut comment = false;
    // the lines of the paragraph being read (a setext heading's text)
    let mut paragraph: Vec<&str> = Vec::new();
    // an HTML heading being read: its level and its lines so far
    let mut html_heading: Option<(u8, String)> = None;
    // a README's front matter is not its text
    let body = crate::config::split_front_matter(text).map_or(0, |(_, _, b)| b);
    for line in text[body..].lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = line[indent..].trim_end();
        if comment {
            comment = !rest.contains("-->");
            continue;
        }
        if let Some((c, n)) = fence {
            let run = rest.bytes().take_while(|&b| b == c).count();
            if indent < 4 && run >= n && rest[run..].trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if indent >= 4 {
            // indented code, or a paragraph's continuation
            if !paragraph.is_empty() {
                paragraph.push(rest);
            }
            continue;
        }
        if let Some(f) = crate::parse::fence_open(line) {
            fence = Some(f);
            paragraph.clear();
            continue;
        }
        let hashes = rest.bytes().take_while(|&b| b == b'#').count();
        if (1..=6).contains(&hashes)
            && matches!(rest.as_bytes().get(hashes), None | Some(b' ' | b'\t'))
        {
            let t = plain_heading(&rest[hashes..]);
            if !t.is_empty() {
                return Some(t);
            }
            paragraph.clear();
            continue;
        }
        let underline = !rest.is_empty()
            && (rest.bytes().all(|b| b == b'=') || rest.bytes().all(|b| b == b'-'));
        if underline && !paragraph.is_empty() {
            let t = plain_heading(&paragraph.join("\n"));
            if !t.is_empty() {
                return Some(t);
            }
        }
        if rest.starts_with("<!--") {
            comment = !rest.contains("-->");
            paragraph.clear();
            continue;
        }
        // a README's `<h1 align="center">…</h1>`, on one line or a few
        if html_heading.is_none()
            && let Some(level) = html_heading_level(rest)
        {
            html_heading = Some((level, String::new()));
        }
        if let Some((level, text)) = &mut html_heading {
            text.push_str(rest);
            text.push(' ');
            let close = format!("</h{level}");
            if let Some(end) = text.to_ascii_lowercase().find(&close) {
                let t = html_text(&text[..end]);
                if !t.is_empty() {
                    return Some(t);
                }
                html_heading = None;
            } else if text.len() > 4096 {
                html_heading = None;
            }
            paragraph.clear();
            continue;
        }
        let block = rest.is_empty()
            || underline
            || rest.starts_with(['>', '<', '|'])
            || ["- ", "* ", "+ "].iter().any(|m| rest.starts_with(m))
            || rest.split_once(['.', ')']).is_some_and(|(n, after)| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && after.starts_with(' ')
            });
        if block {
            paragraph.clear();
        } else {
            paragraph.push(rest);
        }
    }
    None
}

/// The level of the HTML heading a line opens (`<h1 align="center">`).
fn html_heading_level(line: &str) -> Option<u8> {
    let b = line.as_bytes();
    (b.len() > 3
        && b[0] == b'<'
        && b[1].eq_ignore_ascii_case(&b'h')
        && (b'1'..=b'6').contains(&b[2])
        && matches!(b[3], b'>' | b' ' | b'\t'))
    .then(|| b[2] - b'0')
}

/// The text of HTML: its tags left out, entities decoded, spaces collapsed.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A heading's text without its markup, as a reader sees it.
fn plain_heading(text: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let mut out = String::new();
    for ev in Parser::new_ext(&format!("# {}", text.trim()), crate::parse::options()) {
        match ev {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_string()
}

pub fn stem(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
}

#[cfg(test)]
mod tests {
    use super::first_heading;

    #[test]
    fn the_first_heading_is_not_in_code_or_a_comment() {
        let text = "Intro.\n\n```bash\n# install deps\n```\n\n~~~~\n# x\n~~~\n~~~~\n\n<!--\n# hidden\n-->\n#tag\n\n    # indented\n\n## **真正的**標題 `v1` ## {#top}\n";
        assert_eq!(first_heading(text).as_deref(), Some("真正的標題 v1"));
    }

    #[test]
    fn a_setext_heading_is_a_heading() {
        assert_eq!(
            first_heading("我的專案\n========\n\n# 安裝\n").as_deref(),
            Some("我的專案")
        );
        assert_eq!(
            first_heading("- item\n---\n\n說明\n--\n").as_deref(),
            Some("說明")
        );
        assert_eq!(first_heading("#\n\n").as_deref(), None);
        assert_eq!(
            first_heading("**粗體**標題\n===\n").as_deref(),
            Some("粗體標題")
        );
        assert_eq!(first_heading("no heading\n").as_deref(), None);
        let readme = "<p align=\"center\"><img src=\"logo.png\"></p>\n<h1 align=\"center\">\n  <img src=\"x.png\"> 我的&amp;專案\n</h1>\n\n## 介紹\n";
        assert_eq!(first_heading(readme).as_deref(), Some("我的&專案"));
        assert_eq!(first_heading("<H2>標題</H2>\n").as_deref(), Some("標題"));
    }
}
