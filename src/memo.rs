//! The memo of incremental builds, a layer around the pipeline's per-file and per-chapter work:
//! after an edit only the edited file is parsed, typeset, rendered and compressed again.
//!
//! * parse: a file whose text is unchanged takes part in the next build as its *outline*: the
//!   few events that reach beyond its own chapters (headings, which get book-wide unique ids;
//!   links, which point into other files; footnotes; images, numbered book-wide) and a
//!   placeholder for the rest ([`Memo::parse`]). Splitting the book then gives every chapter of
//!   such a file the ids, link targets and titles it would get from its whole text.
//! * transform and render: a chapter is a pure function of its [`key`]: its file and place
//!   there, its [`plan`] (what it takes from the rest of the book once split), what every
//!   chapter shows of the book, and where its images are. A chapter of an unchanged file is
//!   looked up by its key ([`Memo::kept`]) and taken as it was rendered and compressed. When any
//!   is not there (a heading added before it, say), the outline cannot stand in for the text:
//!   the build runs again from the whole text of every file ([`Memo::reparse`]).
//! * compress: a chapter whose XHTML hashes as in the last build takes its compressed entry
//!   ([`Memo::compress`]); a generated cover is drawn again only when its metadata or font
//!   changed ([`Memo::cover`]).
//!
//! A plain build runs the same stages through [`Memo::off`], which hashes, looks up and keeps
//! nothing. The memo is explicit state of its [`crate::Incremental`]: no global caches.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::chapters::{MAX_NESTING, Parsed};
use crate::config::Metadata;
use crate::model::{Chapter, Ev, Spanned, Tag};
use crate::options::{FontFile, Settings};
use crate::package::{self, Prepared};
use crate::project::Project;
use crate::render::RenderedChapter;
use crate::resources::ImageMap;

/// What incremental builds keep between builds; off for a plain build, which then hashes, looks
/// up and keeps nothing.
#[derive(Debug, Default)]
pub struct Memo {
    on: bool,
    /// This run may let unchanged files stand in by their outlines; off when the build runs
    /// again because a kept chapter no longer fits ([`Memo::reparse`]).
    stand_in: bool,
    /// Source files as last built, by path.
    files: HashMap<String, FileMemo>,
    /// The chapters of the last build, by [`key`].
    chapters: HashMap<u64, RenderedChapter>,
    /// The compressed chapters of the last build, by entry name, with the hash of their XHTML.
    entries: HashMap<String, (u64, Prepared)>,
    /// Key and bytes of the last generated cover.
    cover: Option<(u64, Vec<u8>)>,
    /// Chapters the last build took as they were.
    reused: usize,
    /// This run: which sources stand in by their outline.
    standing: Vec<bool>,
    /// This run: the outlines of the sources parsed from their text.
    fresh: Vec<Option<Vec<Vec<Spanned>>>>,
    /// This run: the key of each chapter.
    keys: Vec<u64>,
    /// This run: how many chapters it takes from the last.
    taken: usize,
}

/// A source file as last built.
#[derive(Debug)]
struct FileMemo {
    text: String,
    body: usize,
    /// The level the file was cut into chapters at.
    split_level: u8,
    /// The file's outline, cut into chunks as the whole text is.
    outline: Vec<Vec<Spanned>>,
}

impl Memo {
    /// The memo of a plain build: nothing is kept.
    pub fn off() -> Memo {
        Memo::default()
    }

    /// The memo of [`crate::Incremental`], before its first build.
    pub fn new() -> Memo {
        Memo {
            on: true,
            ..Memo::default()
        }
    }

    /// Start a build that reuses what the memo holds.
    pub fn reusing(&mut self) -> &mut Memo {
        self.stand_in = self.on;
        self
    }

    /// Build again from the whole text of every file, reusing no chapter (a kept chapter no
    /// longer fitted); compressed entries and the cover are still reused.
    pub fn reparse(&mut self) -> &mut Memo {
        self.stand_in = false;
        self
    }

    /// Chapters the last build took as they were.
    pub fn reused(&self) -> usize {
        self.reused
    }

    /// The parse stage through the memo: a file unchanged since the last build stands in by
    /// its outline (unless an embedded font needs every character of the book).
    pub fn parse(&mut self, project: &Project, settings: &Settings) -> Vec<Parsed> {
        let split_level = project.config.build.split_level;
        let stand_in = self.stand_in && !settings.font_wanted;
        self.standing = project
            .sources
            .iter()
            .map(|s| {
                stand_in
                    && self.files.get(&s.path).is_some_and(|f| {
                        f.body == s.body && f.split_level == split_level && f.text == s.file.text
                    })
            })
            .collect();
        let parsed = project.parse_with(|i| {
            self.standing[i].then(|| self.files[&project.sources[i].path].outline.clone())
        });
        self.fresh = if self.on {
            parsed
                .par_iter()
                .map(|p| {
                    (!self.standing[p.source])
                        .then(|| outline(&p.chunks))
                        .flatten()
                })
                .collect()
        } else {
            Vec::new()
        };
        parsed
    }

    /// The chapters this build takes from the last one (the chapters of the files that stand
    /// in by their outlines, looked up by [`key`]), `None` for the others; or `None` when one
    /// of them is not there: its file must be parsed after all, so the build runs again
    /// ([`Memo::reparse`]). `context`: what every chapter shows of the rest of the book.
    pub fn kept(
        &mut self,
        project: &Project,
        chapters: &[Chapter],
        images: &[ImageMap],
        context: &str,
    ) -> Option<Vec<Option<RenderedChapter>>> {
        if !self.on {
            return Some(vec![None; chapters.len()]);
        }
        // each chapter's place in its file
        let mut counts: HashMap<usize, usize> = HashMap::new();
        let place: Vec<usize> = chapters
            .iter()
            .map(|c| {
                let n = counts.entry(c.source).or_default();
                *n += 1;
                *n - 1
            })
            .collect();
        self.keys = (chapters, images, place)
            .into_par_iter()
            .map(|(c, map, place)| key(&project.sources[c.source].path, place, c, context, map))
            .collect();
        let kept: Option<Vec<Option<RenderedChapter>>> = chapters
            .iter()
            .zip(&self.keys)
            .map(|(c, k)| match self.standing[c.source] {
                true => self.chapters.get(k).cloned().map(Some),
                false => Some(None),
            })
            .collect();
        self.taken = kept.iter().flatten().filter(|k| k.is_some()).count();
        kept
    }

    /// Compress a zip entry, or take the entry of the last build when its bytes hash the same.
    pub fn compress(&self, name: &str, data: &[u8]) -> (u64, Prepared) {
        if !self.on {
            return (0, package::prepare_data(name, data));
        }
        let hash = content_hash(data);
        match self.entries.get(name) {
            Some((h, entry)) if *h == hash => (hash, entry.clone()),
            _ => (hash, package::prepare_data(name, data)),
        }
    }

    /// Draw the cover with `draw`, or take the one drawn last from the same metadata and font
    /// (drawing takes about 0.1 s).
    pub fn cover(
        &mut self,
        meta: &Metadata,
        font: &FontFile,
        vertical: bool,
        draw: impl FnOnce(&Metadata, &FontFile, bool) -> Result<Vec<u8>, String>,
    ) -> Result<Vec<u8>, String> {
        if !self.on {
            return draw(meta, font, vertical);
        }
        let key = content_hash(
            format!(
                "{meta:?}\u{1f}{}\u{1f}{}\u{1f}{vertical}",
                font.name,
                font.data.len()
            )
            .as_bytes(),
        );
        match &self.cover {
            Some((k, png)) if *k == key => Ok(png.clone()),
            _ => {
                let png = draw(meta, font, vertical)?;
                self.cover = Some((key, png.clone()));
                Ok(png)
            }
        }
    }

    /// Keep what this build made, for the next.
    pub fn keep(&mut self, project: &Project, rendered: &[RenderedChapter]) {
        if !self.on {
            return;
        }
        self.reused = self.taken;
        let mut files = HashMap::new();
        for (i, s) in project.sources.iter().enumerate() {
            let kept = if self.standing[i] {
                self.files.remove(&s.path)
            } else {
                self.fresh[i].take().map(|outline| FileMemo {
                    text: s.file.text.clone(),
                    body: s.body,
                    split_level: project.config.build.split_level,
                    outline,
                })
            };
            if let Some(f) = kept {
                files.insert(s.path.clone(), f);
            }
        }
        self.files = files;
        self.chapters = self
            .keys
            .iter()
            .copied()
            .zip(rendered.iter().cloned())
            .collect();
        self.entries = rendered
            .iter()
            .map(|r| (r.entry.path().to_string(), (r.hash, r.entry.clone())))
            .collect();
    }
}

/// The key of a chapter: the file it comes from and its place there, what it takes from the
/// rest of the book once split ([`plan`]), the `context` every chapter shows, and where its
/// images are. Only a chapter of an unchanged file is looked up by it.
fn key(path: &str, place: usize, c: &Chapter, context: &str, images: &ImageMap) -> u64 {
    content_hash(
        format!(
            "{path}\u{1d}{place}\u{1d}{}\u{1d}{context}\u{1d}{images:?}",
            plan(c)
        )
        .as_bytes(),
    )
}

/// A fast 64-bit hash of a chapter's bytes (FNV-1a over 8-byte words).
pub fn content_hash(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ data.len() as u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        h = (h ^ u64::from_le_bytes(c.try_into().expect("8 bytes")))
            .wrapping_mul(0x0000_0100_0000_01B3);
        h ^= h >> 29;
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// The outline of a parsed file (see the module documentation), or `None` for a file nested so
/// deeply that splitting flattens it: its outline could not stand in for it.
pub fn outline(chunks: &[Vec<Spanned>]) -> Option<Vec<Vec<Spanned>>> {
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
pub fn plan(c: &Chapter) -> String {
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
