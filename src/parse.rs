//! Markdown → owned [`Ev`]ents with byte spans (pulldown-cmark's offset iterator).

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag as MdTag,
    TagEnd,
};

use crate::chapters::MAX_NESTING;
use crate::model::{Alert, Align, Ev, Spanned, Tag};

/// pulldown-cmark options hanpub uses: no smart punctuation (wrong for Chinese); math, GFM
/// alerts, definition lists, superscript and CJK-friendly emphasis (hanpub's patch of
/// pulldown-cmark, see `vendor/pulldown-cmark/HANPUB.md`).
pub fn options() -> Options {
    Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_SUPERSCRIPT
        | Options::ENABLE_CJK_FRIENDLY_EMPHASIS
}

/// Parse `text[body..]` (the part after any front matter); spans are offsets into `text`.
pub fn parse(text: &str, body: usize) -> Vec<Spanned> {
    parse_chunks(text, body, 0).into_iter().flatten().collect()
}

/// Files at least this large are parsed in pieces on every core (see [`pieces`]).
pub const PARALLEL_MIN: usize = 256 * 1024;

/// Parse, cutting the events into chunks before every top-level heading of level ≤
/// `split_level` (0: one chunk), so chapters never need a second copy of the whole file.
///
/// A large file is cut into [`pieces`] that parse on their own, parsed in parallel: the events
/// are the same as from one parse of the whole file, and so are their spans but for trailing
/// blank lines at the end of a piece (tested on the fuzz corpus).
pub fn parse_chunks(text: &str, body: usize, split_level: u8) -> Vec<Vec<Spanned>> {
    parse_chunks_from(text, body, split_level, PARALLEL_MIN)
}

/// [`parse_chunks`], parsing in pieces when the body is at least `parallel_min` bytes.
pub fn parse_chunks_from(
    text: &str,
    body: usize,
    split_level: u8,
    parallel_min: usize,
) -> Vec<Vec<Spanned>> {
    if split_level == 0 || text.len() - body < parallel_min {
        return parse_range(text, body..text.len(), split_level);
    }
    let cuts = pieces(text, body, split_level);
    if cuts.len() < 2 {
        return parse_range(text, body..text.len(), split_level);
    }
    use rayon::prelude::*;
    let parsed: Vec<Vec<Vec<Spanned>>> = cuts
        .par_iter()
        .map(|r| parse_range(text, r.clone(), split_level))
        .collect();
    let mut chunks: Vec<Vec<Spanned>> = parsed.into_iter().flatten().collect();
    chunks.retain(|c| !c.is_empty());
    if chunks.is_empty() {
        chunks.push(Vec::new());
    }
    chunks
}

/// Cut `text[body..]` before split headings where CommonMark guarantees that nothing before the
/// cut reaches past it: a `#`…`#` heading at column 0 after a blank line, outside fenced code.
///
/// Anything that could carry state across such a line makes this give up (one piece): link
/// reference definitions, footnotes defined in one piece and cited in another, HTML blocks
/// that end only at a marker (`<!--`, `<?`, `<!X`, `<script`, `<pre`, `<style`, `<textarea`),
/// fences indented by 1–3 spaces (inside a list item or not, a line alone cannot tell), and
/// lines ended by a lone CR.
pub fn pieces(text: &str, body: usize, split_level: u8) -> Vec<std::ops::Range<usize>> {
    pieces_with(text, body, split_level, &|_| {})
}

/// Scans go through text in blocks of this size, and tell when they are done with each.
const BLOCK: usize = 1 << 20;

/// `range` in blocks of [`BLOCK`] bytes.
fn blocks(range: std::ops::Range<usize>) -> impl Iterator<Item = std::ops::Range<usize>> {
    range
        .clone()
        .step_by(BLOCK)
        .map(move |at| at..(at + BLOCK).min(range.end))
}

/// [`pieces`], calling `done` with the parts of the text it has read and will not read
/// again (a mapped text gives their memory back: [`crate::source::Text::release`]).
pub fn pieces_with(
    text: &str,
    body: usize,
    split_level: u8,
    done: &dyn Fn(std::ops::Range<usize>),
) -> Vec<std::ops::Range<usize>> {
    #[allow(clippy::single_range_in_vec_init)] // one piece: the whole body
    let whole = vec![body..text.len()];
    let b = text.as_bytes();
    for block in blocks(body..b.len()) {
        // a lone CR ends a line too: leave such text to the whole parse
        let lone_cr = memchr::memchr_iter(b'\r', &b[block.clone()])
            .any(|i| b.get(block.start + i + 1) != Some(&b'\n'));
        let html = html_block_with_end_marker(&b[block.clone()], &b[block.end..]);
        done(block);
        if lone_cr || html {
            return whole;
        }
    }
    let mut starts = vec![body];
    // footnote label (lowercased) → piece of its definition
    let mut notes: Vec<(String, usize)> = Vec::new();
    let mut fence: Option<(u8, usize)> = None;
    let mut blank_before = true;
    // `]:` (a reference or footnote definition?) is rare: found a block at a time, never
    // further ahead than the line being read (a search for the next one could read the whole
    // rest of the text at once)
    let finder = memchr::memmem::Finder::new(b"]:");
    let mut colons = std::collections::VecDeque::new();
    let mut searched = body;
    let mut at = body;
    let mut read = body;
    let last = (b.len() > body && b.last() != Some(&b'\n')).then_some(b.len());
    let ends = memchr::memchr_iter(b'\n', &b[body..])
        .map(|i| body + i + 1)
        .chain(last);
    for end in ends {
        if at - read >= BLOCK {
            done(read..at);
            read = at;
        }
        while searched < end {
            let to = (searched + BLOCK).min(b.len());
            // a `]:` across the end of the block is found in it
            let found = finder.find_iter(&b[searched..(to + 1).min(b.len())]);
            colons.extend(found.map(|i| searched + i).filter(|&i| i < to));
            searched = to;
        }
        let mut has_colon = false;
        while colons.front().is_some_and(|&c| c < end) {
            colons.pop_front();
            has_colon = true;
        }
        // most lines are prose: not blank, no marker at column 0, nothing to look at
        let first = b[at];
        let empty = first == b'\n' || (first == b'\r' && end - at <= 2);
        if !empty && !has_colon && !matches!(first, b'`' | b'~' | b' ' | b'\t' | b'#') {
            blank_before = false;
            at = end;
            continue;
        }
        let content = text[at..end].trim_end_matches(['\n', '\r']);
        let blank = content.trim_matches([' ', '\t']).is_empty();
        if let Some((ch, len)) = fence {
            let t = content.trim_start_matches(' ');
            let run = t.bytes().take_while(|&c| c == ch).count();
            if content.len() - t.len() <= 3
                && run >= len
                && t[run..].trim_matches([' ', '\t']).is_empty()
            {
                fence = None;
            }
        } else if let Some(f) = fence_open(content) {
            if !content.starts_with(['`', '~']) {
                return whole; // indented fence: inside a list item or not?
            }
            fence = Some(f);
        } else if blank_before && is_split_heading(content, split_level) && at > body {
            starts.push(at);
        } else if has_colon {
            // a footnote definition at column 0 is safe if its citations share its piece
            match footnote_definition(content) {
                Some(label) => notes.push((label, starts.len() - 1)),
                None => return whole,
            }
        }
        blank_before = blank && fence.is_none();
        at = end;
    }
    done(read..b.len());
    if !notes.is_empty() && !citations_stay_in_piece(text, &starts, &notes, done) {
        return whole;
    }
    let mut ranges: Vec<std::ops::Range<usize>> = starts.windows(2).map(|w| w[0]..w[1]).collect();
    ranges.push(*starts.last().expect("one start")..text.len());
    ranges
}

/// The text of an ATX heading line (`## 標題 ##` → `標題`), if the line is one.
pub(crate) fn atx_heading(line: &str) -> Option<&str> {
    let t = line.trim_end();
    let indent = t.len() - t.trim_start_matches(' ').len();
    let t = &t[indent..];
    let hashes = t.len() - t.trim_start_matches('#').len();
    if indent > 3 || !(1..=6).contains(&hashes) {
        return None;
    }
    let rest = &t[hashes..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim();
    Some(match rest.trim_end_matches('#') {
        r if r.is_empty() || r.ends_with([' ', '\t']) => r.trim_end(),
        _ => rest,
    })
}

/// `` ``` `` or `~~~` (3 or more) after at most 3 spaces: the fence character and length.
pub(crate) fn fence_open(line: &str) -> Option<(u8, usize)> {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return None;
    }
    let ch = *t.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let run = t.bytes().take_while(|&c| c == ch).count();
    if run < 3 || (ch == b'`' && t[run..].contains('`')) {
        return None;
    }
    Some((ch, run))
}

fn is_split_heading(line: &str, split_level: u8) -> bool {
    let hashes = line.bytes().take_while(|&c| c == b'#').count();
    hashes >= 1
        && hashes <= usize::from(split_level)
        && matches!(line.as_bytes().get(hashes), None | Some(b' ' | b'\t'))
}

/// `[^label]: …` at column 0: the label, lowercased.
fn footnote_definition(line: &str) -> Option<String> {
    let rest = line.strip_prefix("[^")?;
    let close = rest.find("]:")?;
    let label = &rest[..close];
    (!label.is_empty() && !label.contains(['[', ']'])).then(|| label.to_lowercase())
}

/// Every `[^label` in the text lies in the piece that defines `label` (when it is defined).
fn citations_stay_in_piece(
    text: &str,
    starts: &[usize],
    notes: &[(String, usize)],
    done: &dyn Fn(std::ops::Range<usize>),
) -> bool {
    // label → the piece that defines it (a label defined in two pieces: give up)
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (label, piece) in notes {
        if *seen.entry(label).or_insert(*piece) != *piece {
            return false;
        }
    }
    for block in blocks(0..text.len()) {
        // a `[^` across the end of the block is found in it
        let end = (block.end + 1).min(text.len());
        for at in memchr::memmem::find_iter(&text.as_bytes()[block.start..end], b"[^") {
            let at = block.start + at;
            let rest = &text[at + 2..];
            // a label is at most 999 characters (CommonMark): never look further for its `]`
            let Some(close) = memchr::memchr(b']', &rest.as_bytes()[..rest.len().min(4 * 999)])
            else {
                continue;
            };
            let label = rest[..close].to_lowercase();
            let piece = starts.partition_point(|&s| s <= at).saturating_sub(1);
            if seen.get(label.as_str()).is_some_and(|&p| p != piece) {
                return false;
            }
        }
        done(block);
    }
    true
}

/// `<!…`, `<?…` or a `script`/`pre`/`style`/`textarea` tag anywhere in `b` (`after`: the text
/// after it): HTML that may run past a blank line.
fn html_block_with_end_marker(b: &[u8], after: &[u8]) -> bool {
    memchr::memchr_iter(b'<', b).any(|i| {
        let tail;
        let rest = if b.len() - i > 9 {
            &b[i + 1..]
        } else {
            tail = [&b[i + 1..], &after[..after.len().min(9)]].concat();
            &tail[..]
        };
        let starts =
            |tag: &[u8]| rest.len() >= tag.len() && rest[..tag.len()].eq_ignore_ascii_case(tag);
        starts(b"!")
            || starts(b"?")
            || starts(b"script")
            || starts(b"pre")
            || starts(b"style")
            || starts(b"textarea")
    })
}

/// Parse `text[range]` on its own (spans are offsets into `text`), cut at split headings.
fn parse_range(text: &str, range: std::ops::Range<usize>, split_level: u8) -> Vec<Vec<Spanned>> {
    convert(text, range, split_level, &mut Everything)
}

/// What a parse keeps of the events it meets: all of them, or an outline ([`Outliner`]).
trait Keep {
    /// Whether the next event of the chunk (every event is shown, in order) is kept.
    fn keep(&mut self, seen: Seen<'_>, at: usize) -> bool;
    /// The chunk is complete.
    fn end_chunk(&mut self, _chunk: &mut Vec<Spanned>) {}
}

/// An event as a [`Keep`] sees it, before its text is copied.
#[derive(Clone, Copy)]
enum Seen<'a> {
    Start(&'a Tag),
    End(&'a Tag),
    /// Raw HTML, and whether it is (a line of) an HTML block.
    Html(&'a str, bool),
    FootnoteRef,
    /// Text, code, breaks, rules, task markers.
    Other,
}

struct Everything;

impl Keep for Everything {
    fn keep(&mut self, _: Seen<'_>, _: usize) -> bool {
        true
    }
}

/// pulldown-cmark's events → owned events with spans, cut into chunks before every top-level
/// heading of level ≤ `split_level`; the text of an event `keep` leaves out is never copied.
fn convert(
    text: &str,
    range: std::ops::Range<usize>,
    split_level: u8,
    keep: &mut impl Keep,
) -> Vec<Vec<Spanned>> {
    let body = range.start;
    let parser = Parser::new_ext(&text[range], options()).into_offset_iter();
    let mut chunks: Vec<Vec<Spanned>> = Vec::new();
    let mut out: Vec<Spanned> = Vec::new();
    // events in the chunk so far, kept or not
    let mut seen = 0usize;
    let mut stack: Vec<Tag> = Vec::new();
    let mut after_text = false;
    let mut after_html = false;
    // for each open link: whether its tags are left out (an autolink of an unknown scheme)
    let mut unwrapped: Vec<bool> = Vec::new();
    for (event, range) in parser {
        if let Event::Start(MdTag::Heading { level, .. }) = &event
            && stack.is_empty()
            && split_level > 0
            && heading_level(*level) <= split_level
            && seen > 0
        {
            keep.end_chunk(&mut out);
            chunks.push(std::mem::take(&mut out));
            seen = 0;
        }
        // the tags of an autolink of an unknown scheme are left out (its text merges with
        // the text around it)
        match &event {
            Event::Start(MdTag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                let unwrap = *link_type == LinkType::Autolink
                    && matches!(
                        crate::url::check(dest_url),
                        Err(crate::url::Refused::Unknown | crate::url::Refused::Invalid)
                    );
                unwrapped.push(unwrap);
                if unwrap {
                    continue;
                }
            }
            Event::End(TagEnd::Link) if unwrapped.pop() == Some(true) => continue,
            _ => {}
        }
        let span = range.start + body..range.end + body;
        let is_text = matches!(event, Event::Text(_));
        let was_text = std::mem::replace(&mut after_text, is_text);
        let is_html = matches!(event, Event::Html(_));
        let was_html = std::mem::replace(&mut after_html, is_html);
        // merged text and the lines of an HTML block (below) are one event
        if !((is_text && was_text) || (is_html && was_html)) {
            seen += 1;
        }
        let ev = match event {
            Event::Start(tag) => {
                let tag = convert_tag(tag);
                if !keep.keep(Seen::Start(&tag), span.start) {
                    stack.push(tag);
                    continue;
                }
                stack.push(tag.clone());
                Ev::Start(tag)
            }
            Event::End(end) => {
                let tag = stack.pop().unwrap_or(Tag::Paragraph);
                debug_assert!(matches_end(&tag, end), "{tag:?} closed by {end:?}");
                if !keep.keep(Seen::End(&tag), span.start) {
                    continue;
                }
                Ev::End(tag)
            }
            Event::Text(t) => {
                if !keep.keep(Seen::Other, span.start) {
                    continue;
                }
                match text_event(text, t, &span, was_text, &mut out) {
                    Some(ev) => ev,
                    None => continue,
                }
            }
            event => {
                let seen_as = match &event {
                    Event::Html(h) => Seen::Html(h, true),
                    Event::InlineHtml(h) => Seen::Html(h, false),
                    Event::FootnoteReference(_) => Seen::FootnoteRef,
                    _ => Seen::Other,
                };
                if !keep.keep(seen_as, span.start) {
                    continue;
                }
                match leaf_event(event, &span, was_html, &mut out) {
                    Some(ev) => ev,
                    None => continue,
                }
            }
        };
        out.push(Spanned::new(ev, span));
    }
    if seen > 0 || chunks.is_empty() {
        keep.end_chunk(&mut out);
        chunks.push(out);
    }
    for c in &mut chunks {
        tex_delimiters(c);
        github_math(c);
        definitions_only(c);
        shortcodes(c);
    }
    chunks
}

/// GitHub's formulas: a ` ```math ` fence is a displayed formula (in a paragraph of its own,
/// as `$$ … $$` is), `` $`…`$ `` (a code span between dollars, which the parser reads as a
/// formula with its backticks) an inline one without them.
fn github_math(events: &mut Vec<Spanned>) {
    let fence = |s: &Spanned| matches!(&s.ev, Ev::Start(Tag::CodeBlock { lang: Some(l) }) if l.eq_ignore_ascii_case("math"));
    let ticked = |tex: &str| {
        tex.len() > 2
            && tex.starts_with('`')
            && tex.ends_with('`')
            && !tex[1..tex.len() - 1].contains('`')
    };
    if !events
        .iter()
        .any(|s| fence(s) || matches!(&s.ev, Ev::Math { tex, display: false } if ticked(tex)))
    {
        return;
    }
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        let s = &events[i];
        if fence(s)
            && let Some(end) = events[i + 1..]
                .iter()
                .position(|e| matches!(e.ev, Ev::End(Tag::CodeBlock { .. })))
        {
            let end = i + 1 + end;
            let tex: String = events[i + 1..end]
                .iter()
                .filter_map(|e| match &e.ev {
                    Ev::Text(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect();
            out.push(Spanned::new(Ev::Start(Tag::Paragraph), s.span.clone()));
            let span = s.span.start..events[end].span.end;
            out.push(Spanned::new(
                Ev::Math {
                    tex: tex.trim().to_string(),
                    display: true,
                },
                span,
            ));
            out.push(Spanned::new(
                Ev::End(Tag::Paragraph),
                events[end].span.clone(),
            ));
            i = end + 1;
            continue;
        }
        match &s.ev {
            Ev::Math {
                tex,
                display: false,
            } if ticked(tex) => out.push(Spanned::new(
                Ev::Math {
                    tex: tex[1..tex.len() - 1].trim().to_string(),
                    display: false,
                },
                s.span.clone(),
            )),
            _ => out.push(s.clone()),
        }
        i += 1;
    }
    *events = out;
}

/// A formula that only defines macros (`$$\newcommand{\R}{\mathbb{R}}$$`) shows nothing, as
/// on the web, and a paragraph of it alone is left out; its definitions serve the formulas after
/// it ([`crate::render::macros`]).
fn definitions_only(events: &mut Vec<Spanned>) {
    let only = |s: &Spanned| {
        matches!(&s.ev, Ev::Math { tex, .. } if tex.contains('\\')
            && !tex.trim().is_empty()
            && crate::render::macros::without_definitions(tex).trim().is_empty())
    };
    if !events.iter().any(only) {
        return;
    }
    events.retain(|s| !only(s));
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len());
    for s in events.drain(..) {
        if matches!(s.ev, Ev::End(Tag::Paragraph))
            && out
                .last()
                .is_some_and(|l| matches!(l.ev, Ev::Start(Tag::Paragraph)))
        {
            out.pop();
            continue;
        }
        out.push(s);
    }
    *events = out;
}

/// MathJax's and KaTeX's other delimiters, as mdBook (`mathjax-support`) and GitBook's plugins
/// have them written: `\\( … \\)` (Markdown leaves `\( … \)`) becomes an inline formula,
/// `\\[ … \\]` a displayed one (within a text, or a paragraph of its own across lines).
fn tex_delimiters(events: &mut Vec<Spanned>) {
    let has = |t: &str| t.contains("\\(") || t.contains("\\[");
    if !events
        .iter()
        .any(|s| matches!(&s.ev, Ev::Text(t) if has(t)))
    {
        return;
    }
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len() + 4);
    let mut in_code = false;
    let mut i = 0;
    while i < events.len() {
        let s = &events[i];
        match &s.ev {
            Ev::Start(Tag::CodeBlock { .. }) => in_code = true,
            Ev::End(Tag::CodeBlock { .. }) => in_code = false,
            // a paragraph `\[` … `\]` across lines: one displayed formula
            Ev::Start(Tag::Paragraph) if !in_code => {
                if let Some((end, tex)) = display_paragraph(&events[i + 1..]) {
                    let span = events[i + 1].span.start..events[i + end].span.end;
                    out.push(s.clone());
                    out.push(Spanned::new(Ev::Math { tex, display: true }, span));
                    i += end + 1;
                    continue;
                }
            }
            Ev::Text(t) if !in_code && has(t) => {
                split_tex(t, s.span.clone(), &mut out);
                i += 1;
                continue;
            }
            _ => {}
        }
        out.push(s.clone());
        i += 1;
    }
    *events = out;
}

/// A paragraph (the events after its start) that is only `\[ … \]`: how many events its
/// text takes, and the formula.
fn display_paragraph(events: &[Spanned]) -> Option<(usize, String)> {
    let mut tex = String::new();
    for (k, s) in events.iter().enumerate() {
        match &s.ev {
            Ev::Text(t) => tex.push_str(t),
            Ev::SoftBreak => tex.push('\n'),
            Ev::End(Tag::Paragraph) => {
                let t = tex.trim();
                let inner = t.strip_prefix("\\[")?.strip_suffix("\\]")?;
                return (k > 0 && !inner.contains("\\[")).then(|| (k, inner.trim().to_string()));
            }
            _ => return None,
        }
    }
    None
}

/// The span of `t[a..z]` in the source, for a text `t` at `span`: exact when the text is the
/// source byte for byte, else the whole text's (escapes, entities).
fn sub_spans(
    t: &str,
    span: std::ops::Range<usize>,
) -> impl Fn(usize, usize) -> std::ops::Range<usize> {
    let exact = span.len() == t.len();
    move |a, z| {
        if exact {
            span.start + a..span.start + z
        } else {
            span.clone()
        }
    }
}

/// A text with `\( … \)` and `\[ … \]` in it, as text and formulas.
fn split_tex(t: &str, span: std::ops::Range<usize>, out: &mut Vec<Spanned>) {
    let sub = sub_spans(t, span);
    let mut from = 0;
    let mut pos = 0;
    while let Some(k) = t[pos..].find('\\') {
        let at = pos + k;
        let (close, display) = match t.as_bytes().get(at + 1) {
            Some(b'(') => ("\\)", false),
            Some(b'[') => ("\\]", true),
            _ => {
                pos = at + 1;
                continue;
            }
        };
        let Some(len) = t[at + 2..].find(close) else {
            break;
        };
        let tex = t[at + 2..at + 2 + len].trim();
        let end = at + 2 + len + 2;
        // a formula, not `\\(` in prose about regular expressions (`寫 \\( 與 \\)`) or a
        // path (`C:\\(x86\\)`)
        let mut before = t[..at].chars().rev();
        let glued = match before.next() {
            Some(c) if c.is_ascii_alphanumeric() || c == '\\' => true,
            // a drive (`C:`), not a colon after Chinese text (`數學:\\(x^2\\)`)
            Some(':') => before.next().is_some_and(|c| c.is_ascii_alphabetic()),
            _ => false,
        };
        if tex.is_empty() || glued || tex.chars().any(|c| c > '\u{2E7F}') {
            pos = at + 2;
            continue;
        }
        if at > from {
            out.push(Spanned::new(
                Ev::Text(t[from..at].to_string()),
                sub(from, at),
            ));
        }
        out.push(Spanned::new(
            Ev::Math {
                tex: tex.to_string(),
                display,
            },
            sub(at, end),
        ));
        from = end;
        pos = end;
    }
    if from < t.len() {
        out.push(Spanned::new(
            Ev::Text(t[from..].to_string()),
            sub(from, t.len()),
        ));
    }
}

/// A text event (its tags kept): `None` when it went into `out` already (merged with the text
/// before it, or an escaped `\{` split off) or is left out.
fn text_event(
    text: &str,
    t: pulldown_cmark::CowStr<'_>,
    span: &std::ops::Range<usize>,
    was_text: bool,
    out: &mut Vec<Spanned>,
) -> Option<Ev> {
    // an escaped `\{` is an event of its own, so that it never opens a ruby
    let escaped = |span: &std::ops::Range<usize>| {
        span.start
            .checked_sub(1)
            .is_some_and(|k| text.as_bytes()[k] == b'\\')
    };
    let lone_brace = |t: &str, span: &std::ops::Range<usize>| t == "{" && escaped(span);
    if t.starts_with('{') && escaped(span) {
        out.push(Spanned::new(
            Ev::Text("{".into()),
            span.start..span.start + 1,
        ));
        if t.len() > 1 {
            out.push(Spanned::new(
                Ev::Text(t[1..].to_string()),
                span.start + 1..span.end,
            ));
        }
        return None;
    }
    // merge adjacent text (pulldown-cmark splits at escapes and entities)
    if was_text {
        match out.last_mut() {
            Some(last) => match &mut last.ev {
                Ev::Text(prev) if !lone_brace(prev, &last.span) => {
                    prev.push_str(&t);
                    last.span.end = span.end;
                    return None;
                }
                Ev::Text(_) => {}
                _ => return None,
            },
            None => return None,
        }
    }
    Some(Ev::Text(t.into_string()))
}

/// Any other event (code, math, HTML, a footnote reference, a break, a rule, a task marker):
/// `None` when it went into `out` already (the next line of an HTML block).
fn leaf_event(
    event: Event<'_>,
    span: &std::ops::Range<usize>,
    was_html: bool,
    out: &mut [Spanned],
) -> Option<Ev> {
    let ev = match event {
        Event::Code(t) => Ev::Code(t.into_string()),
        Event::InlineMath(t) => Ev::Math {
            tex: t.into_string(),
            display: false,
        },
        Event::DisplayMath(t) => Ev::Math {
            tex: t.into_string(),
            display: true,
        },
        Event::Html(t) => {
            // an HTML block comes line by line: keep it whole
            if was_html
                && let Some(last) = out.last_mut()
                && let Ev::Html { html, block: true } = &mut last.ev
            {
                html.push_str(&t);
                last.span.end = span.end;
                return None;
            }
            Ev::Html {
                html: t.into_string(),
                block: true,
            }
        }
        Event::InlineHtml(t) => Ev::Html {
            html: t.into_string(),
            block: false,
        },
        Event::FootnoteReference(l) => Ev::FootnoteRef(l.into_string()),
        Event::SoftBreak => Ev::SoftBreak,
        Event::HardBreak => Ev::HardBreak,
        Event::Rule => Ev::Rule,
        Event::TaskListMarker(b) => Ev::TaskMarker(b),
        Event::Start(_) | Event::End(_) | Event::Text(_) => unreachable!(),
    };
    Some(ev)
}

/// The *outline* of a chunk: the few events that reach beyond its own chapter — headings, which
/// get book-wide unique ids and give titles; links, which may point into other files; footnote
/// references and definitions (whole), which may be cited from other chapters; images, numbered
/// book-wide — and a placeholder ([`Ev::Rule`]) at the start of a chunk with anything else that
/// does not start with a heading, so it stays a chapter of its own and the opening is told
/// apart. Splitting a book's outlines gives every chapter the ids, link targets, titles and
/// file names the whole text gives it; [`crate::chapters::fill`] then puts them into the full
/// events of the chapter, parsed again.
///
/// A chunk nested deeper than [`MAX_NESTING`] has no outline (splitting flattens it).
#[derive(Default)]
struct Outliner {
    /// Inside a heading, a footnote definition or an image everything is kept.
    keep: usize,
    depth: usize,
    note_depth: usize,
    /// Something outside a top-level footnote definition.
    body: bool,
    /// Whether the chunk starts with a heading, and where.
    first: Option<(bool, usize)>,
    /// Some chunk is nested too deeply.
    deep: bool,
}

impl Keep for Outliner {
    fn keep(&mut self, seen: Seen<'_>, at: usize) -> bool {
        let outlined = |t: &Tag| {
            matches!(
                t,
                Tag::Heading { .. } | Tag::FootnoteDefinition(_) | Tag::Image { .. }
            )
        };
        match seen {
            Seen::Start(tag) => {
                self.depth += 1;
                self.deep |= self.depth > MAX_NESTING;
                if matches!(tag, Tag::FootnoteDefinition(_)) && self.depth == 1 {
                    self.note_depth = 1;
                }
            }
            Seen::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.first
            .get_or_insert((matches!(seen, Seen::Start(Tag::Heading { .. })), at));
        // anything outside a top-level footnote definition makes the chunk a chapter
        if self.note_depth == 0 {
            self.body = true;
        }
        let kept = match seen {
            Seen::Start(t) if outlined(t) => {
                self.keep += 1;
                true
            }
            Seen::End(t) if outlined(t) => {
                self.keep = self.keep.saturating_sub(1);
                true
            }
            _ if self.keep > 0 => true,
            Seen::Start(Tag::Link { .. }) | Seen::End(Tag::Link { .. }) | Seen::FootnoteRef => true,
            // an HTML block whole (its lines are merged into one event, which must be
            // the same in the outline as in the text); inline HTML that may show an image or
            // hold a link or an anchor (`<a href>`, `<a id>`, `<a name>`)
            Seen::Html(_, true) => true,
            Seen::Html(html, false) => {
                shows_image(html) || html.contains("<a") || html.contains("<A")
            }
            _ => false,
        };
        if self.depth == 0 {
            self.note_depth = 0;
        }
        kept
    }

    fn end_chunk(&mut self, chunk: &mut Vec<Spanned>) {
        // the first event decides whether the first chapter is an opening: keep its kind
        if let Some((false, at)) = self.first
            && self.body
        {
            chunk.insert(0, Spanned::new(Ev::Rule, at..at));
        }
        let deep = self.deep;
        *self = Outliner {
            deep,
            ..Outliner::default()
        };
    }
}

/// For each event of a chunk (as parsed, after text is merged): whether its outline has it.
pub fn in_outline(events: &[Spanned]) -> Vec<bool> {
    let mut outliner = Outliner::default();
    events
        .iter()
        .map(|s| {
            let seen = match &s.ev {
                Ev::Start(t) => Seen::Start(t),
                Ev::End(t) => Seen::End(t),
                Ev::Html { html, block } => Seen::Html(html, *block),
                Ev::FootnoteRef(_) => Seen::FootnoteRef,
                _ => Seen::Other,
            };
            outliner.keep(seen, s.span.start)
        })
        .collect()
}

/// Raw HTML that may show an image (`<img>`): what the images stage reads of raw HTML.
pub fn shows_image(html: &str) -> bool {
    html.contains("<img") || html.contains("<IMG")
}

/// Parse `text[range]` into its outline ([`Outliner`]), cut at split headings; `None` when it is
/// nested too deeply to have one.
pub fn outline_range(
    text: &str,
    range: std::ops::Range<usize>,
    split_level: u8,
) -> Option<Vec<Vec<Spanned>>> {
    let mut outliner = Outliner::default();
    let chunks = convert(text, range, split_level, &mut outliner);
    (!outliner.deep).then_some(chunks)
}

/// The pieces a file's body is parsed in: [`pieces`] for a large file cut at split headings,
/// else the whole body. `done` as for [`pieces_with`].
pub fn piece_ranges(
    text: &str,
    body: usize,
    split_level: u8,
    done: &dyn Fn(std::ops::Range<usize>),
) -> Vec<std::ops::Range<usize>> {
    if split_level == 0 || text.len() - body < PARALLEL_MIN {
        #[allow(clippy::single_range_in_vec_init)] // one piece: the whole body
        return vec![body..text.len()];
    }
    pieces_with(text, body, split_level, done)
}

/// [`piece_ranges`], cutting a body of at least `parallel_min` bytes.
pub fn piece_ranges_from(
    text: &str,
    body: usize,
    split_level: u8,
    parallel_min: usize,
) -> Vec<std::ops::Range<usize>> {
    if split_level == 0 || text.len() - body < parallel_min {
        #[allow(clippy::single_range_in_vec_init)] // one piece: the whole body
        return vec![body..text.len()];
    }
    pieces(text, body, split_level)
}

/// One piece of a file, parsed: its chunks (empty ones left out), full or outlined.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub range: std::ops::Range<usize>,
    pub chunks: Vec<Vec<Spanned>>,
    /// The chunks are outlines (else the full events: the piece is nested too deeply to have
    /// an outline).
    pub outlined: bool,
}

/// Parse one piece into its outline, or into its full events when it has none.
pub fn outline_piece(text: &str, range: std::ops::Range<usize>, split_level: u8) -> Piece {
    let (chunks, outlined) = match outline_range(text, range.clone(), split_level) {
        Some(chunks) => (chunks, true),
        None => (parse_range(text, range.clone(), split_level), false),
    };
    let mut chunks = chunks;
    chunks.retain(|c| !c.is_empty());
    if outlined {
        // kept until the second pass takes the chapter: a heading's three events had room for
        // four (a 20000-chapter book: 1.6 MB)
        chunks.iter_mut().for_each(Vec::shrink_to_fit);
    }
    Piece {
        range,
        chunks,
        outlined,
    }
}

/// The full events of one piece, its chunks as [`outline_piece`] numbers them.
pub fn parse_piece(
    text: &str,
    range: std::ops::Range<usize>,
    split_level: u8,
) -> Vec<Vec<Spanned>> {
    let mut chunks = parse_range(text, range, split_level);
    chunks.retain(|c| !c.is_empty());
    chunks
}

/// Emoji shortcodes (`:smile:`) in text become [`Ev::NoBreak`] runs, left as written: the
/// typesetter never turns their colons full-width.
fn shortcodes(events: &mut Vec<Spanned>) {
    let has = |t: &str| memchr::memchr_iter(b':', t.as_bytes()).nth(1).is_some();
    if !events
        .iter()
        .any(|s| matches!(&s.ev, Ev::Text(t) if has(t)))
    {
        return;
    }
    let mut out = Vec::with_capacity(events.len() + 4);
    let mut in_code = false;
    for s in std::mem::take(events) {
        match &s.ev {
            Ev::Start(Tag::CodeBlock { .. }) => in_code = true,
            Ev::End(Tag::CodeBlock { .. }) => in_code = false,
            Ev::Text(t) if !in_code && has(t) => {
                split_shortcodes(t, s.span.clone(), &mut out);
                continue;
            }
            _ => {}
        }
        out.push(s);
    }
    *events = out;
}

/// The emoji a shortcode run ([`split_shortcodes`]: `:sparkles:`) names in GitHub's list
/// (gemoji, as GitHub, docsify, Hugo and jemoji read them): `✨`; `None` for a name it does not
/// have, which stays as written.
pub fn emoji_of(run: &str) -> Option<&'static str> {
    let name = run.strip_prefix(':')?.strip_suffix(':')?;
    emojis::get_by_shortcode(name).map(|e| e.as_str())
}

/// A line's shortcodes as their emoji ([`emoji_of`]): a chapter's own title.
pub fn emojify_line(text: &str) -> String {
    let mut events = Vec::new();
    split_shortcodes(text, 0..text.len(), &mut events);
    events
        .iter()
        .map(|s| match &s.ev {
            Ev::NoBreak(run) => emoji_of(run).unwrap_or(run),
            Ev::Text(t) => t,
            _ => "",
        })
        .collect()
}

/// `:name:` of ASCII lowercase letters, digits, `_`, `+`, `-` (a letter among them), not glued
/// to other letters or digits.
pub(crate) fn split_shortcodes(t: &str, span: std::ops::Range<usize>, out: &mut Vec<Spanned>) {
    let b = t.as_bytes();
    let sub = sub_spans(t, span);
    let mut from = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b':' || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let body = b[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_+-".contains(c))
            .count();
        let end = i + 1 + body;
        let closed =
            b.get(end) == Some(&b':') && !b.get(end + 1).is_some_and(|c| c.is_ascii_alphanumeric());
        // a name has a letter, but for the thumbs, `:+1:` and `:-1:`
        let thumbs = matches!(&b[i + 1..end], b"+1" | b"-1");
        if body == 0 || !closed || !(thumbs || b[i + 1..end].iter().any(u8::is_ascii_lowercase)) {
            i += 1;
            continue;
        }
        if from < i {
            out.push(Spanned::new(Ev::Text(t[from..i].to_string()), sub(from, i)));
        }
        out.push(Spanned::new(
            Ev::NoBreak(t[i..=end].to_string()),
            sub(i, end + 1),
        ));
        from = end + 1;
        i = from;
    }
    if from < t.len() {
        out.push(Spanned::new(
            Ev::Text(t[from..].to_string()),
            sub(from, t.len()),
        ));
    }
}

fn convert_tag(tag: MdTag<'_>) -> Tag {
    match tag {
        MdTag::Paragraph => Tag::Paragraph,
        MdTag::Heading {
            level, id, classes, ..
        } => Tag::Heading {
            level: heading_level(level),
            id: id.map(|s| s.into_string()).unwrap_or_default(),
            classes: classes.into_iter().map(|c| c.into_string()).collect(),
        },
        MdTag::BlockQuote(None) => Tag::BlockQuote,
        MdTag::BlockQuote(Some(kind)) => Tag::Alert(match kind {
            BlockQuoteKind::Note => Alert::Note,
            BlockQuoteKind::Tip => Alert::Tip,
            BlockQuoteKind::Important => Alert::Important,
            BlockQuoteKind::Warning => Alert::Warning,
            BlockQuoteKind::Caution => Alert::Caution,
        }),
        MdTag::CodeBlock(kind) => Tag::CodeBlock {
            lang: match kind {
                CodeBlockKind::Fenced(info) => code_language(&info),
                CodeBlockKind::Indented => None,
            },
        },
        MdTag::List(start) => Tag::List { start },
        MdTag::Item => Tag::Item,
        MdTag::Table(align) => Tag::Table {
            align: align
                .into_iter()
                .map(|a| match a {
                    pulldown_cmark::Alignment::None => Align::None,
                    pulldown_cmark::Alignment::Left => Align::Left,
                    pulldown_cmark::Alignment::Center => Align::Center,
                    pulldown_cmark::Alignment::Right => Align::Right,
                })
                .collect(),
        },
        MdTag::TableHead => Tag::TableHead,
        MdTag::TableRow => Tag::TableRow,
        MdTag::TableCell => Tag::TableCell,
        MdTag::Emphasis => Tag::Emphasis,
        MdTag::Strong => Tag::Strong,
        MdTag::Strikethrough => Tag::Strikethrough,
        MdTag::Link {
            link_type: LinkType::Email,
            dest_url,
            title,
            ..
        } => Tag::Link {
            dest: format!("mailto:{dest_url}"),
            title: title.into_string(),
        },
        MdTag::Link {
            dest_url, title, ..
        } => Tag::Link {
            dest: dest_url.into_string(),
            title: title.into_string(),
        },
        MdTag::Image {
            dest_url, title, ..
        } => Tag::Image {
            dest: dest_url.into_string(),
            title: title.into_string(),
        },
        MdTag::FootnoteDefinition(label) => Tag::FootnoteDefinition(label.into_string()),
        MdTag::HtmlBlock => Tag::HtmlBlock,
        MdTag::DefinitionList => Tag::DefinitionList,
        MdTag::DefinitionListTitle => Tag::DefinitionTerm,
        MdTag::DefinitionListDefinition => Tag::DefinitionDetails,
        MdTag::Superscript => Tag::Superscript,
        MdTag::Subscript => Tag::Subscript,
        // not enabled in `options()`; treat as plain blocks
        MdTag::MetadataBlock(_) => Tag::Paragraph,
    }
}

/// The language of a fence's info string: its first word, without mdBook's attributes
/// (`rust,ignore` → `rust`), Pandoc's braces (`{.rust}` → `rust`), VitePress's lines
/// (`js{4}`), HackMD's line numbers and wrapping (`cpp=`, `cpp=101`, `cpp=+`, `cpp!`) or a
/// file name after a colon (`python:main.py`); only characters a class name can hold.
fn code_language(info: &str) -> Option<String> {
    let word = info.split_whitespace().next()?;
    let word = word.trim_start_matches('{').trim_start_matches('.');
    let lang = word.split([',', '{', '}', '=', '!', ':']).next()?;
    let ok = !lang.is_empty()
        && lang.len() <= 40
        && lang
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#' | '.'));
    ok.then(|| lang.to_string())
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

fn matches_end(tag: &Tag, end: TagEnd) -> bool {
    !matches!(
        (tag, end),
        (Tag::Paragraph, TagEnd::Heading(_)) | (Tag::Heading { .. }, TagEnd::Paragraph)
    )
}

/// Spans without the whitespace they end with: how pieces compare with a whole parse.
pub fn trim_spans(text: &str, chunks: Vec<Vec<Spanned>>) -> Vec<Vec<Spanned>> {
    let mut chunks = chunks;
    for s in chunks.iter_mut().flatten() {
        let t = text[s.span.clone()].trim_end_matches([' ', '\t', '\r', '\n']);
        s.span.end = s.span.start + t.len();
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fence's language as the tools write it: mdBook's attributes, Pandoc's braces,
    /// VitePress's lines, HackMD's line numbers, a file name after a colon.
    #[test]
    fn code_language_of_each_tool() {
        for (info, lang) in [
            ("rust,ignore", Some("rust")),
            ("{.rust}", Some("rust")),
            ("js{4,7}", Some("js")),
            ("cpp=", Some("cpp")),
            ("cpp=101", Some("cpp")),
            ("javascript=+", Some("javascript")),
            ("cpp!", Some("cpp")),
            ("python:main.py", Some("python")),
            ("c++ title=\"a\"", Some("c++")),
            ("=", None),
        ] {
            assert_eq!(code_language(info).as_deref(), lang, "{info}");
        }
    }

    /// GitHub's shortcodes and only those; a line's shortcodes in place.
    #[test]
    fn emoji_shortcodes() {
        assert_eq!(emoji_of(":sparkles:"), Some("✨"));
        assert_eq!(emoji_of(":+1:"), Some("👍"));
        assert_eq!(emoji_of(":not_an_emoji:"), None);
        assert_eq!(emoji_of("sparkles"), None);
        assert_eq!(
            emojify_line("特性 :rocket: 與 :x: 於 12:30:45"),
            "特性 🚀 與 ❌ 於 12:30:45"
        );
    }

    /// Parsing in pieces gives the events of one whole parse.
    fn same_in_pieces(text: &str) -> usize {
        let whole = parse_chunks_from(text, 0, 2, usize::MAX);
        let pieces_ = parse_chunks_from(text, 0, 2, 0);
        assert_eq!(
            trim_spans(text, pieces_),
            trim_spans(text, whole),
            "{text:?}"
        );
        pieces(text, 0, 2).len()
    }

    /// `]:` is looked for a block at a time: a reference definition whose `]:` lies across
    /// the end of a block, or far after the first one, is still seen (the pieces give up).
    #[test]
    fn reference_definitions_are_found_across_blocks() {
        let prose = |n: usize| "正文。\n".repeat(n / "正文。\n".len());
        for at in [BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 5] {
            let head = format!("## a\n[x]\n\n## b\n\n{}", prose(at - 24));
            let pad = " ".repeat(at - head.len() - 2);
            let text = format!("{head}{pad}\n[x]: /u\n\n## c\n");
            assert!(text.find("]:").unwrap().abs_diff(at) < 4);
            assert_eq!(pieces(&text, 0, 2).len(), 1, "`]:` at {at}");
        }
        let text = format!("## a\n\n{}\n## b\n", prose(3 * BLOCK));
        assert_eq!(pieces(&text, 0, 2).len(), 2);
    }

    #[test]
    fn pieces_parse_like_the_whole() {
        let ch = |n: usize| format!("## 第{n}章\n\n正文，*強調*。[^{n}]\n\n[^{n}]: 註{n}。\n\n");
        let book: String = (1..=5).map(ch).collect();
        assert_eq!(same_in_pieces(&book), 5);
        // fenced code hides a heading
        assert_eq!(same_in_pieces("## a\n\n```\n\n## b\n```\n\n## c\n"), 2);
        assert_eq!(
            same_in_pieces("## a\n\n~~~~\n~~~\n\n## b\n~~~~\n\n## c\n"),
            2
        );
        // a heading right after a paragraph, in a list item, after a quote
        assert_eq!(
            same_in_pieces("## a\ntext\n## b\n- x\n\n## c\n> q\n\n## d\n"),
            3
        );
        // give up: reference definitions, a note cited across pieces, comments, indented fences
        assert_eq!(same_in_pieces("## a\n[x]\n\n## b\n\n[x]: /u\n"), 1);
        assert_eq!(same_in_pieces("## a\n[^1]\n\n## b\n\n[^1]: n\n"), 1);
        assert_eq!(same_in_pieces("## a\n<!--\n\n## b\n-->\n"), 1);
        assert_eq!(
            same_in_pieces("- a\n\n  ```\n\n## b\n  ```\n\n```\n\n## c\n```\n"),
            1
        );
        assert_eq!(same_in_pieces("# only\n\ntext\n"), 1);
    }

    #[test]
    fn heading_with_id_and_spans() {
        let text = "---\nx\n---\n## 標題 {#intro}\n\n中文&amp;字\n";
        let evs = parse(text, 10);
        assert_eq!(
            evs[0].ev,
            Ev::Start(Tag::Heading {
                level: 2,
                id: "intro".into(),
                classes: vec![]
            })
        );
        assert_eq!(evs[1].ev, Ev::Text("標題".into()));
        assert_eq!(&text[evs[1].span.clone()], "標題");
        // entity decoded and merged with its neighbours
        assert_eq!(evs[4].ev, Ev::Text("中文&字".into()));
    }

    /// mdBook's MathJax delimiters, as written in Markdown (`\\(`): formulas.
    #[test]
    fn mathjax_delimiters() {
        let math = |tex: &str, display| Ev::Math {
            tex: tex.into(),
            display,
        };
        let text = "面積 \\\\( \\\\pi r^2 \\\\),又 \\\\[x\\\\] 與 \\\\(\\\\) 空。\n\n\\\\[\na^2 + b^2\n\\\\]\n\n```\n\\\\(x\\\\)\n```\n";
        let evs: Vec<Ev> = parse(text, 0).into_iter().map(|s| s.ev).collect();
        assert_eq!(evs[1], Ev::Text("面積 ".into()));
        assert_eq!(evs[2], math("\\pi r^2", false));
        assert_eq!(evs[3], Ev::Text(",又 ".into()));
        assert_eq!(evs[4], math("x", true));
        assert_eq!(evs[5], Ev::Text(" 與 \\(\\) 空。".into()));
        assert_eq!(evs[8], math("a^2 + b^2", true));
        // not in prose about regular expressions, nor in a path
        let prose: Vec<Ev> = parse("寫 \\\\( 與 \\\\) 才行,C:\\\\(x86\\\\) 下\n", 0)
            .into_iter()
            .map(|s| s.ev)
            .collect();
        assert!(
            !prose.iter().any(|e| matches!(e, Ev::Math { .. })),
            "{prose:?}"
        );
        // a formula after a colon that ends Chinese text
        let after: Vec<Ev> = parse("數學:\\\\(x^2\\\\) 與\n", 0)
            .into_iter()
            .map(|s| s.ev)
            .collect();
        assert_eq!(after[2], math("x^2", false), "{after:?}");
        // code keeps them as written
        assert_eq!(evs[11], Ev::Text("\\\\(x\\\\)\n".into()), "{evs:?}");
    }

    /// GitHub's formulas: a `math` fence is displayed, `$`…`$` inline without its backticks;
    /// other fences and code spans are code.
    #[test]
    fn github_math_fences_and_ticks() {
        let math = |tex: &str, display| Ev::Math {
            tex: tex.into(),
            display,
        };
        let text =
            "注意力 $`\\sqrt{d_k}`$ 縮放。\n\n```math\n\\frac{a}{b}\n```\n\n```\nmath\n```\n";
        let evs: Vec<Ev> = parse(text, 0).into_iter().map(|s| s.ev).collect();
        assert_eq!(evs[2], math("\\sqrt{d_k}", false), "{evs:?}");
        assert_eq!(evs[5], Ev::Start(Tag::Paragraph), "{evs:?}");
        assert_eq!(evs[6], math("\\frac{a}{b}", true), "{evs:?}");
        assert_eq!(evs[7], Ev::End(Tag::Paragraph), "{evs:?}");
        assert_eq!(evs[8], Ev::Start(Tag::CodeBlock { lang: None }), "{evs:?}");
    }
}
