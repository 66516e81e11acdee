//! What incremental builds keep between builds, so that after an edit only the edited file is
//! parsed, typeset, rendered and compressed again.
//!
//! A file whose text is unchanged takes part in the next build as its *outline*: the few events
//! that reach beyond its own chapters (headings, which get book-wide unique ids; links, which
//! point into other files; footnotes; images, numbered book-wide) and a placeholder for the rest.
//! Splitting the book then gives every chapter of such a file the ids, link targets and titles
//! it would get from its whole text, and its [`plan`] says whether they are those its kept
//! XHTML was rendered with. When they are, the kept compressed entry is used; when any is not
//! (a heading added before it, say), the build starts again from the whole text of every file.

use std::collections::HashMap;

use crate::chapters::MAX_NESTING;
use crate::diagnostics::Diagnostic;
use crate::model::{Chapter, Ev, Spanned, Tag};
use crate::package::Prepared;

/// Everything kept, by source path.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    pub files: HashMap<String, FileMemo>,
    /// Key and bytes of the last generated cover.
    pub cover: Option<(u64, Vec<u8>)>,
    /// Chapters the last build reused.
    pub reused: usize,
}

/// A source file as last built.
#[derive(Debug)]
pub(crate) struct FileMemo {
    pub text: String,
    pub body: usize,
    /// The level the file was cut into chapters at.
    pub split_level: u8,
    /// The file's outline, cut into chunks as the whole text is.
    pub outline: Vec<Vec<Spanned>>,
    /// Its chapters, in order, once rendered.
    pub chapters: Vec<ChapterMemo>,
}

/// A rendered chapter and what it was rendered from.
#[derive(Debug, Clone)]
pub(crate) struct ChapterMemo {
    /// [`plan`] of the chapter, with the render context and its images.
    pub key: u64,
    pub title: String,
    pub svg: crate::render::xhtml::Properties,
    pub warnings: Vec<Diagnostic>,
    pub part: Prepared,
    /// Hash of its XHTML.
    pub hash: u64,
}

/// The outline of a parsed file (see the module documentation), or `None` for a file nested so
/// deeply that splitting flattens it: its outline could not stand in for it.
pub(crate) fn outline(chunks: &[Vec<Spanned>]) -> Option<Vec<Vec<Spanned>>> {
    chunks.iter().map(|chunk| outline_chunk(chunk)).collect()
}

fn outline_chunk(chunk: &[Spanned]) -> Option<Vec<Spanned>> {
    let mut out = Vec::new();
    // inside a heading, a footnote definition or an image everything is kept
    let mut keep = 0usize;
    let mut depth = 0usize;
    let mut note_depth = 0usize;
    let mut body = false;
    for s in chunk {
        match &s.ev {
            Ev::Start(tag) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return None;
                }
                if matches!(tag, Tag::FootnoteDefinition(_)) && depth == 1 {
                    note_depth = 1;
                }
            }
            Ev::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        // anything outside a top-level footnote definition makes the chunk a chapter
        if note_depth == 0 {
            body = true;
        }
        let kept_kind = matches!(
            &s.ev,
            Ev::Start(Tag::Heading { .. } | Tag::FootnoteDefinition(_) | Tag::Image { .. })
                | Ev::End(Tag::Heading { .. } | Tag::FootnoteDefinition(_) | Tag::Image { .. })
        );
        match &s.ev {
            Ev::Start(_) if kept_kind => {
                keep += 1;
                out.push(s.clone());
            }
            Ev::End(_) if kept_kind => {
                keep = keep.saturating_sub(1);
                out.push(s.clone());
            }
            _ if keep > 0 => out.push(s.clone()),
            Ev::Start(Tag::Link { .. }) | Ev::End(Tag::Link { .. }) | Ev::FootnoteRef(_) => {
                out.push(s.clone())
            }
            Ev::Html { html, .. } if html.contains("<img") || html.contains("<IMG") => {
                out.push(s.clone())
            }
            _ => {}
        }
        if depth == 0 {
            note_depth = 0;
        }
    }
    // the first event decides whether the first chapter is an opening: keep its kind
    if body
        && !matches!(
            chunk.first().map(|s| &s.ev),
            Some(Ev::Start(Tag::Heading { .. }))
        )
    {
        let at = chunk[0].span.start;
        out.insert(0, Spanned::new(Ev::Rule, at..at));
    }
    Some(out)
}

/// What a chapter's XHTML takes from the rest of the book once split: its file name, title,
/// anchor, whether it opens the book, its headings' ids and its links' targets, in order.
pub(crate) fn plan(c: &Chapter) -> String {
    let mut p = format!(
        "{}\u{1f}{}\u{1f}{:?}\u{1f}{}",
        c.id, c.title, c.anchor, c.opening
    );
    for s in &c.events {
        match &s.ev {
            Ev::Start(Tag::Heading { id, .. }) => {
                p.push_str("\u{1e}h");
                p.push_str(id);
            }
            Ev::Start(Tag::Link { dest, .. }) => {
                p.push_str("\u{1e}l");
                p.push_str(dest);
            }
            _ => {}
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_keeps_what_reaches_other_chapters() {
        let text = "## 一 {#one}\n\n正文[連結](b.md#x)。[^n]\n\n![圖](a.png)\n\n[^n]: 註。\n";
        let chunks = crate::parse::parse_chunks(text, 0, 2);
        let o = outline(&chunks).unwrap();
        let kinds: Vec<String> = o[0]
            .iter()
            .map(|s| format!("{:?}", s.ev).chars().take(12).collect())
            .collect();
        assert!(
            o[0].iter()
                .any(|s| matches!(&s.ev, Ev::Start(Tag::Link { dest, .. }) if dest == "b.md#x")),
            "{kinds:?}"
        );
        assert!(matches!(o[0][0].ev, Ev::Start(Tag::Heading { .. })));
        assert!(
            o[0].iter()
                .any(|s| matches!(s.ev, Ev::Start(Tag::Image { .. })))
        );
        assert!(o[0].iter().any(|s| matches!(s.ev, Ev::FootnoteRef(_))));
        assert!(
            !o[0]
                .iter()
                .any(|s| matches!(&s.ev, Ev::Text(t) if t.contains("正文")))
        );
        // a chunk of text only keeps a placeholder, so it stays a chapter of its own
        let chunks = crate::parse::parse_chunks("開場。\n", 0, 2);
        assert_eq!(outline(&chunks).unwrap()[0].len(), 1);
        // too deep to stand in for the text
        let deep = format!("{}x\n", "> ".repeat(MAX_NESTING + 2));
        assert!(outline(&crate::parse::parse_chunks(&deep, 0, 2)).is_none());
    }
}
