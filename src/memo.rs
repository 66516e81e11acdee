//! The memo of incremental builds, a layer around the pipeline's per-piece and per-chapter
//! work: after an edit only the edited piece of text is parsed, typeset, rendered and
//! compressed again.
//!
//! * parse, first pass ([`Memo::outline`]): a piece of a file ([`crate::parse::piece_ranges`]:
//!   a whole chapter file, or a part of a large file cut at a split heading) whose text is the
//!   same as a piece of the last build takes that piece's outline, kept with spans relative to
//!   the piece's start: an edit that moves the pieces after it (a line added to chapter 3 of a
//!   book in one file) does not make them new.
//! * transform and render: a chapter is a pure function of its [`key`]: the piece it comes
//!   from and its place there, its [`plan`] (what it takes from the rest of the book once
//!   split), what every chapter shows of the book, and where its images are. A chapter of an
//!   unchanged piece is looked up by its key ([`Memo::kept`]) and taken as it was rendered and
//!   compressed (its warnings moved with its piece); any other is made again in the second
//!   pass.
//! * compress: a chapter whose XHTML hashes as in the last build takes its compressed entry
//!   ([`Memo::compress`]); a generated cover is drawn again only when what it shows changed
//!   ([`Memo::cover`]).
//!
//! A plain build runs the same stages through [`Memo::off`], which hashes, looks up and keeps
//! nothing. The memo is explicit state of its [`crate::Incremental`]: no global caches.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use crate::config::Metadata;
use crate::cover::{self, Drawn};
use crate::model::{Chapter, Ev, Spanned, Tag};
use crate::options::FontFile;
use crate::package::{self, Prepared};
use crate::parse::Piece;
use crate::project::Project;
use crate::render::RenderedChapter;
use crate::resources::ImageMap;
use crate::source::Text;
use crate::stream::{self, Origin};

/// What incremental builds keep between builds; off for a plain build, which then hashes, looks
/// up and keeps nothing.
#[derive(Debug, Default)]
pub struct Memo {
    on: bool,
    /// Source files as last built, by path.
    files: HashMap<String, FileMemo>,
    /// The chapters of the last build by [`key`], with where their piece started.
    chapters: HashMap<u64, (RenderedChapter, usize)>,
    /// The compressed chapters of the last build, by entry name, with the hash of their XHTML.
    entries: HashMap<String, (u64, Prepared)>,
    /// The last generated cover.
    cover: Option<Drawn>,
    /// How many covers were drawn (not taken as they were).
    covers_drawn: usize,
    /// Chapters the last build took as they were.
    reused: usize,
    /// The number the next new piece gets.
    serial: u64,
    /// This run.
    run: Run,
}

/// What the memo notes during a build, for looking up chapters and keeping what it made.
#[derive(Debug, Default)]
struct Run {
    /// For each file and piece: where it is, its number, and its outline for the next build.
    pieces: Vec<Vec<PieceRun>>,
    /// The key of each chapter.
    keys: Vec<u64>,
    /// Where each chapter's piece starts.
    starts: Vec<usize>,
    /// How many chapters it takes from the last build.
    taken: usize,
}

#[derive(Debug)]
struct PieceRun {
    range: Range<usize>,
    /// Pieces of the same text have the same number, from build to build.
    serial: u64,
    /// The piece of the last build it is the same as (file path, index).
    same_as: Option<(String, usize)>,
    /// Its outline (spans relative to its start), when parsed in this build.
    fresh: Option<Vec<Vec<Spanned>>>,
}

/// A source file as last built.
#[derive(Debug)]
struct FileMemo {
    text: Text,
    /// The level the file was cut into chapters at.
    split_level: u8,
    pieces: Vec<PieceMemo>,
}

/// A piece of a file as last built.
#[derive(Debug)]
struct PieceMemo {
    range: Range<usize>,
    serial: u64,
    /// Its outline, spans relative to its start.
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

    /// Whether builds are remembered.
    pub fn on(&self) -> bool {
        self.on
    }

    /// Chapters the last build took as they were.
    pub fn reused(&self) -> usize {
        self.reused
    }

    /// How many covers the builds drew, rather than took as they were.
    pub fn covers_drawn(&self) -> usize {
        self.covers_drawn
    }

    /// The first pass through the memo: a piece whose text is that of a piece of the last build
    /// takes its outline ([`stream::outlines`]).
    pub fn outline(&mut self, project: &Project) -> Vec<Vec<Piece>> {
        let ranges = stream::piece_ranges(project);
        if !self.on {
            return stream::outlines(project, &ranges, |_, _| None);
        }
        let level = project.config.build.split_level;
        let same: Vec<Vec<Option<usize>>> = project
            .sources
            .par_iter()
            .zip(&ranges)
            .map(|(s, ranges)| match self.files.get(&s.path) {
                Some(f) if f.split_level == level => same_pieces(f, &s.file.text, ranges),
                _ => vec![None; ranges.len()],
            })
            .collect();
        let pieces = stream::outlines(project, &ranges, |f, p| {
            let i = same[f][p]?;
            let old = &self.files[&project.sources[f].path].pieces[i];
            let start = ranges[f][p].start;
            Some(Piece {
                range: ranges[f][p].clone(),
                chunks: shifted(&old.outline, start, true),
                outlined: true,
            })
        });
        let mut serial = self.serial;
        self.run.pieces = pieces
            .iter()
            .enumerate()
            .map(|(f, file)| {
                let path = &project.sources[f].path;
                file.iter()
                    .enumerate()
                    .map(|(p, piece)| {
                        let same_as = same[f][p];
                        let serial = match same_as {
                            Some(i) => self.files[path].pieces[i].serial,
                            None => {
                                serial += 1;
                                serial
                            }
                        };
                        PieceRun {
                            range: piece.range.clone(),
                            serial,
                            same_as: same_as.map(|i| (path.clone(), i)),
                            fresh: (same_as.is_none() && piece.outlined)
                                .then(|| shifted(&piece.chunks, piece.range.start, false)),
                        }
                    })
                    .collect()
            })
            .collect();
        self.serial = serial;
        pieces
    }

    /// The chapters this build takes from the last one (chapters of unchanged pieces, looked
    /// up by [`key`]), `None` for the others (made in the second pass); none at all without a
    /// memo (an empty list, however many chapters). `context`: what every
    /// chapter shows of the rest of the book; `all_new`: take none (an embedded font needs
    /// every chapter's characters).
    pub fn kept(
        &mut self,
        project: &Project,
        chapters: &[Chapter],
        origins: &[Option<Origin>],
        images: &[ImageMap],
        context: &str,
        all_new: bool,
    ) -> Vec<Option<RenderedChapter>> {
        if !self.on {
            // none (a vector of 20000 `None`s would be 2.7 MB)
            return Vec::new();
        }
        let run = &mut self.run;
        let piece = |o: &Option<Origin>| {
            o.map(|o| {
                let (f, p) = o.piece();
                &run.pieces[f][p]
            })
        };
        run.keys = (chapters, images, origins)
            .into_par_iter()
            .map(|(c, map, o)| {
                let (serial, chunk) = piece(o).map_or((0, 0), |p| (p.serial, o.unwrap().chunk()));
                key(
                    &project.sources[c.source].path,
                    serial,
                    chunk,
                    c,
                    context,
                    map,
                )
            })
            .collect();
        run.starts = origins
            .iter()
            .map(|o| piece(o).map_or(0, |p| p.range.start))
            .collect();
        let kept: Vec<Option<RenderedChapter>> = origins
            .iter()
            .zip(&run.keys)
            .zip(&run.starts)
            .map(|((o, k), &start)| {
                let standing = piece(o).is_some_and(|p| p.same_as.is_some());
                if all_new || !standing {
                    return None;
                }
                let (c, was) = self.chapters.get(k)?;
                let was = *was;
                let mut c = c.clone();
                for (_, span) in &mut c.warnings {
                    *span = (span.start + start).saturating_sub(was)
                        ..(span.end + start).saturating_sub(was);
                }
                Some(c)
            })
            .collect();
        run.taken = kept.iter().filter(|k| k.is_some()).count();
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

    /// The generated cover: the one drawn last when it shows the same, else `kept` (from the
    /// CLI's cache) when it does, else drawn now (a few ms) — see [`cover::drawn`].
    pub fn cover(
        &mut self,
        meta: &Metadata,
        font: &FontFile,
        vertical: bool,
        kept: Option<&Drawn>,
    ) -> Result<Drawn, String> {
        let (drawn, new) = cover::drawn(meta, font, vertical, &[self.cover.as_ref(), kept])?;
        if self.on {
            self.covers_drawn += usize::from(new);
            self.cover = Some(drawn.clone());
        }
        Ok(drawn)
    }

    /// Keep what this build made, for the next (`rendered` with their entries).
    pub fn keep(&mut self, project: &Project, rendered: &[RenderedChapter]) {
        if !self.on {
            return;
        }
        let run = std::mem::take(&mut self.run);
        self.reused = run.taken;
        let mut old = std::mem::take(&mut self.files);
        let mut files = HashMap::new();
        for (s, pieces) in project.sources.iter().zip(run.pieces) {
            let pieces = pieces
                .into_iter()
                .filter_map(|p| {
                    let outline = match (p.fresh, p.same_as) {
                        (Some(outline), _) => outline,
                        (None, Some((path, i))) => {
                            std::mem::take(&mut old.get_mut(&path)?.pieces[i].outline)
                        }
                        (None, None) => return None,
                    };
                    Some(PieceMemo {
                        range: p.range,
                        serial: p.serial,
                        outline,
                    })
                })
                .collect();
            files.insert(
                s.path.clone(),
                FileMemo {
                    text: s.file.text.clone(),
                    split_level: project.config.build.split_level,
                    pieces,
                },
            );
        }
        self.files = files;
        self.chapters = run
            .keys
            .iter()
            .zip(&run.starts)
            .zip(rendered)
            .map(|((&k, &start), r)| (k, (r.clone(), start)))
            .collect();
        self.entries = rendered
            .iter()
            .filter_map(|r| {
                let e = r.entry.as_ref()?;
                Some((e.path().to_string(), (r.hash, e.clone())))
            })
            .collect();
    }
}

/// For each piece of a file's new `text` (at `ranges`), the piece of the file as last built
/// with the same text, if any.
fn same_pieces(file: &FileMemo, text: &str, ranges: &[Range<usize>]) -> Vec<Option<usize>> {
    let old = file.text.as_bytes();
    let tag = |b: &[u8]| {
        (
            b.len(),
            content_hash(&b[..b.len().min(64)]),
            content_hash(&b[b.len().saturating_sub(64)..]),
        )
    };
    let mut by_tag: HashMap<(usize, u64, u64), Vec<usize>> = HashMap::new();
    for (i, p) in file.pieces.iter().enumerate() {
        by_tag
            .entry(tag(&old[p.range.clone()]))
            .or_default()
            .push(i);
    }
    ranges
        .iter()
        .map(|r| {
            let new = &text.as_bytes()[r.clone()];
            by_tag
                .get(&tag(new))?
                .iter()
                .copied()
                .find(|&i| old[file.pieces[i].range.clone()] == *new)
        })
        .collect()
}

/// `chunks` with every span moved by `by`: forward (`true`) or back.
fn shifted(chunks: &[Vec<Spanned>], by: usize, forward: bool) -> Vec<Vec<Spanned>> {
    let shift = |at: usize| if forward { at + by } else { at - by };
    chunks
        .iter()
        .map(|c| {
            c.iter()
                .map(|s| Spanned::new(s.ev.clone(), shift(s.span.start)..shift(s.span.end)))
                .collect()
        })
        .collect()
}

/// The key of a chapter: the piece it comes from (by number: pieces of the same text keep
/// theirs) and its place there, what it takes from the rest of the book once split ([`plan`]),
/// the `context` every chapter shows, and where its images are. Only a chapter of an
/// unchanged piece is looked up by it.
fn key(path: &str, piece: u64, chunk: usize, c: &Chapter, context: &str, images: &ImageMap) -> u64 {
    content_hash(
        format!(
            "{path}\u{1d}{piece}\u{1d}{chunk}\u{1d}{}\u{1d}{context}\u{1d}{images:?}",
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
