//! One chapter → one XHTML document, written event by event through [`Xml`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::BookContext;
use super::html::{HtmlContext, close_inline, marker, opens_raw_text, rebuild, seal, track_inline};
use super::xml::Xml;
use super::{highlight, math};
use crate::model::{Align, Chapter, Ev, Spanned, Tag};
use crate::typeset::{self, TypesetOptions, ruby};

/// What a chapter needs from the book to be written.
pub struct ChapterContext<'a> {
    /// What every chapter shows of the book.
    pub book: &'a BookContext<'a>,
    /// The opening's lines: the book's, or an article's own.
    pub opening: OpeningLines<'a>,
    /// Image `dest` (as written in this chapter's Markdown) → href relative to the chapter.
    pub image: &'a dyn Fn(&str) -> Option<String>,
}

/// What an opening shows above its text: the book's title, kicker and subtitle, or an
/// article's, with its line of authors, date and source.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpeningLines<'a> {
    pub title: &'a str,
    pub kicker: Option<&'a str>,
    pub subtitle: Option<&'a str>,
    pub byline: Option<&'a str>,
}

/// A written chapter and the warnings met on the way (message, source span).
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub xhtml: Vec<u8>,
    pub warnings: Vec<(String, Range<usize>)>,
}

pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
pub const EPUB_NS: &str = "http://www.idpf.org/2007/ops";

/// The manifest properties a chapter's XHTML needs (`svg`, `mathml`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Properties {
    pub svg: bool,
    pub mathml: bool,
}

impl Properties {
    pub fn of(xhtml: &[u8]) -> Self {
        let has = |s: &[u8]| memchr::memmem::find(xhtml, s).is_some();
        Properties {
            svg: has(b"<svg"),
            mathml: has(b"<math"),
        }
    }

    /// `mathml svg`, `mathml`, `svg` or nothing.
    pub fn manifest(self) -> Option<String> {
        match (self.mathml, self.svg) {
            (true, true) => Some("mathml svg".into()),
            (true, false) => Some("mathml".into()),
            (false, true) => Some("svg".into()),
            (false, false) => None,
        }
    }
}

/// Start an XHTML document: `<html>` with both language attributes, and `<head>`.
pub fn open_document(x: &mut Xml, lang: &str, vertical: bool, title: &str, stylesheets: &[String]) {
    x.doctype_html();
    x.start(
        "html",
        &[
            ("xmlns", XHTML_NS),
            ("xmlns:epub", EPUB_NS),
            ("lang", lang),
            ("xml:lang", lang),
            (
                "class",
                if vertical {
                    "hanpub vertical"
                } else {
                    "hanpub horizontal"
                },
            ),
        ],
    );
    x.newline();
    x.start("head", &[]);
    x.newline();
    x.empty("meta", &[("charset", "UTF-8")]);
    x.newline();
    x.element("title", &[], title);
    x.newline();
    for href in stylesheets {
        x.empty(
            "link",
            &[("rel", "stylesheet"), ("type", "text/css"), ("href", href)],
        );
        x.newline();
    }
    x.end("head");
    x.newline();
}

/// Close `<body>` and `<html>`.
pub fn close_document(x: &mut Xml) {
    x.end("body");
    x.newline();
    x.end("html");
}

/// The cover page: one image, in the spine first.
pub fn cover_page(lang: &str, vertical: bool, title: &str, src: &str, alt: &str) -> Vec<u8> {
    let mut x = Xml::with_capacity(1024);
    open_document(
        &mut x,
        lang,
        vertical,
        title,
        &["../styles/hanpub.css".to_string()],
    );
    x.start("body", &[("class", "cover")]);
    x.newline();
    x.start("section", &[("epub:type", "cover"), ("aria-label", alt)]);
    x.empty("img", &[("src", src), ("alt", alt), ("role", "doc-cover")]);
    x.end("section");
    x.newline();
    close_document(&mut x);
    x.finish()
}

/// The subtitle and the byline under an opening's title, typeset like its title.
fn opening_lines(x: &mut Xml, subtitle: Option<&str>, byline: Option<&str>, vertical: bool) {
    if let Some(sub) = subtitle {
        metadata_line(x, "p", "subtitle", sub, vertical);
    }
    if let Some(b) = byline {
        metadata_line(x, "p", "byline", b, vertical);
    }
}

/// A line of metadata (kicker, subtitle, the book's title) as an element of its own, typeset
/// like a heading: tate-chu-yoko in vertical text, phrase breaks (its punctuation was
/// converted with the rest of the metadata).
fn metadata_line(x: &mut Xml, name: &str, class: &str, text: &str, vertical: bool) {
    let opts = TypesetOptions {
        punctuation: false,
        vertical,
    };
    x.start(name, &[("class", class)]);
    for s in typeset::line(text, &opts) {
        inline(x, &s.ev);
    }
    x.end(name);
    x.newline();
}

/// The inline events the typesetter makes (and text); `false` for any other.
fn inline(x: &mut Xml, ev: &Ev) -> bool {
    match ev {
        Ev::Text(t) => x.text(t),
        Ev::Tcy(t) => x.element("span", &[("class", "tcy")], t),
        Ev::NoBreak(t) => x.element("span", &[("class", "nobr")], t),
        Ev::Span(style, t) => x.element("span", &[("class", style.class())], t),
        Ev::Wbr => x.empty("wbr", &[]),
        Ev::Ruby { base, readings } => {
            write_ruby(x, base, readings);
        }
        _ => return false,
    }
    true
}

/// `<ruby>` with `<rp>` fallbacks: one `<rt>` per character when the readings match the
/// characters, else one over the whole base. Bopomofo rubies get the class `bopomofo` (set
/// to the right of each character). Returns the counts when they differ.
fn write_ruby(x: &mut Xml, base: &str, readings: &[String]) -> Option<(usize, usize)> {
    let (pairs, mismatch) = match ruby::pairs(base, readings) {
        Ok(p) => (p, None),
        Err(counts) => (Vec::new(), Some(counts)),
    };
    let joined;
    let pairs = if mismatch.is_some() {
        joined = readings.concat();
        vec![(base, joined.as_str())]
    } else {
        pairs
    };
    let bopomofo = readings.iter().all(|r| ruby::is_bopomofo(r));
    if bopomofo {
        x.start("ruby", &[("class", "bopomofo")]);
    } else {
        x.start("ruby", &[]);
    }
    for (b, r) in pairs {
        x.text(b);
        x.element("rp", &[], "（");
        // a tone mark (ˊˇˋ) of its own, to be set beside the column of letters
        match r
            .strip_suffix(['ˊ', 'ˇ', 'ˋ'])
            .filter(|l| bopomofo && !l.is_empty())
        {
            Some(letters) => {
                x.start("rt", &[]);
                x.text(letters);
                x.element("span", &[("class", "tone")], &r[letters.len()..]);
                x.end("rt");
            }
            None => x.element("rt", &[], r),
        }
        x.element("rp", &[], "）");
    }
    x.end("ruby");
    mismatch
}

/// Labels that open a credit line on the opening page (`來源：…`, `文：…／圖：…`).
const CREDIT_LABELS: &[&str] = &[
    "來源",
    "来源",
    "出處",
    "出处",
    "資料來源",
    "资料来源",
    "原文",
    "原載",
    "原载",
    "作者",
    "文",
    "撰文",
    "採訪",
    "采访",
    "整理",
    "編輯",
    "编辑",
    "責任編輯",
    "责任编辑",
    "圖",
    "图",
    "攝影",
    "摄影",
    "插畫",
    "插画",
    "翻譯",
    "翻译",
    "譯",
    "译",
    "譯者",
    "译者",
    "Source",
    "Photo",
    "Text",
    "Credit",
    "Credits",
];

/// Whether the paragraph whose events follow is a credit line: short, and opening with a
/// label and a colon.
fn is_credit(events: &[Spanned]) -> bool {
    let mut text = String::new();
    for s in events {
        match &s.ev {
            Ev::End(Tag::Paragraph) => break,
            Ev::Text(t) | Ev::Code(t) | Ev::Span(_, t) | Ev::Tcy(t) | Ev::NoBreak(t) => {
                text.push_str(t);
                if text.len() > 240 {
                    return false;
                }
            }
            _ => {}
        }
    }
    let text = text.trim_start();
    CREDIT_LABELS.iter().any(|l| {
        text.strip_prefix(l).is_some_and(|rest| {
            let rest = rest.trim_start_matches([' ', '\u{2005}']);
            rest.starts_with(['：', ':'])
        })
    })
}

/// Write one chapter.
pub fn chapter(c: &Chapter, cx: &ChapterContext<'_>) -> Rendered {
    let mut x =
        Xml::with_capacity(c.events.iter().map(|e| e.span.len()).sum::<usize>() * 5 / 4 + 1024);
    open_document(
        &mut x,
        cx.book.lang,
        cx.book.vertical,
        &c.title,
        cx.book.stylesheets,
    );
    x.start("body", &[]);
    x.newline();
    let label: Vec<(&str, &str)>;
    let anchor = c.anchor.as_deref();
    if c.opening || c.article {
        label = match anchor {
            Some(a) => vec![("class", "opening"), ("aria-labelledby", a)],
            None => vec![("class", "opening"), ("aria-label", c.title.as_str())],
        };
        x.start("section", &label);
        x.newline();
        if let Some(k) = cx.opening.kicker {
            metadata_line(&mut x, "p", "kicker", k, cx.book.vertical);
        }
        // (a README's `<h1 align="center">` too: the title is not written twice)
        let has_h1 = c.events.iter().any(|s| match &s.ev {
            Ev::Start(Tag::Heading { level: 1, .. }) => true,
            Ev::Html { html, .. } => html.contains("<h1") || html.contains("<H1"),
            _ => false,
        });
        if !has_h1 {
            metadata_line(&mut x, "h1", "title", cx.opening.title, cx.book.vertical);
            if c.article {
                opening_lines(
                    &mut x,
                    cx.opening.subtitle,
                    cx.opening.byline,
                    cx.book.vertical,
                );
            }
        }
    } else {
        label = match anchor {
            Some(a) => vec![
                ("epub:type", "chapter"),
                ("role", "doc-chapter"),
                ("aria-labelledby", a),
            ],
            None => vec![
                ("epub:type", "chapter"),
                ("role", "doc-chapter"),
                ("aria-label", c.title.as_str()),
            ],
        };
        x.start("section", &label);
        x.newline();
    }
    let warnings = if c.events.iter().any(|s| matches!(s.ev, Ev::Html { .. })) {
        // raw HTML: the chapter's content as one HTML string, read as a browser reads it
        let mut body = Xml::for_raw_html();
        let mut spans = Vec::new();
        let mut w = Writer::new(c, cx, &mut body, Some(&mut spans));
        w.events(&c.events);
        let mut warnings = w.warnings;
        let html = String::from_utf8(body.finish()).expect("the writer writes UTF-8");
        let mut ids = BTreeSet::new();
        rebuild(
            &html,
            &mut x,
            &mut HtmlContext {
                ids: &mut ids,
                image: cx.image,
                spans: &spans,
                links: &c.links,
                warnings: &mut warnings,
                formula_defs: &|tex, at| cx.book.macros.prelude(c.source, at, tex),
            },
        );
        warnings
    } else {
        let mut w = Writer::new(c, cx, &mut x, None);
        w.events(&c.events);
        w.warnings
    };
    x.end("section");
    x.newline();
    close_document(&mut x);
    Rendered {
        xhtml: x.finish(),
        warnings,
    }
}

/// Whether the paragraph, list item or table cell `events` starts with is an English passage
/// ([`crate::typeset::is_english_block`]); a list item only when it holds no block (a tight
/// item without a list inside).
fn english_block(events: &[Spanned]) -> bool {
    let mut depth = 0usize;
    for (n, s) in events.iter().enumerate() {
        match &s.ev {
            Ev::Start(tag) => {
                if depth > 0 && !crate::typeset::is_inline(tag) && !matches!(tag, Tag::Image { .. })
                {
                    return false;
                }
                depth += 1;
            }
            Ev::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return crate::typeset::is_english_block(&events[..=n]);
                }
            }
            _ => {}
        }
    }
    false
}

/// A block that holds paragraphs of its own (a quote, a list, an alert, a table, a note).
fn nests(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::BlockQuote
            | Tag::List { .. }
            | Tag::Table { .. }
            | Tag::FootnoteDefinition(_)
            | Tag::Alert(_)
            | Tag::DefinitionList
    )
}

struct Writer<'a, 'x> {
    x: &'x mut Xml,
    cx: &'a ChapterContext<'a>,
    opening: bool,
    subtitle_pending: bool,
    lede_pending: bool,
    /// Spans of the raw HTML chunks written, when raw HTML is written as it is (for
    /// [`rebuild`]); None: the chapter has none.
    raw: Option<&'x mut Vec<Range<usize>>>,
    notes: BTreeMap<String, usize>,
    note_refs: BTreeMap<String, usize>,
    backlink: Option<usize>,
    notes_started: bool,
    table_align: Vec<Align>,
    cell: usize,
    in_head: bool,
    /// For each open link: whether it was written as `<a>` (else `<span>`: unresolved).
    links: Vec<bool>,
    /// The paragraph that starts next is a credit line.
    credit_next: bool,
    /// The paragraph, list item or table cell that starts next is an English passage
    /// ([`english_block`]).
    english_next: bool,
    /// How many quotes, lists, alerts, tables and notes are open: the lede is a paragraph of
    /// the text itself, never one inside them.
    nested: usize,
    /// Inline formatting elements raw HTML left open in the current block: closed at its end
    /// (a browser would carry them into every following paragraph).
    inline_open: Vec<String>,
    warnings: Vec<(String, Range<usize>)>,
    /// The chapter's source file (for its formula macros).
    source: usize,
}

impl<'a, 'x> Writer<'a, 'x> {
    fn new(
        c: &Chapter,
        cx: &'a ChapterContext<'a>,
        x: &'x mut Xml,
        raw: Option<&'x mut Vec<Range<usize>>>,
    ) -> Self {
        let mut notes = BTreeMap::new();
        for s in &c.events {
            if let Ev::FootnoteRef(l) = &s.ev
                && !notes.contains_key(l)
            {
                notes.insert(l.clone(), notes.len() + 1);
            }
        }
        Writer {
            x,
            cx,
            opening: c.opening || c.article,
            subtitle_pending: (c.opening || c.article)
                && (cx.opening.subtitle.is_some() || cx.opening.byline.is_some()),
            lede_pending: c.opening || c.article,
            nested: 0,
            raw,
            notes,
            note_refs: BTreeMap::new(),
            backlink: None,
            notes_started: false,
            table_align: Vec::new(),
            cell: 0,
            in_head: false,
            links: Vec::new(),
            credit_next: false,
            english_next: false,
            inline_open: Vec::new(),
            warnings: Vec::new(),
            source: c.source,
        }
    }

    fn events(&mut self, events: &[Spanned]) {
        let mut i = 0;
        while i < events.len() {
            let s = &events[i];
            match &s.ev {
                Ev::Start(Tag::Image { dest, title }) => {
                    let (alt, end) = alt_text(events, i);
                    self.image(dest, title, &alt, s.span.clone());
                    i = end + 1;
                    continue;
                }
                Ev::Start(Tag::Paragraph) if self.figure(events, i) => {
                    // paragraph, image, alt text, end of image, end of paragraph
                    i = alt_text(events, i + 1).1 + 2;
                    continue;
                }
                Ev::Start(Tag::Paragraph | Tag::Item | Tag::TableCell)
                    if !self.cx.book.lang.starts_with("en") =>
                {
                    self.english_next = english_block(&events[i..]);
                }
                Ev::Start(Tag::CodeBlock { lang }) => {
                    let mut code = String::new();
                    let mut j = i + 1;
                    while j < events.len()
                        && !matches!(events[j].ev, Ev::End(Tag::CodeBlock { .. }))
                    {
                        if let Ev::Text(t) = &events[j].ev {
                            code.push_str(t);
                        }
                        j += 1;
                    }
                    self.code_block(lang.as_deref(), &code);
                    i = j + 1;
                    continue;
                }
                Ev::Html { html, block: false } if opens_raw_text(html).is_some() => {
                    // an unclosed inline <script>: its content runs to the end of the paragraph
                    self.event(s);
                    let name = opens_raw_text(html).unwrap_or("script");
                    let mut depth = 0usize;
                    let mut j = i + 1;
                    while j < events.len() {
                        match &events[j].ev {
                            Ev::Start(_) => depth += 1,
                            Ev::End(_) if depth == 0 => break,
                            Ev::End(_) => depth -= 1,
                            Ev::Html { html, .. }
                                if depth == 0
                                    && html.to_ascii_lowercase().contains(&format!("</{name}")) =>
                            {
                                j += 1;
                                break;
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    // close every container opened while skipping
                    i = j;
                    if depth > 0 {
                        // unbalanced skip: write the ends it skipped over
                        for e in &events[i..] {
                            if depth == 0 {
                                break;
                            }
                            if let Ev::End(tag) = &e.ev {
                                self.end(tag);
                                depth -= 1;
                            }
                            i += 1;
                        }
                    }
                    continue;
                }
                _ => {}
            }
            if matches!(s.ev, Ev::Start(Tag::Paragraph))
                && self.opening
                && !self.notes_started
                && is_credit(&events[i + 1..])
            {
                self.credit_next = true;
            }
            self.event(s);
            i += 1;
        }
        if self.notes_started {
            self.x.end("div");
            self.x.newline();
        }
    }

    /// A paragraph holding one image with alt text and nothing else becomes a figure with the
    /// alt text as its caption. Returns false (nothing written) for any other paragraph.
    fn figure(&mut self, events: &[Spanned], i: usize) -> bool {
        let Some(Ev::Start(Tag::Image { dest, title })) = events.get(i + 1).map(|s| &s.ev) else {
            return false;
        };
        let (alt, end) = alt_text(events, i + 1);
        if !matches!(
            events.get(end + 1).map(|s| &s.ev),
            Some(Ev::End(Tag::Paragraph))
        ) || alt.trim().is_empty()
            || self.backlink.is_some()
        {
            return false;
        }
        let Some(href) = (self.cx.image)(dest)
            .filter(|h| !crate::chapters::is_external(h))
            .map(|href| self.src(dest, href))
        else {
            return false;
        };
        let x = &mut *self.x;
        x.start("figure", &[("class", "image")]);
        let mut attrs = vec![("src", href.as_str()), ("alt", alt.as_str())];
        if !title.is_empty() {
            attrs.push(("title", title));
        }
        x.empty("img", &attrs);
        // the caption repeats the alt text: screen readers read it once
        x.element("figcaption", &[("aria-hidden", "true")], &alt);
        x.end("figure");
        x.newline();
        true
    }

    /// An image's `src`: its href in the EPUB, or, when the chapter is written for
    /// [`rebuild`], its destination as written (the sanitiser maps every `src` itself).
    fn src(&self, dest: &str, href: String) -> String {
        if self.raw.is_some() {
            dest.to_string()
        } else {
            href
        }
    }

    /// `<pre><code>`, highlighted when the fence names a language syntect knows.
    fn code_block(&mut self, lang: Option<&str>, code: &str) {
        let x = &mut *self.x;
        x.start("pre", &[]);
        match lang {
            Some(l) => {
                let class = format!("language-{l}");
                x.start("code", &[("class", &class)]);
                if !highlight::write(x, code, l) {
                    x.text(code);
                }
            }
            None => {
                x.start("code", &[]);
                x.text(code);
            }
        }
        x.end("code");
        x.end("pre");
        x.newline();
    }

    fn image(&mut self, dest: &str, title: &str, alt: &str, span: Range<usize>) {
        let given = (self.cx.image)(dest);
        // an image on the web, as a link to it (`--remote-images link`)
        if let Some(url) = given.as_ref().filter(|u| crate::chapters::is_external(u)) {
            let text = if alt.trim().is_empty() {
                url.as_str()
            } else {
                alt
            };
            // inside a link (a README's badge), its text: links do not nest
            if self.links.iter().any(|&open| open) {
                self.x.text(text);
            } else {
                self.x.element("a", &[("href", url.as_str())], text);
            }
            return;
        }
        match given.map(|href| self.src(dest, href)) {
            Some(href) => {
                if alt.trim().is_empty() {
                    self.warnings.push((
                        format!("image `{dest}` has no alt text: write ![what it shows]({dest}), so screen readers can describe it"),
                        span,
                    ));
                }
                let mut attrs = vec![("src", href.as_str()), ("alt", alt)];
                if !title.is_empty() {
                    attrs.push(("title", title));
                }
                // for the sanitiser: a Markdown image, its alt text already checked
                if self.raw.is_some() {
                    attrs.push((super::html::MARKDOWN_IMAGE, ""));
                }
                self.x.empty("img", &attrs);
            }
            None => {
                // the resources stage said why an image on the web or in a `data:` URL is left out
                if !crate::chapters::is_external(dest) {
                    self.warnings.push((
                        format!("image `{dest}` is not in the book: its alt text is kept"),
                        span,
                    ));
                }
                self.x.text(alt);
            }
        }
    }

    fn event(&mut self, s: &Spanned) {
        let x = &mut *self.x;
        match &s.ev {
            Ev::Start(tag) => self.start(tag),
            Ev::End(tag) => self.end(tag),
            Ev::Ruby { base, readings } => {
                if let Some((r, n)) = write_ruby(x, base, readings) {
                    self.warnings.push((
                        format!(
                            "ruby `{{{base}|{}}}` has {r} readings for {n} characters: set as one reading over the whole word (give one reading per character, or one for the word)",
                            readings.join("|")
                        ),
                        s.span.clone(),
                    ));
                }
            }
            ev if inline(x, ev) => {}
            Ev::Code(t) => x.element("code", &[], t),
            Ev::SoftBreak => x.text("\n"),
            Ev::HardBreak => {
                x.empty("br", &[]);
                x.newline();
            }
            Ev::Rule => {
                x.empty("hr", &[]);
                x.newline();
            }
            Ev::TaskMarker(done) => x.text(if *done { "☑ " } else { "☐ " }),
            Ev::FootnoteRef(label) => {
                let n = self.notes.get(label).copied().unwrap_or(0);
                let count = self.note_refs.entry(label.clone()).or_insert(0);
                *count += 1;
                let id = if *count == 1 {
                    format!("fnref-{n}")
                } else {
                    format!("fnref-{n}-{count}")
                };
                let href = format!("#fn-{n}");
                let num = n.to_string();
                x.start("sup", &[]);
                x.element(
                    "a",
                    &[
                        ("epub:type", "noteref"),
                        ("role", "doc-noteref"),
                        ("id", &id),
                        ("href", &href),
                    ],
                    &num,
                );
                x.end("sup");
            }
            Ev::Math { tex, display } => {
                let defs = self.cx.book.macros.prelude(self.source, s.span.end, tex);
                if let Err(why) = math::write(x, tex, *display, &defs) {
                    let shown = if *display {
                        format!("$${tex}$$")
                    } else {
                        format!("${tex}$")
                    };
                    x.element("code", &[("class", "tex")], &shown);
                    self.warnings.push((
                        format!("formula `{}` cannot be converted to MathML ({why}): it is shown as TeX", tex.trim()),
                        s.span.clone(),
                    ));
                }
            }
            Ev::Html { html, block } => match &mut self.raw {
                Some(spans) => {
                    x.raw_html(&marker(spans.len()));
                    if *block {
                        x.raw_html(&seal(&close_inline(html)));
                    } else {
                        x.raw_html(&seal(html));
                        track_inline(html, &mut self.inline_open);
                    }
                    spans.push(s.span.clone());
                }
                None => unreachable!("a chapter with raw HTML is written with `raw`"),
            },
            // text, tcy, no-break runs, spans, <wbr>: written by `inline` above
            Ev::Text(_) | Ev::Tcy(_) | Ev::NoBreak(_) | Ev::Span(..) | Ev::Wbr => {}
        }
    }

    /// `lang="en"` for the block that starts, when it is an English passage
    /// ([`Writer::english_next`]).
    fn lang(&mut self) -> Vec<(&'static str, &'static str)> {
        if !std::mem::take(&mut self.english_next) {
            return Vec::new();
        }
        // raw HTML's tree adds `xml:lang` to every `lang` it keeps
        if self.raw.is_some() {
            vec![("lang", "en")]
        } else {
            vec![("lang", "en"), ("xml:lang", "en")]
        }
    }

    fn start(&mut self, tag: &Tag) {
        if nests(tag) {
            self.nested += 1;
        }
        let lang = match tag {
            Tag::Paragraph | Tag::Item | Tag::TableCell => self.lang(),
            _ => Vec::new(),
        };
        let x = &mut *self.x;
        match tag {
            Tag::Paragraph => {
                let mut attrs = Vec::new();
                if self.credit_next {
                    self.credit_next = false;
                    attrs.push(("class", "credit"));
                } else if self.lede_pending
                    && self.opening
                    && !self.notes_started
                    && self.nested == 0
                {
                    self.lede_pending = false;
                    attrs.push(("class", "lede"));
                }
                attrs.extend(lang);
                x.start("p", &attrs);
                if let Some(n) = self.backlink.take() {
                    backlink(x, n);
                    x.text(" ");
                }
            }
            Tag::Heading { level, id, classes } => {
                let name = heading_name(*level);
                let mut class = classes.join(" ");
                if self.opening && *level == 1 {
                    class = if class.is_empty() {
                        "title".into()
                    } else {
                        format!("title {class}")
                    };
                }
                let mut attrs = vec![("id", id.as_str())];
                if !class.is_empty() {
                    attrs.push(("class", class.as_str()));
                }
                x.start(name, &attrs);
            }
            Tag::BlockQuote => {
                x.start("blockquote", &[]);
                x.newline();
            }
            Tag::CodeBlock { lang } => {
                x.start("pre", &[]);
                match lang {
                    Some(l) => x.start("code", &[("class", &format!("language-{l}"))]),
                    None => x.start("code", &[]),
                }
            }
            Tag::List { start: Some(n) } => {
                if *n == 1 {
                    x.start("ol", &[]);
                } else {
                    x.start("ol", &[("start", &n.to_string())]);
                }
                x.newline();
            }
            Tag::List { start: None } => {
                x.start("ul", &[]);
                x.newline();
            }
            Tag::Item => x.start("li", &lang),
            Tag::Table { align } => {
                self.table_align = align.clone();
                x.start("table", &[]);
                x.newline();
            }
            Tag::TableHead => {
                self.in_head = true;
                self.cell = 0;
                x.start("thead", &[]);
                x.start("tr", &[]);
            }
            Tag::TableRow => {
                self.cell = 0;
                x.start("tr", &[]);
            }
            Tag::TableCell => {
                let name = if self.in_head { "th" } else { "td" };
                let mut attrs = match self
                    .table_align
                    .get(self.cell)
                    .copied()
                    .unwrap_or(Align::None)
                {
                    Align::None => vec![],
                    Align::Left => vec![("class", "left")],
                    Align::Center => vec![("class", "center")],
                    Align::Right => vec![("class", "right")],
                };
                attrs.extend(lang);
                x.start(name, &attrs);
                self.cell += 1;
            }
            Tag::Emphasis => x.start("em", &[]),
            Tag::Strong => x.start("strong", &[]),
            Tag::Strikethrough => x.start("s", &[]),
            Tag::Link { dest, title } => {
                self.links.push(!dest.is_empty());
                if dest.is_empty() {
                    x.start("span", &[]);
                } else if title.is_empty() {
                    x.start("a", &[("href", dest)]);
                } else {
                    x.start("a", &[("href", dest), ("title", title)]);
                }
            }
            Tag::Image { .. } => {}
            Tag::FootnoteDefinition(label) => {
                let n = self.notes.get(label).copied().unwrap_or(0);
                if !self.notes_started {
                    self.notes_started = true;
                    x.start("div", &[("class", "footnotes")]);
                    x.newline();
                }
                let id = format!("fn-{n}");
                x.start(
                    "aside",
                    &[
                        ("epub:type", "footnote"),
                        ("role", "doc-footnote"),
                        ("id", &id),
                    ],
                );
                x.newline();
                self.backlink = Some(n);
            }
            Tag::HtmlBlock => {}
            Tag::Alert(kind) => {
                let (class, title) = kind.class_and_title(self.cx.book.lang.starts_with("zh"));
                let class = format!("alert {class}");
                x.start("aside", &[("class", &class), ("role", "note")]);
                x.newline();
                x.element("p", &[("class", "alert-title")], title);
                x.newline();
            }
            Tag::DefinitionList => {
                x.start("dl", &[]);
                x.newline();
            }
            Tag::DefinitionTerm => x.start("dt", &[]),
            Tag::DefinitionDetails => x.start("dd", &[]),
            Tag::Superscript => x.start("sup", &[]),
            Tag::Subscript => x.start("sub", &[]),
        }
    }

    fn end(&mut self, tag: &Tag) {
        if nests(tag) {
            self.nested = self.nested.saturating_sub(1);
        }
        let x = &mut *self.x;
        if !self.inline_open.is_empty() && !crate::typeset::is_inline(tag) {
            for n in self.inline_open.drain(..).rev() {
                x.raw_html(&format!("</{n}>"));
            }
        }
        match tag {
            Tag::Paragraph => {
                x.end("p");
                x.newline();
            }
            Tag::Heading { level, .. } => {
                x.end(heading_name(*level));
                x.newline();
                if self.subtitle_pending && *level == 1 {
                    self.subtitle_pending = false;
                    opening_lines(
                        x,
                        self.cx.opening.subtitle,
                        self.cx.opening.byline,
                        self.cx.book.vertical,
                    );
                }
            }
            Tag::BlockQuote => {
                x.end("blockquote");
                x.newline();
            }
            Tag::CodeBlock { .. } => {
                x.end("code");
                x.end("pre");
                x.newline();
            }
            Tag::List { start } => {
                x.end(if start.is_some() { "ol" } else { "ul" });
                x.newline();
            }
            Tag::Item => {
                x.end("li");
                x.newline();
            }
            Tag::Table { .. } => {
                if !self.in_head {
                    x.end("tbody");
                }
                self.in_head = false;
                x.end("table");
                x.newline();
            }
            Tag::TableHead => {
                x.end("tr");
                x.end("thead");
                x.newline();
                x.start("tbody", &[]);
                self.in_head = false;
            }
            Tag::TableRow => {
                x.end("tr");
                x.newline();
            }
            Tag::TableCell => x.end(if self.in_head { "th" } else { "td" }),
            Tag::Emphasis => x.end("em"),
            Tag::Strong => x.end("strong"),
            Tag::Strikethrough => x.end("s"),
            Tag::Link { .. } => x.end(if self.links.pop().unwrap_or(false) {
                "a"
            } else {
                "span"
            }),
            Tag::Image { .. } => {}
            Tag::FootnoteDefinition(_) => {
                if let Some(n) = self.backlink.take() {
                    x.start("p", &[]);
                    backlink(x, n);
                    x.end("p");
                }
                x.end("aside");
                x.newline();
            }
            Tag::HtmlBlock => {}
            Tag::Alert(_) => {
                x.end("aside");
                x.newline();
            }
            Tag::DefinitionList => {
                x.end("dl");
                x.newline();
            }
            Tag::DefinitionTerm => {
                x.end("dt");
                x.newline();
            }
            Tag::DefinitionDetails => {
                x.end("dd");
                x.newline();
            }
            Tag::Superscript => x.end("sup"),
            Tag::Subscript => x.end("sub"),
        }
    }
}

/// The alt text of the image starting at `events[i]`, and the index of its end.
fn alt_text(events: &[Spanned], i: usize) -> (String, usize) {
    let mut alt = String::new();
    let mut j = i + 1;
    let mut nested = 0;
    while j < events.len() {
        match &events[j].ev {
            Ev::Start(Tag::Image { .. }) => nested += 1,
            Ev::End(Tag::Image { .. }) if nested == 0 => break,
            Ev::End(Tag::Image { .. }) => nested -= 1,
            Ev::Math { tex, .. } => alt.push_str(tex),
            Ev::Ruby { base, .. } => alt.push_str(base),
            ev => ev.each_text(|t| alt.push_str(t)),
        }
        j += 1;
    }
    (alt, j)
}

/// The link from footnote `n` back to where it is cited.
fn backlink(x: &mut Xml, n: usize) {
    let href = format!("#fnref-{n}");
    x.element(
        "a",
        &[
            ("href", &href),
            ("role", "doc-backlink"),
            ("class", "backlink"),
        ],
        &n.to_string(),
    );
}

fn heading_name(level: u8) -> &'static str {
    match level {
        1 => "h1",
        2 => "h2",
        3 => "h3",
        4 => "h4",
        5 => "h5",
        _ => "h6",
    }
}
