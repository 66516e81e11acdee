//! SVG the book carries, made safe to ship: parsed as XML with no DTD entities and nothing
//! fetched, then written again with only SVG elements and harmless attributes. Scripts, event
//! handlers, `<foreignObject>` (HTML inside SVG), animations of links, links and `url()`s that
//! leave the image, processing instructions and CSS that may not ship are removed, each named
//! in a warning; a file that declares entities, is not XML, or is not SVG is refused.
//!
//! [`sanitize_svg`] is pure (bytes in, bytes out) so an inline `<svg>` in raw HTML can go
//! through the same door as an SVG file.

use std::collections::BTreeSet;

use crate::render::xml::Xml;
use crate::stylesheet;

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// A sanitised SVG: the bytes to ship and what was removed (one phrase each, e.g.
/// "a `<script>` element (line 4)").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanSvg {
    pub data: Vec<u8>,
    pub warnings: Vec<String>,
}

impl CleanSvg {
    /// The `<svg>` element without the XML declaration, for an SVG inline in XHTML.
    pub fn element(&self) -> &[u8] {
        let d = &self.data[..];
        match d.strip_prefix(b"<?xml".as_slice()) {
            Some(_) => d
                .iter()
                .position(|&b| b == b'\n')
                .map_or(d, |i| &d[i + 1..]),
            None => d,
        }
    }
}

/// Why an SVG is refused. `Display` completes "`x.svg` …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvgError {
    #[error("is not UTF-8 text")]
    NotUtf8,
    #[error("declares the external entity `{name}` ({id}) on line {line}")]
    ExternalEntity {
        name: String,
        id: String,
        line: usize,
    },
    #[error(
        "declares the entity `{name}` on line {line}, which expands other entities (an entity-expansion bomb)"
    )]
    NestedEntity { name: String, line: usize },
    #[error("declares DTD markup (entities, elements or attributes) in its DOCTYPE on line {line}")]
    InternalSubset { line: usize },
    #[error("is not well-formed XML: {0}")]
    Malformed(String),
    #[error("is not an SVG image: its root element is `<{0}>`")]
    NotSvg(String),
    #[error("has no SVG namespace: its root `<svg>` lacks xmlns=\"http://www.w3.org/2000/svg\"")]
    NoNamespace,
}

impl SvgError {
    /// What the author can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            SvgError::NotUtf8 => "save the SVG as UTF-8",
            SvgError::ExternalEntity { .. }
            | SvgError::NestedEntity { .. }
            | SvgError::InternalSubset { .. } => {
                "hanpub reads no DTD and expands no entities: remove the DOCTYPE, or export the image again as plain SVG"
            }
            SvgError::Malformed(_) => {
                "open the SVG in an editor (Inkscape, a browser) and export it again"
            }
            SvgError::NotSvg(_) => {
                "check that the file is an SVG drawing and not, say, an HTML page saved with an .svg name"
            }
            SvgError::NoNamespace => {
                "add xmlns=\"http://www.w3.org/2000/svg\" to the <svg> element"
            }
        }
    }
}

/// Parse `data` (an SVG file) and write it again with only what may ship.
pub fn sanitize_svg(data: &[u8]) -> Result<CleanSvg, SvgError> {
    let text = std::str::from_utf8(data).map_err(|_| SvgError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let has_doctype = check_doctype(text)?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: has_doctype,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        let what = e.to_string();
        let what = what.strip_suffix(&format!(" at {pos}")).unwrap_or(&what);
        if matches!(e, roxmltree::Error::UnexpectedEndOfStream) {
            return SvgError::Malformed("the file ends early".into());
        }
        SvgError::Malformed(format!("{what} (line {}, column {})", pos.row, pos.col))
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" {
        return Err(SvgError::NotSvg(root.tag_name().name().to_string()));
    }
    if root.tag_name().namespace() != Some(SVG_NS) {
        return Err(SvgError::NoNamespace);
    }
    let mut w = Writer {
        newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect(),
        out: Xml::new(),
        removed: Vec::new(),
        seen: BTreeSet::new(),
    };
    for pi in doc.root().children().filter(|n| n.is_pi()) {
        w.open(pi, false);
    }
    w.write(root);
    Ok(CleanSvg {
        data: w.out.finish(),
        warnings: w.removed,
    })
}

/// The removed parts in one phrase: "a `<script>` element (line 4), an `onload` handler (line
/// 2) and 3 more".
pub fn summary(warnings: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut s = warnings
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if warnings.len() > SHOWN {
        s.push_str(&format!(" and {} more", warnings.len() - SHOWN));
    }
    s
}

/// The warning for an SVG image `dest` that had parts removed (place it at the reference).
pub fn removed_warning(dest: &str, removed: &[String]) -> crate::Diagnostic {
    crate::Diagnostic::warning(format!("SVG image `{dest}`: removed {}", summary(removed)))
        .with_hint("hanpub ships no script, event handler, HTML or outside reference in an SVG; the rest of the drawing is kept")
}

/// 1-based line of a byte offset.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Whether there is a DOCTYPE; an internal subset (`[ … ]`) is refused, naming the worst
/// declaration in it: an external entity, then an entity that expands entities.
fn check_doctype(text: &str) -> Result<bool, SvgError> {
    let mut reader = quick_xml::Reader::from_str(text);
    let (doctype, at) = loop {
        let at = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(quick_xml::events::Event::DocType(d)) => {
                break (d.into_inner().into_owned(), at);
            }
            Ok(
                quick_xml::events::Event::Start(_)
                | quick_xml::events::Event::Empty(_)
                | quick_xml::events::Event::Eof,
            )
            | Err(_) => return Ok(false),
            Ok(_) => {}
        }
    };
    let Some(open) = subset_start(&doctype) else {
        return Ok(true);
    };
    // where the DOCTYPE's content starts in `text`
    let base = text[at..]
        .find(&doctype[..open.min(doctype.len())])
        .map_or(at, |i| at + i);
    let subset = &doctype[open..];
    let mut first: Option<SvgError> = None;
    let mut search = 0;
    while let Some(i) = subset[search..].find("<!ENTITY") {
        let decl_at = search + i;
        search = decl_at + 8;
        let line = line_of(text, base + open + decl_at);
        let (name, def) = entity_decl(&subset[decl_at + 8..]);
        let e = if def.starts_with("SYSTEM") || def.starts_with("PUBLIC") {
            let id: String = def.chars().take_while(|&c| c != '>').collect();
            SvgError::ExternalEntity {
                name,
                id: id.trim().to_string(),
                line,
            }
        } else if name.starts_with('%') || quoted(def).contains(['&', '%']) {
            SvgError::NestedEntity { name, line }
        } else {
            continue;
        };
        let worse = matches!(e, SvgError::ExternalEntity { .. })
            && !matches!(first, Some(SvgError::ExternalEntity { .. }));
        if first.is_none() || worse {
            first = Some(e);
        }
    }
    Err(first.unwrap_or(SvgError::InternalSubset {
        line: line_of(text, base),
    }))
}

/// Where a DOCTYPE's internal subset `[` starts (outside quoted literals).
fn subset_start(doctype: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in doctype.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '[') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `name` and the rest of an `<!ENTITY name def>` declaration (after `<!ENTITY`); a parameter
/// entity's name keeps its `%`.
fn entity_decl(rest: &str) -> (String, &str) {
    let rest = rest.trim_start();
    let (pct, rest) = match rest.strip_prefix('%') {
        Some(r) => ("%", r.trim_start()),
        None => ("", rest),
    };
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '>')
        .unwrap_or(rest.len());
    (format!("{pct}{}", &rest[..end]), rest[end..].trim_start())
}

/// The quoted literal at the start of `s` (without its quotes), or all of `s`.
fn quoted(s: &str) -> &str {
    match s.chars().next() {
        Some(q @ ('"' | '\'')) => s[1..].split(q).next().unwrap_or(""),
        _ => s,
    }
}

/// The elements of SVG 1.1 (and the SVG 2 ones reading systems know) that are kept.
fn is_kept_element(name: &str) -> bool {
    matches!(
        name,
        "svg"
            | "g"
            | "defs"
            | "desc"
            | "title"
            | "metadata"
            | "symbol"
            | "use"
            | "switch"
            | "a"
            | "view"
            | "style"
            | "path"
            | "rect"
            | "circle"
            | "ellipse"
            | "line"
            | "polyline"
            | "polygon"
            | "text"
            | "tspan"
            | "tref"
            | "textPath"
            | "altGlyph"
            | "altGlyphDef"
            | "altGlyphItem"
            | "glyphRef"
            | "image"
            | "marker"
            | "pattern"
            | "clipPath"
            | "mask"
            | "linearGradient"
            | "radialGradient"
            | "stop"
            | "filter"
            | "feBlend"
            | "feColorMatrix"
            | "feComponentTransfer"
            | "feComposite"
            | "feConvolveMatrix"
            | "feDiffuseLighting"
            | "feDisplacementMap"
            | "feDistantLight"
            | "feFlood"
            | "feFuncA"
            | "feFuncB"
            | "feFuncG"
            | "feFuncR"
            | "feGaussianBlur"
            | "feImage"
            | "feMerge"
            | "feMergeNode"
            | "feMorphology"
            | "feOffset"
            | "fePointLight"
            | "feSpecularLighting"
            | "feSpotLight"
            | "feTile"
            | "feTurbulence"
            | "animate"
            | "animateColor"
            | "animateMotion"
            | "animateTransform"
            | "set"
            | "mpath"
            | "font"
            | "font-face"
            | "font-face-src"
            | "font-face-name"
            | "font-face-format"
            | "font-face-uri"
            | "glyph"
            | "missing-glyph"
            | "hkern"
            | "vkern"
            | "color-profile"
            | "cursor"
    )
}

struct Writer {
    /// Offsets of the input's line breaks, for line numbers in O(log n).
    newlines: Vec<usize>,
    out: Xml,
    removed: Vec<String>,
    /// (what, line) already reported, so a thousand handlers make one phrase each line.
    seen: BTreeSet<(String, usize)>,
}

impl Writer {
    fn line(&self, node: roxmltree::Node) -> usize {
        let at = node.range().start;
        self.newlines.partition_point(|&p| p < at) + 1
    }

    fn remove(&mut self, what: String, line: usize) {
        if self.seen.insert((what.clone(), line)) {
            self.removed.push(format!("{what} (line {line})"));
        }
    }

    /// Write `root` and everything kept below it, without recursion (nesting depth is the
    /// input's to choose).
    fn write(&mut self, root: roxmltree::Node) {
        let uses_xlink = root
            .descendants()
            .any(|n| n.attributes().any(|a| a.namespace() == Some(XLINK_NS)));
        let mut node = root;
        loop {
            if self.open(node, node == root && uses_xlink)
                && let Some(child) = node.first_child()
            {
                node = child;
                continue;
            }
            // done with `node`: close the elements it ends, climb to the next sibling
            loop {
                if node == root {
                    return;
                }
                if let Some(next) = node.next_sibling() {
                    node = next;
                    break;
                }
                node = node.parent().expect("below the root");
                self.out.end(node.tag_name().name());
                if node == root {
                    return;
                }
            }
        }
    }

    /// Write a node's start (or all of it); true when its children follow (an end tag is due).
    fn open(&mut self, n: roxmltree::Node, declare_xlink: bool) -> bool {
        if n.is_text() {
            let t = n.text().unwrap_or("");
            if n.parent()
                .is_some_and(|p| p.has_tag_name((SVG_NS, "style")))
            {
                let css = self.style_sheet(t, n);
                self.out.text(&css);
            } else {
                self.out.text(t);
            }
            return false;
        }
        if n.is_pi() {
            let target = n.pi().map_or("", |p| p.target);
            self.remove(format!("a `<?{target}?>` instruction"), self.line(n));
            return false;
        }
        if !n.is_element() {
            return false; // comments
        }
        let Some((name, attrs)) = self.element(n, declare_xlink) else {
            return false;
        };
        let attrs: Vec<(&str, &str)> = attrs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if n.has_children() {
            self.out.start(name, &attrs);
            true
        } else {
            self.out.empty(name, &attrs);
            false
        }
    }

    /// The element's name and kept attributes, or `None` when it goes with its content.
    fn element<'a>(
        &mut self,
        n: roxmltree::Node<'a, '_>,
        declare_xlink: bool,
    ) -> Option<(&'a str, Vec<(String, String)>)> {
        let tag = n.tag_name();
        let name = tag.name();
        let line = self.line(n);
        if tag.namespace() != Some(SVG_NS) {
            if tag.namespace() == Some(XHTML_NS) || name.eq_ignore_ascii_case("script") {
                self.remove(format!("an HTML `<{name}>` element"), line);
            }
            // editors' own elements (Inkscape, Illustrator, RDF metadata) go silently
            return None;
        }
        match name {
            "script" | "handler" | "listener" => {
                self.remove(format!("a `<{name}>` element"), line);
                return None;
            }
            "foreignObject" => {
                self.remove("a `<foreignObject>` (HTML inside SVG)".into(), line);
                return None;
            }
            _ if !is_kept_element(name) => {
                self.remove(format!("an unknown `<{name}>` element"), line);
                return None;
            }
            _ => {}
        }
        if matches!(
            name,
            "animate" | "set" | "animateColor" | "animateTransform" | "animateMotion"
        ) && let Some(target) = n.attribute("attributeName")
        {
            let t = target.trim().to_ascii_lowercase();
            if t.ends_with("href") || t.starts_with("on") || t == "style" {
                self.remove(format!("an animation of `{target}`"), line);
                return None;
            }
        }
        let mut attrs = Vec::new();
        if n.parent_element().is_none() {
            attrs.push(("xmlns".to_string(), SVG_NS.to_string()));
            if declare_xlink {
                attrs.push(("xmlns:xlink".to_string(), XLINK_NS.to_string()));
            }
        }
        for a in n.attributes() {
            if let Some(kept) = self.attribute(name, &a, line) {
                attrs.push(kept);
            }
        }
        Some((name, attrs))
    }

    /// An attribute as written out, or `None` when it goes.
    fn attribute(
        &mut self,
        element: &str,
        a: &roxmltree::Attribute,
        line: usize,
    ) -> Option<(String, String)> {
        let local = a.name();
        if local.len() > 2 && local[..2].eq_ignore_ascii_case("on") {
            if a.namespace().is_none() {
                self.remove(format!("an `{local}` event handler"), line);
            }
            return None;
        }
        let qualified = match a.namespace() {
            None => local.to_string(),
            Some(XLINK_NS) => format!("xlink:{local}"),
            Some(XML_NS) if local == "space" || local == "lang" => format!("xml:{local}"),
            // xml:base would move every relative reference; editors' attributes go silently
            _ => return None,
        };
        let value = a.value();
        if local == "href" {
            return match link_verdict(element, value) {
                Ok(()) => Some((qualified, value.to_string())),
                Err(why) => {
                    self.remove(format!("{why} `{}`", shorten(value)), line);
                    None
                }
            };
        }
        if local == "style" && a.namespace().is_none() {
            let clean = stylesheet::sanitize_declarations(value, &mut fragment_only);
            for p in &clean.problems {
                self.remove(format!("{} in a `style` attribute", css_phrase(p)), line);
            }
            return (!clean.css.is_empty()).then_some((qualified, clean.css));
        }
        if value.to_ascii_lowercase().contains("url(") {
            let clean =
                stylesheet::sanitize_declarations(&format!("x: {value}"), &mut fragment_only);
            if let Some(p) = clean.problems.first() {
                self.remove(format!("{} in a `{local}` attribute", css_phrase(p)), line);
                return None;
            }
        }
        Some((qualified, value.to_string()))
    }

    /// The text of a `<style>` element, through the stylesheet sanitiser.
    fn style_sheet(&mut self, css: &str, node: roxmltree::Node) -> String {
        let line = self.line(node);
        let clean = stylesheet::sanitize(css, &mut |url| fragment_only(url));
        for p in &clean.problems {
            let l = line + css[..p.at.start.min(css.len())].matches('\n').count();
            self.remove(format!("{} in `<style>`", css_phrase(p)), l);
        }
        clean.css
    }
}

/// What was removed from an SVG's CSS, as a phrase.
fn css_phrase(p: &stylesheet::Problem) -> String {
    match p.kind {
        stylesheet::Kind::Import => "an `@import`".into(),
        stylesheet::Kind::Script => "CSS that runs script".into(),
        stylesheet::Kind::Malformed => "malformed CSS".into(),
        stylesheet::Kind::UnknownRule => "an unknown at-rule".into(),
        stylesheet::Kind::Url | stylesheet::Kind::Note => p.message.clone(),
    }
}

/// `url` for a message: at most 60 characters.
fn shorten(url: &str) -> String {
    if url.chars().count() > 60 {
        format!("{}…", url.chars().take(57).collect::<String>())
    } else {
        url.to_string()
    }
}

/// Inside an SVG, a `url()` may only point into the SVG itself.
fn fragment_only(url: &str) -> Result<stylesheet::Resolved, String> {
    if url.trim().starts_with('#') {
        Ok(stylesheet::Resolved::default())
    } else {
        Err(format!(
            "a reference `{}` that leaves the image",
            shorten(url)
        ))
    }
}

/// Whether an `href` may stay: a fragment of this SVG, a web or mail link on `<a>` (not a
/// resource: nothing is fetched), or an embedded raster image on `<image>`.
fn link_verdict(element: &str, value: &str) -> Result<(), &'static str> {
    let v: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let lower = v.to_ascii_lowercase();
    if v.starts_with('#') {
        return Ok(());
    }
    if lower.starts_with("javascript:") || lower.starts_with("vbscript:") {
        return Err("a script link");
    }
    if element == "a"
        && ["https:", "http:", "mailto:"]
            .iter()
            .any(|s| lower.starts_with(s))
    {
        return Ok(());
    }
    if let Some(data) = lower.strip_prefix("data:") {
        let raster = ["image/png", "image/jpeg", "image/gif", "image/webp"]
            .iter()
            .any(|t| data.starts_with(t));
        if raster && matches!(element, "image" | "feImage") && embedded_image_is_whole(&v) {
            return Ok(());
        }
        return Err("a `data:` reference");
    }
    if lower.contains(':') || lower.starts_with("//") {
        return Err("a remote reference");
    }
    Err("a reference to another file")
}

/// A `data:image/…;base64,…` URL whose bytes are a whole raster image.
fn embedded_image_is_whole(url: &str) -> bool {
    use base64::Engine;
    let Some((head, payload)) = url.split_once(',') else {
        return false;
    };
    if !head.to_ascii_lowercase().ends_with(";base64") {
        return false;
    }
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(payload) else {
        return false;
    };
    crate::resources::sniff_image(&bytes).is_some_and(|(t, _)| t != "image/svg+xml")
        && crate::image::check(&bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(svg: &str) -> (String, Vec<String>) {
        let c = sanitize_svg(svg.as_bytes()).unwrap();
        (String::from_utf8(c.data).unwrap(), c.warnings)
    }

    #[test]
    fn keeps_drawing_and_removes_what_runs_or_fetches() {
        let (out, removed) = clean(concat!(
            "<?xml version=\"1.0\"?>\n",
            "<?xml-stylesheet href=\"http://x/s.css\"?>\n",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" ",
            "xmlns:inkscape=\"http://www.inkscape.org/namespaces/inkscape\" viewBox=\"0 0 10 10\" onload=\"alert(1)\" inkscape:version=\"1\">\n",
            "<script>alert(2)</script>\n",
            "<defs><linearGradient id=\"g\"><stop offset=\"0\"/></linearGradient></defs>\n",
            "<rect width=\"10\" height=\"10\" fill=\"url(#g)\" stroke=\"url(http://x/p.svg#q)\" style=\"opacity:.5;background:url(x.png)\"/>\n",
            "<a xlink:href=\"javascript:alert(3)\"><text>字 &amp; &lt;</text></a>\n",
            "<a href=\"https://example.com/\"><use xlink:href=\"#g\"/></a>\n",
            "<foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\">x</div></foreignObject>\n",
            "<image href=\"http://x/y.png\"/><image xlink:href=\"pic.png\"/>\n",
            "<set attributeName=\"href\" to=\"javascript:alert(4)\"/>\n",
            "<style>@import url(x.css); rect { fill: red }</style>\n",
            "<inkscape:thing/><!-- c -->\n",
            "</svg>\n"
        ));
        assert_eq!(
            out,
            concat!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 10 10\">\n",
                "\n",
                "<defs><linearGradient id=\"g\"><stop offset=\"0\"/></linearGradient></defs>\n",
                "<rect width=\"10\" height=\"10\" fill=\"url(#g)\" style=\"opacity: .5\"/>\n",
                "<a><text>字 &amp; &lt;</text></a>\n",
                "<a href=\"https://example.com/\"><use xlink:href=\"#g\"/></a>\n",
                "\n",
                "<image/><image/>\n",
                "\n",
                "<style>rect {\n  fill: red;\n}\n</style>\n",
                "\n",
                "</svg>\n"
            )
        );
        assert_eq!(
            removed,
            [
                "a `<?xml-stylesheet?>` instruction (line 2)",
                "an `onload` event handler (line 3)",
                "a `<script>` element (line 4)",
                "a reference `http://x/p.svg#q` that leaves the image in a `stroke` attribute (line 6)",
                "a reference `x.png` that leaves the image in a `style` attribute (line 6)",
                "a script link `javascript:alert(3)` (line 7)",
                "a `<foreignObject>` (HTML inside SVG) (line 9)",
                "a remote reference `http://x/y.png` (line 10)",
                "a reference to another file `pic.png` (line 10)",
                "an animation of `href` (line 11)",
                "an `@import` in `<style>` (line 12)",
            ]
        );
    }

    #[test]
    fn refuses_entities_non_svg_and_broken_xml() {
        let refuse = |s: &str| sanitize_svg(s.as_bytes()).unwrap_err().to_string();
        assert_eq!(
            refuse(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n<svg xmlns=\"http://www.w3.org/2000/svg\">&xxe;</svg>"
            ),
            "declares the external entity `xxe` (SYSTEM \"file:///etc/passwd\") on line 3"
        );
        assert_eq!(
            refuse(
                "<!DOCTYPE svg [<!ENTITY a \"ha\"><!ENTITY b \"&a;&a;\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&b;</svg>"
            ),
            "declares the entity `b` on line 1, which expands other entities (an entity-expansion bomb)"
        );
        assert_eq!(
            refuse(
                "<!DOCTYPE svg [<!ENTITY ns \"http://www.w3.org/2000/svg\">]><svg xmlns=\"&ns;\"/>"
            ),
            "declares DTD markup (entities, elements or attributes) in its DOCTYPE on line 1"
        );
        assert_eq!(
            refuse("<svg/>"),
            "has no SVG namespace: its root `<svg>` lacks xmlns=\"http://www.w3.org/2000/svg\""
        );
        assert_eq!(
            refuse(
                "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><svg/></html>"
            ),
            "is not an SVG image: its root element is `<html>`"
        );
        assert!(
            refuse("<svg xmlns=\"http://www.w3.org/2000/svg\"><g></svg>")
                .starts_with("is not well-formed XML: ")
        );
        // the standard DOCTYPE (no internal subset) is fine and is not written out
        let (out, removed) = clean(
            "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"M0 0\"/></svg>",
        );
        assert_eq!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"M0 0\"/></svg>\n"
        );
        assert!(removed.is_empty());
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let n = 100_000;
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\">{}{}</svg>",
            "<g>".repeat(n),
            "</g>".repeat(n)
        );
        let c = sanitize_svg(svg.as_bytes());
        // roxmltree may refuse the depth; either way, no stack overflow
        if let Ok(c) = c {
            assert!(c.data.len() > n * 7);
        }
    }
}
