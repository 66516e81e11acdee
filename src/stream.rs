//! The two passes of a build, which keep the memory of a build near that of its largest
//! chapters, not of the whole book:
//!
//! 1. [`outlines`]: every file cut into the pieces it parses in ([`parse::piece_ranges`]),
//!    each parsed into its *outline* ([`parse::outline_range`]: the events that reach beyond
//!    their chapter), the pieces in parallel. Splitting the book's outlines
//!    ([`crate::chapters::split`]) gives every chapter its id, title, heading ids and link
//!    targets, and the images stage finds every image.
//! 2. [`chapters`]: the chapters in order, in windows of about [`WINDOW_BYTES`] of source: the
//!    pieces of a window parsed again, each chapter's full events made from them and its
//!    outline ([`crate::chapters::fill`]), typeset, rendered, compressed (in parallel), then
//!    handed to the package stream in reading order ([`package::Stream`]), which writes them
//!    out; only what the package documents need of them is kept.
//!
//! A piece too deeply nested to have an outline keeps its full events from the first pass.

use std::collections::{BTreeSet, VecDeque};
use std::io::Write;
use std::ops::Range;

use rayon::prelude::*;

use crate::chapters::{self, Parsed};
use crate::font;
use crate::model::{Chapter, Spanned};
use crate::package::{self, PackageError};
use crate::parse::{self, Piece};
use crate::project::Project;
use crate::render::{self, BookContext, Compress, RenderedChapter};
use crate::resources::ImageMap;
use crate::transform::Transform;

/// A window of the second pass holds chapters until their pieces reach this much source text.
pub const WINDOW_BYTES: usize = 1 << 20;

/// The first pass for one file: where its pieces are.
pub fn piece_ranges(project: &Project) -> Vec<Vec<Range<usize>>> {
    let level = project.config.build.split_level;
    project
        .sources
        .par_iter()
        .map(|s| {
            let text = &s.file.text;
            parse::piece_ranges(text, s.body, level, &|r| text.release(r))
        })
        .collect()
}

/// The first pass: every piece of every file parsed into its outline, in parallel; `known`
/// gives a piece's outline when it has it (an incremental build's memo).
pub fn outlines(
    project: &Project,
    ranges: &[Vec<Range<usize>>],
    known: impl Fn(usize, usize) -> Option<Piece> + Sync,
) -> Vec<Vec<Piece>> {
    let level = project.config.build.split_level;
    let all: Vec<(usize, usize)> = ranges
        .iter()
        .enumerate()
        .flat_map(|(f, r)| (0..r.len()).map(move |p| (f, p)))
        .collect();
    let mut pieces: Vec<Piece> = all
        .par_iter()
        .map(|&(f, p)| {
            known(f, p).unwrap_or_else(|| {
                let text = &project.sources[f].file.text;
                let mut piece = parse::outline_piece(text, ranges[f][p].clone(), level);
                if !piece.outlined {
                    hide_lines(project, &mut piece.chunks);
                }
                text.release(piece.range.clone());
                piece
            })
        })
        .collect::<Vec<_>>();
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges.iter().rev() {
        out.push(pieces.split_off(pieces.len() - r.len()));
    }
    out.reverse();
    out
}

/// The full events of a piece as the book's form shows them
/// ([`crate::project::as_the_form_shows`]).
fn hide_lines(project: &Project, chunks: &mut [Vec<Spanned>]) {
    crate::project::as_the_form_shows(&project.config.build, chunks);
}

/// Where a chapter's chunk is: the piece of its file, and its place among the piece's chunks
/// (16 bytes, kept for every chapter until the second pass takes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    file: u32,
    piece: u32,
    chunk: u32,
    /// The chunk is an outline: the piece is parsed again for the chapter's full events.
    pub outlined: bool,
}

impl Origin {
    fn new(file: usize, piece: usize, chunk: usize, outlined: bool) -> Self {
        let small = chapters::small;
        Origin {
            file: small(file),
            piece: small(piece),
            chunk: small(chunk),
            outlined,
        }
    }

    /// The file, and the piece of it.
    pub fn piece(&self) -> (usize, usize) {
        (self.file as usize, self.piece as usize)
    }

    /// The chunk's place among its piece's.
    pub fn chunk(&self) -> usize {
        self.chunk as usize
    }
}

/// What splitting takes (every file's chunks, outlines and all), where each chapter it will
/// make comes from (`None`: the empty chapter of a file without any), and where the pieces
/// are.
pub struct Split {
    pub parsed: Vec<Parsed>,
    pub origins: Vec<Option<Origin>>,
    pub pieces: Vec<Vec<Range<usize>>>,
}

/// Hand the first pass's chunks to splitting, remembering where each chapter comes from. A
/// file whose first two chapters splitting joins ([`chapters::Shape::Joined`]) is parsed whole
/// here: its joined chapter has no one chunk to be parsed again from.
pub fn for_split(project: &Project, files: Vec<Vec<Piece>>) -> Split {
    let mut split = Split {
        parsed: Vec::with_capacity(files.len()),
        // an origin a chunk, and one a file at most besides
        origins: Vec::with_capacity(
            files
                .iter()
                .flatten()
                .map(|p| p.chunks.len())
                .sum::<usize>()
                + files.len(),
        ),
        pieces: Vec::with_capacity(files.len()),
    };
    let level = project.config.build.split_level;
    for (f, mut pieces) in files.into_iter().enumerate() {
        let source = &project.sources[f];
        let article = source.article.is_some();
        let shape_of = |pieces: &[Piece]| {
            let made = pieces
                .iter()
                .flat_map(|p| &p.chunks)
                .filter(|c| chapters::makes_chapter(c));
            let first_is_heading = made
                .clone()
                .next()
                .is_some_and(|c| chapters::starts_with_heading(c));
            let second_is_title = made
                .clone()
                .nth(1)
                .is_some_and(|c| chapters::opens_with_title(c, &project.config.meta.title));
            chapters::shape(article, f, made.count(), first_is_heading, second_is_title)
        };
        let shape = shape_of(&pieces);
        if shape == chapters::Shape::Joined && pieces.iter().any(|p| p.outlined) {
            for piece in &mut pieces {
                let text = &source.file.text;
                piece.chunks = parse::parse_piece(text, piece.range.clone(), level);
                hide_lines(project, &mut piece.chunks);
                piece.outlined = false;
            }
        }
        let before = split.origins.len();
        let mut chunks = Vec::new();
        let mut ranges = Vec::with_capacity(pieces.len());
        for (p, piece) in pieces.into_iter().enumerate() {
            for (c, chunk) in piece.chunks.iter().enumerate() {
                if chapters::makes_chapter(chunk) {
                    split
                        .origins
                        .push(Some(Origin::new(f, p, c, piece.outlined)));
                }
            }
            chunks.extend(piece.chunks);
            ranges.push(piece.range);
        }
        if split.origins.len() == before {
            split.origins.push(None);
        }
        match shape {
            chapters::Shape::Opening => split.origins.insert(before, None),
            chapters::Shape::Joined => {
                split.origins.remove(before);
            }
            chapters::Shape::Kept => {}
        }
        split.parsed.push(Parsed { source: f, chunks });
        split.pieces.push(ranges);
    }
    split
}

/// What the second pass needs besides the chapters.
pub struct Second<'a> {
    pub project: &'a Project,
    pub pieces: &'a [Vec<Range<usize>>],
    pub transform: &'a Transform,
    pub maps: &'a [ImageMap],
    pub cx: &'a BookContext<'a>,
    pub compress: &'a Compress<'a>,
    /// Collect the characters of every chapter (for an embedded font).
    pub chars: bool,
    /// Keep every chapter's compressed entry after writing it (an incremental build keeps
    /// them for the next).
    pub keep_entries: bool,
    /// How much source text a window takes ([`WINDOW_BYTES`]).
    pub window: usize,
}

/// One chapter going through the second pass.
struct Item {
    index: usize,
    chapter: Chapter,
    kept: Option<RenderedChapter>,
    origin: Option<Origin>,
}

impl Item {
    /// The piece it must parse again, if any.
    fn reparse(&self) -> Option<(usize, usize)> {
        match (&self.kept, self.origin) {
            (None, Some(o)) if o.outlined => Some(o.piece()),
            _ => None,
        }
    }
}

/// The chapters the second pass has yet to take, given back as it goes: the chapters of a
/// 20000-chapter book take 3 MB, as much as what is kept of them once rendered.
struct Ahead {
    chapters: VecDeque<Chapter>,
    origins: VecDeque<Option<Origin>>,
    kept: VecDeque<Option<RenderedChapter>>,
    index: usize,
}

impl Ahead {
    fn next(&mut self) -> Option<Item> {
        let chapter = self.chapters.pop_front()?;
        let item = Item {
            index: self.index,
            chapter,
            kept: self.kept.pop_front().flatten(),
            origin: self.origins.pop_front().flatten(),
        };
        self.index += 1;
        // a smaller buffer once half of it is taken: each chapter is moved at most twice
        if self.chapters.capacity() > 2 * self.chapters.len() + 64 {
            self.chapters.shrink_to_fit();
            self.origins.shrink_to_fit();
            self.kept.shrink_to_fit();
        }
        Some(item)
    }
}

/// The second pass (see the module documentation): every chapter, in order, written to `out`
/// as soon as its window is done; `kept` are the chapters an incremental build takes as they
/// were (none past its end: a build without a memo keeps none). Returns the chapters as rendered (without their entries unless asked to keep them)
/// and, when asked, the characters of every chapter.
pub fn chapters<W: Write>(
    second: &Second<'_>,
    chapters: Vec<Chapter>,
    origins: Vec<Option<Origin>>,
    kept: Vec<Option<RenderedChapter>>,
    out: &mut package::Stream<W>,
) -> Result<(Vec<RenderedChapter>, BTreeSet<char>), PackageError> {
    let mut rendered = Vec::with_capacity(chapters.len());
    let mut chars = BTreeSet::new();
    debug_assert_eq!(chapters.len(), origins.len(), "an origin a chapter");
    let mut ahead = Ahead {
        chapters: chapters.into(),
        origins: origins.into(),
        kept: kept.into(),
        index: 0,
    };
    let mut items = std::iter::from_fn(|| ahead.next()).peekable();
    while items.peek().is_some() {
        // a window: chapters until their pieces hold enough text
        let mut window: Vec<Vec<Item>> = Vec::new();
        let mut bytes = 0;
        while let Some(next) = items.peek() {
            let piece = next.reparse();
            // the chapters of a piece share its parse: never two windows for one piece
            let joins = piece.is_some() && window.last().is_some_and(|g| g[0].reparse() == piece);
            if !joins && bytes >= second.window {
                break;
            }
            let item = items.next().expect("peeked");
            match window.last_mut() {
                Some(group) if joins => group.push(item),
                _ => {
                    bytes += piece.map_or(1024, |(f, p)| second.pieces[f][p].len());
                    window.push(vec![item]);
                }
            }
        }
        let done: Vec<Vec<(RenderedChapter, Option<BTreeSet<char>>)>> =
            window.into_par_iter().map(|g| group(second, g)).collect();
        for (mut r, c) in done.into_iter().flatten() {
            if let Some(entry) = &r.entry {
                out.add(entry)?;
            }
            if !second.keep_entries {
                r.entry = None;
            }
            if let Some(c) = c {
                chars.extend(c);
            }
            rendered.push(r);
        }
    }
    Ok((rendered, chars))
}

/// The chapters of a group: one chapter, or the chapters of one piece parsed again.
fn group(second: &Second<'_>, items: Vec<Item>) -> Vec<(RenderedChapter, Option<BTreeSet<char>>)> {
    let mut full: Vec<Option<Vec<Spanned>>> = match items[0].reparse() {
        Some((f, p)) => {
            let (text, range) = (&second.project.sources[f].file.text, &second.pieces[f][p]);
            let level = second.project.config.build.split_level;
            let mut chunks = parse::parse_piece(text, range.clone(), level);
            hide_lines(second.project, &mut chunks);
            text.release(range.clone());
            chunks.into_iter().map(Some).collect()
        }
        None => Vec::new(),
    };
    let work: Vec<(Item, Option<Vec<Spanned>>)> = items
        .into_iter()
        .map(|item| {
            let chunk = match (item.reparse(), item.origin) {
                (Some(_), Some(o)) => full.get_mut(o.chunk()).and_then(Option::take),
                _ => None,
            };
            (item, chunk)
        })
        .collect();
    drop(full);
    work.into_par_iter()
        .map(|(item, chunk)| one(second, item, chunk))
        .collect()
}

/// One chapter: taken as it was, or made whole (from `chunk`, its full events parsed again),
/// typeset and rendered.
fn one(
    second: &Second<'_>,
    item: Item,
    chunk: Option<Vec<Spanned>>,
) -> (RenderedChapter, Option<BTreeSet<char>>) {
    let Item {
        index,
        mut chapter,
        kept,
        ..
    } = item;
    if let Some(k) = kept {
        let r = RenderedChapter {
            id: chapter.id,
            opening: chapter.opening,
            source: chapter.source,
            depth: chapter.depth,
            parts: chapter.parts,
            ..k
        };
        return (r, None);
    }
    if let Some(chunk) = chunk {
        chapter.events = chapters::fill(&chapter.events, chunk);
    }
    second.transform.chapter(&mut chapter);
    let chars = second.chars.then(|| {
        let mut set = BTreeSet::new();
        font::chapter_chars(&chapter, &mut set);
        set
    });
    let r = render::chapter(&chapter, &second.maps[index], second.cx, second.compress);
    (r, chars)
}
