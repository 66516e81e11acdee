//! CJK typesetting on text nodes: punctuation, soft breaks, no-break runs, tate-chu-yoko.
//!
//! Only [`Ev::Text`] is ever changed. Code blocks, inline code, raw HTML, link and image
//! destinations are left alone; inline code still counts as Latin context.
//!
//! # Context
//!
//! Decisions look at the neighbouring *visible* characters within one context block — a
//! paragraph, heading, list item, table cell, block quote, footnote or image alt text. Start
//! and end of emphasis, strong, strikethrough and links, footnote references and inline HTML
//! are transparent, so in `**翁家翌**:OpenAI` the character before `:` is `翌`. Any other
//! start/end tag, a rule or an HTML block resets the context; a hard break starts a new line
//! without a previous character. The "previous character" is taken from the *output* (a
//! mark already converted counts as CJK, so `好!?` → `好！？`); curly quotes and middle dots
//! are neutral and skipped.
//!
//! # Punctuation (`, : ; ? ! ( )`, when [`TypesetOptions::punctuation`])
//!
//! A mark stays ASCII when it is glued inside a Latin token — an ASCII letter, digit or one of
//! `_ - / . % ~ # = & + @` right before *and* right after it (`10:30`, `1,000`, `a,b`,
//! `f(x)`, `https:`) — or when it sits inside a URL / e-mail token (the ASCII run before it
//! holds `://` or starts with `www.` or `mailto:`) and the token goes on after it (a trailing
//! mark is not part of a URL, as with GFM autolinks). Otherwise:
//!
//! 1. after a CJK character (Han, kana, CJK or full-width punctuation): convert;
//! 2. after Latin text, or at the start of the block, decide by the text after: convert when
//!    the next visible character (spaces and other marks skipped) is CJK — the mark continues
//!    a Chinese sentence (`退學 online,到成為` → `online，到成為`, `tuixue.online:做慈善`) — or
//!    when the block ends there after some CJK text (`蹦出一個 idea:` → `idea：`);
//! 3. but never when the Latin text since the last CJK character reads as an English sentence,
//!    i.e. holds sentence punctuation followed by a space (`他說:Hello, world!` keeps `, ` and
//!    `!`).
//!
//! Parentheses go in pairs: `(` is converted after CJK, or after Latin when the parenthesised
//! text holds CJK letters (`John Schulman(張書曼)` → `John Schulman（張書曼）`); its `)`
//! follows the same decision. An unpaired `)` follows the rules above.
//!
//! ASCII spaces and soft breaks on either side of a converted mark are dropped (`來源: X` →
//! `來源：X`), since full-width marks carry their own space.
//!
//! The rules read the output for what comes before and look ahead consistently with the
//! decisions still to come, so `typeset` is idempotent: typesetting its output changes nothing.
//!
//! # Soft breaks
//!
//! A soft break vanishes between two CJK characters, and next to CJK punctuation; otherwise
//! it becomes a space (`Ev::Text(" ")`). `lint` reports the ones that vanish.
//!
//! # No-break runs and tate-chu-yoko
//!
//! Runs of two or more `—` (U+2014, also U+2015) or `…` (U+2026) become [`Ev::NoBreak`].
//! With [`TypesetOptions::vertical`], a token of exactly 2–3 ASCII digits or 2–3 capital
//! letters that is not glued to a longer Latin token (`GPT-4o`) or to other digits (`3.14`,
//! `10:30`) becomes [`Ev::Tcy`]; `2020` and single digits stay text.
//!
//! # Cost
//!
//! One pass over the bytes of each text with a lookup table; a text with nothing to change is
//! moved to the output untouched. Look-ahead is bounded.

mod chars;
mod engine;
mod finish;
pub mod phrase;
pub mod ruby;
#[cfg(test)]
mod tests;

use crate::model::{Ev, Spanned, Tag};
use engine::{Edit, Kind, Repl};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypesetOptions {
    /// Latin punctuation in Chinese context becomes full-width (`,` → `，` …).
    pub punctuation: bool,
    /// Vertical layout: 2–3 digit runs and short all-caps acronyms (≤3 letters, e.g. GPT, AI) become Ev::Tcy.
    pub vertical: bool,
}

impl Default for TypesetOptions {
    fn default() -> Self {
        TypesetOptions {
            punctuation: true,
            vertical: false,
        }
    }
}

/// One change the typesetter makes (for `hanpub check` lint output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Byte range in the chapter's source file (from the Spanned spans) that is replaced.
    pub span: std::ops::Range<usize>,
    pub from: String,
    pub to: String,
    /// Short machine-readable kind: "punctuation", "soft-break".
    pub kind: &'static str,
}

/// Transform a chapter's events: ruby syntax, punctuation, soft breaks, no-break runs,
/// tate-chu-yoko. Pure; same input ⇒ same output. [`finish`] comes after (and after an
/// edition's conversion, which must see whole words).
pub fn typeset(events: Vec<Spanned>, opts: &TypesetOptions) -> Vec<Spanned> {
    let events = ruby::split(raw_code(events));
    let edits = engine::analyze(&events, opts);
    apply(events, &edits)
}

/// The last pass, on the text as the reader will see it: compression of adjacent marks,
/// fixed Han–Latin spaces, the end of each paragraph bound, Latin in emphasis, URLs, phrase
/// breaks in headings (see [`finish`](self::finish) for the rules). Pure and idempotent.
pub fn finish(events: Vec<Spanned>) -> Vec<Spanned> {
    let edits = finish::analyze(&events);
    apply(events, &edits)
}

pub use finish::is_english_block;

/// A line of metadata (kicker, subtitle, a title) typeset and finished as a heading: its
/// inline events, for the renderer.
pub fn line(text: &str, opts: &TypesetOptions) -> Vec<Spanned> {
    let n = text.len();
    let tag = Tag::Heading {
        level: 1,
        id: String::new(),
        classes: Vec::new(),
    };
    let events = vec![
        Spanned::new(Ev::Start(tag.clone()), 0..0),
        Spanned::new(Ev::Text(text.to_string()), 0..n),
        Spanned::new(Ev::End(tag), n..n),
    ];
    let mut out = finish(typeset(events, opts));
    out.pop();
    out.remove(0);
    out
}

/// Apply sorted, non-overlapping edits.
fn apply(events: Vec<Spanned>, edits: &[Edit]) -> Vec<Spanned> {
    if edits.is_empty() {
        return events;
    }
    let mut out = Vec::with_capacity(events.len() + edits.len());
    let mut rest: &[Edit] = edits;
    for (i, s) in events.into_iter().enumerate() {
        let n = rest.iter().take_while(|e| e.ev == i).count();
        if n == 0 {
            out.push(s);
            continue;
        }
        let (mine, later) = rest.split_at(n);
        rest = later;
        match s.ev {
            Ev::Text(t) => apply_text(&t, s.span, mine, &mut out),
            Ev::SoftBreak => {
                if let Some(Edit {
                    repl: Repl::Str(r), ..
                }) = mine.last()
                    && !r.is_empty()
                {
                    out.push(Spanned::new(Ev::Text((*r).to_string()), s.span));
                }
            }
            Ev::NoBreak(t) => {
                // only insertions (a word joiner before `——`)
                let mut n = String::with_capacity(t.len() + 3);
                let mut pos = 0;
                for e in mine {
                    n.push_str(&t[pos..e.range.start]);
                    if let Repl::Str(r) = e.repl {
                        n.push_str(r);
                    }
                    pos = e.range.end;
                }
                n.push_str(&t[pos..]);
                out.push(Spanned::new(Ev::NoBreak(n), s.span));
            }
            ev => out.push(Spanned::new(ev, s.span)),
        }
    }
    out
}

/// The elements of raw inline HTML whose text is code, never typeset.
const RAW_CODE: &[&str] = &["code", "kbd", "samp", "var", "tt"];

/// The element of [`RAW_CODE`] an inline raw HTML event opens (`<kbd>`, `<code class="x">`).
fn raw_code_tag(html: &str) -> Option<&'static str> {
    let rest = html.strip_prefix('<')?;
    RAW_CODE.iter().copied().find(|name| {
        rest.get(..name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
            && rest[name.len()..].starts_with(['>', ' ', '\t', '\n', '/'])
    })
}

/// A raw code element made whole by [`raw_code`]: seen by typesetting as inline code is.
pub(super) fn is_raw_code(html: &str) -> bool {
    raw_code_tag(html).is_some() && html.contains("</")
}

fn opens_raw_code(s: &Spanned) -> bool {
    matches!(&s.ev, Ev::Html { html, block: false } if raw_code_tag(html).is_some())
}

/// Raw inline `<code>`, `<kbd>`, `<samp>`, `<var>`, `<tt>` holding only text (`設定
/// <kbd>Ctrl+,</kbd>`): one raw HTML event, its text escaped, which typesetting, an edition's
/// conversion and `check --fix` leave as written, as they leave Markdown's inline code.
fn raw_code(events: Vec<Spanned>) -> Vec<Spanned> {
    if !events.iter().any(opens_raw_code) {
        return events;
    }
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len());
    // where in `out` the element was opened, and its name
    let mut open: Option<(usize, &'static str)> = None;
    for s in events {
        let closes = |name: &str| match &s.ev {
            Ev::Html { html, block: false } => html
                .strip_prefix("</")
                .and_then(|r| r.get(..name.len()).map(|n| (n, &r[name.len()..])))
                .is_some_and(|(n, r)| n.eq_ignore_ascii_case(name) && r.trim_start() == ">"),
            _ => false,
        };
        match open {
            Some((at, name)) if closes(name) => {
                let start = out[at].span.start;
                let mut html = String::new();
                for e in out.drain(at..) {
                    match e.ev {
                        Ev::Html { html: h, .. } => html.push_str(&h),
                        Ev::Text(t) => {
                            html.push_str(&quick_xml::escape::partial_escape(t.as_str()))
                        }
                        _ => html.push('\n'),
                    }
                }
                if let Ev::Html { html: h, .. } = &s.ev {
                    html.push_str(h);
                }
                out.push(Spanned::new(
                    Ev::Html { html, block: false },
                    start..s.span.end,
                ));
                open = None;
                continue;
            }
            Some(_) if matches!(s.ev, Ev::Text(_) | Ev::SoftBreak) => {}
            // anything else inside: left as it is
            _ => open = None,
        }
        if let Ev::Html { html, block: false } = &s.ev
            && let Some(name) = raw_code_tag(html)
            && !html.trim_end().ends_with("/>")
        {
            open = Some((out.len(), name));
        }
        out.push(s);
    }
    out
}

/// The punctuation and soft-break changes `typeset` would make, in source order, with source spans.
pub fn lint(events: &[Spanned], opts: &TypesetOptions) -> Vec<Fix> {
    // as `typeset` sees them: raw code whole, rubies split out
    let owned: Vec<Spanned>;
    let events = if ruby::any(events) || events.iter().any(opens_raw_code) {
        owned = ruby::split(raw_code(Vec::from(events)));
        &owned[..]
    } else {
        events
    };
    let mut fixes: Vec<Fix> = engine::analyze(events, opts)
        .into_iter()
        .filter_map(|e| {
            let kind = match e.kind {
                Kind::Punctuation => "punctuation",
                Kind::SoftBreak => "soft-break",
                Kind::Layout => return None,
            };
            let Repl::Str(to) = e.repl else { return None };
            let s = &events[e.ev];
            let (span, from) = match &s.ev {
                Ev::Text(t) => {
                    let span = if s.span.len() == t.len() {
                        s.span.start + e.range.start..s.span.start + e.range.end
                    } else {
                        s.span.clone()
                    };
                    (span, t[e.range].to_string())
                }
                _ => (s.span.clone(), "\n".to_string()),
            };
            Some(Fix {
                span,
                from,
                to: to.to_string(),
                kind,
            })
        })
        .collect();
    // footnote bodies are moved to the end of their chapter: put fixes back in source order
    fixes.sort_by_key(|f| f.span.start);
    fixes
}

/// Apply a text event's edits, splitting out tcy and no-break runs.
fn apply_text(t: &str, span: std::ops::Range<usize>, edits: &[Edit], out: &mut Vec<Spanned>) {
    // pieces get exact sub-spans when the text is the source byte for byte
    let exact = span.len() == t.len();
    let sub = |a: usize, b: usize| {
        if exact {
            span.start + a..span.start + b
        } else {
            span.clone()
        }
    };
    let mut cur = String::with_capacity(t.len() + 2 * edits.len());
    let mut cur_start = 0;
    let mut pos = 0;
    for e in edits {
        cur.push_str(&t[pos..e.range.start]);
        match e.repl {
            Repl::Str(r) => cur.push_str(r),
            Repl::Tcy | Repl::NoBreak | Repl::Span(_) | Repl::Wbr => {
                if !cur.is_empty() {
                    out.push(Spanned::new(
                        Ev::Text(std::mem::take(&mut cur)),
                        sub(cur_start, e.range.start),
                    ));
                }
                let piece = t[e.range.clone()].to_string();
                let ev = match e.repl {
                    Repl::Tcy => Ev::Tcy(piece),
                    Repl::NoBreak => Ev::NoBreak(piece),
                    Repl::Span(style) => Ev::Span(style, piece),
                    _ => Ev::Wbr,
                };
                out.push(Spanned::new(ev, sub(e.range.start, e.range.end)));
                cur_start = e.range.end;
            }
        }
        pos = e.range.end;
    }
    cur.push_str(&t[pos..]);
    if !cur.is_empty() {
        out.push(Spanned::new(Ev::Text(cur), sub(cur_start, t.len())));
    }
}

/// Emphasis, strong, strikethrough and links do not break the text's context.
pub(crate) fn is_inline(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Link { .. }
            | Tag::Superscript
            | Tag::Subscript
    )
}
