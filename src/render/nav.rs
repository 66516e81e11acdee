//! The EPUB 3 navigation document (TOC and landmarks) and the EPUB 2 `toc.ncx`.

use super::xhtml::{close_document, open_document};
use super::xml::Xml;

/// An entry of the table of contents.
#[derive(Debug, Clone, PartialEq)]
pub struct TocEntry<'a> {
    pub title: &'a str,
    /// href relative to the package folder (`text/c001.xhtml`).
    pub href: String,
    /// Nesting depth (0: the top level); an entry is at most one level deeper than the one
    /// before it.
    pub depth: u8,
}

/// The depth each entry is written at: at most one deeper than the entry before it (the
/// first at 0).
fn depths(toc: &[TocEntry<'_>]) -> Vec<usize> {
    let mut out = Vec::with_capacity(toc.len());
    let mut prev: Option<usize> = None;
    for e in toc {
        let d = match prev {
            None => 0,
            Some(p) => usize::from(e.depth).min(p + 1),
        };
        out.push(d);
        prev = Some(d);
    }
    out
}

/// The words of the navigation in the book's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labels {
    /// Heading of the table of contents.
    pub toc: &'static str,
    /// The landmark where the text starts.
    pub start: &'static str,
    /// The cover page.
    pub cover: &'static str,
}

impl Labels {
    pub fn of(lang: &str) -> Labels {
        let zh = lang.starts_with("zh");
        Labels {
            toc: if lang.starts_with("zh-Hans") || lang.starts_with("zh-CN") {
                "目录"
            } else if zh {
                "目錄"
            } else {
                "Contents"
            },
            start: if zh { "正文" } else { "Start" },
            cover: if zh { "封面" } else { "Cover" },
        }
    }
}

/// What the navigation documents need.
pub struct NavContext<'a> {
    pub lang: &'a str,
    pub vertical: bool,
    pub title: &'a str,
    /// Heading of the TOC, in the book's language.
    pub toc_heading: &'a str,
    pub stylesheets: &'a [String],
    pub toc: &'a [TocEntry<'a>],
    /// (epub:type, title, href): `toc`, `bodymatter`, `cover`.
    pub landmarks: &'a [(&'a str, &'a str, String)],
}

/// About the size of a document listing `toc`, `markup` bytes an entry besides its title and
/// href: made without growing (a 20000-chapter book's NCX is 3.5 MB: growing it held 1.75 +
/// 3.5 + 7 MB at once), unless escapes lengthen titles.
fn text_bytes(toc: &[TocEntry<'_>], markup: usize) -> usize {
    toc.iter()
        .map(|e| e.title.len() + e.href.len() + markup + 2 * usize::from(e.depth))
        .sum()
}

/// `nav.xhtml`.
pub fn nav(cx: &NavContext<'_>) -> Vec<u8> {
    let mut x = Xml::with_capacity(1024 + text_bytes(cx.toc, 64));
    open_document(&mut x, cx.lang, cx.vertical, cx.title, cx.stylesheets);
    x.start("body", &[]);
    x.newline();
    x.start(
        "nav",
        &[
            ("epub:type", "toc"),
            ("id", "toc"),
            ("role", "doc-toc"),
            ("aria-labelledby", "toc-title"),
        ],
    );
    x.newline();
    x.element("h1", &[("id", "toc-title")], cx.toc_heading);
    x.newline();
    x.start("ol", &[]);
    x.newline();
    let depths = depths(cx.toc);
    for (i, e) in cx.toc.iter().enumerate() {
        let d = depths[i];
        x.start("li", &[]);
        x.element("a", &[("href", &e.href)], e.title);
        let next = depths.get(i + 1).copied().unwrap_or(0);
        if next > d {
            x.newline();
            x.start("ol", &[]);
            x.newline();
            continue;
        }
        x.end("li");
        x.newline();
        for _ in next..d {
            x.end("ol");
            x.newline();
            x.end("li");
            x.newline();
        }
    }
    x.end("ol");
    x.newline();
    x.end("nav");
    x.newline();
    x.start(
        "nav",
        &[
            ("epub:type", "landmarks"),
            ("id", "landmarks"),
            ("aria-label", landmarks_label(cx.lang)),
            ("hidden", "hidden"),
        ],
    );
    x.newline();
    x.start("ol", &[]);
    x.newline();
    for (kind, title, href) in cx.landmarks {
        x.start("li", &[]);
        x.element("a", &[("epub:type", kind), ("href", href)], title);
        x.end("li");
        x.newline();
    }
    x.end("ol");
    x.newline();
    x.end("nav");
    x.newline();
    close_document(&mut x);
    x.finish()
}

fn landmarks_label(lang: &str) -> &'static str {
    if lang.starts_with("zh") {
        "導覽"
    } else {
        "Landmarks"
    }
}

/// `toc.ncx` for EPUB 2 reading systems.
pub fn ncx(uid: &str, title: &str, lang: &str, toc: &[TocEntry<'_>]) -> Vec<u8> {
    let mut x = Xml::with_capacity(1024 + text_bytes(toc, 160));
    x.start(
        "ncx",
        &[
            ("xmlns", "http://www.daisy.org/z3986/2005/ncx/"),
            ("version", "2005-1"),
            ("xml:lang", lang),
        ],
    );
    x.newline();
    x.start("head", &[]);
    x.newline();
    let depths = depths(toc);
    let depth = (depths.iter().max().copied().unwrap_or(0) + 1).to_string();
    for (name, content) in [
        ("dtb:uid", uid),
        ("dtb:depth", depth.as_str()),
        ("dtb:totalPageCount", "0"),
        ("dtb:maxPageNumber", "0"),
    ] {
        x.empty("meta", &[("name", name), ("content", content)]);
        x.newline();
    }
    x.end("head");
    x.newline();
    x.start("docTitle", &[]);
    x.element("text", &[], title);
    x.end("docTitle");
    x.newline();
    x.start("navMap", &[]);
    x.newline();
    // entries that point at the same place share their play order
    let mut orders: Vec<&str> = Vec::new();
    for (i, e) in toc.iter().enumerate() {
        let id = format!("np{}", i + 1);
        if orders.last() != Some(&e.href.as_str()) {
            orders.push(&e.href);
        }
        let order = orders.len().to_string();
        x.start("navPoint", &[("id", &id), ("playOrder", &order)]);
        x.start("navLabel", &[]);
        x.element("text", &[], e.title);
        x.end("navLabel");
        x.empty("content", &[("src", &e.href)]);
        let next = depths.get(i + 1).copied().unwrap_or(0);
        if next > depths[i] {
            x.newline();
            continue;
        }
        x.end("navPoint");
        x.newline();
        for _ in next..depths[i] {
            x.end("navPoint");
            x.newline();
        }
    }
    x.end("navMap");
    x.newline();
    x.end("ncx");
    x.finish()
}
