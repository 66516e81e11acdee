//! TeX formulas → MathML (pulldown-latex), written through [`Xml`]: the TeX is kept as
//! `alttext` and as an `application/x-tex` annotation, so a reader without MathML still has it.

use super::xml::Xml;

pub const MATHML_NS: &str = "http://www.w3.org/1998/Math/MathML";

/// Write `tex` as a `<math>` element, or return why it cannot be converted (nothing written).
/// `defs`: the definitions of the macros it uses that other formulas make
/// ([`super::macros::BookMacros::prelude`]). A formula of definitions alone writes nothing.
pub fn write(x: &mut Xml, tex: &str, display: bool, defs: &str) -> Result<(), String> {
    let shown = super::macros::without_definitions(tex);
    if shown.trim().is_empty() && !tex.trim().is_empty() {
        return Ok(());
    }
    let full;
    let tex_in = if defs.is_empty() {
        &shown[..]
    } else {
        full = format!("{defs}{shown}");
        &full[..]
    };
    let mathml = xml_escape_operators(&convert(tex_in, display)?);
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
        // a control space (`\ `): `&nbsp;`, or `&amp;nbsp;` in XML mode
        if let Some(nbsp) = ["&nbsp;", "&amp;nbsp;"]
            .iter()
            .find(|n| rest.starts_with(**n))
        {
            out.push_str("&#160;");
            i += nbsp.len();
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
    let tex = katex_commands(tex);
    let storage = pulldown_latex::Storage::new();
    let events: Vec<_> = pulldown_latex::Parser::new(&tex, &storage).collect();
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

/// Whether pulldown-latex reads `tex` without an error.
pub(super) fn parses(tex: &str) -> bool {
    let storage = pulldown_latex::Storage::new();
    pulldown_latex::Parser::new(tex, &storage).all(|e| e.is_ok())
}

/// KaTeX's and MathJax's commands that pulldown-latex does not read, as ones it does (or left
/// out where they only mark or size): `\operatorname*`, `\bm`/`\pmb` (bold), `\mathscr`,
/// `\mbox`, `{a \over b}`, `{n \choose k}`, `\tag{1}` (written `(1)` after a space),
/// `\eqref{x}`, `\mod`, `\mathop{\arg\max}`; `\boxed`, `\label{…}`, `\nonumber`,
/// `\notag`, `\require{…}` and the phantoms left out; mhchem's `\ce` and `\pu`
/// ([`super::mhchem`]).
fn katex_commands(tex: &str) -> std::borrow::Cow<'_, str> {
    if !tex.contains('\\') {
        return tex.into();
    }
    let mut t = tex.to_string();
    t = with_group(&t, "\\ce", super::mhchem::ce);
    t = with_group(&t, "\\pu", super::mhchem::pu);
    t = with_group(&t, "\\require", |_| String::new());
    for (from, to) in [
        ("\\operatorname*", "\\operatorname"),
        ("\\mathscr", "\\mathcal"),
        ("\\mbox", "\\text"),
        ("\\mod", "\\bmod"),
        ("\\nonumber", ""),
        ("\\notag", ""),
        ("\\boxed", ""),
        ("\\bm", "\\boldsymbol"),
        ("\\pmb", "\\boldsymbol"),
    ] {
        t = replace_command(&t, from, to);
    }
    for cmd in ["\\label", "\\phantom", "\\hphantom", "\\vphantom"] {
        t = with_group(&t, cmd, |_| String::new());
    }
    t = with_group(&t, "\\tag*", |g| format!("\\qquad \\text{{{g}}}"));
    t = with_group(&t, "\\tag", |g| format!("\\qquad \\text{{({g})}}"));
    t = with_group(&t, "\\eqref", |g| format!("\\text{{({g})}}"));
    t = with_group(&t, "\\mathop", |g| {
        let name = g
            .replace("\\mathrm{", "")
            .replace("\\text{", "")
            .replace(['{', '}'], "")
            .split('\\')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        format!("\\operatorname{{{name}}}")
    });
    for (cmd, to) in [("\\over", "frac"), ("\\choose", "binom")] {
        t = infix(&t, cmd, to);
    }
    t.into()
}

/// Whether `cmd` starts at `at` in `t` as a whole command (not `\\bmod` for `\\bm`).
fn command_at(t: &str, at: usize, cmd: &str) -> bool {
    t[at..].starts_with(cmd)
        && !t[at + cmd.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || (c == '*' && !cmd.ends_with('*')))
        && !t[..at].ends_with('\\')
}

/// Every whole command `from` written `to`.
fn replace_command(t: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut pos = 0;
    while let Some(k) = t[pos..].find(from) {
        let at = pos + k;
        out.push_str(&t[pos..at]);
        if command_at(t, at, from) {
            out.push_str(to);
        } else {
            out.push_str(from);
        }
        pos = at + from.len();
    }
    out.push_str(&t[pos..]);
    out
}

/// Where the brace group starting at `open` (a `{`) ends (after its `}`).
pub(super) fn group_end(t: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut escaped = false;
    for (k, c) in t[open..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(open + k + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Every `cmd{group}` written as `f(group)`.
fn with_group(t: &str, cmd: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(t.len());
    let mut pos = 0;
    while let Some(k) = t[pos..].find(cmd) {
        let at = pos + k;
        let open =
            at + cmd.len() + (t[at + cmd.len()..].len() - t[at + cmd.len()..].trim_start().len());
        match (command_at(t, at, cmd) && t[open..].starts_with('{'))
            .then(|| group_end(t, open))
            .flatten()
        {
            Some(end) => {
                out.push_str(&t[pos..at]);
                out.push_str(&f(&t[open + 1..end - 1]));
                pos = end;
            }
            None => {
                out.push_str(&t[pos..at + cmd.len()]);
                pos = at + cmd.len();
            }
        }
    }
    out.push_str(&t[pos..]);
    out
}

/// TeX's infix `{a \over b}` as `\frac{a}{b}` (`to` the command's name), in the group it
/// divides (or the whole formula).
fn infix(t: &str, cmd: &str, to: &str) -> String {
    let mut t = t.to_string();
    for _ in 0..16 {
        let Some(at) = (0..t.len())
            .filter(|&i| t.is_char_boundary(i))
            .find(|&i| command_at(&t, i, cmd))
        else {
            break;
        };
        // the group around it: the nearest unclosed `{` before
        let mut depth = 0i32;
        let mut start = None;
        for (i, c) in t[..at].char_indices().rev() {
            match c {
                '}' => depth += 1,
                '{' if depth == 0 && !t[..i].ends_with('\\') => {
                    start = Some(i);
                    break;
                }
                '{' => depth -= 1,
                _ => {}
            }
        }
        let (open, close) = match start {
            Some(s) => match group_end(&t, s) {
                Some(e) => (s + 1, e - 1),
                None => break,
            },
            None => (0, t.len()),
        };
        let (a, b) = (&t[open..at], &t[at + cmd.len()..close]);
        let made = format!("\\{to}{{{}}}{{{}}}", a.trim(), b.trim());
        t = format!("{}{made}{}", &t[..open], &t[close..]);
    }
    t
}

/// A table's alignment and rules as MathML 3 writes them, from pulldown-latex's classes:
/// `aligned` columns right, left, right…; `cases` left; a cell's rule on its right
/// (`array{c|c}`) and a row's above it (`\\hline`).
fn table_attributes(t: roxmltree::Node<'_, '_>) -> Vec<(&'static str, String)> {
    let class = t.attribute("class").unwrap_or("");
    let rows: Vec<roxmltree::Node<'_, '_>> =
        t.children().filter(|r| r.has_tag_name("mtr")).collect();
    let columns = rows
        .iter()
        .map(|r| r.children().filter(|c| c.has_tag_name("mtd")).count())
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    if columns == 0 {
        return out;
    }
    if class.contains("menv-alignlike") {
        let align: Vec<&str> = (0..columns)
            .map(|i| if i % 2 == 0 { "right" } else { "left" })
            .collect();
        let spacing: Vec<&str> = (1..columns)
            .map(|i| if i % 2 == 1 { "0em" } else { "2em" })
            .collect();
        out.push(("columnalign", align.join(" ")));
        if !spacing.is_empty() {
            out.push(("columnspacing", spacing.join(" ")));
        }
    } else if class.contains("menv-cells-left") {
        out.push(("columnalign", "left".to_string()));
    }
    if let Some(first) = rows.first() {
        let cells = first.children().filter(|c| c.has_tag_name("mtd"));
        if let Some(lines) = rules(cells.take(columns.saturating_sub(1)), "menv-right-solid") {
            out.push(("columnlines", lines));
        }
    }
    if let Some(rules) = rules(rows.iter().skip(1).copied(), "menv-hline") {
        out.push(("rowlines", rules));
    }
    out
}

/// The rules between cells or rows, `solid` where the element's class has `class` and `none`
/// elsewhere (`None`: no rule at all).
fn rules<'a, 'i: 'a>(
    nodes: impl Iterator<Item = roxmltree::Node<'a, 'i>>,
    class: &str,
) -> Option<String> {
    let lines: Vec<&str> = nodes
        .map(|n| match n.attribute("class") {
            Some(k) if k.contains(class) => "solid",
            _ => "none",
        })
        .collect();
    lines.contains(&"solid").then(|| lines.join(" "))
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
        // `\mu` is the Greek letter, not the micro sign; `\$` in `\text{…}` is `$`
        let mut t = n.text().unwrap_or("").replace('\u{B5}', "\u{3BC}");
        if n.parent().is_some_and(|p| p.has_tag_name("mtext")) && t.contains('\\') {
            for c in ["$", "%", "&", "#", "_", "{", "}"] {
                t = t.replace(&format!("\\{c}"), c);
            }
        }
        x.text(&t);
        return;
    }
    if !n.is_element() {
        return;
    }
    let name = n.tag_name().name();
    // the style of `\dfrac` and `\displaystyle`: on an `mstyle` (an `mrow`'s is not MathML 3)
    let name = if name == "mrow" && n.has_attribute("displaystyle") {
        "mstyle"
    } else {
        name
    };
    let mut attrs: Vec<(&str, &str)> = n
        .attributes()
        .filter(|a| a.namespace().is_none() && allowed(a.name()))
        .map(|a| (a.name(), a.value()))
        .collect();
    // pulldown-latex's classes of a table's environment (`aligned`, `cases`, `array{c|c}`):
    // kept for the stylesheet (Chromium reads MathML Core, which has no columnalign) and
    // written as MathML 3's attributes (WebKit, Apple Books)
    let class: String = n.attribute("class").map_or_else(String::new, |c| {
        c.split_whitespace()
            .filter(|c| c.starts_with("menv-"))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let table = if name == "mtable" {
        table_attributes(n)
    } else {
        Vec::new()
    };
    for (k, v) in &table {
        attrs.push((k, v));
    }
    if !class.is_empty() {
        attrs.push(("class", &class));
    }
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
        write(&mut x, tex, display, "")?;
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
        // a control space is a space, not the text `&nbsp;`
        let m = mathml(r"a\ b", false).unwrap();
        assert!(m.contains("<mtext>\u{a0}</mtext>"), "{m}");
        assert!(mathml(r"\notacommand", false).is_err());
    }

    /// KaTeX's and MathJax's commands as pulldown-latex reads them, and its MathML as MathML 3
    /// has it (EPUBCheck).
    #[test]
    fn katex_and_mathjax_commands() {
        let cases = [
            (
                r"\operatorname*{argmax}_k p_k",
                r"\operatorname{argmax}_k p_k",
            ),
            (
                r"\bm{x} + \pmb{y} \bmod 2",
                r"\boldsymbol{x} + \boldsymbol{y} \bmod 2",
            ),
            (r"L = x \tag{1}", r"L = x \qquad \text{(1)}"),
            (r"a \label{eq:1} \nonumber", "a  "),
            (
                r"{n \choose k} + {a \over b}",
                r"{\binom{n}{k}} + {\frac{a}{b}}",
            ),
            (r"1 \over 2", r"\frac{1}{2}"),
            (r"\mathop{\arg\max}_k", r"\operatorname{arg max}_k"),
            (
                r"\boxed{x=1} \mathscr{L} \mbox{ok} \phantom{x}",
                r"{x=1} \mathcal{L} \text{ok} ",
            ),
            (r"\bigcup_i A_i \mod n", r"\bigcup_i A_i \bmod n"),
        ];
        for (tex, want) in cases {
            assert_eq!(katex_commands(tex), want, "{tex}");
            assert!(mathml(tex, true).is_ok(), "{tex}");
        }
        let m = mathml(r"\dfrac{a}{b} + \mu", false).unwrap();
        assert!(m.contains("<mstyle displaystyle=\"true\""), "{m}");
        assert!(
            !m.contains("<mrow displaystyle") && !m.contains('\u{B5}') && m.contains('\u{3BC}'),
            "{m}"
        );
        let m = mathml(r"\operatorname*{argmax}_k", false).unwrap();
        assert!(!m.contains("<mi>*"), "{m}");
        let m = mathml(r"\begin{aligned} f(x) &= 1 \\ &= 2 \end{aligned}", true).unwrap();
        assert!(m.contains("<mtable columnalign=\"right left\" columnspacing=\"0em\" class=\"menv-alignlike menv-align\">"), "{m}");
        let m = mathml(r"\begin{cases} 1 & x>0 \\ 0 & x \le 0 \end{cases}", true).unwrap();
        assert!(m.contains("columnalign=\"left\""), "{m}");
        let m = mathml(
            r"\begin{array}{cc|c} a & b & c \\ \hline d & e & f \end{array}",
            true,
        )
        .unwrap();
        assert!(
            m.contains("columnlines=\"none solid\" rowlines=\"solid\""),
            "{m}"
        );
        let m = mathml(r"\text{\$100 \& 50\%}", false).unwrap();
        assert!(m.contains("<mtext>$100 &amp; 50%</mtext>"), "{m}");
    }
}
