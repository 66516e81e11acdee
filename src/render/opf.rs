//! The package document (`content.opf`): metadata, manifest, spine.

use super::RenderedChapter;
use super::xml::Xml;
use crate::assets::Assets;
use crate::config::{Layout, Metadata, Series};

/// A file of the package, as the manifest lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestItem {
    pub id: String,
    /// Relative to the package folder.
    pub href: String,
    pub media_type: &'static str,
    /// Space-separated manifest properties (`nav`, `cover-image`, `svg`, …).
    pub properties: Option<String>,
    /// In the spine, in reading order.
    pub spine: bool,
    /// In the spine but outside the linear reading order (`linear="no"`).
    pub auxiliary: bool,
}

/// Every file of the book in manifest order: the cover page, the navigation, the stylesheets,
/// fonts, images and the cover image, then the chapters in reading order.
pub fn manifest(chapters: &[RenderedChapter], assets: &Assets) -> Vec<ManifestItem> {
    let item = |id: String, href: String, media_type: &'static str| ManifestItem {
        id,
        href,
        media_type,
        properties: None,
        spine: false,
        auxiliary: false,
    };
    let mut items = Vec::with_capacity(chapters.len() + assets.images.list.len() + 8);
    if assets.cover.is_some() {
        items.push(ManifestItem {
            spine: true,
            ..item(
                "cover".into(),
                "text/cover.xhtml".into(),
                "application/xhtml+xml",
            )
        });
    }
    items.push(ManifestItem {
        properties: Some("nav".into()),
        spine: true,
        auxiliary: true,
        ..item("nav".into(), "nav.xhtml".into(), "application/xhtml+xml")
    });
    items.push(item(
        "ncx".into(),
        "toc.ncx".into(),
        "application/x-dtbncx+xml",
    ));
    for (i, (href, _)) in assets.styles.iter().enumerate() {
        let id = if i == 0 {
            "css".into()
        } else {
            format!("css{i}")
        };
        items.push(item(id, href.clone(), "text/css"));
    }
    let fonts = assets
        .font
        .iter()
        .flat_map(|f| &f.files)
        .chain(&assets.style_fonts);
    for (i, (href, media_type, _)) in fonts.enumerate() {
        items.push(item(format!("font{}", i + 1), href.clone(), media_type));
    }
    for (i, im) in assets.images.list.iter().enumerate() {
        items.push(item(
            format!("img{:03}", i + 1),
            im.href.clone(),
            im.media_type,
        ));
    }
    if let Some(cover) = &assets.cover {
        items.push(ManifestItem {
            properties: Some("cover-image".into()),
            ..item(
                "cover-image".into(),
                format!("images/cover.{}", cover.ext),
                cover.media_type,
            )
        });
    }
    for c in chapters {
        items.push(ManifestItem {
            properties: c.svg.manifest(),
            spine: true,
            ..item(
                c.id.clone(),
                format!("text/{}.xhtml", c.id),
                "application/xhtml+xml",
            )
        });
    }
    items
}

/// The accessibility summary, in the book's language.
pub fn accessibility_summary(lang: &str) -> &'static str {
    if lang.starts_with("zh") {
        "本書為可重排的文字出版品：具目錄、結構化標題與正確的閱讀順序，每份文件皆標示語言，圖片附有替代文字。"
    } else {
        "A reflowable text publication with a table of contents, structured headings, a logical reading order and language tags on every document; images have text alternatives."
    }
}

/// What the OPF needs besides the metadata.
pub struct OpfContext<'a> {
    pub meta: &'a Metadata,
    pub identifier: &'a str,
    /// `YYYY-MM-DDThh:mm:ssZ`.
    pub modified: &'a str,
    pub layout: Layout,
    pub items: &'a [ManifestItem],
    /// Manifest id of the cover image, for the EPUB 2 `<meta name="cover">`.
    pub cover_image: Option<&'a str>,
    /// True when embedded fonts must be honoured by Apple Books.
    pub specified_fonts: bool,
    /// True when every image has a text alternative.
    pub images: usize,
    pub summary: &'a str,
}

/// `content.opf`: the metadata, the manifest and the spine.
pub fn opf(cx: &OpfContext<'_>) -> Vec<u8> {
    let mut x = Xml::with_capacity(2048 + cx.items.len() * 160);
    let mut prefix = String::from("rendition: http://www.idpf.org/vocab/rendition/#");
    if cx.specified_fonts {
        prefix.push_str(
            " ibooks: http://vocabulary.itunes.apple.com/rdf/ibooks/vocabulary-extensions-1.0/",
        );
    }
    x.start(
        "package",
        &[
            ("xmlns", "http://www.idpf.org/2007/opf"),
            ("version", "3.0"),
            ("unique-identifier", "uid"),
            ("xml:lang", &cx.meta.lang),
            ("prefix", &prefix),
        ],
    );
    x.newline();
    x.start(
        "metadata",
        &[("xmlns:dc", "http://purl.org/dc/elements/1.1/")],
    );
    x.newline();
    metadata(&mut x, cx);
    x.end("metadata");
    x.newline();
    write_manifest(&mut x, cx.items);
    spine(&mut x, cx);
    guide(&mut x, cx);
    x.end("package");
    x.finish()
}

/// One metadata element on its own line. Dublin Core elements must not be empty: a value made
/// only of characters XML forbids (dropped by the writer) or of spaces is left out.
fn line(x: &mut Xml, name: &str, attrs: &[(&str, &str)], text: &str) {
    if name.starts_with("dc:") && super::xml::xml_chars(text).trim().is_empty() {
        return;
    }
    x.text("  ");
    if text.is_empty() {
        x.empty(name, attrs);
    } else {
        x.element(name, attrs, text);
    }
    x.newline();
}

/// The Dublin Core elements, the collection, then the package's own properties.
fn metadata(x: &mut Xml, cx: &OpfContext<'_>) {
    let m = cx.meta;
    line(x, "dc:identifier", &[("id", "uid")], cx.identifier);
    line(x, "dc:title", &[("id", "title")], &m.title);
    line(
        x,
        "meta",
        &[("refines", "#title"), ("property", "title-type")],
        "main",
    );
    if let Some(sub) = &m.subtitle {
        line(x, "dc:title", &[("id", "subtitle")], sub);
        line(
            x,
            "meta",
            &[("refines", "#subtitle"), ("property", "title-type")],
            "subtitle",
        );
    }
    line(x, "dc:language", &[], &m.lang);
    for (i, a) in m.authors.iter().enumerate() {
        let id = format!("creator{}", i + 1);
        line(x, "dc:creator", &[("id", &id)], a);
        let r = format!("#{id}");
        line(
            x,
            "meta",
            &[
                ("refines", &r),
                ("property", "role"),
                ("scheme", "marc:relators"),
            ],
            "aut",
        );
    }
    if let Some(d) = &m.date {
        line(x, "dc:date", &[], d);
    }
    if let Some(p) = &m.publisher {
        line(x, "dc:publisher", &[], p);
    }
    if let Some(d) = &m.description {
        line(x, "dc:description", &[], d);
    }
    for s in &m.subjects {
        line(x, "dc:subject", &[], s);
    }
    if let Some(r) = &m.rights {
        line(x, "dc:rights", &[], r);
    }
    if let Some(s) = &m.source {
        line(x, "dc:source", &[], s);
    }
    if let Some(series) = &m.series {
        collection(x, series);
    }
    line(x, "meta", &[("property", "dcterms:modified")], cx.modified);
    // EPUB Accessibility 1.1
    line(x, "meta", &[("property", "schema:accessMode")], "textual");
    if cx.images > 0 {
        line(x, "meta", &[("property", "schema:accessMode")], "visual");
    }
    line(
        x,
        "meta",
        &[("property", "schema:accessModeSufficient")],
        "textual",
    );
    for f in [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "displayTransformability",
    ] {
        line(x, "meta", &[("property", "schema:accessibilityFeature")], f);
    }
    if cx.images > 0 {
        line(
            x,
            "meta",
            &[("property", "schema:accessibilityFeature")],
            "alternativeText",
        );
    }
    line(
        x,
        "meta",
        &[("property", "schema:accessibilityHazard")],
        "none",
    );
    line(
        x,
        "meta",
        &[("property", "schema:accessibilitySummary")],
        cx.summary,
    );
    line(
        x,
        "meta",
        &[("property", "dcterms:conformsTo")],
        "EPUB Accessibility 1.1 - WCAG 2.1 Level AA",
    );
    // Kindle's writing mode, Apple's embedded fonts
    let mode = match cx.layout {
        Layout::Horizontal => "horizontal-lr",
        Layout::Vertical => "vertical-rl",
    };
    line(
        x,
        "meta",
        &[("name", "primary-writing-mode"), ("content", mode)],
        "",
    );
    if cx.specified_fonts {
        line(x, "meta", &[("property", "ibooks:specified-fonts")], "true");
    }
    if let Some(id) = cx.cover_image {
        line(x, "meta", &[("name", "cover"), ("content", id)], "");
    }
}

/// The collection a book belongs to, for EPUB 3 and for calibre.
fn collection(x: &mut Xml, series: &Series) {
    line(
        x,
        "meta",
        &[("property", "belongs-to-collection"), ("id", "collection")],
        &series.name,
    );
    line(
        x,
        "meta",
        &[("refines", "#collection"), ("property", "collection-type")],
        &series.kind,
    );
    if let Some(p) = &series.position {
        line(
            x,
            "meta",
            &[("refines", "#collection"), ("property", "group-position")],
            &p.to_string(),
        );
    }
    // calibre and the Kobo/Kindle library views read these
    line(
        x,
        "meta",
        &[("name", "calibre:series"), ("content", &series.name)],
        "",
    );
    if let Some(p) = &series.position {
        line(
            x,
            "meta",
            &[
                ("name", "calibre:series_index"),
                ("content", &p.to_string()),
            ],
            "",
        );
    }
}

/// Every file of the package.
fn write_manifest(x: &mut Xml, items: &[ManifestItem]) {
    x.start("manifest", &[]);
    x.newline();
    for it in items {
        let mut attrs = vec![
            ("id", it.id.as_str()),
            ("href", it.href.as_str()),
            ("media-type", it.media_type),
        ];
        if let Some(p) = &it.properties {
            attrs.push(("properties", p));
        }
        x.text("  ");
        x.empty("item", &attrs);
        x.newline();
    }
    x.end("manifest");
    x.newline();
}

/// The reading order, in the book's page progression.
fn spine(x: &mut Xml, cx: &OpfContext<'_>) {
    let ppd = match cx.layout {
        Layout::Horizontal => "ltr",
        Layout::Vertical => "rtl",
    };
    x.start(
        "spine",
        &[("toc", "ncx"), ("page-progression-direction", ppd)],
    );
    x.newline();
    for it in cx.items.iter().filter(|i| i.spine) {
        x.text("  ");
        if it.auxiliary {
            x.empty("itemref", &[("idref", &it.id), ("linear", "no")]);
        } else {
            x.empty("itemref", &[("idref", &it.id)]);
        }
        x.newline();
    }
    x.end("spine");
    x.newline();
}

/// EPUB 2's guide: calibre (and older readers) take the cover page from it; without it
/// calibre adds a cover page of its own and shows the cover twice.
fn guide(x: &mut Xml, cx: &OpfContext<'_>) {
    let Some(cover) = cx.items.iter().find(|i| i.id == "cover" && i.spine) else {
        return;
    };
    let title = if cx.meta.lang.starts_with("zh") {
        "封面"
    } else {
        "Cover"
    };
    x.start("guide", &[]);
    x.newline();
    x.text("  ");
    x.empty(
        "reference",
        &[("type", "cover"), ("title", title), ("href", &cover.href)],
    );
    x.newline();
    x.end("guide");
    x.newline();
}
