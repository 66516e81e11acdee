//! Parsed sources → chapters: split at headings, give every heading a unique ASCII id,
//! move footnotes to the chapters that cite them, and point internal links at the right file.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::model::{Chapter, Ev, Spanned, Tag};
use crate::project::Source;
use crate::source::SourceFile;

/// One Markdown file after parsing.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// Index into the book's sources (its path is the source's).
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

/// Split every file into chapters at headings of level ≤ `[build] split-level` (0: one chapter
/// per file).
///
/// The book's title names the opening chapter when it has no heading of its own; an article
/// opens with a chapter of its own, titled by its front matter; text before the first heading
/// of a later file goes with that heading's chapter. Each chapter gets its place in the
/// navigation ([`crate::tree`]).
pub fn split(
    mut files: Vec<Parsed>,
    config: &Config,
    sources: &[Source],
    warnings: &mut Vec<Diagnostic>,
) -> Vec<Chapter> {
    // a chapter a chunk (one for a file without any), and an opening an article: never grown
    // (a 20000-chapter book's chapters are 3 MB; 6 MB with room for an opening each)
    let most = files
        .iter()
        .map(|f| f.chunks.len().max(1) + usize::from(sources[f.source].article.is_some()))
        .sum();
    let mut chapters: Vec<Chapter> = Vec::with_capacity(most);
    // each file's path (its source's) and first chapter
    let mut first_of_file: Vec<(&str, usize)> = Vec::with_capacity(files.len());
    let mut footnotes: Vec<BTreeMap<String, Vec<Spanned>>> = Vec::new();
    for (file_index, file) in files.iter_mut().enumerate() {
        first_of_file.push((&sources[file.source].path, chapters.len()));
        if let Some(span) = flatten_file(file) {
            warnings.push(
                Diagnostic::warning(format!(
                    "Markdown nested more than {MAX_NESTING} levels deep: the deeper quotes, lists, emphasis and links are flattened"
                ))
                .at(&sources[file.source].file, span.start..span.start)
                .with_hint("reading systems refuse very deep documents; restructure the text"),
            );
        }
        let mut defs = BTreeMap::new();
        let start = chapters.len();
        file_chapters(file, file_index, &mut defs, &mut chapters);
        shape_file(
            &mut chapters,
            start,
            &sources[file.source],
            file_index,
            &config.meta.title,
        );
        footnotes.push(defs);
    }
    let ids = name_chapters(&mut chapters, config, sources, &first_of_file, warnings);
    crate::tree::place(&mut chapters, sources);
    let wanted = wanted_anchors(&chapters, &footnotes);
    let anchors = heading_ids(&mut chapters, sources, wanted);
    move_footnotes(&mut chapters, &footnotes);
    let targets = Targets {
        files: &first_of_file,
        by_path: first_of_file
            .iter()
            .enumerate()
            .rev()
            .map(|(i, &(p, _))| (nfc_of(p), i))
            .collect(),
        anchors,
        ids,
        site_root: config.build.site_root.as_deref().unwrap_or(""),
        permalinks: sources
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((trim_permalink(s.place.permalink.as_deref()?), i)))
            .collect(),
    };
    // the messages in chapter order, without a list a chapter (most have none)
    let broken: Vec<Diagnostic> = chapters
        .par_iter_mut()
        .enumerate()
        .flat_map_iter(|(ci, chapter)| {
            let source = &sources[chapter.source].file;
            let here = first_of_file[chapter.file_index].0;
            targets.resolve_links(ci, chapter, here, source)
        })
        .collect();
    warnings.extend(broken);
    chapters
}

/// Flatten each chunk of a file nested too deep; the span of the first tag dropped.
fn flatten_file(file: &mut Parsed) -> Option<std::ops::Range<usize>> {
    // chunks start at top-level headings, so each is nested on its own
    file.chunks
        .par_iter_mut()
        .map(|chunk| {
            let (events, f) = flatten_nesting(std::mem::take(chunk));
            *chunk = events;
            f
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .next()
}

/// The chapters of one file added to `chapters` (not gathered first: a one-file book's 20000
/// chapters take 3 MB), its footnote definitions moved into `defs`.
fn file_chapters(
    file: &mut Parsed,
    file_index: usize,
    defs: &mut BTreeMap<String, Vec<Spanned>>,
    chapters: &mut Vec<Chapter>,
) {
    let with_notes: Vec<bool> = file
        .chunks
        .par_iter()
        .map(|c| {
            c.iter()
                .any(|s| matches!(s.ev, Ev::Start(Tag::FootnoteDefinition(_))))
        })
        .collect();
    let start = chapters.len();
    for (chunk, notes) in std::mem::take(&mut file.chunks).into_iter().zip(with_notes) {
        let events = if notes {
            take_footnote_definitions(chunk, defs)
        } else {
            chunk
        };
        if !events.is_empty() {
            chapters.push(new_chapter(file.source, file_index, events));
        }
    }
    if chapters.len() == start {
        chapters.push(new_chapter(file.source, file_index, Vec::new()));
    }
}

/// The chapters' ids (`c001`, …): numbered from 0 when the book opens with text before its
/// first chapter, else from 1, in at least three digits. Made when asked, not kept twice.
#[derive(Debug, Clone, Copy)]
struct Ids {
    width: usize,
    offset: usize,
}

impl Ids {
    /// The id of the `i`th chapter.
    fn of(self, i: usize) -> String {
        format!("c{:0width$}", i + self.offset, width = self.width)
    }
}

/// How [`split`] reshapes the chapters of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// As they are.
    Kept,
    /// An empty opening chapter goes before the first (an article starting with a heading).
    Opening,
    /// The first chapter (text before the first heading) goes into the second.
    Joined,
}

/// An article opens with a chapter of its own (its text before the first heading, maybe
/// none); text before the first heading of a later file goes with that heading's chapter, so
/// it never stands alone without a title. `first_is_heading`: the file's first chapter starts
/// with a heading; `chapters`: how many the file makes. The same for a file's chunks and their
/// outlines, so the streamed build ([`crate::stream`]) knows where each chapter comes from.
///
/// The book's first file joins its text before the first heading to it too when that heading
/// is the book's title (a README's badges before its `# 標題`): the opening is one page,
/// not one titled as the book and then a chapter of the same name (`second_is_title`).
pub fn shape(
    article: bool,
    file_index: usize,
    chapters: usize,
    first_is_heading: bool,
    second_is_title: bool,
) -> Shape {
    if article {
        if first_is_heading {
            Shape::Opening
        } else {
            Shape::Kept
        }
    } else if (file_index > 0 || second_is_title) && chapters > 1 && !first_is_heading {
        Shape::Joined
    } else {
        Shape::Kept
    }
}

/// Whether a chunk (or its outline) opens with the book's title as its heading of level 1.
pub fn opens_with_title(chunk: &[Spanned], title: &str) -> bool {
    matches!(
        chunk.first().map(|s| &s.ev),
        Some(Ev::Start(Tag::Heading { level: 1, .. }))
    ) && heading_text(chunk) == title
}

/// Whether a chunk (or its outline) starts with a heading, footnote definitions aside.
pub fn starts_with_heading(chunk: &[Spanned]) -> bool {
    first_outside_notes(chunk).is_some_and(|s| matches!(s.ev, Ev::Start(Tag::Heading { .. })))
}

/// The first event of a chunk outside its footnote definitions.
fn first_outside_notes(chunk: &[Spanned]) -> Option<&Spanned> {
    let mut depth = 0usize;
    for s in chunk {
        if depth > 0 {
            match s.ev {
                Ev::Start(_) => depth += 1,
                Ev::End(_) => depth -= 1,
                _ => {}
            }
            continue;
        }
        if !matches!(s.ev, Ev::Start(Tag::FootnoteDefinition(_))) {
            return Some(s);
        }
        depth = 1;
    }
    None
}

/// Shape the chapters of one file, from `start` on ([`shape`]): an opening before them, the
/// first two joined, or as they are; an article's first chapter opens it.
fn shape_file(
    chapters: &mut Vec<Chapter>,
    start: usize,
    source: &Source,
    file_index: usize,
    title: &str,
) {
    let first_is_heading = starts_with_heading(&chapters[start].events);
    let second_is_title = chapters
        .get(start + 1)
        .is_some_and(|c| opens_with_title(&c.events, title));
    match shape(
        source.article.is_some(),
        file_index,
        chapters.len() - start,
        first_is_heading,
        second_is_title,
    ) {
        Shape::Opening => {
            let empty = new_chapter(chapters[start].source, file_index, Vec::new());
            chapters.insert(start, empty);
        }
        Shape::Joined => {
            let before = chapters.remove(start);
            // under the book's title, as the title page shows it; else before the heading
            let at = if file_index == 0 {
                chapters[start]
                    .events
                    .iter()
                    .position(|s| matches!(s.ev, Ev::End(Tag::Heading { .. })))
                    .map_or(0, |i| i + 1)
            } else {
                0
            };
            chapters[start].events.splice(at..at, before.events);
        }
        Shape::Kept => {}
    }
    if source.article.is_some() {
        chapters[start].article = true;
    }
}

/// File ids (`c000`, …), the opening, and titles: the form's title for a file it titles (a
/// summary's link, an article's front matter), else the chapter's heading.
fn name_chapters(
    chapters: &mut [Chapter],
    config: &Config,
    sources: &[Source],
    first_of_file: &[(&str, usize)],
    warnings: &mut Vec<Diagnostic>,
) -> Ids {
    let (split_level, book_title) = (config.build.split_level, config.meta.title.as_str());
    let first_is_opening = chapters.first().is_some_and(|c| {
        !c.article
            && !matches!(c.events.first().map(|s| &s.ev),
            Some(Ev::Start(Tag::Heading { level, .. })) if *level >= 2 && split_level >= *level)
    });
    let ids = Ids {
        width: chapters.len().to_string().len().max(3),
        offset: usize::from(!first_is_opening),
    };
    let chinese = config.meta.lang.starts_with("zh")
        || book_title
            .chars()
            .any(|c| ('\u{3400}'..='\u{9FFF}').contains(&c));
    let named: Vec<Diagnostic> = chapters
        .par_iter_mut()
        .enumerate()
        .flat_map_iter(|(i, c)| {
            let mut w = Vec::new();
            name_empty_headings(c, i + ids.offset, chinese, &sources[c.source].file, &mut w);
            w
        })
        .collect();
    warnings.extend(named);
    for (i, c) in chapters.iter_mut().enumerate() {
        c.id = ids.of(i);
        c.opening = i == 0 && first_is_opening;
        let source = &sources[c.source];
        let first = first_of_file[c.file_index].1 == i;
        let given = match (&source.article, &source.place.title) {
            (Some(a), _) if c.article => Some(a.title.clone()),
            (_, Some(t)) if first => Some(t.clone()),
            _ => None,
        };
        c.named = given.as_deref().is_some_and(|t| !t.trim().is_empty());
        c.title = match (given, c.events.first().map(|s| &s.ev)) {
            (Some(t), _) if !t.trim().is_empty() => t,
            (_, Some(Ev::Start(Tag::Heading { .. }))) => heading_text(&c.events),
            _ if c.opening => first_h1(&c.events).unwrap_or_else(|| book_title.to_string()),
            _ => first_heading(&c.events).unwrap_or_default(),
        };
        if c.title.trim().is_empty() {
            c.title = if c.opening {
                book_title.to_string()
            } else {
                untitled_file(&source.path, i + ids.offset, chinese)
            };
        }
    }
    ids
}

/// Unique heading ids, and the anchors a link may use to reach them (the explicit id, the
/// unique one, the text's slug as GitHub and mdBook make it), per file and book-wide; raw HTML
/// `<a id>`/`<a name>` anchors too.
///
/// A raw anchor just above the heading that starts the next chapter (`<a name="x"></a>` over
/// `## 致謝`, as READMEs mark their sections) reaches that heading: in the text it ends the
/// chapter before.
fn heading_ids(chapters: &mut [Chapter], sources: &[Source], wanted: Wanted) -> Anchors {
    // a heading's id is shared by the map of ids taken and its target (`Arc`)
    let mut counter = 0usize;
    // where the headings are, (chapter, event): found in parallel, named in order
    let headings: Vec<(u32, u32)> = chapters
        .par_iter()
        .enumerate()
        .flat_map_iter(|(ci, c)| {
            c.events
                .iter()
                .enumerate()
                .filter(|(_, s)| matches!(s.ev, Ev::Start(Tag::Heading { .. })))
                .map(move |(i, _)| (small(ci), small(i)))
        })
        .collect();
    // every id taken, with the suffix to try next when it is also a base id (0: not yet): a
    // base id is always taken, so one map serves both; 16,000 headings `{#same}` take linear
    // time. Sized once: its growth left the tables it outgrew to the allocator mid-split
    let mut taken: std::collections::HashMap<Arc<str>, usize> =
        std::collections::HashMap::with_capacity(headings.len());
    // a target a heading, and its id and slug as names (an explicit id a third)
    let mut anchors = Anchors::new(wanted);
    let mut headings = headings.into_iter().peekable();
    // how often each slug was seen in the file so far (by its hash): a repeated heading is also
    // reached as GitHub and mdBook name it, `範例-1`, `範例-2`
    let mut repeats: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    let mut repeats_file = usize::MAX;
    // raw anchors that end a chapter, for the heading that starts the next
    let mut carried: Vec<(usize, Arc<str>)> = Vec::new();
    for ci in 0..chapters.len() {
        // the source and start of the next chapter's opening heading, for the anchors just
        // above it
        let next = chapters.get(ci + 1).and_then(|n| match n.events.first() {
            Some(s) if matches!(s.ev, Ev::Start(Tag::Heading { .. })) => {
                Some((n.source, s.span.start))
            }
            _ => None,
        });
        let c = &mut chapters[ci];
        let file_index = c.source_file_index();
        if file_index != repeats_file {
            repeats.clear();
            repeats_file = file_index;
        }
        while let Some((_, i)) = headings.next_if(|&(hc, _)| hc as usize == ci) {
            let i = i as usize;
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
            // the ids taken only grow, so a suffix refused once stays refused
            let base: Arc<str> = base.into();
            let mut n = taken.get(&base).copied().unwrap_or(0).max(1);
            let mut unique = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}").into()
            };
            while taken.contains_key(&unique) || unique.starts_with("fn") && is_note_id(&unique) {
                n += 1;
                unique = format!("{base}-{n}").into();
            }
            taken.insert(unique.clone(), 0);
            taken.insert(base, n);
            let explicit = nfc(&explicit);
            let slug = unicode_slug(&text);
            let mut target = Pending::new(ci, &unique);
            if i == 0 {
                for (_, name) in carried.drain(..) {
                    anchors.add(file_index, &name, &mut target);
                }
            }
            let seen = repeats
                .entry({
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    slug.hash(&mut h);
                    h.finish()
                })
                .or_insert(0);
            let repeat = (*seen > 0 && !slug.is_empty()).then(|| format!("{slug}-{seen}"));
            *seen += 1;
            for key in [explicit.as_str(), &unique, slug.as_str()]
                .into_iter()
                .chain(repeat.as_deref())
            {
                if !key.is_empty() {
                    anchors.add(file_index, key, &mut target);
                }
            }
            let unique = unique.to_string();
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
        // anchors carried to a chapter that does not open with a heading stay where they are
        for (from, name) in carried.drain(..) {
            anchors.add(file_index, &name, &mut Pending::new(from, &name));
        }
        raw_anchors(ci, c, next, sources, &mut anchors, &mut carried);
    }
    for (from, name) in carried {
        let file = chapters[from].source_file_index();
        anchors.add(file, &name, &mut Pending::new(from, &name));
    }
    anchors.sorted()
}

/// The raw `<a id>` / `<a name>` anchors of chapter `ci`, which keep their names; one just
/// above the heading that opens the next chapter (`next`: its source and start) is carried to
/// that heading.
fn raw_anchors(
    ci: usize,
    c: &Chapter,
    next: Option<(usize, usize)>,
    sources: &[Source],
    anchors: &mut Anchors,
    carried: &mut Vec<(usize, Arc<str>)>,
) {
    let file_index = c.source_file_index();
    for s in &c.events {
        let Ev::Html { html, .. } = &s.ev else {
            continue;
        };
        if !(html.contains("id=") || html.contains("name=") || html.contains("ID=")) {
            continue;
        }
        let just_above = next.is_some_and(|(source, start)| {
            source == c.source
                && sources[source]
                    .file
                    .text
                    .get(s.span.end..start)
                    .is_some_and(|between| between.replace("</a>", "").trim().is_empty())
        });
        for id in crate::render::html::anchor_ids(html) {
            let id: Arc<str> = id.into();
            if just_above {
                carried.push((ci, id));
                continue;
            }
            anchors.add(file_index, &id, &mut Pending::new(ci, &id));
        }
    }
}

/// An index kept for every chapter or heading (of a chapter, an event, a file, a piece), held
/// in 4 bytes.
pub(crate) fn small(n: usize) -> u32 {
    u32::try_from(n).expect("fewer than 2^32 chapters, events, files and pieces")
}

/// Footnotes follow their first reference in each chapter.
fn move_footnotes(chapters: &mut [Chapter], footnotes: &[BTreeMap<String, Vec<Spanned>>]) {
    chapters.par_iter_mut().for_each(|c| {
        let file_index = c.source_file_index();
        let mut cited: Vec<&str> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for s in &c.events {
            if let Ev::FootnoteRef(l) = &s.ev
                && seen.insert(l.as_str())
            {
                cited.push(l);
            }
        }
        let mut cited: Vec<String> = cited.into_iter().map(str::to_string).collect();
        let mut seen: std::collections::HashSet<String> = cited.iter().cloned().collect();
        // a note cited only from another note is written too
        let mut i = 0;
        while i < cited.len() {
            if let Some(body) = footnotes[file_index].get(&cited[i]) {
                for s in body {
                    if let Ev::FootnoteRef(l) = &s.ev
                        && seen.insert(l.clone())
                    {
                        cited.push(l.clone());
                    }
                }
                c.events.extend(body.iter().cloned());
            }
            i += 1;
        }
    });
}

/// The names some link of the book looks up ([`lookup_names`]): only these are kept among the
/// anchors, so the anchors take memory a link, not a heading (a 20000-chapter book without
/// links kept 6.7 MB of names it never looked up).
type Wanted = std::collections::HashSet<String>;

/// Every name a link of the chapters, or of the footnotes that will move into them, may look
/// up among the anchors: a superset of what [`Targets::resolve`] asks [`Anchors`] for.
fn wanted_anchors(chapters: &[Chapter], footnotes: &[BTreeMap<String, Vec<Spanned>>]) -> Wanted {
    fn of(events: &[Spanned]) -> Vec<String> {
        let mut names = Vec::new();
        for s in events {
            match &s.ev {
                Ev::Start(Tag::Link { dest, .. }) if !is_external(dest) => {
                    names.extend(split_dest(dest).1.iter().flat_map(|f| lookup_names(f)));
                }
                Ev::Html { html, .. } if html.contains("href") || html.contains("HREF") => {
                    for href in crate::render::html::link_targets(html) {
                        names.extend(split_dest(&href).1.iter().flat_map(|f| lookup_names(f)));
                    }
                }
                _ => {}
            }
        }
        names
    }
    let notes = footnotes
        .par_iter()
        .flat_map_iter(|f| f.values().flat_map(|e| of(e)));
    chapters
        .par_iter()
        .flat_map_iter(|c| of(&c.events))
        .chain(notes)
        .collect()
}

/// A link's path and fragment as written (the fragment not yet decoded, `None` when empty):
/// docsify's router `#/guide/b` is the page `/guide/b`, and its `page.md?id=section` names
/// the fragment `section`.
fn split_dest(dest: &str) -> (String, Option<String>) {
    let routed = dest.strip_prefix("#/").map(|d| format!("/{d}"));
    let dest = routed.as_deref().unwrap_or(dest);
    let (path, frag) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => match dest.split_once("?id=") {
            Some((p, f)) => (p, Some(f.split('&').next().unwrap_or(f))),
            None => (dest, None),
        },
    };
    (
        path.to_string(),
        frag.filter(|f| !f.is_empty()).map(str::to_string),
    )
}

/// The names a fragment looks up in its file, in order: itself (percent-decoded, NFC), its slug,
/// for docsify's id of a heading that starts with a digit (`_0-1-背包`) the same without the
/// `_`, and for GitHub's `#user-content-安裝` the same without its prefix (GitHub writes every
/// id of a README so). The first, alone, is also looked up in the whole book.
fn lookup_names(frag: &str) -> Vec<String> {
    let frag = nfc(&percent_decode(frag));
    let slug = unicode_slug(&frag);
    let mut names = vec![frag, slug];
    let other = |f: &str| {
        f.strip_prefix('_')
            .filter(|f| f.starts_with(|c: char| c.is_ascii_digit()))
            .or_else(|| f.strip_prefix("user-content-").filter(|f| !f.is_empty()))
            .map(str::to_string)
    };
    if let Some(f) = other(&names[0]) {
        let slug = unicode_slug(&f);
        names.extend([f, slug]);
    }
    names
}

/// A heading or raw anchor that names may reach: `id` in chapter `ci`, made a target of
/// [`Anchors`] when the first of its names is kept.
struct Pending<'a> {
    ci: usize,
    id: &'a Arc<str>,
    made: Option<u32>,
}

impl<'a> Pending<'a> {
    fn new(ci: usize, id: &'a Arc<str>) -> Self {
        Pending { ci, id, made: None }
    }
}

/// The book's anchors (heading ids and names, raw HTML `<a id>`s) that some link looks up
/// ([`Wanted`]): by file and name, and by name alone (the first of each name), each to the
/// chapter and the id it has there. Each target (a heading) is kept once, and its names in one
/// list sorted by name and file once all are added ([`Anchors::sorted`]): 24 bytes a name.
/// Two B-trees of names took about 150 bytes a heading (a 20000-heading book's maps, holding a
/// chapter and id per key, 6 MB before that).
struct Anchors {
    wanted: Wanted,
    targets: Vec<(usize, Arc<str>)>,
    /// (name, file, target); names are added in the order of their files.
    names: Vec<(Arc<str>, u32, u32)>,
}

impl Anchors {
    fn new(wanted: Wanted) -> Self {
        Anchors {
            wanted,
            targets: Vec::new(),
            names: Vec::new(),
        }
    }

    /// `name` in the file reaches `target`, unless the name is taken (there, or anywhere for
    /// [`Anchors::anywhere`]): the first added wins. A name no link looks up is left out.
    fn add(&mut self, file: usize, name: &str, target: &mut Pending) {
        if !self.wanted.contains(name) {
            return;
        }
        let file = small(file);
        debug_assert!(
            self.names.last().is_none_or(|l| l.1 <= file),
            "names added in the order of their files"
        );
        let t = *target.made.get_or_insert_with(|| {
            self.targets.push((target.ci, target.id.clone()));
            small(self.targets.len() - 1)
        });
        let name = if name == &**target.id {
            target.id.clone()
        } else {
            name.into()
        };
        self.names.push((name, file, t));
    }

    /// Sorted by name, then file: the first added of a name and file kept (targets are numbered
    /// in the order added; sorted in place, with no second buffer); as files were added in
    /// order, a name's first entry is its first added.
    fn sorted(mut self) -> Self {
        self.names
            .sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        self.names.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
        self.names.shrink_to_fit();
        self.wanted = Wanted::new();
        self
    }

    fn in_file(&self, file: usize, name: &str) -> Option<&(usize, Arc<str>)> {
        let file = u32::try_from(file).ok()?;
        let i = self
            .names
            .binary_search_by(|n| (*n.0).cmp(name).then(n.1.cmp(&file)))
            .ok()?;
        self.targets.get(self.names[i].2 as usize)
    }

    fn anywhere(&self, name: &str) -> Option<&(usize, Arc<str>)> {
        let i = self.names.partition_point(|n| &*n.0 < name);
        let first = self.names.get(i).filter(|n| &*n.0 == name)?;
        self.targets.get(first.2 as usize)
    }
}

/// Where internal links can point: the files, their anchors, the chapters' file names, the
/// site's root and the posts' permalinks.
struct Targets<'a> {
    files: &'a [(&'a str, usize)],
    /// A file's path in Unicode NFC → its index (names match whatever normalisation each side
    /// was typed in).
    by_path: BTreeMap<Cow<'a, str>, usize>,
    anchors: Anchors,
    ids: Ids,
    site_root: &'a str,
    /// A post's permalink (as [`trim_permalink`] writes it) → its file.
    permalinks: BTreeMap<String, usize>,
}

/// Why a link reaches nothing.
enum Broken {
    /// No heading or anchor of that name in the file.
    Anchor,
    /// No chapter file at that path.
    File,
    /// A path from the site's root that names no post or file of the book.
    Site,
}

impl Targets<'_> {
    /// Point the chapter's Markdown links and raw HTML `<a href>`s at their chapter file; each
    /// link that reaches nothing is a warning, and its text is kept without the link.
    fn resolve_links(
        &self,
        ci: usize,
        chapter: &mut Chapter,
        here: &str,
        source: &SourceFile,
    ) -> Vec<Diagnostic> {
        let mut warnings = Vec::new();
        let file_index = chapter.source_file_index();
        let mut raw: Vec<(String, std::ops::Range<usize>)> = Vec::new();
        for s in &mut chapter.events {
            match &mut s.ev {
                Ev::Start(Tag::Link { dest, .. }) => {
                    if is_external(dest) {
                        match crate::url::check(dest) {
                            Ok(url) => *dest = url,
                            Err(why) => {
                                warnings.push(
                                    Diagnostic::warning(format!(
                                        "link `{}` {}: its text is kept without the link",
                                        shorten(dest),
                                        why.why()
                                    ))
                                    .at(source, s.span.clone())
                                    .with_hint("link to http(s), mailto or a chapter of the book"),
                                );
                                dest.clear();
                            }
                        }
                        continue;
                    }
                    if dest.is_empty() {
                        // `[text]()`: this very chapter
                        *dest = format!("{}.xhtml", self.ids.of(ci));
                        continue;
                    }
                    match self.resolve(dest, ci, file_index, here) {
                        Ok(to) => *dest = to,
                        Err(why) => {
                            warnings.push(broken_link(dest, why, false, source, s.span.clone()));
                            dest.clear();
                        }
                    }
                }
                Ev::Html { html, .. } if html.contains("href") || html.contains("HREF") => {
                    for href in crate::render::html::link_targets(html) {
                        raw.push((href, s.span.clone()));
                    }
                }
                _ => {}
            }
        }
        for (href, span) in raw {
            // URLs, and what the URL policy refuses, are the sanitiser's to write or report
            if is_external(&href)
                || crate::url::scheme(&href).is_some()
                || crate::url::check(&href).is_err()
                || href.trim().is_empty()
                || chapter.links.contains_key(&href)
            {
                continue;
            }
            let to = match self.resolve(&href, ci, file_index, here) {
                Ok(to) => to,
                Err(why) => {
                    warnings.push(broken_link(&href, why, true, source, span));
                    String::new()
                }
            };
            chapter.links.insert(href, to);
        }
        warnings
    }

    /// The href of the chapter (and heading) a link reaches.
    fn resolve(
        &self,
        dest: &str,
        ci: usize,
        file_index: usize,
        here: &str,
    ) -> Result<String, Broken> {
        let (path, frag) = split_dest(dest);
        let target_file = if path.is_empty() {
            file_index
        } else {
            self.file_of(&path, here)?
        };
        let (c, id) = match frag {
            Some(frag) => {
                let names = lookup_names(&frag);
                names
                    .iter()
                    .find_map(|name| self.anchors.in_file(target_file, name))
                    .or_else(|| {
                        path.is_empty()
                            .then(|| self.anchors.anywhere(&names[0]))
                            .flatten()
                    })
                    .map(|(c, id)| (*c, Some(id.clone())))
                    .ok_or(Broken::Anchor)?
            }
            None => (self.files[target_file].1, None),
        };
        Ok(match (c == ci, id) {
            (true, Some(id)) => format!("#{id}"),
            (false, Some(id)) => format!("{}.xhtml#{id}", self.ids.of(c)),
            (_, None) => format!("{}.xhtml", self.ids.of(c)),
        })
    }

    /// The post a path from the site's root names: its permalink, or one under a prefix the
    /// site adds (Jekyll's `baseurl` `/blog`, its `:categories`): `/blog/2022/08/01/a` is
    /// `/2022/08/01/a` when that is a post and has two parts or more.
    fn permalink(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(&f) = self.permalinks.get(p) {
                return Some(f);
            }
            let rest = p.get(1..)?;
            let next = &rest[rest.find('/')?..];
            if next.matches('/').count() < 2 {
                return None;
            }
            p = next;
        }
    }

    /// The chapter file a link's path names: a Markdown file of the book, as written or as the
    /// HTML page a site makes of it (`x.html` for `x.md`, a folder for its README or index, a
    /// name without extension), or a post by its permalink.
    fn file_of(&self, path: &str, here: &str) -> Result<usize, Broken> {
        let path = percent_decode(path.split('?').next().unwrap_or(path));
        if path.starts_with('/')
            && let Some(f) = self.permalink(&trim_permalink(&path))
        {
            return Ok(f);
        }
        let missing = if path.starts_with('/') {
            Broken::Site
        } else {
            Broken::File
        };
        let Ok(wanted) = crate::files::resolve(here, &path, self.site_root) else {
            return Err(missing);
        };
        let find = |p: &str| self.by_path.get(&*nfc_of(p)).copied();
        if let Some(f) = find(&wanted) {
            return Ok(f);
        }
        // docsify takes a page's links from the site's root (`guide/b.md` in `guide/a.md`)
        if !path.starts_with(['/', '.'])
            && let Ok(from_root) = crate::files::resolve("_", &path, self.site_root)
            && let Some(f) = find(&from_root)
        {
            return Ok(f);
        }
        let stem = wanted
            .strip_suffix(".html")
            .or_else(|| wanted.strip_suffix(".htm"));
        let mut candidates: Vec<String> = Vec::new();
        if let Some(stem) = stem {
            candidates.extend([format!("{stem}.md"), format!("{stem}.markdown")]);
            // mdBook and GitBook publish a folder's README.md as its index.html
            if let Some(dir) = stem.strip_suffix("index")
                && (dir.is_empty() || dir.ends_with('/'))
            {
                candidates.push(format!("{dir}README.md"));
            }
        } else {
            let dir = wanted.trim_end_matches('/');
            let last = dir.rsplit('/').next().unwrap_or(dir);
            if !last.contains('.') && !dir.is_empty() {
                candidates.push(format!("{dir}.md"));
            }
            for index in ["README.md", "index.md", "_index.md"] {
                candidates.push(crate::sources::join(dir, index));
            }
        }
        candidates.iter().find_map(|c| find(c)).ok_or(missing)
    }
}

/// The warning for a link that reaches nothing.
fn broken_link(
    dest: &str,
    why: Broken,
    raw: bool,
    source: &SourceFile,
    span: std::ops::Range<usize>,
) -> Diagnostic {
    let what = if raw {
        "broken raw HTML link"
    } else {
        "broken link"
    };
    let (reason, hint) = match why {
        Broken::Anchor | Broken::File => (
            "no such heading or chapter",
            "link to a heading as #id or to a chapter file as other.md#id; the text is kept without the link",
        ),
        Broken::Site => (
            "it leaves the book (no chapter of the book is published there)",
            "a path from the site's root reaches a post by its permalink or a chapter file; the text is kept without the link",
        ),
    };
    Diagnostic::warning(format!("{what} `{dest}`: {reason}"))
        .at(source, span)
        .with_hint(hint)
}

/// A permalink as links are compared with it: no `index.html`, `.html` or trailing `/`.
fn trim_permalink(p: &str) -> String {
    let p = p.split(['#', '?']).next().unwrap_or(p);
    let p = p.strip_suffix("index.html").unwrap_or(p);
    let p = p.strip_suffix(".html").unwrap_or(p);
    p.trim_end_matches('/').to_string()
}

/// The title of a chapter with no heading and no title from the book's form: its file's name,
/// or `第 n 章` / `Chapter n` when the name is only a number.
fn untitled_file(path: &str, n: usize, chinese: bool) -> String {
    let stem = crate::sources::hanpub::stem(path);
    if stem.chars().any(|c| c.is_alphabetic()) {
        stem
    } else {
        untitled(n, chinese)
    }
}

/// Give every heading without text one a reader understands (the chapter's number for its
/// first heading), with a warning: an empty heading would be an empty title and nav entry.
fn name_empty_headings(
    c: &mut Chapter,
    n: usize,
    chinese: bool,
    source: &crate::source::SourceFile,
    warnings: &mut Vec<Diagnostic>,
) {
    let mut i = 0;
    while i < c.events.len() {
        if matches!(c.events[i].ev, Ev::Start(Tag::Heading { .. }))
            && heading_text(&c.events[i..]).is_empty()
        {
            let name = if i == 0 {
                untitled(n, chinese)
            } else if chinese {
                "（無標題）".to_string()
            } else {
                "(untitled)".to_string()
            };
            let span = c.events[i].span.clone();
            warnings.push(
                Diagnostic::warning(format!("heading without text: it is called `{name}`"))
                    .at(source, span.start..span.start)
                    .with_hint("write the heading's text after the #"),
            );
            let at = span.end..span.end;
            c.events.insert(i + 1, Spanned::new(Ev::Text(name), at));
        }
        i += 1;
    }
}

/// An empty text in every heading without text, where [`name_empty_headings`] puts its name.
fn make_room_for_heading_names(events: &mut Vec<Spanned>) {
    let mut i = 0;
    while i < events.len() {
        if matches!(events[i].ev, Ev::Start(Tag::Heading { .. }))
            && heading_text(&events[i..]).is_empty()
        {
            let at = events[i].span.end..events[i].span.end;
            events.insert(i + 1, Spanned::new(Ev::Text(String::new()), at));
        }
        i += 1;
    }
}

/// Move footnote definitions (at any depth) out of `events` into `defs` (first definition wins).
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
        // a definition inside a list item or a quote moves too: notes are written at the end
        if let Ev::Start(Tag::FootnoteDefinition(label)) = &sp.ev {
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

/// Whether a chunk makes a chapter of its own: it has more than footnote definitions (which
/// [`split`] moves to the chapters that cite them). The same for a chunk and its outline.
pub fn makes_chapter(chunk: &[Spanned]) -> bool {
    first_outside_notes(chunk).is_some()
}

/// The full events of a chapter that [`split`] made from the outline of its chunk
/// ([`crate::parse::outline_range`]): the `chunk` parsed again, whose events that are in the
/// outline (headings, links, footnote references, images) take the ids and targets splitting
/// gave the outline's, followed by the footnotes splitting moved to the chapter. The result is
/// the chapter [`split`] makes from the full text.
pub fn fill(outline: &[Spanned], chunk: Vec<Spanned>) -> Vec<Spanned> {
    let mut events = take_footnote_definitions(chunk, &mut BTreeMap::new());
    // the outline's headings without text were given one (`name_empty_headings`): its place
    make_room_for_heading_names(&mut events);
    // the placeholder that keeps a chunk without a heading of its own
    let outline = match outline.first() {
        Some(Spanned { ev: Ev::Rule, .. }) => &outline[1..],
        _ => outline,
    };
    let mut taken = 0;
    let kept = crate::parse::in_outline(&events);
    for (s, in_outline) in events.iter_mut().zip(kept) {
        if !in_outline {
            continue;
        }
        let Some(o) = outline.get(taken) else { break };
        debug_assert_eq!(
            std::mem::discriminant(&s.ev),
            std::mem::discriminant(&o.ev),
            "{s:?} in the text is {o:?} in the outline"
        );
        *s = o.clone();
        taken += 1;
    }
    events.extend(outline[taken..].iter().cloned());
    events
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
        named: false,
        article: false,
        depth: 0,
        parts: Vec::new(),
        links: BTreeMap::new(),
    }
}

impl Chapter {
    fn source_file_index(&self) -> usize {
        self.file_index
    }
}

/// A link destination cut for a message.
fn shorten(dest: &str) -> String {
    let clean: String = dest
        .chars()
        .map(|c| if c < ' ' { ' ' } else { c })
        .collect();
    if clean.chars().count() > 60 {
        format!("{}…", clean.chars().take(60).collect::<String>())
    } else {
        clean
    }
}

/// The title of chapter number `n` (1-based) whose heading has no text: `第 n 章` in a Chinese
/// book, `Chapter n` otherwise, so a reader can tell it in the table of contents.
pub fn untitled(n: usize, chinese: bool) -> String {
    if chinese {
        format!("第 {n} 章")
    } else {
        format!("Chapter {n}")
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

/// The text of the first heading in `events`, if any has text.
fn first_heading(events: &[Spanned]) -> Option<String> {
    let i = events
        .iter()
        .position(|s| matches!(s.ev, Ev::Start(Tag::Heading { .. })))?;
    Some(heading_text(&events[i..])).filter(|t| !t.is_empty())
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

/// GitHub-style slug: lowercase, punctuation removed, spaces → `-` (keeps Han characters), in
/// Unicode NFC (a heading typed in NFD, `Cafe` + U+0301, matches a link to `#café`).
pub fn unicode_slug(text: &str) -> String {
    let text = nfc(text.trim());
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            out.push('-');
        }
    }
    out
}

/// `text` in Unicode Normalization Form C (composed), the form names and anchors are compared in.
pub fn nfc(text: &str) -> String {
    nfc_of(text).into_owned()
}

/// [`nfc`], borrowing `text` when it is in NFC already (most are).
fn nfc_of(text: &str) -> Cow<'_, str> {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.nfc().collect())
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

    /// A name reaches the first target added under it in its file, and, from anywhere, the
    /// first added in the book.
    #[test]
    fn anchors_keep_the_first_of_each_name() {
        let mut a = Anchors::new(["a", "b", "c"].map(String::from).into());
        let names: [(usize, &str, usize, &str); 6] = [
            (0, "b", 0, "h1"),
            (0, "a", 0, "h2"),
            (0, "a", 1, "h3"),
            (1, "a", 2, "h4"),
            (1, "c", 2, "h5"),
            (2, "b", 3, "h6"),
        ];
        for (file, name, ci, id) in names {
            a.add(file, name, &mut Pending::new(ci, &Arc::from(id)));
        }
        // a name no link looks up is left out, and its heading is no target
        a.add(3, "z", &mut Pending::new(4, &Arc::from("h7")));
        assert_eq!(a.targets.len(), 6);
        let a = a.sorted();
        let id = |t: Option<&(usize, Arc<str>)>| t.map(|(c, id)| format!("{c}:{id}"));
        assert_eq!(id(a.in_file(0, "a")).as_deref(), Some("0:h2"));
        assert_eq!(id(a.in_file(1, "a")).as_deref(), Some("2:h4"));
        assert_eq!(id(a.in_file(2, "b")).as_deref(), Some("3:h6"));
        assert_eq!(id(a.in_file(1, "b")), None);
        assert_eq!(id(a.anywhere("a")).as_deref(), Some("0:h2"));
        assert_eq!(id(a.anywhere("b")).as_deref(), Some("0:h1"));
        assert_eq!(id(a.anywhere("c")).as_deref(), Some("2:h5"));
        assert_eq!(id(a.anywhere("d")), None);
    }

    #[test]
    fn slugs_and_paths() {
        assert_eq!(unicode_slug("清華:打破 資訊差"), "清華打破-資訊差");
        assert_eq!(ascii_slug("Hello, World!").as_deref(), Some("hello-world"));
        assert_eq!(ascii_slug("2020 plans"), None);
        assert_eq!(join_relative("a/b.md", "../c.md"), "c.md");
        assert_eq!(join_relative("b.md", "./d/e.md"), "d/e.md");
        assert_eq!(percent_decode("%E4%B8%AD"), "中");
        // NFD and NFC of the same text give one slug
        assert_eq!(unicode_slug("Cafe\u{301} 中"), unicode_slug("Caf\u{e9} 中"));
        assert_eq!(nfc("e\u{301}"), "\u{e9}");
        assert!(is_external("https://x"));
        assert!(is_external("mailto:a@b"));
        assert!(!is_external("other.md#x"));
    }
}
