//! The render stage: each chapter → an XHTML document, compressed for the package
//! ([`chapters`]); then the documents that describe the book ([`documents`]): the navigation
//! (`nav.xhtml`, `toc.ncx`), the cover page and the package document (`content.opf`).

pub mod highlight;
pub mod html;
pub mod macros;
pub mod math;
pub mod mhchem;
pub mod nav;
pub mod opf;
pub mod xhtml;
pub mod xml;

use std::ops::Range;

/// Every character hanpub itself writes where a reader sees it, besides the book's text: the
/// navigation's headings and landmarks (目錄/目录, 導覽, 正文, 封面), the cover page's label,
/// ruby fallbacks (`（）`), the stylesheets' generated content (the section-break ornament
/// `＊　＊　＊`). An embedded font is subset to these too (`tests/typeset.rs` checks that every
/// character of a built book is in its font).
pub const GENERATED_TEXT: &str = "目錄目录導覽正文封面：（）＊\u{3000}";

use crate::assets::Assets;
use crate::config::{Layout, Metadata};
use crate::diagnostics::Diagnostic;
use crate::model::Chapter;
use crate::package::{self, Prepared};
use crate::project::Source;
use crate::resources::ImageMap;
use crate::transform::Identity;

/// What every chapter shows of the book: its language and writing mode, the title, kicker and
/// subtitle of the opening, the stylesheets.
#[derive(Debug, Clone, PartialEq)]
pub struct BookContext<'a> {
    pub lang: &'a str,
    pub vertical: bool,
    pub title: &'a str,
    pub kicker: Option<&'a str>,
    pub subtitle: Option<&'a str>,
    /// Stylesheet hrefs, relative to the chapter.
    pub stylesheets: &'a [String],
    /// The series the book belongs to (an article's kicker names it with its episode).
    pub series: Option<&'a str>,
    /// Per source: its article's metadata (as shown), in a book of articles (boxed: a book
    /// of 20000 files that are not articles holds 20000 `None`s).
    pub articles: &'a [Option<Box<Metadata>>],
    /// The formula macros of the book and of each file.
    pub macros: &'a macros::BookMacros,
}

/// A book without formula macros.
static NO_MACROS: macros::BookMacros = macros::BookMacros::none();

impl<'a> BookContext<'a> {
    /// The context of a book with this metadata (as shown), writing mode and stylesheets.
    pub fn new(meta: &'a Metadata, vertical: bool, stylesheets: &'a [String]) -> Self {
        BookContext {
            lang: &meta.lang,
            vertical,
            title: &meta.title,
            kicker: meta.kicker.as_deref(),
            subtitle: meta.subtitle.as_deref(),
            stylesheets,
            series: meta.series.as_ref().map(|s| s.name.as_str()),
            articles: &[],
            macros: &NO_MACROS,
        }
    }

    /// The same context, with the book's formula macros.
    pub fn with_macros(self, macros: &'a macros::BookMacros) -> Self {
        BookContext { macros, ..self }
    }

    /// The same context, with the metadata of the book's articles.
    pub fn with_articles(self, articles: &'a [Option<Box<Metadata>>]) -> Self {
        BookContext { articles, ..self }
    }
}

/// What an article's opening shows: its kicker (or its series and episode), its title,
/// subtitle, and a line with its authors, date and source.
fn article_opening(cx: &BookContext<'_>, a: &Metadata) -> (Option<String>, Option<String>) {
    let zh = cx.lang.starts_with("zh");
    let kicker = a.kicker.clone().or_else(|| {
        let n = a.episode.as_ref()?;
        Some(match (cx.series, zh) {
            (Some(s), true) => format!("{s} 第 {n} 集"),
            (Some(s), false) => format!("{s} #{n}"),
            (None, true) => format!("第 {n} 集"),
            (None, false) => format!("#{n}"),
        })
    });
    let mut parts: Vec<String> = Vec::new();
    if !a.authors.is_empty() {
        parts.push(a.authors.join(if zh { "、" } else { ", " }));
    }
    if let Some(d) = &a.date {
        parts.push(show_date(d, zh));
    }
    if let Some(s) = &a.source {
        parts.push(s.clone());
    }
    let byline = (!parts.is_empty()).then(|| parts.join(" · "));
    (kicker, byline)
}

/// `2021-02-19` → `2021年2月19日` in Chinese (the date part of a date-time).
fn show_date(d: &str, zh: bool) -> String {
    let day = d.get(..10).unwrap_or(d);
    let p: Vec<&str> = day.split('-').collect();
    let n = |s: &str| s.trim_start_matches('0').to_string();
    match (zh, p.as_slice()) {
        (true, [y, m, d]) => format!("{y}年{}月{}日", n(m), n(d)),
        (true, [y, m]) => format!("{y}年{}月", n(m)),
        (true, [y]) => format!("{y}年"),
        _ => day.to_string(),
    }
}

/// A chapter once rendered and compressed: all that the later stages need of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedChapter {
    /// File stem and manifest id (`c001`).
    pub id: String,
    /// Its title in the table of contents.
    pub title: String,
    pub opening: bool,
    /// The XHTML's manifest properties (inline SVG, MathML).
    pub svg: xhtml::Properties,
    /// Index of its source file, which `warnings` point into.
    pub source: usize,
    /// What rendering found to warn about, with the span of the source it is about.
    pub warnings: Vec<(String, Range<usize>)>,
    /// Its entry in the zip, compressed; `None` once written when nothing keeps it.
    pub entry: Option<Prepared>,
    /// Hash of its XHTML, when an incremental build compares it with the next build's (else 0).
    pub hash: u64,
    /// Nesting depth in the navigation.
    pub depth: u8,
    /// Parts that open before it in the navigation.
    pub parts: Vec<(u8, String)>,
}

impl RenderedChapter {
    /// The warnings, pointing into the chapter's source.
    pub fn diagnostics<'a>(
        &'a self,
        sources: &'a [Source],
    ) -> impl Iterator<Item = Diagnostic> + 'a {
        self.warnings.iter().map(|(msg, span)| {
            let file = &sources[self.source].file;
            let span = html::span_of_element(&file.text, span.clone(), msg);
            Diagnostic::warning(msg.clone()).at(file, span)
        })
    }
}

/// Compress the zip entry at a path: `(hash of the bytes, entry)`. An incremental build takes
/// the entry of the last build when the bytes are the same.
pub type Compress<'a> = dyn Fn(&str, &[u8]) -> (u64, Prepared) + Sync + 'a;

/// Render one chapter to XHTML and compress it.
pub fn chapter(
    c: &Chapter,
    images: &ImageMap,
    cx: &BookContext<'_>,
    compress: &Compress<'_>,
) -> RenderedChapter {
    let image = |dest: &str| images.get(dest).cloned();
    let article = c
        .article
        .then(|| cx.articles.get(c.source).and_then(Option::as_deref))
        .flatten();
    let (kicker, byline) = match article {
        Some(a) => article_opening(cx, a),
        None => (cx.kicker.map(str::to_string), None),
    };
    let r = xhtml::chapter(
        c,
        &xhtml::ChapterContext {
            book: cx,
            opening: xhtml::OpeningLines {
                title: article.map_or(cx.title, |a| a.title.as_str()),
                kicker: kicker.as_deref(),
                subtitle: article.map_or(cx.subtitle, |a| a.subtitle.as_deref()),
                byline: byline.as_deref(),
            },
            image: &image,
        },
    );
    let (hash, entry) = compress(&format!("EPUB/text/{}.xhtml", c.id), &r.xhtml);
    RenderedChapter {
        id: c.id.clone(),
        title: c.title.clone(),
        opening: c.opening,
        svg: xhtml::Properties::of(&r.xhtml),
        source: c.source,
        warnings: r.warnings,
        entry: Some(entry),
        hash,
        depth: c.depth,
        parts: c.parts.clone(),
    }
}

/// The documents that describe the book, made once its chapters are rendered: the package
/// document and the navigation compressed as each is made (for 20000 chapters they are 8 MB
/// of text, none of it held longer than it takes to compress it).
#[derive(Debug, Clone, PartialEq)]
pub struct Documents {
    pub opf: Prepared,
    pub nav: Prepared,
    pub ncx: Prepared,
    /// The page that shows the cover image, when there is one.
    pub cover_page: Option<Vec<u8>>,
}

/// The navigation documents, the cover page and the package document of a book, from its
/// metadata as shown (typeset, converted for the edition).
pub fn documents(
    meta: &Metadata,
    identity: &Identity,
    layout: Layout,
    chapters: &[RenderedChapter],
    assets: &Assets,
) -> Documents {
    let lang = meta.lang.as_str();
    let vertical = layout == Layout::Vertical;
    let labels = nav::Labels::of(lang);
    let mut toc: Vec<nav::TocEntry> = Vec::with_capacity(chapters.len());
    for c in chapters {
        let href = format!("text/{}.xhtml", c.id);
        // a part is reached at its first chapter
        for (depth, title) in &c.parts {
            toc.push(nav::TocEntry {
                title,
                href: href.clone(),
                depth: *depth,
            });
        }
        toc.push(nav::TocEntry {
            title: &c.title,
            href,
            depth: c.depth,
        });
    }
    let body_start = chapters
        .iter()
        .find(|c| !c.opening)
        .or(chapters.first())
        .map(|c| format!("text/{}.xhtml", c.id))
        .unwrap_or_default();
    let mut landmarks = vec![
        ("toc", labels.toc, "nav.xhtml#toc".to_string()),
        ("bodymatter", labels.start, body_start),
    ];
    if assets.cover.is_some() {
        landmarks.insert(0, ("cover", labels.cover, "text/cover.xhtml".to_string()));
    }
    // each text given back once compressed (a 20000-chapter book's three are 8 MB)
    let nav_text = nav::nav(&nav::NavContext {
        lang,
        vertical,
        title: &meta.title,
        toc_heading: labels.toc,
        stylesheets: &[crate::style::MAIN.to_string()],
        toc: &toc,
        landmarks: &landmarks,
    });
    let nav = package::prepare_data(package::NAV, &nav_text);
    drop(nav_text);
    let ncx_text = nav::ncx(&identity.identifier, &meta.title, lang, &toc);
    drop(toc);
    let ncx = package::prepare_data(package::NCX, &ncx_text);
    drop(ncx_text);
    let cover_page = assets.cover.as_ref().map(|cover| {
        let alt = format!("{}：{}", labels.cover, meta.title);
        let src = format!("../images/cover.{}", cover.ext);
        xhtml::cover_page(lang, vertical, &meta.title, &src, &alt)
    });
    let opf = opf::opf(&opf::OpfContext {
        meta,
        identifier: &identity.identifier,
        modified: &identity.modified,
        layout,
        items: &opf::manifest(chapters, assets),
        cover_image: assets.cover.as_ref().map(|_| "cover-image"),
        specified_fonts: assets.font.is_some(),
        images: assets.images.list.len(),
        summary: opf::accessibility_summary(lang),
    });
    let opf = package::prepare_data(package::OPF, &opf);
    Documents {
        opf,
        nav,
        ncx,
        cover_page,
    }
}
