//! Parsed sources → chapters: split at headings, give every heading a unique ASCII id,
//! move footnotes to the chapters that cite them, and point internal links at the right file.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::model::{Chapter, Ev, Spanned, Tag};
use crate::source::SourceFile;

/// One Markdown file after parsing.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// Path relative to the book folder, `/`-separated (`article.md`).
    pub path: String,
    /// Index into the book's sources.
    pub source: usize,
    /// The file's events, cut before each split heading ([`crate::parse::parse_chunks`]).
    pub chunks: Vec<Vec<Spanned>>,
}

/// Quotes, lists, emphasis and links nested deeper than this are flattened (their content kept):
/// XML parsers in reading systems refuse documents deeper than 256 elements (libxml2's default).
pub const MAX_NESTING: usize = 32;

/// Drop the tags of quotes, lists (with their items), emphasis and links opened more than
/// [`MAX_NESTING`] levels deep, keeping their content; a dropped list item ends with a line
/// break. Returns the events and the span of the first dropped tag, if any.
pub fn flatten_nesting(events: Vec<Spanned>) -> (Vec<Spanned>, Option<std::ops::Range<usize>>) {
    // fast path: most documents never come near the limit
    let mut d = 0usize;
    let mut max = 0usize;
    for sp in &events {
        match sp.ev {
            Ev::Start(_) => {
                d += 1;
                max = max.max(d);
            }
            Ev::End(_) => d = d.saturating_sub(1),
            _ => {}
        }
    }
    if max <= MAX_NESTING {
        return (events, None);
    }
    let mut out = Vec::with_capacity(events.len());
    // for each open tag: kept or dropped
    let mut open: Vec<bool> = Vec::new();
    let mut depth = 0usize;
    let mut first = None;
    for sp in events {
        match &sp.ev {
            Ev::Start(tag) => {
                let keep = match tag {
                    // an item goes with its list
                    Tag::Item => open.last().copied().unwrap_or(true),
                    Tag::BlockQuote
                    | Tag::List { .. }
                    | Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::Link { .. } => depth < MAX_NESTING,
                    _ => true,
                };
                open.push(keep);
                if keep {
                    depth += 1;
                    out.push(sp);
                } else if first.is_none() {
                    first = Some(sp.span.clone());
                }
            }
            Ev::End(tag) => {
                if open.pop().unwrap_or(true) {
                    depth = depth.saturating_sub(1);
                    out.push(sp);
                } else if matches!(tag, Tag::Item) {
                    let at = sp.span.end;
                    out.push(Spanned::new(Ev::HardBreak, at..at));
                }
            }
            _ => out.push(sp),
        }
    }
    (out, first)
}

/// Split every file into chapters at headings of level ≤ `split_level` (0: one chapter per file).
///
/// `book_title` names the opening chapter when it has no heading of its own.
pub fn split(
    mut files: Vec<Parsed>,
    split_level: u8,
    book_title: &str,
    sources: &[(String, SourceFile, usize)],
    warnings: &mut Vec<Diagnostic>,
) -> Vec<Chapter> {
    let mut chapters: Vec<Chapter> = Vec::new();
    let mut first_of_file: Vec<(String, usize)> = Vec::new();
    let mut footnotes: Vec<BTreeMap<String, Vec<Spanned>>> = Vec::new();
    for (file_index, file) in files.iter_mut().enumerate() {
        first_of_file.push((file.path.clone(), chapters.len()));
        // chunks start at top-level headings, so each is nested on its own
        let flattened = file
            .chunks
            .par_iter_mut()
            .map(|chunk| {
                let (events, f) = flatten_nesting(std::mem::take(chunk));
                *chunk = events;
                f
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .next();
        if let Some(span) = flattened {
            warnings.push(
                Diagnostic::warning(format!(
                    "Markdown nested more than {MAX_NESTING} levels deep: the deeper quotes, lists, emphasis and links are flattened"
                ))
                .at(&sources[file.source].1, span.start..span.start)
                .with_hint("reading systems refuse very deep documents; restructure the text"),
            );
        }
        let mut defs = BTreeMap::new();
        let with_notes: Vec<bool> = file
            .chunks
            .par_iter()
            .map(|c| {
                c.iter()
                    .any(|s| matches!(s.ev, Ev::Start(Tag::FootnoteDefinition(_))))
            })
            .collect();
        for (chunk, notes) in std::mem::take(&mut file.chunks).into_iter().zip(with_notes) {
            if !notes {
                if !chunk.is_empty() {
                    chapters.push(new_chapter(file.source, file_index, chunk));
                }
                continue;
            }
            let events = take_footnote_definitions(chunk, &mut defs);
            if !events.is_empty() {
                chapters.push(new_chapter(file.source, file_index, events));
            }
        }
        if chapters.len() == first_of_file[file_index].1 {
            chapters.push(new_chapter(file.source, file_index, Vec::new()));
        }
        footnotes.push(defs);
    }

    // titles, the opening chapter, file ids
    let first_is_opening = chapters.first().is_some_and(|c| {
        !matches!(c.events.first().map(|s| &s.ev),
            Some(Ev::Start(Tag::Heading { level, .. })) if *level >= 2 && split_level >= *level)
    });
    let width = chapters.len().to_string().len().max(3);
    let offset = usize::from(!first_is_opening);
    for (i, c) in chapters.iter_mut().enumerate() {
        c.id = format!("c{:0width$}", i + offset);
        c.opening = i == 0 && first_is_opening;
        c.title = match c.events.first().map(|s| &s.ev) {
            Some(Ev::Start(Tag::Heading { .. })) => heading_text(&c.events),
            _ if c.opening => first_h1(&c.events).unwrap_or_else(|| book_title.to_string()),
            _ => String::new(),
        };
        if c.title.trim().is_empty() {
            c.title = if c.opening {
                book_title.to_string()
            } else {
                format!("{}", i + offset)
            };
        }
    }

    // unique heading ids, and the anchors a link may use to reach them
    let mut used: BTreeMap<String, ()> = BTreeMap::new();
    let mut anchors: BTreeMap<(usize, String), (usize, String)> = BTreeMap::new();
    let mut global: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut counter = 0usize;
    // where the headings are: found in parallel, named in order
    let headings: Vec<Vec<usize>> = chapters
        .par_iter()
        .map(|c| {
            c.events
                .iter()
                .enumerate()
                .filter(|(_, s)| matches!(s.ev, Ev::Start(Tag::Heading { .. })))
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    for ((ci, c), at) in chapters.iter_mut().enumerate().zip(headings) {
        let file_index = c.source_file_index();
        for i in at {
            let Ev::Start(Tag::Heading { id, .. }) = &c.events[i].ev else {
                continue;
            };
            counter += 1;
            let explicit = id.clone();
            let text = heading_text(&c.events[i..]);
            let base = if is_ascii_id(&explicit) {
                explicit.clone()
            } else {
                match ascii_slug(&text) {
                    Some(s) => s,
                    None => format!("h{counter}"),
                }
            };
            let mut unique = base.clone();
            let mut n = 1;
            while used.contains_key(&unique) || unique.starts_with("fn") && is_note_id(&unique) {
                n += 1;
                unique = format!("{base}-{n}");
            }
            used.insert(unique.clone(), ());
            for key in [explicit, unique.clone(), unicode_slug(&text)] {
                if key.is_empty() {
                    continue;
                }
                anchors
                    .entry((file_index, key.clone()))
                    .or_insert((ci, unique.clone()));
                global.entry(key).or_insert((ci, unique.clone()));
            }
            if i == 0 {
                c.anchor = Some(unique.clone());
            }
            if let Ev::Start(Tag::Heading { id, .. }) = &mut c.events[i].ev {
                *id = unique.clone();
            }
            if let Some(Ev::End(Tag::Heading { id, .. })) = c.events[i..]
                .iter_mut()
                .map(|s| &mut s.ev)
                .find(|e| matches!(e, Ev::End(Tag::Heading { .. })))
            {
                *id = unique;
            }
        }
    }

    // footnotes follow their first reference in each chapter
    chapters.par_iter_mut().for_each(|c| {
        let file_index = c.source_file_index();
        let mut cited: Vec<String> = Vec::new();
        for s in &c.events {
            if let Ev::FootnoteRef(l) = &s.ev
                && !cited.contains(l)
            {
                cited.push(l.clone());
            }
        }
        for label in cited {
            if let Some(body) = footnotes[file_index].get(&label) {
                c.events.extend(body.iter().cloned());
            }
        }
    });

    // internal links
    let ids: Vec<String> = chapters.iter().map(|c| c.id.clone()).collect();
    let broken: Vec<Vec<Diagnostic>> = chapters.par_iter_mut().enumerate().map(|(ci, chapter)| {
        let mut warnings = Vec::new();
        let file_index = chapter.source_file_index();
        let source = &sources[chapter.source].1;
        let here = &files[file_index].path;
        for s in &mut chapter.events {
            let Ev::Start(Tag::Link { dest, .. }) = &mut s.ev else {
                continue;
            };
            if is_external(dest) {
                continue;
            }
            let (path, frag) = match dest.split_once('#') {
                Some((p, f)) => (p.to_string(), Some(f.to_string())),
                None => (dest.clone(), None),
            };
            let target_file = if path.is_empty() {
                Some(file_index)
            } else {
                let wanted = join_relative(here, &percent_decode(&path));
                first_of_file.iter().position(|(p, _)| *p == wanted)
            };
            let resolved = match (target_file, frag) {
                (Some(f), Some(frag)) => {
                    let frag = percent_decode(&frag);
                    anchors
                        .get(&(f, frag.clone()))
                        .or_else(|| anchors.get(&(f, unicode_slug(&frag))))
                        .or_else(|| {
                            if path.is_empty() {
                                global.get(&frag)
                            } else {
                                None
                            }
                        })
                        .map(|(c, id)| (*c, Some(id.clone())))
                }
                (Some(f), None) => Some((first_of_file[f].1, None)),
                (None, _) => None,
            };
            match resolved {
                Some((c, id)) => {
                    *dest = match (c == ci, id) {
                        (true, Some(id)) => format!("#{id}"),
                        (false, Some(id)) => format!("{}.xhtml#{id}", ids[c]),
                        (_, None) => format!("{}.xhtml", ids[c]),
                    };
                }
                None => {
                    warnings.push(
                        Diagnostic::warning(format!("broken link `{dest}`: no such heading or chapter"))
                            .at(source, s.span.clone())
                            .with_hint("link to a heading as #id or to a chapter file as other.md#id; the text is kept without the link"),
                    );
                    dest.clear();
                }
            }
        }
        warnings
    }).collect();
    warnings.extend(broken.into_iter().flatten());
    chapters
}

/// Move top-level footnote definitions out of `events` into `defs` (first definition wins).
fn take_footnote_definitions(
    events: Vec<Spanned>,
    defs: &mut BTreeMap<String, Vec<Spanned>>,
) -> Vec<Spanned> {
    if !events
        .iter()
        .any(|s| matches!(s.ev, Ev::Start(Tag::FootnoteDefinition(_))))
    {
        return events;
    }
    let mut kept = Vec::with_capacity(events.len());
    let mut depth = 0usize;
    let mut def: Option<(String, Vec<Spanned>)> = None;
    for sp in events {
        if let Some((_, body)) = &mut def {
            let end = matches!(&sp.ev, Ev::End(Tag::FootnoteDefinition(_))) && depth == 1;
            match &sp.ev {
                Ev::Start(_) => depth += 1,
                Ev::End(_) => depth -= 1,
                _ => {}
            }
            body.push(sp);
            if end {
                let (label, body) = def.take().expect("in a definition");
                defs.entry(label).or_insert(body);
            }
            continue;
        }
        if let Ev::Start(Tag::FootnoteDefinition(label)) = &sp.ev
            && depth == 0
        {
            def = Some((label.clone(), Vec::new()));
            depth = 1;
            def.as_mut().expect("just set").1.push(sp);
            continue;
        }
        match &sp.ev {
            Ev::Start(_) => depth += 1,
            Ev::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        kept.push(sp);
    }
    kept
}

fn new_chapter(source: usize, file_index: usize, events: Vec<Spanned>) -> Chapter {
    Chapter {
        id: String::new(),
        title: String::new(),
        anchor: None,
        opening: false,
        source,
        events,
        file_index,
    }
}

impl Chapter {
    fn source_file_index(&self) -> usize {
        self.file_index
    }
}

/// The plain text of the heading that `events` starts with.
pub fn heading_text(events: &[Spanned]) -> String {
    let mut text = String::new();
    for s in events.iter().skip(1) {
        match &s.ev {
            Ev::End(Tag::Heading { .. }) => break,
            Ev::Text(t)
            | Ev::Code(t)
            | Ev::Tcy(t)
            | Ev::NoBreak(t)
            | Ev::Span(_, t)
            | Ev::Ruby { base: t, .. } => text.push_str(t),
            Ev::SoftBreak | Ev::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text.trim().to_string()
}

fn first_h1(events: &[Spanned]) -> Option<String> {
    let i = events
        .iter()
        .position(|s| matches!(s.ev, Ev::Start(Tag::Heading { level: 1, .. })))?;
    Some(heading_text(&events[i..])).filter(|t| !t.is_empty())
}

fn is_ascii_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_note_id(s: &str) -> bool {
    (s.starts_with("fn-") || s.starts_with("fnref-"))
        && s.rsplit('-')
            .next()
            .is_some_and(|n| n.parse::<u32>().is_ok())
}

/// `Hello, World!` → `hello-world`; None when the text is not all ASCII.
fn ascii_slug(text: &str) -> Option<String> {
    if !text.is_ascii() {
        return None;
    }
    let slug = unicode_slug(text);
    is_ascii_id(&slug).then_some(slug)
}

/// GitHub-style slug: lowercase, punctuation removed, spaces → `-` (keeps Han characters).
pub fn unicode_slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            out.push('-');
        }
    }
    out
}

pub fn is_external(dest: &str) -> bool {
    let scheme_end = dest.find(':');
    scheme_end.is_some_and(|i| {
        i > 0
            && dest[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    }) || dest.starts_with("//")
}

/// Resolve `rel` against the folder of `base` (both `/`-separated, relative to the book).
pub fn join_relative(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Decode `%XX` escapes (invalid ones are kept).
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_paths() {
        assert_eq!(unicode_slug("清華:打破 資訊差"), "清華打破-資訊差");
        assert_eq!(ascii_slug("Hello, World!").as_deref(), Some("hello-world"));
        assert_eq!(ascii_slug("2020 plans"), None);
        assert_eq!(join_relative("a/b.md", "../c.md"), "c.md");
        assert_eq!(join_relative("b.md", "./d/e.md"), "d/e.md");
        assert_eq!(percent_decode("%E4%B8%AD"), "中");
        assert!(is_external("https://x"));
        assert!(is_external("mailto:a@b"));
        assert!(!is_external("other.md#x"));
    }
}
