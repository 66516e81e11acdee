//! The book's tree: where each chapter sits in the navigation. A file's first chapter goes
//! where the book's form put the file (a SUMMARY.md's nesting, a part, a docsify group); its
//! other chapters nest under it by their heading levels. A file that the form titles (a
//! summary's link, an article's front matter) holds all of its sections; the book's opening is
//! never a parent (its sections stay beside it, as in a one-article book).

use crate::model::{Chapter, Ev, Tag};
use crate::project::Source;

/// Give every chapter its depth in the navigation and the parts that open before it.
pub fn place(chapters: &mut [Chapter], sources: &[Source]) {
    let mut i = 0;
    while i < chapters.len() {
        let file = chapters[i].file_index;
        let end = chapters[i..]
            .iter()
            .position(|c| c.file_index != file)
            .map_or(chapters.len(), |n| i + n);
        let source = &sources[chapters[i].source];
        place_file(&mut chapters[i..end], source);
        i = end;
    }
}

/// The chapters of one file.
fn place_file(chapters: &mut [Chapter], source: &Source) {
    let base = source.place.depth;
    let first = &mut chapters[0];
    first.depth = base;
    first.parts = source.place.parts.clone();
    // the level the file's first chapter stands for: a titled file holds everything in it,
    // the book's opening holds nothing
    let root = if first.opening {
        u8::MAX
    } else if first.article || source.place.title.is_some() {
        0
    } else {
        level(first).unwrap_or(0)
    };
    let mut stack: Vec<(u8, u8)> = vec![(root, base)];
    for c in chapters.iter_mut().skip(1) {
        let l = level(c).unwrap_or(7);
        while stack.len() > 1 && stack.last().is_some_and(|&(sl, _)| sl >= l) {
            stack.pop();
        }
        let &(top_level, top_depth) = stack.last().expect("the root stays");
        c.depth = if top_level >= l {
            top_depth
        } else {
            top_depth + 1
        };
        stack.push((l, c.depth));
    }
}

/// The level of the heading a chapter starts with (or its first heading).
fn level(c: &Chapter) -> Option<u8> {
    c.events.iter().find_map(|s| match &s.ev {
        Ev::Start(Tag::Heading { level, .. }) => Some(*level),
        _ => None,
    })
}
