//! One chapter → one XHTML document, written event by event through [`Xml`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::html::{HtmlContext, RawHtml};
use super::xml::Xml;
use crate::model::{Align, Chapter, Ev, Spanned, Tag};
use crate::typeset::{self, TypesetOptions, ruby};

/// What a chapter needs from the book to be written.
pub struct ChapterContext<'a> {
    pub lang: &'a str,
    pub vertical: bool,
    pub book_title: &'a str,
    pub kicker: Option<&'a str>,
    pub subtitle: Option<&'a str>,
    /// Stylesheet hrefs, relative to the chapter.
    pub stylesheets: &'a [String],
    /// Image `dest` (as written in this chapter's Markdown) → href relative to the chapter.
    pub image: &'a dyn Fn(&str) -> Option<String>,
}

/// A written chapter and the warnings met on the way (message, source span).
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub xhtml: Vec<u8>,
    pub warnings: Vec<(String, Range<usize>)>,
}

pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
pub const EPUB_NS: &str = "http://www.idpf.org/2007/ops";

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
    open_document(&mut x, cx.lang, cx.vertical, &c.title, cx.stylesheets);
    x.start("body", &[]);
    x.newline();
    let label: Vec<(&str, &str)>;
    let anchor = c.anchor.as_deref();
    if c.opening {
        label = match anchor {
            Some(a) => vec![("class", "opening"), ("aria-labelledby", a)],
            None => vec![("class", "opening"), ("aria-label", c.title.as_str())],
        };
        x.start("section", &label);
        x.newline();
        if let Some(k) = cx.kicker {
            metadata_line(&mut x, "p", "kicker", k, cx.vertical);
        }
        let has_h1 = c
            .events
            .iter()
            .any(|s| matches!(s.ev, Ev::Start(Tag::Heading { level: 1, .. })));
        if !has_h1 {
            metadata_line(&mut x, "h1", "title", cx.book_title, cx.vertical);
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
    let mut w = Writer::new(c, cx, &mut x);
    w.events(&c.events);
    let warnings = w.warnings;
    x.end("section");
    x.newline();
    close_document(&mut x);
    Rendered {
        xhtml: x.finish(),
        warnings,
    }
}

struct Writer<'a, 'x> {
    x: &'x mut Xml,
    cx: &'a ChapterContext<'a>,
    opening: bool,
    subtitle_pending: bool,
    lede_pending: bool,
    raw: RawHtml,
    ids: BTreeSet<String>,
    notes: BTreeMap<String, usize>,
    note_refs: BTreeMap<String, usize>,
    backlink: Option<usize>,
    notes_started: bool,
    table_align: Vec<Align>,
    cell: usize,
    in_head: bool,
    depth: usize,
    /// For each open link: whether it was written as `<a>` (else `<span>`: unresolved).
    links: Vec<bool>,
    /// The paragraph that starts next is a credit line.
    credit_next: bool,
    warnings: Vec<(String, Range<usize>)>,
}

impl<'a, 'x> Writer<'a, 'x> {
    fn new(c: &Chapter, cx: &'a ChapterContext<'a>, x: &'x mut Xml) -> Self {
        let mut notes = BTreeMap::new();
        let mut ids = BTreeSet::new();
        for s in &c.events {
            match &s.ev {
                Ev::FootnoteRef(l) if !notes.contains_key(l) => {
                    notes.insert(l.clone(), notes.len() + 1);
                }
                Ev::Start(Tag::Heading { id, .. }) => {
                    ids.insert(id.clone());
                }
                _ => {}
            }
        }
        Writer {
            x,
            cx,
            opening: c.opening,
            subtitle_pending: c.opening && cx.subtitle.is_some(),
            lede_pending: c.opening,
            raw: RawHtml::default(),
            ids,
            notes,
            note_refs: BTreeMap::new(),
            backlink: None,
            notes_started: false,
            table_align: Vec::new(),
            cell: 0,
            in_head: false,
            depth: 0,
            links: Vec::new(),
            credit_next: false,
            warnings: Vec::new(),
        }
    }

    fn events(&mut self, events: &[Spanned]) {
        let mut i = 0;
        while i < events.len() {
            let s = &events[i];
            if let Ev::Start(Tag::Image { dest, title }) = &s.ev {
                // the image's content is its alt text
                let mut alt = String::new();
                let mut j = i + 1;
                let mut nested = 0;
                while j < events.len() {
                    match &events[j].ev {
                        Ev::Start(Tag::Image { .. }) => nested += 1,
                        Ev::End(Tag::Image { .. }) if nested == 0 => break,
                        Ev::End(Tag::Image { .. }) => nested -= 1,
                        Ev::Ruby { base, .. } => alt.push_str(base),
                        ev => ev.each_text(|t| alt.push_str(t)),
                    }
                    j += 1;
                }
                self.image(dest, title, &alt, s.span.clone());
                i = j + 1;
                continue;
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
        self.raw.close_to(0, self.x);
        if self.notes_started {
            self.x.end("div");
            self.x.newline();
        }
    }

    fn image(&mut self, dest: &str, title: &str, alt: &str, span: Range<usize>) {
        if self.raw.dropping() {
            return;
        }
        match (self.cx.image)(dest) {
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
                self.x.empty("img", &attrs);
            }
            None => {
                self.warnings.push((
                    format!("image `{dest}` is not in the book: its alt text is kept"),
                    span,
                ));
                self.x.text(alt);
            }
        }
    }

    fn event(&mut self, s: &Spanned) {
        let x = &mut *self.x;
        match &s.ev {
            Ev::Start(tag) => {
                self.depth += 1;
                self.start(tag, s.span.clone());
            }
            Ev::End(tag) => {
                self.raw.close_to(self.depth, self.x);
                self.depth -= 1;
                self.end(tag);
            }
            _ if self.raw.dropping() && !matches!(s.ev, Ev::Html { .. }) => {}
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
            Ev::Html { html, block } => {
                let mut warnings = Vec::new();
                let image = self.cx.image;
                let link = |h: &str| -> Option<String> {
                    let lower = h.trim().to_ascii_lowercase();
                    if lower.starts_with("javascript:")
                        || lower.starts_with("vbscript:")
                        || lower.starts_with("data:")
                    {
                        None
                    } else {
                        Some(h.to_string())
                    }
                };
                let mut hcx = HtmlContext {
                    ids: &mut self.ids,
                    image,
                    link: &link,
                    in_link: self.links.iter().any(|&a| a),
                    warnings: &mut warnings,
                };
                self.raw.feed(html, !*block, self.depth, self.x, &mut hcx);
                self.warnings
                    .extend(warnings.into_iter().map(|w| (w, s.span.clone())));
            }
            // text, tcy, no-break runs, spans, <wbr>: written by `inline` above
            Ev::Text(_) | Ev::Tcy(_) | Ev::NoBreak(_) | Ev::Span(..) | Ev::Wbr => {}
        }
    }

    fn start(&mut self, tag: &Tag, span: Range<usize>) {
        let x = &mut *self.x;
        if self.raw.dropping() {
            return;
        }
        match tag {
            Tag::Paragraph => {
                if self.credit_next {
                    self.credit_next = false;
                    x.start("p", &[("class", "credit")]);
                } else if self.lede_pending && self.opening && !self.notes_started {
                    self.lede_pending = false;
                    x.start("p", &[("class", "lede")]);
                } else {
                    x.start("p", &[]);
                }
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
            Tag::Item => x.start("li", &[]),
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
                match self
                    .table_align
                    .get(self.cell)
                    .copied()
                    .unwrap_or(Align::None)
                {
                    Align::None => x.start(name, &[]),
                    Align::Left => x.start(name, &[("class", "left")]),
                    Align::Center => x.start(name, &[("class", "center")]),
                    Align::Right => x.start(name, &[("class", "right")]),
                }
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
        }
        let _ = span;
    }

    fn end(&mut self, tag: &Tag) {
        if self.raw.dropping() {
            return;
        }
        let x = &mut *self.x;
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
                    if let Some(sub) = self.cx.subtitle {
                        metadata_line(x, "p", "subtitle", sub, self.cx.vertical);
                    }
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
        }
    }
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
