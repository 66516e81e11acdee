//! The package document (`content.opf`): metadata, manifest, spine.

use super::xml::Xml;
use crate::config::{Layout, Metadata};

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

pub fn opf(cx: &OpfContext<'_>) -> Vec<u8> {
    let m = cx.meta;
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
            ("xml:lang", &m.lang),
            ("prefix", &prefix),
        ],
    );
    x.newline();
    x.start(
        "metadata",
        &[("xmlns:dc", "http://purl.org/dc/elements/1.1/")],
    );
    x.newline();
    let line = |x: &mut Xml, name: &str, attrs: &[(&str, &str)], text: &str| {
        // Dublin Core elements must not be empty: a value made only of characters XML
        // forbids (dropped by the writer) or of spaces is left out
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
    };
    line(&mut x, "dc:identifier", &[("id", "uid")], cx.identifier);
    line(&mut x, "dc:title", &[("id", "title")], &m.title);
    line(
        &mut x,
        "meta",
        &[("refines", "#title"), ("property", "title-type")],
        "main",
    );
    if let Some(sub) = &m.subtitle {
        line(&mut x, "dc:title", &[("id", "subtitle")], sub);
        line(
            &mut x,
            "meta",
            &[("refines", "#subtitle"), ("property", "title-type")],
            "subtitle",
        );
    }
    line(&mut x, "dc:language", &[], &m.lang);
    for (i, a) in m.authors.iter().enumerate() {
        let id = format!("creator{}", i + 1);
        line(&mut x, "dc:creator", &[("id", &id)], a);
        let r = format!("#{id}");
        line(
            &mut x,
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
        line(&mut x, "dc:date", &[], d);
    }
    if let Some(p) = &m.publisher {
        line(&mut x, "dc:publisher", &[], p);
    }
    if let Some(d) = &m.description {
        line(&mut x, "dc:description", &[], d);
    }
    for s in &m.subjects {
        line(&mut x, "dc:subject", &[], s);
    }
    if let Some(r) = &m.rights {
        line(&mut x, "dc:rights", &[], r);
    }
    if let Some(s) = &m.source {
        line(&mut x, "dc:source", &[], s);
    }
    if let Some(series) = &m.series {
        line(
            &mut x,
            "meta",
            &[("property", "belongs-to-collection"), ("id", "collection")],
            &series.name,
        );
        line(
            &mut x,
            "meta",
            &[("refines", "#collection"), ("property", "collection-type")],
            &series.kind,
        );
        if let Some(p) = &series.position {
            line(
                &mut x,
                "meta",
                &[("refines", "#collection"), ("property", "group-position")],
                &p.to_string(),
            );
        }
        // calibre and the Kobo/Kindle library views read these
        line(
            &mut x,
            "meta",
            &[("name", "calibre:series"), ("content", &series.name)],
            "",
        );
        if let Some(p) = &series.position {
            line(
                &mut x,
                "meta",
                &[
                    ("name", "calibre:series_index"),
                    ("content", &p.to_string()),
                ],
                "",
            );
        }
    }
    line(
        &mut x,
        "meta",
        &[("property", "dcterms:modified")],
        cx.modified,
    );
    // EPUB Accessibility 1.1
    line(
        &mut x,
        "meta",
        &[("property", "schema:accessMode")],
        "textual",
    );
    if cx.images > 0 {
        line(
            &mut x,
            "meta",
            &[("property", "schema:accessMode")],
            "visual",
        );
    }
    line(
        &mut x,
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
        line(
            &mut x,
            "meta",
            &[("property", "schema:accessibilityFeature")],
            f,
        );
    }
    if cx.images > 0 {
        line(
            &mut x,
            "meta",
            &[("property", "schema:accessibilityFeature")],
            "alternativeText",
        );
    }
    line(
        &mut x,
        "meta",
        &[("property", "schema:accessibilityHazard")],
        "none",
    );
    line(
        &mut x,
        "meta",
        &[("property", "schema:accessibilitySummary")],
        cx.summary,
    );
    line(
        &mut x,
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
        &mut x,
        "meta",
        &[("name", "primary-writing-mode"), ("content", mode)],
        "",
    );
    if cx.specified_fonts {
        line(
            &mut x,
            "meta",
            &[("property", "ibooks:specified-fonts")],
            "true",
        );
    }
    if let Some(id) = cx.cover_image {
        line(&mut x, "meta", &[("name", "cover"), ("content", id)], "");
    }
    x.end("metadata");
    x.newline();
    x.start("manifest", &[]);
    x.newline();
    for it in cx.items {
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
    // EPUB 2's guide: calibre (and older readers) take the cover page from it; without it
    // calibre adds a cover page of its own and shows the cover twice
    if let Some(cover) = cx.items.iter().find(|i| i.id == "cover" && i.spine) {
        let title = if m.lang.starts_with("zh") {
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
    x.end("package");
    x.finish()
}
