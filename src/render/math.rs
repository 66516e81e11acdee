//! TeX formulas → MathML (pulldown-latex), written through [`Xml`]: the TeX is kept as
//! `alttext` and as an `application/x-tex` annotation, so a reader without MathML still has it.

use super::xml::Xml;

pub const MATHML_NS: &str = "http://www.w3.org/1998/Math/MathML";

/// Write `tex` as a `<math>` element, or return why it cannot be converted (nothing written).
pub fn write(x: &mut Xml, tex: &str, display: bool) -> Result<(), String> {
    let mathml = xml_escape_operators(&convert(tex, display)?);
    let opts = roxmltree::ParsingOptions::default();
    let doc = roxmltree::Document::parse_with_options(&mathml, opts)
        .map_err(|e| format!("the converter made no valid MathML ({e})"))?;
    let root = doc.root_element();
    let mut attrs: Vec<(&str, &str)> = vec![("xmlns", MATHML_NS)];
    attrs.push(("display", if display { "block" } else { "inline" }));
    attrs.push(("alttext", tex.trim()));
    x.start("math", &attrs);
    x.start("semantics", &[]);
    // semantics holds one presentation element, then the annotation
    let elements = root.children().filter(|c| c.is_element()).count();
    let one_mrow = elements == 1
        && root
            .first_element_child()
            .is_some_and(|c| c.has_tag_name("mrow"));
    if !one_mrow {
        x.start("mrow", &[]);
    }
    for child in root.children() {
        node(x, child);
    }
    if !one_mrow {
        x.end("mrow");
    }
    x.element(
        "annotation",
        &[("encoding", "application/x-tex")],
        tex.trim(),
    );
    x.end("semantics");
    x.end("math");
    Ok(())
}

/// pulldown-latex writes operators as they are (`<mo><</mo>`, `<mo>&</mo>`) and spaces as
/// `&nbsp;`: HTML, not XML. Escape them so the result parses as XML.
fn xml_escape_operators(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with("&nbsp;") {
            out.push_str("&#160;");
            i += 6;
            continue;
        }
        match b[i] {
            b'<' if b.get(i + 1) == Some(&b'<') => out.push_str("&lt;"),
            b'&' if !["&amp;", "&lt;", "&gt;", "&quot;", "&#"]
                .iter()
                .any(|e| rest.starts_with(e)) =>
            {
                out.push_str("&amp;")
            }
            _ => {
                let c = rest.chars().next().expect("not at the end");
                out.push(c);
                i += c.len_utf8();
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The formula as pulldown-latex writes it, or its first error.
fn convert(tex: &str, display: bool) -> Result<String, String> {
    use pulldown_latex::config::DisplayMode;
    let storage = pulldown_latex::Storage::new();
    let events: Vec<_> = pulldown_latex::Parser::new(tex, &storage).collect();
    if let Some(Err(e)) = events.iter().find(|e| e.is_err()) {
        return Err(e.to_string().lines().next().unwrap_or("").to_string());
    }
    let config = pulldown_latex::RenderConfig {
        display_mode: if display {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        annotation: None,
        xml: true,
        ..Default::default()
    };
    let mut out = String::with_capacity(tex.len() * 8 + 128);
    pulldown_latex::push_mathml(&mut out, events.into_iter(), config).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Attributes of MathML elements hanpub keeps (presentation only; no links, no styles).
pub(super) fn allowed(attr: &str) -> bool {
    matches!(
        attr,
        "mathvariant"
            | "stretchy"
            | "fence"
            | "separator"
            | "lspace"
            | "rspace"
            | "movablelimits"
            | "largeop"
            | "symmetric"
            | "minsize"
            | "maxsize"
            | "accent"
            | "accentunder"
            | "displaystyle"
            | "scriptlevel"
            | "linethickness"
            | "width"
            | "height"
            | "depth"
            | "columnalign"
            | "rowalign"
            | "columnspacing"
            | "rowspacing"
            | "columnlines"
            | "rowlines"
            | "frame"
            | "notation"
            | "encoding"
            | "form"
            | "voffset"
            | "align"
    )
}

fn node(x: &mut Xml, n: roxmltree::Node<'_, '_>) {
    if n.is_text() {
        x.text(n.text().unwrap_or(""));
        return;
    }
    if !n.is_element() {
        return;
    }
    let name = n.tag_name().name();
    let attrs: Vec<(&str, &str)> = n
        .attributes()
        .filter(|a| a.namespace().is_none() && allowed(a.name()))
        .map(|a| (a.name(), a.value()))
        .collect();
    if n.has_children() {
        x.start(name, &attrs);
        for c in n.children() {
            node(x, c);
        }
        x.end(name);
    } else {
        x.empty(name, &attrs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mathml(tex: &str, display: bool) -> Result<String, String> {
        let mut x = Xml::fragment();
        write(&mut x, tex, display)?;
        Ok(String::from_utf8(x.finish()).unwrap())
    }

    #[test]
    fn formulas_and_errors() {
        let m = mathml("E = mc^2", false).unwrap();
        assert!(m.starts_with("<math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"inline\" alttext=\"E = mc^2\">"), "{m}");
        assert!(m.contains("<msup>"), "{m}");
        assert!(
            m.contains("<annotation encoding=\"application/x-tex\">E = mc^2</annotation>"),
            "{m}"
        );
        let m = mathml(r"\frac{a}{b} < \sqrt{x}", true).unwrap();
        assert!(
            m.contains("display=\"block\"") && m.contains("<mfrac>") && m.contains("&lt;"),
            "{m}"
        );
        assert!(mathml(r"\frac{a}{", false).is_err());
        assert!(mathml(r"\notacommand", false).is_err());
    }
}
