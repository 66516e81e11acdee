//! The analysis pass: walks a chapter's events once, in order, and lists the edits
//! (`Edit`s, sorted by event and byte offset) that `typeset` applies and `lint` reports.
//!
//! State is kept per *context block* (paragraph, heading, list item, table cell, …); inline
//! containers (emphasis, strong, strikethrough, links), footnote references and inline HTML
//! are transparent, so `**翁家翌**:OpenAI` sees `翌` before the `:`.

use std::ops::Range;

use super::chars::{
    full_width, glues, is_cjk, is_cjk_punct, is_mark, is_neutral, is_ws, is_ws_byte,
};
use super::{TypesetOptions, is_inline};
use crate::model::{Ev, Spanned, Style, Tag};

/// What replaces an edit's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Repl {
    /// Replace by this text (`""` deletes).
    Str(&'static str),
    /// Split the range out as [`Ev::Tcy`].
    Tcy,
    /// Split the range out as [`Ev::NoBreak`].
    NoBreak,
    /// Split the range out as [`Ev::Span`] of this style.
    Span(Style),
    /// Insert [`Ev::Wbr`] at the (empty) range.
    Wbr,
}

/// Why an edit is made; `Layout` edits are not reported by `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Punctuation,
    SoftBreak,
    Layout,
}

/// One change to one event. For a `Text` event `range` is a byte range of its text; for a
/// `SoftBreak` it is empty and `repl` is `Str("")` (vanish) or `Str(" ")` (becomes a space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Edit {
    pub ev: usize,
    pub range: Range<usize>,
    pub repl: Repl,
    pub kind: Kind,
}

/// Whitespace seen since the last visible character; what becomes of it is decided when the
/// next visible character (or the end of the block) arrives.
#[derive(Debug, Clone)]
enum Ws {
    Space { ev: usize, range: Range<usize> },
    Soft { ev: usize },
}

/// How far the look-ahead for the next visible character goes before giving up.
const LOOKAHEAD_CHARS: usize = 256;
/// How far a `(` looks for its `)`.
const PAREN_CHARS: usize = 2000;
/// How far back a mark looks for the start of a URL token.
const URL_BACK_BYTES: usize = 512;

pub(super) fn analyze(events: &[Spanned], opts: &TypesetOptions) -> Vec<Edit> {
    let mut e = Engine::new(events, *opts);
    e.run();
    e.edits
}

struct Engine<'a> {
    events: &'a [Spanned],
    opts: TypesetOptions,
    /// Bytes that may start something to change (see [`Engine::special`]).
    interesting: [bool; 256],
    edits: Vec<Edit>,
    /// Last visible, non-neutral character of the *output* in this block.
    prev: Option<char>,
    /// The last visible character was a converted full-width mark: following whitespace goes.
    after_full: bool,
    pending: Vec<Ws>,
    /// Decisions of the open `(`s of this block, so each `)` follows its `(`.
    parens: Vec<bool>,
    /// A CJK character was seen in this block.
    cjk_seen: bool,
    /// Since the last CJK character there was Latin sentence punctuation (`, ` `. ` …): the
    /// text since then reads as an English sentence, so a mark after Latin stays ASCII.
    latin_sentence: bool,
    /// The next visible unit is a tate-chu-yoko run / the last one was (vertical): spaces
    /// between it and CJK text go.
    next_tcy: bool,
    after_tcy: bool,
    /// [`Engine::paren_has_cjk`] by (event, offset after the `(`), filled for the rest of the
    /// block at the first question ([`Engine::decide_parens`]): 100,000 unclosed `(` would
    /// otherwise cost a scan of [`PAREN_CHARS`] each, asked up to 256 times.
    paren_memo: std::cell::RefCell<ParenMemo>,
}

/// The answers of [`Engine::paren_has_cjk`], by (event, offset): looked up up to 256 times per
/// mark, so hashed with a multiply rather than SipHash (the keys are not attacker-chosen
/// collisions: at most one per `(` of the book).
type ParenMemo = std::collections::HashMap<
    (usize, usize),
    Option<bool>,
    std::hash::BuildHasherDefault<PositionHasher>,
>;

/// A hasher for pairs of positions (Fibonacci hashing of the words written).
#[derive(Default)]
struct PositionHasher(u64);

impl std::hash::Hasher for PositionHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

enum Special {
    /// Not a change; skip this many bytes (they stay in the current plain run).
    Skip(usize),
    Mark,
    NoBreak(usize),
    Tcy(usize),
}

impl<'a> Engine<'a> {
    fn new(events: &'a [Spanned], opts: TypesetOptions) -> Self {
        let mut interesting = [false; 256];
        if opts.punctuation {
            for &b in b",:;?!()" {
                interesting[b as usize] = true;
            }
        }
        // lead byte of U+2014, U+2015, U+2026
        interesting[0xE2] = true;
        if opts.vertical {
            for b in b'0'..=b'9' {
                interesting[b as usize] = true;
            }
            for b in b'A'..=b'Z' {
                interesting[b as usize] = true;
            }
        }
        Engine {
            events,
            opts,
            interesting,
            edits: Vec::new(),
            prev: None,
            after_full: false,
            pending: Vec::new(),
            parens: Vec::new(),
            cjk_seen: false,
            latin_sentence: false,
            next_tcy: false,
            after_tcy: false,
            paren_memo: Default::default(),
        }
    }

    fn run(&mut self) {
        let events = self.events;
        let mut i = 0;
        while i < events.len() {
            match &events[i].ev {
                Ev::Text(t) => self.text(i, t),
                Ev::Code(_)
                | Ev::Math { .. }
                | Ev::Span(Style::Latin | Style::Url | Style::Apostrophe, _) => self.atom('a', 'a'),
                Ev::Html { html, block: false } if super::is_raw_code(html) => self.atom('a', 'a'),
                Ev::Tcy(t) => {
                    self.next_tcy = true;
                    self.visible_atom(t);
                    self.after_tcy = true;
                }
                Ev::NoBreak(t) | Ev::Span(Style::Halt, t) | Ev::Ruby { base: t, .. } => {
                    self.visible_atom(t)
                }
                Ev::Wbr => {}
                Ev::SoftBreak => self.pending.push(Ws::Soft { ev: i }),
                Ev::HardBreak => {
                    // a line break inside the block: whitespace before it is kept, and the
                    // next line starts without a "previous character"
                    self.resolve(None, false);
                    self.prev = None;
                    self.after_full = false;
                }
                Ev::FootnoteRef(_) | Ev::Html { block: false, .. } => {}
                Ev::Start(tag) | Ev::End(tag) if is_inline(tag) => {}
                Ev::Start(Tag::CodeBlock { .. }) => {
                    self.boundary();
                    while i + 1 < events.len()
                        && !matches!(events[i + 1].ev, Ev::End(Tag::CodeBlock { .. }))
                    {
                        i += 1;
                    }
                }
                _ => self.boundary(),
            }
            i += 1;
        }
        self.boundary();
    }

    /// End of a context block: settle pending whitespace and forget the context.
    fn boundary(&mut self) {
        self.resolve(None, false);
        self.prev = None;
        self.after_full = false;
        self.parens.clear();
        self.cjk_seen = false;
        self.latin_sentence = false;
    }

    /// A visible unit that is not text to transform (inline code, an existing tcy/no-break run).
    fn atom(&mut self, first: char, last: char) {
        self.resolve(Some(first), false);
        self.after_full = false;
        self.saw(last);
    }

    /// An atom that shows `t` (its neutral characters, like a word joiner, skipped).
    fn visible_atom(&mut self, t: &str) {
        let mut visible = t.chars().filter(|&c| !is_neutral(c));
        if let Some(first) = visible.next() {
            let last = visible.next_back().unwrap_or(first);
            self.atom(first, last);
        }
    }

    /// Record `c` as the last visible character of the output.
    fn saw(&mut self, c: char) {
        if is_neutral(c) {
            return;
        }
        self.prev = Some(c);
        if is_cjk(c) {
            self.cjk_seen = true;
            self.latin_sentence = false;
        }
    }

    fn push_edit(&mut self, e: Edit) {
        // fold a deleted space into the neighbouring mark's edit: `: ` → `：` is one fix
        if let Some(last) = self.edits.last_mut()
            && last.ev == e.ev
            && last.range.end == e.range.start
            && last.kind == Kind::Punctuation
            && e.kind == Kind::Punctuation
            && let (Repl::Str(a), Repl::Str(b)) = (last.repl, e.repl)
            && (a.is_empty() || b.is_empty())
        {
            last.range.end = e.range.end;
            last.repl = Repl::Str(if a.is_empty() { b } else { a });
            return;
        }
        self.edits.push(e);
    }

    /// The next visible character is `next` (`None`: end of block); `next_full` says it is a
    /// converted full-width mark. Decide what the whitespace before it becomes.
    fn resolve(&mut self, next: Option<char>, next_full: bool) {
        let tcy_gap = self.opts.vertical
            && ((self.next_tcy && self.prev.is_some_and(is_cjk))
                || (self.after_tcy && next.is_some_and(is_cjk)));
        self.next_tcy = false;
        self.after_tcy = false;
        if self.pending.is_empty() {
            return;
        }
        // `第 4 集` in vertical text: the upright digits need no space around them
        let space_kind = if self.after_full || next_full {
            Kind::Punctuation
        } else {
            Kind::Layout
        };
        let drop_all = self.after_full || next_full || tcy_gap;
        let soft_vanishes = drop_all || soft_break_vanishes(self.prev, next);
        let mut pending = std::mem::take(&mut self.pending);
        for w in pending.drain(..) {
            match w {
                Ws::Space { ev, range } => {
                    if drop_all {
                        self.push_edit(Edit {
                            ev,
                            range,
                            repl: Repl::Str(""),
                            kind: space_kind,
                        });
                    }
                }
                Ws::Soft { ev } => {
                    let (repl, kind) = if tcy_gap && space_kind == Kind::Layout {
                        (Repl::Str(""), Kind::Layout)
                    } else if soft_vanishes {
                        (Repl::Str(""), Kind::SoftBreak)
                    } else {
                        (Repl::Str(" "), Kind::Layout)
                    };
                    self.push_edit(Edit {
                        ev,
                        range: 0..0,
                        repl,
                        kind,
                    });
                }
            }
        }
        self.pending = pending;
    }

    fn text(&mut self, i: usize, t: &str) {
        let b = t.as_bytes();
        let mut run = 0;
        let mut p = 0;
        while p < b.len() {
            // skip 32-byte blocks with no candidate byte (a check the compiler vectorises)
            let end = (p + 32).min(b.len());
            let block = &b[p..end];
            if !block
                .iter()
                .fold(false, |any, &x| any | coarse(x, self.opts.vertical))
            {
                p = end;
                continue;
            }
            match block.iter().position(|&x| self.interesting[x as usize]) {
                Some(k) => p += k,
                None => {
                    p = end;
                    continue;
                }
            }
            match self.special(i, b, p) {
                Special::Skip(n) => p += n,
                Special::Mark => {
                    self.plain(i, t, run, p);
                    self.mark(i, t, p);
                    p += 1;
                    run = p;
                }
                Special::NoBreak(n) => {
                    self.plain(i, t, run, p);
                    let first = t[p..].chars().next().unwrap_or('—');
                    self.resolve(Some(first), false);
                    self.after_full = false;
                    self.push_edit(Edit {
                        ev: i,
                        range: p..p + n,
                        repl: Repl::NoBreak,
                        kind: Kind::Layout,
                    });
                    self.saw(first);
                    p += n;
                    run = p;
                }
                Special::Tcy(n) => {
                    self.plain(i, t, run, p);
                    self.next_tcy = true;
                    self.resolve(Some(b[p] as char), false);
                    self.after_full = false;
                    self.push_edit(Edit {
                        ev: i,
                        range: p..p + n,
                        repl: Repl::Tcy,
                        kind: Kind::Layout,
                    });
                    self.saw(b[p + n - 1] as char);
                    self.after_tcy = true;
                    p += n;
                    run = p;
                }
            }
        }
        self.plain(i, t, run, b.len());
    }

    /// What starts at `b[p]`, an interesting byte.
    fn special(&self, i: usize, b: &[u8], p: usize) -> Special {
        match b[p] {
            b':' | b';' => match emoticon(b, p, || self.block_ends_after(i)) {
                0 => Special::Mark,
                n => Special::Skip(n),
            },
            b',' | b'?' | b'!' | b'(' | b')' => Special::Mark,
            0xE2 => {
                // runs of U+2014/U+2015 (dashes) or U+2026 (ellipsis)
                let family = |q: usize| -> Option<bool> {
                    match b.get(q..q + 3)? {
                        [0xE2, 0x80, 0x94 | 0x95] => Some(true),
                        [0xE2, 0x80, 0xA6] => Some(false),
                        _ => None,
                    }
                };
                let Some(f) = family(p) else {
                    return Special::Skip(1);
                };
                let mut q = p + 3;
                while family(q) == Some(f) {
                    q += 3;
                }
                if q - p >= 6 {
                    Special::NoBreak(q - p)
                } else {
                    Special::Skip(q - p)
                }
            }
            _ => {
                // an ASCII digit or capital (vertical only): look at its whole alphanumeric token
                let mut s = p;
                while s > 0 && b[s - 1].is_ascii_alphanumeric() {
                    s -= 1;
                }
                let mut q = p + 1;
                while q < b.len() && b[q].is_ascii_alphanumeric() {
                    q += 1;
                }
                // the characters around the token, across the edges of the text
                let byte = |c: Option<char>| c.map(|c| if c.is_ascii() { c as u8 } else { 0xFF });
                let (back, fwd) = (byte(self.touching(i, false)), byte(self.touching(i, true)));
                let around = [
                    match s {
                        0 => None,
                        1 => back,
                        _ => Some(b[s - 2]),
                    },
                    s.checked_sub(1).map(|k| b[k]).or(back),
                    b.get(q).copied().or(fwd),
                    b.get(q + 1)
                        .copied()
                        .or(if q < b.len() { fwd } else { None }),
                ];
                if s == p && tcy_eligible(&b[s..q], around) && (q - s > 1 || self.alone(i, b, s, q))
                {
                    // a number's period (`1. 簡介`, a heading's number) stands upright with
                    // it, not lying on its side after it
                    let period = q - s <= 2
                        && b[s..q].iter().all(u8::is_ascii_digit)
                        && b.get(q) == Some(&b'.')
                        && around[3].is_none_or(|c| c == b' ' || c >= 0x80);
                    Special::Tcy(q - s + usize::from(period))
                } else {
                    Special::Skip(q - p)
                }
            }
        }
    }

    /// A run of text with nothing to change inside: settle the whitespace before its first
    /// visible character, note its last one, and leave its trailing whitespace pending.
    fn plain(&mut self, i: usize, t: &str, a: usize, b: usize) {
        if a == b {
            return;
        }
        let s = &t[a..b];
        let trimmed = s.trim_start_matches(is_ws);
        let lead = s.len() - trimmed.len();
        if trimmed.is_empty() {
            self.pending.push(Ws::Space { ev: i, range: a..b });
            return;
        }
        if lead > 0 {
            self.pending.push(Ws::Space {
                ev: i,
                range: a..a + lead,
            });
        }
        let first = trimmed.chars().next().unwrap_or(' ');
        self.resolve(Some(first), false);
        self.after_full = false;
        let body = trimmed.trim_end_matches(is_ws);
        let tail = trimmed.len() - body.len();
        if let Some(c) = body.chars().rev().find(|&c| !is_neutral(c)) {
            self.prev = Some(c);
        }
        if self.opts.punctuation {
            // sentence context, for marks that follow Latin text
            let ends_text = b == t.len();
            match trimmed.char_indices().rev().find(|&(_, c)| is_cjk(c)) {
                Some((k, c)) => {
                    self.cjk_seen = true;
                    self.latin_sentence =
                        has_sentence_punct(&trimmed[k + c.len_utf8()..], ends_text);
                }
                None => {
                    if has_sentence_punct(trimmed, ends_text) {
                        self.latin_sentence = true;
                    }
                }
            }
        }
        if tail > 0 {
            self.pending.push(Ws::Space {
                ev: i,
                range: b - tail..b,
            });
        }
    }

    /// An ASCII mark `t[p]`: convert it or not.
    fn mark(&mut self, i: usize, t: &str, p: usize) {
        let m = t.as_bytes()[p];
        let convert = self.decide(i, t, p, m);
        if convert {
            let full = full_width(m);
            let fc = full.chars().next().unwrap_or(' ');
            self.resolve(Some(fc), true);
            self.push_edit(Edit {
                ev: i,
                range: p..p + 1,
                repl: Repl::Str(full),
                kind: Kind::Punctuation,
            });
            self.after_full = true;
            self.saw(fc);
        } else {
            let c = m as char;
            self.resolve(Some(c), false);
            self.after_full = false;
            self.prev = Some(c);
            if !matches!(m, b'(' | b')') && t.as_bytes().get(p + 1).is_none_or(|&n| is_ws_byte(n)) {
                self.latin_sentence = true;
            }
        }
    }

    /// The punctuation rule (see the module docs of `typeset`).
    fn decide(&mut self, i: usize, t: &str, p: usize, m: u8) -> bool {
        let before = t[..p]
            .chars()
            .next_back()
            .or_else(|| self.touching(i, false));
        let after = t[p + 1..].chars().next().or_else(|| self.touching(i, true));
        let glued = glues(before) && glues(after);
        match m {
            b'(' => {
                let d = if glued || in_url(t, p, after) {
                    false
                } else if self.prev.is_some_and(is_cjk) {
                    true
                } else {
                    match self.paren_has_cjk(i, p + 1) {
                        Some(has) => has,
                        None => self.by_context(i, p + 1),
                    }
                };
                self.parens.push(d);
                d
            }
            b')' => match self.parens.pop() {
                Some(d) => d,
                None => !glued && !in_url(t, p, after) && self.by_context(i, p + 1),
            },
            _ => !glued && !in_url(t, p, after) && self.by_context(i, p + 1),
        }
    }

    /// A lone digit or capital `b[s..q]` has no Latin word beside it, spaces skipped (also
    /// the U+2005 that [`super::finish`] writes for them), in its text or in the event next
    /// to it (a split-out tcy run, inline code).
    fn alone(&self, i: usize, b: &[u8], s: usize, q: usize) -> bool {
        let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        // skip ASCII spaces and U+2005 (E2 80 85)
        const QUARTER: &[u8] = "\u{2005}".as_bytes();
        let mut k = s;
        while k > 0 && (b[k - 1] == b' ' || b[..k].ends_with(QUARTER)) {
            k -= if b[k - 1] == b' ' { 1 } else { QUARTER.len() };
        }
        let before = match k {
            0 => self.touching(i, false),
            _ => Some(b[k - 1] as char),
        };
        let mut k = q;
        while k < b.len() && (b[k] == b' ' || b[k..].starts_with(QUARTER)) {
            k += if b[k] == b' ' { 1 } else { QUARTER.len() };
        }
        let after = match b.get(k) {
            Some(&c) => Some(c as char),
            None => self.touching(i, true),
        };
        !latin(before) && !latin(after)
    }

    /// The character of the event right before (or after) `events[i]`, when that is text
    /// (as after a tcy or no-break split): adjacency must not depend on event boundaries.
    /// Whether the block ends right after event `i` (nothing, or an end tag, follows it).
    fn block_ends_after(&self, i: usize) -> bool {
        self.events
            .get(i + 1)
            .is_none_or(|s| matches!(s.ev, Ev::End(_)))
    }

    fn touching(&self, i: usize, forward: bool) -> Option<char> {
        let j = if forward {
            i.checked_add(1)?
        } else {
            i.checked_sub(1)?
        };
        match &self.events.get(j)?.ev {
            Ev::Text(t)
            | Ev::Tcy(t)
            | Ev::NoBreak(t)
            | Ev::Span(_, t)
            | Ev::Ruby { base: t, .. } => {
                if forward {
                    t.chars().next()
                } else {
                    t.chars().next_back()
                }
            }
            _ => None,
        }
    }

    /// After CJK: convert. After Latin (or at the start of the block): convert when the text
    /// goes on in Chinese, or when the block ends and it was Chinese, unless the Latin text
    /// since the last CJK character reads as an English sentence.
    fn by_context(&self, i: usize, from: usize) -> bool {
        if self.prev.is_some_and(is_cjk) {
            return true;
        }
        if self.latin_sentence {
            return false;
        }
        match self.next_visible(i, from) {
            Some(n) => is_cjk(n),
            None => self.cjk_seen,
        }
    }

    /// Iterate the characters from `events[i]`'s text at `from` onwards, through the rest of
    /// the block (transparent events skipped). `f` gets each character with the event it is
    /// in and the byte offset after it, and returns `Some` to stop; inline code reads as the
    /// Latin letter `a`. Ends with `None` at the end of the block.
    fn scan<R>(
        &self,
        i: usize,
        from: usize,
        mut f: impl FnMut(char, usize, usize) -> Option<R>,
    ) -> Option<R> {
        if let Ev::Text(t) = &self.events[i].ev {
            for (k, c) in t[from..].char_indices() {
                if let Some(r) = f(c, i, from + k + c.len_utf8()) {
                    return Some(r);
                }
            }
        }
        for (j, s) in self.events.iter().enumerate().skip(i + 1) {
            match &s.ev {
                Ev::Text(t)
                | Ev::Tcy(t)
                | Ev::NoBreak(t)
                | Ev::Span(_, t)
                | Ev::Ruby { base: t, .. } => {
                    for (k, c) in t.char_indices() {
                        if let Some(r) = f(c, j, k + c.len_utf8()) {
                            return Some(r);
                        }
                    }
                }
                Ev::Code(_) | Ev::Math { .. } => {
                    if let Some(r) = f('a', j, 0) {
                        return Some(r);
                    }
                }
                Ev::Html { html, block: false } if super::is_raw_code(html) => {
                    if let Some(r) = f('a', j, 0) {
                        return Some(r);
                    }
                }
                Ev::SoftBreak | Ev::HardBreak => {
                    if let Some(r) = f(' ', j, 0) {
                        return Some(r);
                    }
                }
                Ev::FootnoteRef(_) | Ev::Html { block: false, .. } | Ev::Wbr => {}
                Ev::Start(tag) | Ev::End(tag) if is_inline(tag) => {}
                _ => return None,
            }
        }
        None
    }

    /// The next visible character, for a mark's decision. Whitespace, neutral characters and
    /// the marks `, : ; ? !` are skipped (they end up with the same decision); a `(` counts
    /// as CJK when its contents hold CJK (it will become `（`), a `)` that closes a converted
    /// `(` counts as CJK; other parentheses are skipped. This keeps `typeset` idempotent.
    fn next_visible(&self, i: usize, from: usize) -> Option<char> {
        let mut budget = LOOKAHEAD_CHARS;
        let mut closed = 0;
        self.scan(i, from, |c, ev, after| {
            budget -= 1;
            if budget == 0 {
                // give up (as "end of block") on pathological runs of marks and spaces
                return Some(None);
            }
            match c {
                '(' => match self.paren_has_cjk(ev, after) {
                    Some(true) => Some(Some('（')),
                    Some(false) => Some(Some('(')),
                    None => None,
                },
                ')' => {
                    closed += 1;
                    let open = self.parens.len().checked_sub(closed)?;
                    self.parens[open].then_some(Some('）'))
                }
                c if is_ws(c) || is_mark(c) || is_neutral(c) => None,
                c => Some(Some(c)),
            }
        })
        .flatten()
    }

    /// Whether the parentheses opened just before `from` hold CJK text: `Some(true)` as soon
    /// as a CJK letter (not punctuation) shows up, `Some(false)` at the matching `)`, `None` if unmatched.
    fn paren_has_cjk(&self, i: usize, from: usize) -> Option<bool> {
        if let Some(&known) = self.paren_memo.borrow().get(&(i, from)) {
            return known;
        }
        self.decide_parens(i, from);
        let known = self.paren_memo.borrow().get(&(i, from)).copied();
        known.unwrap_or_else(|| self.scan_paren(i, from))
    }

    /// Answer [`Engine::paren_has_cjk`] for the `(` before `from` and every `(` after it in the
    /// text of the block, in one pass: each `(`'s matching `)` (a stack) and the next CJK letter
    /// after it decide, within the same [`PAREN_CHARS`] as [`Engine::scan_paren`].
    fn decide_parens(&self, i: usize, from: usize) {
        // (index in the block's characters, key) of each `(` of a text event; `None`: in a
        // tate-chu-yoko or no-break run, left to the scan
        let mut opens: Vec<(usize, Option<(usize, usize)>)> = vec![(0, Some((i, from)))];
        let mut closed_at: Vec<usize> = vec![usize::MAX];
        let mut stack: Vec<usize> = vec![0];
        let mut letters: Vec<usize> = Vec::new();
        let mut n = 1usize;
        self.scan(i, from, |c, ev, after| {
            match c {
                '(' => {
                    let in_text = matches!(self.events[ev].ev, Ev::Text(_));
                    opens.push((n, in_text.then_some((ev, after))));
                    closed_at.push(usize::MAX);
                    stack.push(opens.len() - 1);
                }
                ')' => {
                    if let Some(o) = stack.pop() {
                        closed_at[o] = n;
                    }
                }
                c if is_cjk(c) && !is_cjk_punct(c) => letters.push(n),
                _ => {}
            }
            n += 1;
            None::<()>
        });
        let mut memo = self.paren_memo.borrow_mut();
        let mut next_letter = letters.iter().peekable();
        for ((at, key), close) in opens.into_iter().zip(closed_at) {
            while next_letter.next_if(|&&l| l <= at).is_some() {}
            let Some(key) = key else { continue };
            let letter = next_letter.peek().map_or(usize::MAX, |&&l| l);
            let first = letter.min(close);
            // the scan looks at PAREN_CHARS - 1 characters after the `(`
            let found =
                (first != usize::MAX && first - at - 1 < PAREN_CHARS - 1).then_some(letter < close);
            memo.insert(key, found);
        }
    }

    /// [`Engine::paren_has_cjk`], scanning at most [`PAREN_CHARS`] characters.
    fn scan_paren(&self, i: usize, from: usize) -> Option<bool> {
        let mut depth = 0usize;
        let mut budget = PAREN_CHARS;
        self.scan(i, from, |c, _, _| {
            budget -= 1;
            if budget == 0 {
                return Some(None);
            }
            match c {
                '(' => depth += 1,
                ')' if depth == 0 => return Some(Some(false)),
                ')' => depth -= 1,
                // letters, not punctuation: a `:` inside that becomes `：` must not change this
                c if is_cjk(c) && !is_cjk_punct(c) => return Some(Some(true)),
                _ => {}
            }
            None
        })
        .flatten()
    }
}

/// A superset of the interesting bytes: `!`–`?` (marks, digits), `0xE2`, and in vertical mode
/// `A`–`Z`. Branch-free so that a fold over a block of bytes vectorises.
#[inline(always)]
fn coarse(x: u8, vertical: bool) -> bool {
    (x.wrapping_sub(0x21) < 0x1F) | (x == 0xE2) | (vertical & (x.wrapping_sub(b'A') < 26))
}

/// A soft break vanishes between two CJK characters, and next to CJK punctuation (which
/// carries its own space); a neutral character (curly quote) takes the other side's script.
fn soft_break_vanishes(prev: Option<char>, next: Option<char>) -> bool {
    let (Some(p), Some(n)) = (prev, next) else {
        return false;
    };
    if is_cjk_punct(p) || is_cjk_punct(n) {
        return true;
    }
    let next_cjk = if is_neutral(n) { is_cjk(p) } else { is_cjk(n) };
    is_cjk(p) && next_cjk
}

/// Latin sentence punctuation followed by a space (or ending the text).
fn has_sentence_punct(s: &str, ends_text: bool) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(k, &c)| {
        matches!(c, b'.' | b',' | b';' | b':' | b'!' | b'?')
            && match b.get(k + 1) {
                Some(&n) => is_ws_byte(n),
                None => ends_text,
            }
    })
}

/// Whether the mark at `t[p]` is inside a URL or e-mail token (and not its last character:
/// trailing punctuation is not part of a URL, as with GFM autolinks; a mark followed by
/// another convertible mark counts as trailing, whichever form that one ends up in).
fn in_url(t: &str, p: usize, after: Option<char>) -> bool {
    if !after.is_some_and(|a| !is_ws(a) && !is_cjk(a) && !is_mark(a)) {
        return false;
    }
    let b = t.as_bytes();
    let floor = p.saturating_sub(URL_BACK_BYTES);
    let mut s = p;
    // the token back to a space, a non-ASCII character or another convertible mark (whose
    // own form must not change this decision)
    while s > floor && b[s - 1].is_ascii() && !is_ws_byte(b[s - 1]) && !is_mark(b[s - 1] as char) {
        s -= 1;
    }
    let tok = &b[s..p];
    let starts = |pre: &[u8]| tok.len() >= pre.len() && tok[..pre.len()].eq_ignore_ascii_case(pre);
    tok.windows(3).any(|w| w == b"://") || starts(b"www.") || starts(b"mailto:")
}

/// Tate-chu-yoko candidates: a token of 1–3 ASCII digits, or 1–3 capital letters, not glued
/// to a longer Latin token (`GPT-4o`, `x-12`) or to other digits (`3.14`, `10:30`, `1,000`);
/// a lone digit or capital (`第 4 集`, `A 計畫`) only when no Latin word stands beside it
/// (`Plan A` keeps its `A` sideways with `Plan`).
fn tcy_eligible(tok: &[u8], around: [Option<u8>; 4]) -> bool {
    if !(1..=3).contains(&tok.len())
        || !(tok.iter().all(u8::is_ascii_digit) || tok.iter().all(u8::is_ascii_uppercase))
    {
        return false;
    }
    const JOINERS: &[u8] = b"-_/+$#@&'\\*^~=<>|";
    let [before2, before, after, after2] = around;
    let joined = |c: Option<u8>, other: Option<u8>| match c {
        Some(c) if JOINERS.contains(&c) => true,
        Some(b'.' | b',' | b':') => other.is_some_and(|o| o.is_ascii_alphanumeric()),
        _ => false,
    };
    !joined(before, before2) && !joined(after, after2)
}

/// The length of an emoticon at `p` (`:)`, `:(`, `:-)`, `;)`, `:D`, `:P`), standing alone
/// (not after a letter or digit, and before a space or the end of its block: `ends` says
/// whether the block ends with the text), else 0: its marks are not punctuation to make
/// full-width.
fn emoticon(b: &[u8], p: usize, ends: impl Fn() -> bool) -> usize {
    const FACES: &[&[u8]] = &[
        b":-)", b":-(", b":-D", b":-P", b";-)", b":')", b":'(", b":)", b":(", b":D", b":P", b":p",
        b";)", b";(",
    ];
    if p > 0 && b[p - 1].is_ascii_alphanumeric() {
        return 0;
    }
    FACES
        .iter()
        .find(|f| {
            b[p..].starts_with(f)
                && match b.get(p + f.len()) {
                    Some(c) => c.is_ascii_whitespace(),
                    None => ends(),
                }
        })
        .map_or(0, |f| f.len())
}

#[cfg(test)]
mod paren_tests {
    use super::*;

    /// The one-pass answers for every `(` equal the bounded scan's, on text mixing nesting,
    /// unclosed and stray parentheses, CJK letters and punctuation, code and emphasis, and runs
    /// longer than the scan's limit.
    #[test]
    fn one_pass_decides_every_paren_as_the_scan_does() {
        let long_latin = "a".repeat(PAREN_CHARS + 5);
        let mut texts = vec![
            "(a(b)c)中 (x) (中) ((()) 字".to_string(),
            "((((( a ) 中".to_string(),
            ")) (a `c(` 中) (*強調* a) (a, b: c) ((".to_string(),
            format!("({long_latin}中) (a{long_latin})"),
            format!("({})中", "(".repeat(3000)),
            "(「」，a) (。中)".to_string(),
        ];
        // a deterministic pseudo-random mix
        let alphabet = ['(', ')', '(', 'a', ' ', '中', '，', '`', '*'];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..40 {
            let mut t = String::new();
            for _ in 0..200 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                t.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            texts.push(t);
        }
        for text in texts {
            let events = crate::parse::parse(&format!("{text}\n"), 0);
            let opts = TypesetOptions {
                punctuation: true,
                vertical: false,
            };
            let fresh = || Engine::new(&events, opts);
            let mut asked = 0;
            for (i, s) in events.iter().enumerate() {
                let Ev::Text(t) = &s.ev else { continue };
                // a fresh engine asked first about this `(` (every 50th on long runs)
                for (p, _) in t
                    .match_indices('(')
                    .step_by(if t.len() > 1000 { 50 } else { 1 })
                {
                    let once = fresh();
                    assert_eq!(
                        once.paren_has_cjk(i, p + 1),
                        once.scan_paren(i, p + 1),
                        "{text:?} at event {i}, byte {p}"
                    );
                    asked += 1;
                }
            }
            // a question about an earlier `(` answers the later ones the same way
            let shared = fresh();
            for (i, s) in events.iter().enumerate() {
                let Ev::Text(t) = &s.ev else { continue };
                for (p, _) in t.match_indices('(') {
                    assert_eq!(shared.paren_has_cjk(i, p + 1), shared.scan_paren(i, p + 1));
                }
            }
            assert!(asked > 0 || !text.contains('('), "{text:?}");
        }
    }
}
