//! The last typesetting pass, on the text as the reader will see it (after an edition's
//! conversion, which must see whole words): the line-level details that every reading engine
//! should show alike, written into the markup because the engines' CSS support differs.
//!
//! - **Compression of adjacent marks** (clreq §3.1.6.2, 2 em → 1.5 em): of two adjacent
//!   full-width marks where a bracket is involved (`」。` `，「` `」「` `），` `。」` `「『`), one
//!   is set half-width as [`Style::Halt`] (the font's `halt`/`vhal` feature): the second when
//!   it is an opening bracket, else the first. Chromium's `text-spacing-trim` picks the same
//!   mark, so the two never add up; two stops (`？！`) stay full-width (Taiwan's house style).
//! - **Han–Latin spaces**: a typed space (or soft break) between a Han character and a Latin
//!   letter or digit becomes U+2005 FOUR-PER-EM SPACE, a fixed ¼ em that justification does
//!   not stretch (WebKit stretches only ASCII spaces, opening holes several ems wide); so
//!   does a space between two words (ASCII letters or digits, a word's `,` `.` `;` `:` `!` `?`
//!   before it) of a Latin phrase of up to six words that follows Han text or a mark and is
//!   followed by Han text or a mark (`（open source）`, `（Hello, world）`). A longer passage is
//!   English text of its own, and keeps its spaces for its justification.
//! - **No lone last character (孤字)**: a word joiner (U+2060) before the last Han character of
//!   a paragraph or list item, so that its last line holds at least two characters plus
//!   punctuation, in every engine.
//! - **`——` never starts a line**: a word joiner before the dashes (inside their no-break run)
//!   when something precedes them in the block.
//! - **Latin in emphasis** becomes [`Style::Latin`] (italics, no dots); **URLs** in text become
//!   [`Style::Url`] (breakable anywhere); a `’` between Latin letters (`HTML’s`) becomes
//!   [`Style::Apostrophe`] (proportional, not the Chinese font's full-width quote).
//! - **Headings** get [`Ev::Wbr`] at phrase boundaries ([`super::phrase`]), for
//!   `word-break: keep-all`.
//!
//! Code, code blocks, raw HTML and link destinations are never touched (only text events
//! are), and the pass is idempotent: what it writes (U+2005, U+2060, spans, `<wbr>`) is what it
//! looks for before writing again.

use std::ops::Range;

use super::chars::{is_cjk, is_cjk_punct, is_neutral};
use super::engine::{Edit, Kind, Repl};
use super::{is_inline, phrase};
use crate::model::{Ev, Spanned, Style, Tag};

const QUARTER_EM: &str = "\u{2005}";
/// A Latin phrase inside Chinese text with at most this many spaces between its words (six
/// words) has them fixed at ¼ em; a longer one keeps them as typed.
const PHRASE_GAPS: usize = 5;
const WORD_JOINER: &str = "\u{2060}";

/// Whether a block's text (a paragraph's events) is an English passage of its own, to be
/// marked `lang="en"` (a screen reader then reads it in an English voice, and the stylesheet
/// hyphenates it): more than six words ([`PHRASE_GAPS`]: a phrase is part of the Chinese
/// sentence around it), letters all ASCII, and no Chinese character or full-width mark (curly
/// quotes, dashes and the ellipsis are English too). A letter outside ASCII (pinyin's tones,
/// French or German) leaves the block to the book's language: hanpub does not guess which
/// other language it is.
pub fn is_english_block(events: &[Spanned]) -> bool {
    let mut words = 0usize;
    let mut in_word = false;
    let mut english = true;
    for s in events {
        // a URL's or code's letters make no words (a paragraph of a link alone is no English)
        let counts = !matches!(s.ev, Ev::Code(_) | Ev::Span(Style::Url, _));
        s.ev.each_text(|t| {
            for c in t.chars() {
                let letter = c.is_ascii_alphabetic() && counts;
                if letter && !in_word {
                    words += 1;
                }
                in_word = letter;
                if !c.is_ascii()
                    && (c.is_alphabetic() || is_cjk(c) || mark(c).is_some())
                    && !matches!(c, '‘' | '’' | '“' | '”' | '—' | '–' | '…')
                {
                    english = false;
                }
            }
        });
        if !english {
            return false;
        }
    }
    words > PHRASE_GAPS + 1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Open,
    Close,
    Stop,
}

/// The marks that take part in compression.
fn mark(c: char) -> Option<Mark> {
    match c {
        '「' | '『' | '（' | '〔' | '［' | '｛' | '〈' | '《' | '【' | '〖' | '〘' | '〚' | '“'
        | '‘' => Some(Mark::Open),
        '」' | '』' | '）' | '〕' | '］' | '｝' | '〉' | '》' | '】' | '〗' | '〙' | '〛' | '”'
        | '’' => Some(Mark::Close),
        '，' | '、' | '。' | '．' | '：' | '；' | '？' | '！' => Some(Mark::Stop),
        _ => None,
    }
}

/// Which of two adjacent marks is set half-width, if any.
fn halted(a: Mark, b: Mark) -> Option<bool> {
    match (a, b) {
        (_, Mark::Open) => Some(false),
        (Mark::Close, _) | (Mark::Stop, Mark::Close) => Some(true),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Han,
    Latin,
    Mark,
    /// Other CJK punctuation (dashes, ellipsis, ideographic space).
    Punct,
    Other,
}

fn class(c: char) -> Class {
    if mark(c).is_some() {
        Class::Mark
    } else if is_cjk(c) {
        if is_cjk_punct(c) {
            Class::Punct
        } else {
            Class::Han
        }
    } else if c.is_alphanumeric()
        || c.is_ascii_punctuation()
            && !matches!(
                c,
                '(' | '[' | '{' | ')' | ']' | '}' | '"' | '\'' | '<' | '>'
            )
    {
        Class::Latin
    } else {
        Class::Other
    }
}

pub(super) fn analyze(events: &[Spanned]) -> Vec<Edit> {
    let mut f = Finisher {
        events,
        edits: Vec::new(),
        prev: None,
        spaces: Vec::new(),
        word_space: false,
        word_next: false,
        inner_latin: false,
        latin_spaces: Vec::new(),
        last_mark: None,
        em: 0,
        block: 0,
        heading: None,
    };
    f.run();
    let mut edits = f.edits;
    edits.sort_by_key(|e| (e.ev, e.range.start, e.range.end));
    edits
}

/// Where a character is: its text event and byte range.
type Loc = (usize, Range<usize>);

struct Finisher<'a> {
    events: &'a [Spanned],
    edits: Vec<Edit>,
    /// Class of the last visible character of the block (None at its start or a line's).
    prev: Option<Class>,
    /// ASCII spaces since then: (event, byte range).
    spaces: Vec<(usize, Range<usize>)>,
    /// Those spaces follow an ASCII letter or digit.
    word_space: bool,
    /// The unit [`Finisher::visible`] is told of is an ASCII letter or digit.
    word_next: bool,
    /// The current Latin run follows a Han character or a mark.
    inner_latin: bool,
    /// The spaces between the words of that run, a run of spaces each: each fixed at ¼ em if
    /// Han text or a mark follows the phrase.
    latin_spaces: Vec<Vec<(usize, Range<usize>)>>,
    /// The last visible character is this mark, in this text event at this range (`None`:
    /// inside a span already set half-width).
    last_mark: Option<(Mark, Option<Loc>)>,
    em: usize,
    /// First event of the current block.
    block: usize,
    heading: Option<usize>,
}

impl Finisher<'_> {
    fn run(&mut self) {
        let events = self.events;
        let mut i = 0;
        while i < events.len() {
            match &events[i].ev {
                Ev::Text(t) => self.text(i, t),
                Ev::Code(_)
                | Ev::Math { .. }
                | Ev::Span(Style::Latin | Style::Url | Style::Apostrophe, _) => {
                    self.visible(Class::Latin)
                }
                Ev::Html { html, block: false } if super::is_raw_code(html) => {
                    self.visible(Class::Latin)
                }
                // upright in a column: no Latin phrase runs through it
                Ev::Tcy(_) => {
                    self.visible(Class::Latin);
                    self.inner_latin = false;
                    self.latin_spaces.clear();
                }
                Ev::Ruby { .. } => self.visible(Class::Han),
                Ev::Span(Style::Halt, t) => {
                    let m = t.chars().next().and_then(mark);
                    match m {
                        Some(m) => self.visible_mark(m, None),
                        None => self.visible(Class::Other),
                    }
                }
                Ev::NoBreak(t) => {
                    let dash = t.starts_with(['—', '―']);
                    if dash && self.prev.is_some() {
                        self.edits.push(Edit {
                            ev: i,
                            range: 0..0,
                            repl: Repl::Str(WORD_JOINER),
                            kind: Kind::Layout,
                        });
                    }
                    self.visible(Class::Punct);
                }
                Ev::FootnoteRef(_) => self.visible(Class::Other),
                Ev::Wbr | Ev::Html { block: false, .. } => {}
                Ev::SoftBreak | Ev::HardBreak => {
                    self.spaces.clear();
                    self.prev = None;
                    self.last_mark = None;
                    self.inner_latin = false;
                    self.latin_spaces.clear();
                }
                Ev::Start(Tag::Emphasis) => self.em += 1,
                Ev::End(Tag::Emphasis) => self.em = self.em.saturating_sub(1),
                Ev::Start(tag) | Ev::End(tag) if is_inline(tag) => {}
                Ev::Start(Tag::CodeBlock { .. }) => {
                    self.boundary(i);
                    while i + 1 < events.len()
                        && !matches!(events[i + 1].ev, Ev::End(Tag::CodeBlock { .. }))
                    {
                        i += 1;
                    }
                }
                Ev::Start(Tag::Heading { .. }) => {
                    self.boundary(i);
                    self.heading = Some(i);
                }
                Ev::End(Tag::Heading { .. }) => {
                    if let Some(h) = self.heading.take() {
                        self.phrases(h + 1, i);
                    }
                    self.boundary(i);
                }
                Ev::End(Tag::Paragraph | Tag::Item) => {
                    self.bind_end(i);
                    self.boundary(i);
                }
                _ => self.boundary(i),
            }
            i += 1;
        }
    }

    /// A block starts after event `i`: forget the context.
    fn boundary(&mut self, i: usize) {
        self.prev = None;
        self.spaces.clear();
        self.last_mark = None;
        self.inner_latin = false;
        self.latin_spaces.clear();
        self.block = i + 1;
    }

    /// A visible character (or unit) of class `c` comes: settle the spaces before it.
    fn visible(&mut self, c: Class) {
        if !self.spaces.is_empty() {
            let pair = (self.prev, c);
            if matches!(
                pair,
                (Some(Class::Han), Class::Latin) | (Some(Class::Latin), Class::Han)
            ) {
                let spaces = std::mem::take(&mut self.spaces);
                self.quarter_em(spaces);
            } else if pair == (Some(Class::Latin), Class::Latin)
                && self.inner_latin
                && self.word_space
                && self.word_next
            {
                self.latin_spaces.push(std::mem::take(&mut self.spaces));
            }
            self.spaces.clear();
            // a space between two marks: they are not adjacent
            self.last_mark = None;
        }
        if c != Class::Mark {
            self.last_mark = None;
        }
        match c {
            // a Latin phrase inside Chinese text (`（open source）`): the spaces between its
            // words are fixed too, else WebKit, which stretches only ASCII spaces, opens a
            // hole there
            Class::Han | Class::Mark => {
                // a longer passage is English text of its own: its spaces are its
                // justification's, shared out evenly
                let gaps = std::mem::take(&mut self.latin_spaces);
                if gaps.len() <= PHRASE_GAPS {
                    for spaces in gaps {
                        self.quarter_em(spaces);
                    }
                }
                self.inner_latin = false;
            }
            Class::Latin => {
                if matches!(self.prev, Some(Class::Han | Class::Mark)) {
                    self.inner_latin = true;
                    self.latin_spaces.clear();
                }
            }
            Class::Punct | Class::Other => {
                self.inner_latin = false;
                self.latin_spaces.clear();
            }
        }
        self.word_next = false;
        self.prev = Some(c);
    }

    /// A visible character: [`Finisher::visible`], knowing whether it is a letter or digit.
    fn visible_char(&mut self, ch: char) {
        self.word_next = ch.is_ascii_alphanumeric();
        self.visible(class(ch));
    }

    /// Replace a run of spaces (pieces in one or more text events) by one U+2005.
    fn quarter_em(&mut self, spaces: Vec<(usize, Range<usize>)>) {
        for (k, (ev, range)) in spaces.into_iter().enumerate() {
            self.edits.push(Edit {
                ev,
                range,
                repl: Repl::Str(if k == 0 { QUARTER_EM } else { "" }),
                kind: Kind::Layout,
            });
        }
    }

    /// A compressible mark at `loc` (`None`: already half-width).
    fn visible_mark(&mut self, m: Mark, loc: Option<(usize, Range<usize>)>) {
        let adjacent = self.spaces.is_empty();
        let before = self.last_mark.take();
        self.visible(Class::Mark);
        if adjacent && let Some((a, a_loc)) = before {
            let target = match halted(a, m) {
                Some(true) => a_loc,
                Some(false) => loc.clone(),
                None => None,
            };
            if let Some((ev, range)) = target {
                self.edits.push(Edit {
                    ev,
                    range,
                    repl: Repl::Span(Style::Halt),
                    kind: Kind::Layout,
                });
            }
        }
        self.last_mark = Some((m, loc));
    }

    fn text(&mut self, i: usize, t: &str) {
        let b = t.as_bytes();
        let urls = if memchr::memmem::find(b, b"://").is_some()
            || memchr::memmem::find(b, b"www.").is_some()
        {
            url_ranges(t)
        } else {
            Vec::new()
        };
        for r in &urls {
            self.edits.push(Edit {
                ev: i,
                range: r.clone(),
                repl: Repl::Span(Style::Url),
                kind: Kind::Layout,
            });
        }
        let mut atoms = urls.clone();
        if self.em > 0 {
            for r in latin_runs(t, &urls) {
                atoms.push(r.clone());
                self.edits.push(Edit {
                    ev: i,
                    range: r,
                    repl: Repl::Span(Style::Latin),
                    kind: Kind::Layout,
                });
            }
            atoms.sort_by_key(|r| r.start);
        }
        // (inside a Latin run of emphasis, its span sets it so)
        apostrophes(i, t, &atoms, &mut self.edits);
        // a URL (a Latin run in emphasis) is one Latin unit, as its span is when the text is
        // finished again
        let mut from = 0;
        for r in &atoms {
            self.chars(i, t, from, r.start);
            self.visible(Class::Latin);
            from = r.end;
        }
        self.chars(i, t, from, t.len());
    }

    /// The characters of `t[from..to]` (text event `i`).
    fn chars(&mut self, i: usize, t: &str, from: usize, to: usize) {
        let b = &t.as_bytes()[..to];
        let slow = memchr::memchr(0xE2, &b[from..]).is_some();
        let mut p = from;
        let next = |from: usize| -> Option<usize> {
            if slow {
                b[from..]
                    .iter()
                    .position(|&x| matches!(x, b' ' | 0xE2 | 0xE3 | 0xEF))
                    .map(|k| from + k)
            } else {
                memchr::memchr3(b' ', 0xE3, 0xEF, &b[from..]).map(|k| from + k)
            }
        };
        while p < b.len() {
            let c = next(p).unwrap_or(b.len());
            if c > p {
                // characters with nothing to decide: only their first and last matter, and
                // where a Latin phrase starts or ends among them
                let run = &t[p..c];
                let first = run.chars().next().unwrap_or(' ');
                let last = run.chars().next_back().unwrap_or(' ');
                self.visible_char(first);
                if class(last) == Class::Latin || !self.latin_spaces.is_empty() {
                    for ch in run.chars().skip(1).filter(|&ch| !is_neutral(ch)) {
                        let k = class(ch);
                        if self.prev != Some(k) {
                            self.visible(k);
                        }
                    }
                } else {
                    self.prev = Some(class(last));
                }
            }
            if c == b.len() {
                break;
            }
            if b[c] == b' ' {
                let e = c + b[c..].iter().take_while(|&&x| x == b' ').count();
                if self.spaces.is_empty() {
                    self.word_space = c > 0
                        && (b[c - 1].is_ascii_alphanumeric()
                            || matches!(b[c - 1], b',' | b'.' | b';' | b':' | b'!' | b'?'));
                }
                self.spaces.push((i, c..e));
                p = e;
                continue;
            }
            let ch = t[c..].chars().next().unwrap_or(' ');
            let n = ch.len_utf8();
            if let Some(m) = mark(ch) {
                self.visible_mark(m, Some((i, c..c + n)));
            } else if !is_neutral(ch) {
                self.visible_char(ch);
            }
            p = c + n;
        }
    }

    /// End of a paragraph or list item (event `end`): bind its last Han character to the one
    /// before with a word joiner, unless it is bound already.
    fn bind_end(&mut self, end: usize) {
        let events = self.events;
        for j in (self.block..end).rev() {
            match &events[j].ev {
                Ev::Text(t) => {
                    for (k, c) in t.char_indices().rev() {
                        match class(c) {
                            Class::Han => {
                                let before = t[..k].chars().next_back();
                                if before == Some('\u{2060}') {
                                    return;
                                }
                                if before.is_none() && !self.visible_before(j) {
                                    return;
                                }
                                self.edits.push(Edit {
                                    ev: j,
                                    range: k..k,
                                    repl: Repl::Str(WORD_JOINER),
                                    kind: Kind::Layout,
                                });
                                return;
                            }
                            Class::Mark | Class::Punct => {}
                            _ if c.is_whitespace() || is_neutral(c) => {}
                            _ => return,
                        }
                    }
                }
                Ev::Span(Style::Halt, _) | Ev::NoBreak(_) | Ev::FootnoteRef(_) | Ev::Wbr => {}
                Ev::Html { block: false, .. } => {}
                Ev::Start(tag) | Ev::End(tag) if is_inline(tag) => {}
                _ => return,
            }
        }
    }

    /// Whether something visible precedes event `j` in its block, with no word joiner at its
    /// end.
    fn visible_before(&self, j: usize) -> bool {
        for s in self.events[self.block..j].iter().rev() {
            match &s.ev {
                Ev::Text(t) => {
                    if t.ends_with(WORD_JOINER) {
                        return false;
                    }
                    if !t.is_empty() {
                        return true;
                    }
                }
                Ev::Start(tag) | Ev::End(tag) if is_inline(tag) => {}
                Ev::Wbr | Ev::Html { block: false, .. } => {}
                Ev::Start(_) | Ev::End(_) | Ev::HardBreak | Ev::SoftBreak => return false,
                _ => return true,
            }
        }
        false
    }

    /// Phrase breaks in the heading's events `from..to`, unless it has some already.
    fn phrases(&mut self, from: usize, to: usize) {
        let events = &self.events[from..to];
        if events.iter().any(|s| s.ev == Ev::Wbr) {
            return;
        }
        // runs of text events joined through inline tags
        let mut run: Vec<usize> = Vec::new();
        let mut k = from;
        while k <= to {
            let ev = (k < to).then(|| &self.events[k].ev);
            match ev {
                Some(Ev::Text(_)) => run.push(k),
                Some(Ev::Start(tag) | Ev::End(tag)) if is_inline(tag) => {}
                _ => {
                    if !run.is_empty() {
                        self.phrase_run(&std::mem::take(&mut run));
                    }
                }
            }
            k += 1;
        }
    }

    fn phrase_run(&mut self, run: &[usize]) {
        let mut text = String::new();
        let mut starts = Vec::with_capacity(run.len());
        for &j in run {
            starts.push(text.len());
            if let Ev::Text(t) = &self.events[j].ev {
                text.push_str(t);
            }
        }
        for off in phrase::breaks(&text) {
            // the event holding the character after the break
            let idx = starts.partition_point(|&s| s <= off) - 1;
            self.edits.push(Edit {
                ev: run[idx],
                range: off - starts[idx]..off - starts[idx],
                repl: Repl::Wbr,
                kind: Kind::Layout,
            });
        }
    }
}

/// The URLs in `t` (`scheme://…`, `www.…`): up to a space or a non-ASCII character, without
/// trailing punctuation.
/// Every `’` between two Latin letters of text event `i` (`HTML’s`, `I’m`), outside `atoms`
/// (URLs, Latin runs in emphasis), as [`Style::Apostrophe`].
fn apostrophes(i: usize, t: &str, atoms: &[Range<usize>], edits: &mut Vec<Edit>) {
    const APOSTROPHE: &[u8] = "\u{2019}".as_bytes();
    let b = t.as_bytes();
    for at in memchr::memmem::find_iter(b, APOSTROPHE) {
        let end = at + APOSTROPHE.len();
        let between = at > 0
            && b[at - 1].is_ascii_alphabetic()
            && b.get(end).is_some_and(u8::is_ascii_alphabetic);
        if between && !atoms.iter().any(|u| u.contains(&at)) {
            edits.push(Edit {
                ev: i,
                range: at..end,
                repl: Repl::Span(Style::Apostrophe),
                kind: Kind::Layout,
            });
        }
    }
}

fn url_ranges(t: &str) -> Vec<Range<usize>> {
    let b = t.as_bytes();
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let starts = if rest.len() >= 4 && rest[..4].eq_ignore_ascii_case(b"www.") {
            Some(i)
        } else if rest.starts_with(b"://") {
            let mut s = i;
            while s > 0
                && (b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b'+' | b'-' | b'.'))
            {
                s -= 1;
            }
            (s < i && b[s].is_ascii_alphabetic()).then_some(s)
        } else {
            None
        };
        let Some(s) = starts.filter(|&s| out.last().is_none_or(|r| r.end <= s)) else {
            i += 1;
            continue;
        };
        let mut e = i;
        while e < b.len() && b[e].is_ascii_graphic() && !matches!(b[e], b'<' | b'>' | b'"') {
            e += 1;
        }
        while e > s && matches!(b[e - 1], b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'') {
            e -= 1;
        }
        if e > s && b[e - 1] == b')' && !b[s..e].contains(&b'(') {
            e -= 1;
        }
        if e > i + 3 {
            out.push(s..e);
        }
        i = e.max(i + 1);
    }
    out
}

/// Runs of Latin words (a letter, then letters, digits, `'-.&+/_` and single spaces between
/// words) outside `skip`.
fn latin_runs(t: &str, skip: &[Range<usize>]) -> Vec<Range<usize>> {
    let latin_letter = |c: char| c.is_alphabetic() && !is_cjk(c);
    let inner = |c: char| {
        (c.is_alphanumeric() && !is_cjk(c))
            || matches!(c, '\'' | '’' | '-' | '.' | '&' | '+' | '/' | '_')
    };
    let mut out = Vec::new();
    let mut it = t.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if !latin_letter(c) || skip.iter().any(|r| r.contains(&i)) {
            continue;
        }
        let mut end = i + c.len_utf8();
        let mut j = end;
        for (k, d) in t[end..].char_indices() {
            let at = end + k;
            if skip.iter().any(|r| r.contains(&at)) {
                break;
            }
            if inner(d) {
                j = at + d.len_utf8();
            } else if d == ' '
                && t[at + 1..]
                    .chars()
                    .next()
                    .is_some_and(|n| n.is_alphanumeric() && !is_cjk(n))
            {
                continue;
            } else {
                break;
            }
        }
        // trailing punctuation is not part of the word
        end = j;
        while end > i && t[..end].ends_with(['.', '-', '/', '\'', '&', '+']) {
            end -= 1;
        }
        out.push(i..end);
        while it.peek().is_some_and(|&(k, _)| k < j) {
            it.next();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_latin_runs() {
        let t = "網址是 https://tuixue.online/a?b=1。還有 www.example.com/x, 與 (http://a.b/c) 好";
        let got: Vec<&str> = url_ranges(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(
            got,
            vec![
                "https://tuixue.online/a?b=1",
                "www.example.com/x",
                "http://a.b/c"
            ]
        );
        assert!(url_ranges("a://").is_empty() && url_ranges("無網址").is_empty());
        let t = "OpenAI 的模型與 GPT-4o mini, 還有 infrastructure。";
        let got: Vec<&str> = latin_runs(t, &[]).into_iter().map(|r| &t[r]).collect();
        assert_eq!(got, vec!["OpenAI", "GPT-4o mini", "infrastructure"]);
    }

    #[test]
    fn pairs() {
        use Mark::*;
        assert_eq!(halted(Close, Stop), Some(true));
        assert_eq!(halted(Stop, Open), Some(false));
        assert_eq!(halted(Close, Open), Some(false));
        assert_eq!(halted(Stop, Close), Some(true));
        assert_eq!(halted(Open, Open), Some(false));
        assert_eq!(halted(Stop, Stop), None);
        assert_eq!(halted(Open, Close), None);
    }
}
