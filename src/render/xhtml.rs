//! One chapter → one XHTML document, written event by event through [`Xml`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::html::{HtmlContext, RawHtml};
use super::xml::Xml;
use crate::model::{Align, Chapter, Ev, Spanned, Tag};

/// What a chapter needs from the book to be written.
pub struct ChapterContext<'a> {
    pub lang: &'a str,
    pub vertical: bool,
    pub book_title: &'a str,
    pub kicker: Option<&'a str>,
    pub subtitle: Option<&'a str>,
    /// An article's line of authors, date and source, under its title.
    pub byline: Option<&'a str>,
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

/// The subtitle and the byline under an opening's title.
fn opening_lines(x: &mut Xml, subtitle: Option<&str>, byline: Option<&str>) {
    if let Some(sub) = subtitle {
        x.element("p", &[("class", "subtitle")], sub);
        x.newline();
    }
    if let Some(b) = byline {
        x.element("p", &[("class", "byline")], b);
        x.newline();
    }
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
    if c.opening || c.article {
        label = match anchor {
            Some(a) => vec![("class", "opening"), ("aria-labelledby", a)],
            None => vec![("class", "opening"), ("aria-label", c.title.as_str())],
        };
        x.start("section", &label);
        x.newline();
        if let Some(k) = cx.kicker {
            x.element("p", &[("class", "kicker")], k);
            x.newline();
        }
        let has_h1 = c
            .events
            .iter()
            .any(|s| matches!(s.ev, Ev::Start(Tag::Heading { level: 1, .. })));
        if !has_h1 {
            x.element("h1", &[("class", "title")], cx.book_title);
            x.newline();
            if c.article {
                opening_lines(&mut x, cx.subtitle, cx.byline);
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
    /// Raw `<a href>`s resolved by the split ([`Chapter::links`]).
    raw_links: &'a BTreeMap<String, String>,
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
    warnings: Vec<(String, Range<usize>)>,
}

impl<'a, 'x> Writer<'a, 'x> {
    fn new(c: &'a Chapter, cx: &'a ChapterContext<'a>, x: &'x mut Xml) -> Self {
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
            opening: c.opening || c.article,
            subtitle_pending: (c.opening || c.article)
                && (cx.subtitle.is_some() || cx.byline.is_some()),
            lede_pending: c.opening || c.article,
            raw_links: &c.links,
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
                        Ev::Text(t) | Ev::Code(t) | Ev::Tcy(t) | Ev::NoBreak(t) => alt.push_str(t),
                        _ => {}
                    }
                    j += 1;
                }
                self.image(dest, title, &alt, s.span.clone());
                i = j + 1;
                continue;
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
            // an image on the web, as a link to it (`--remote-images link`)
            Some(url) if crate::chapters::is_external(&url) => {
                let text = if alt.trim().is_empty() {
                    url.as_str()
                } else {
                    alt
                };
                self.x.element("a", &[("href", url.as_str())], text);
            }
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
                // the images stage said why an image on the web or in a `data:` URL is left out
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
            Ev::Text(t) => x.text(t),
            Ev::Code(t) => x.element("code", &[], t),
            Ev::Tcy(t) => x.element("span", &[("class", "tcy")], t),
            Ev::NoBreak(t) => x.element("span", &[("class", "nobr")], t),
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
                let given = self.cx.image;
                // raw `<img>` of the web cannot be a link where it stands: left out
                let image = &|src: &str| given(src).filter(|h| !crate::chapters::is_external(h));
                let raw_links = self.raw_links;
                let link = |h: &str| -> Option<String> {
                    if let Some(to) = raw_links.get(h) {
                        return (!to.is_empty()).then(|| to.clone());
                    }
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
        }
    }

    fn start(&mut self, tag: &Tag, span: Range<usize>) {
        let x = &mut *self.x;
        if self.raw.dropping() {
            return;
        }
        match tag {
            Tag::Paragraph => {
                if self.lede_pending && self.opening && !self.notes_started {
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
                    opening_lines(x, self.cx.subtitle, self.cx.byline);
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
