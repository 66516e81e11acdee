//! A docsify site: `_sidebar.md` lists the pages (nested lists; an item without a link is a
//! group of the pages under it), `README.md` is the home page (first, when the sidebar does not
//! name it). The title comes from `index.html`'s `name:` setting, else the home page's first
//! heading; the language from `<html lang>`.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::hanpub::first_heading;
use super::{Entry, Form, Found, Place, chinese_script, language_tag, read_text};
use crate::config::{Config, Metadata};
use crate::diagnostics::{Diagnostic, Error};
use crate::files::{self, Files};

/// Read a docsify site.
pub fn read(files: &dyn Files, listing: &[String]) -> Result<Found, Error> {
    let sidebar = read_text(files, "_sidebar.md")?;
    let mut entries = sidebar_entries(&sidebar.text);
    folder_sidebars(files, &mut entries);
    entries.retain(|e| files.read(&e.path).is_ok() || !e.path.ends_with("README.md"));
    let has_readme = listing.iter().any(|p| p == "README.md");
    if has_readme && !entries.iter().any(|e| e.path == "README.md") {
        entries.insert(0, Entry::at_top("README.md"));
    }
    let index = read_text(files, "index.html").ok();
    // a key of `window.$docsify = { name: '…' }` (not `<meta name="viewport">`)
    let setting = |key: &str| {
        let text = &index.as_ref()?.text;
        let from = text.find("$docsify").unwrap_or(0);
        let text = &text[from..];
        text.match_indices(key).find_map(|(at, _)| {
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
                return None;
            }
            let rest = text[at + key.len()..]
                .trim_start()
                .strip_prefix(':')?
                .trim_start();
            let quote = rest
                .chars()
                .next()
                .filter(|c| matches!(c, '\'' | '"' | '`'))?;
            let value = &rest[1..];
            Some(value[..value.find(quote)?].to_string())
        })
    };
    let lang = index.as_ref().and_then(|f| {
        let at = f.text.find("<html")?;
        let tag = &f.text[at..at + f.text[at..].find('>')?];
        let v = tag.split("lang=").nth(1)?.trim_start_matches(['"', '\'']);
        Some(v[..v.find(['"', '\'', ' '])?].to_string())
    });
    let readme = read_text(files, "README.md").ok();
    let folder = files.name("");
    let folder = folder
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let title = setting("name")
        .filter(|t| !t.trim().is_empty())
        .or_else(|| readme.as_ref().and_then(|r| first_heading(&r.text)))
        .unwrap_or_else(|| folder.to_string());
    // docsify's own template says `<html lang="en">`: a Chinese home page is not English
    let mut warnings = Vec::new();
    let lang = match (lang, readme.as_ref().and_then(|r| chinese_script(&r.text))) {
        (Some(l), Some(script)) if !l.to_ascii_lowercase().starts_with("zh") => {
            warnings.push(
                Diagnostic::warning(format!(
                    "index.html says <html lang=\"{l}\">, but README.md is in Chinese: built as {script}"
                ))
                .in_file(files.name("index.html"))
                .with_hint(format!("write <html lang=\"{script}\"> in index.html to say so")),
            );
            Some(script.to_string())
        }
        (lang, _) => lang,
    };
    // docsify's emoji plugin shows `:smile:` as 😄, unless `noEmoji: true`
    let emoji = index.as_ref().is_some_and(|f| {
        let settings = &f.text[f.text.find("$docsify").unwrap_or(0)..];
        f.text.contains("plugins/emoji")
            && !settings.split("noEmoji").skip(1).any(|rest| {
                rest.trim_start()
                    .strip_prefix(':')
                    .is_some_and(|v| v.trim_start().starts_with("true"))
            })
    });
    let mut config = Config {
        meta: Metadata {
            title,
            lang: lang
                .as_deref()
                .map_or_else(|| "zh-Hant".into(), language_tag),
            ..Metadata::default()
        },
        ..Config::default()
    };
    config.build.emoji = Some(emoji);
    Ok(Found {
        form: Form::Docsify,
        config,
        entries,
        warnings,
        ..Found::default()
    })
}

/// A folder's own `_sidebar.md` (docsify's `loadSidebar` shows it on the folder's pages): the
/// pages it lists that the sidebars read so far do not go after the nearest page before them
/// that the book has, at the depth they have beside it (with none, after the folder's last
/// page, under its `README.md` when the folder's first page is that). Links are from the
/// site's root, else from the folder.
fn folder_sidebars(files: &dyn Files, entries: &mut Vec<Entry>) {
    let exists = |path: &str| files::exists(files, path);
    let mut read: Vec<String> = vec![String::new()];
    let mut i = 0;
    while i < entries.len() {
        let dir = super::folder_of(&entries[i].path).to_string();
        i += 1;
        if read.contains(&dir) {
            continue;
        }
        read.push(dir.clone());
        let name = super::join(&dir, "_sidebar.md");
        if !exists(&name) {
            continue;
        }
        let Ok(sidebar) = read_text(files, &name) else {
            continue;
        };
        let first = entries
            .iter()
            .position(|e| super::folder_of(&e.path) == dir)
            .unwrap_or(i - 1);
        let base = entries[first].place.depth
            + u8::from(entries[first].path == super::join(&dir, "README.md"));
        let mut at = entries
            .iter()
            .rposition(|e| super::folder_of(&e.path) == dir)
            .map_or(i, |l| l + 1);
        // (the depth a page of this sidebar takes in the book's: by the nearest page before it
        // that the book has, else under the folder's first page)
        let mut offset = i32::from(base);
        for mut e in sidebar_entries(&sidebar.text) {
            if !exists(&e.path) {
                let inside = super::join(&dir, &e.path);
                if exists(&inside) {
                    e.path = inside;
                }
            }
            if let Some(k) = entries.iter().position(|x| x.path == e.path) {
                // a page the book has: the next new pages go after it (and its deeper pages)
                offset = i32::from(entries[k].place.depth) - i32::from(e.place.depth);
                at = k
                    + 1
                    + entries[k + 1..]
                        .iter()
                        .take_while(|x| x.place.depth > entries[k].place.depth)
                        .count();
                continue;
            }
            e.place.depth = u8::try_from((i32::from(e.place.depth) + offset).max(0)).unwrap_or(0);
            entries.insert(at, e);
            at += 1;
        }
    }
}

/// The pages a sidebar lists, with their nesting; a link is docsify's: relative to the site's
/// root, `.md` optional, a folder meaning its `README.md`. Links to other sites are skipped.
fn sidebar_entries(text: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut depth: i32 = -1;
    let mut pending: Vec<(u8, String)> = Vec::new();
    // per open item: (whether it had a link, its text so far)
    let mut items: Vec<(bool, String)> = Vec::new();
    let mut link: Option<(String, String)> = None;
    for ev in Parser::new(text) {
        match ev {
            Event::Start(Tag::List(_)) => {
                // an item's own text ends where its sub-list starts: a group of the pages below
                if let Some((false, t)) = items.last_mut()
                    && !t.trim().is_empty()
                {
                    pending.push((depth.max(0) as u8, t.trim().to_string()));
                    t.clear();
                }
                depth += 1;
            }
            Event::End(TagEnd::List(_)) => depth -= 1,
            Event::Start(Tag::Item) => items.push((false, String::new())),
            Event::End(TagEnd::Item) => {
                items.pop();
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                link = Some((dest_url.to_string(), String::new()))
            }
            Event::End(TagEnd::Link) => {
                let Some((dest, title)) = link.take() else {
                    continue;
                };
                if let Some(item) = items.last_mut() {
                    item.0 = true;
                }
                let Some(path) = page_path(&dest) else {
                    continue;
                };
                if out.iter().any(|e| e.path == path) {
                    continue;
                }
                out.push(Entry {
                    path,
                    place: Place {
                        depth: depth.max(0) as u8,
                        title: Some(title.trim().to_string()),
                        parts: std::mem::take(&mut pending),
                        permalink: None,
                        date: None,
                    },
                });
            }
            Event::Text(t) | Event::Code(t) => match &mut link {
                Some((_, title)) => title.push_str(&t),
                None => {
                    if let Some(item) = items.last_mut() {
                        item.1.push_str(&t);
                    }
                }
            },
            Event::Start(Tag::Heading { .. }) => items.push((false, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((false, t)) = items.pop()
                    && !t.trim().is_empty()
                {
                    pending.push((0, t.trim().to_string()));
                }
            }
            _ => {}
        }
    }
    out
}

/// docsify's page for a sidebar link: `guide` → `guide.md`, `guide/` → `guide/README.md`,
/// `/` → `README.md`; `None` for another site or a path leaving the book.
fn page_path(dest: &str) -> Option<String> {
    if crate::chapters::is_external(dest) {
        return None;
    }
    let dest = dest.split(['#', '?']).next().unwrap_or("");
    let dest = dest.trim_start_matches("#/");
    let mut path = files::resolve("x", dest, "").ok()?;
    if dest.ends_with('/') || path.is_empty() {
        path = super::join(&path, "README.md");
    } else if !super::is_markdown(&path) {
        path.push_str(".md");
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidebar_groups_and_pages() {
        let text = "- 入門\n  - [快速開始](quickstart.md)\n  - [更多頁面](more-pages)\n- [設定](/configuration.md)\n- [指南](guide/)\n- [外部](https://example.com)\n";
        let e: Vec<String> = sidebar_entries(text)
            .iter()
            .map(|e| {
                let parts: Vec<String> = e
                    .place
                    .parts
                    .iter()
                    .map(|(d, t)| format!("[{d} {t}]"))
                    .collect();
                format!(
                    "{}{} {} {}",
                    parts.concat(),
                    e.place.depth,
                    e.path,
                    e.place.title.as_deref().unwrap_or("")
                )
            })
            .collect();
        assert_eq!(
            e,
            [
                "[0 入門]1 quickstart.md 快速開始",
                "1 more-pages.md 更多頁面",
                "0 configuration.md 設定",
                "0 guide/README.md 指南"
            ]
        );
    }
}
