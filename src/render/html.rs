//! Raw HTML inside Markdown, re-serialised as well-formed XHTML: known elements kept,
//! unknown ones unwrapped, scripts and event handlers dropped, entities decoded, every
//! element closed. Each drop is reported as a warning.

use std::collections::BTreeSet;

use html5gum::{Token, Tokenizer};

use super::xml::Xml;

/// What to do with an HTML element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Write it with this name (and this class, for renamed presentational elements).
    Keep(&'static str, Option<&'static str>),
    /// Leave the tag out, keep its content.
    Unwrap,
    /// Leave the element and its content out.
    Drop,
}

const VOID: &[&str] = &["br", "hr", "img", "wbr", "col"];

const PHRASING: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "i", "img",
    "ins", "kbd", "mark", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub",
    "sup", "time", "u", "var", "wbr",
];

const FLOW: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "col",
    "colgroup",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

fn action(name: &str, inline: bool) -> Action {
    if let Some(&n) = PHRASING.iter().find(|&&n| n == name) {
        return Action::Keep(n, None);
    }
    let renamed = match name {
        "center" => Some(("div", Some("center"))),
        "font" | "big" | "blink" => Some(("span", None)),
        "tt" => Some(("code", None)),
        "strike" => Some(("s", None)),
        _ => None,
    };
    if let Some((n, class)) = renamed {
        return Action::Keep(if inline && n == "div" { "span" } else { n }, class);
    }
    if let Some(&n) = FLOW.iter().find(|&&n| n == name) {
        // block elements inside a paragraph would break the content model
        return if inline {
            Action::Unwrap
        } else {
            Action::Keep(n, None)
        };
    }
    match name {
        "script" | "style" | "iframe" | "object" | "embed" | "template" | "noscript" | "frame"
        | "frameset" | "applet" | "form" | "input" | "button" | "select" | "textarea" | "audio"
        | "video" | "canvas" | "svg" | "math" | "head" | "title" | "meta" | "link" | "base" => {
            Action::Drop
        }
        _ => Action::Unwrap,
    }
}

/// Attributes kept on each element; everything else (`on*`, `style`, …) is dropped.
fn allowed_attr(element: &str, attr: &str) -> bool {
    matches!(attr, "id" | "class" | "title" | "lang" | "dir")
        || matches!(
            (element, attr),
            ("a", "href")
                | ("img", "src" | "alt" | "width" | "height")
                | ("td" | "th", "colspan" | "rowspan")
                | ("ol", "start" | "reversed" | "type")
                | ("q" | "blockquote" | "del" | "ins", "cite")
                | ("time" | "del" | "ins", "datetime")
                | ("data", "value")
                | ("col" | "colgroup", "span")
        )
}

/// Context the sanitiser needs from the chapter renderer.
pub struct HtmlContext<'a> {
    /// Ids already used in the document (kept unique).
    pub ids: &'a mut BTreeSet<String>,
    /// Map an image `src` to its href in the EPUB (None: not available).
    pub image: &'a dyn Fn(&str) -> Option<String>,
    /// Map a link `href` to its final form (None: drop the link).
    pub link: &'a dyn Fn(&str) -> Option<String>,
    /// Whether the HTML sits inside a Markdown link (a raw `<a>` would nest).
    pub in_link: bool,
    pub warnings: &'a mut Vec<String>,
}

/// State of raw HTML across the events of one chapter.
#[derive(Debug, Default)]
pub struct RawHtml {
    /// Open elements written: (name, Markdown depth they were opened at).
    open: Vec<(&'static str, usize)>,
    /// Nesting depth inside a dropped element (0: not dropping).
    dropping: usize,
    dropping_name: String,
    /// The Markdown depth the dropped element was opened at: it ends with that container,
    /// and only an end tag at that depth closes it (else the Markdown tags skipped while
    /// dropping would not balance).
    dropping_depth: usize,
    /// Whether the too-deep warning was given.
    too_deep: bool,
}

/// Raw HTML elements nested deeper than this are unwrapped (see [`crate::chapters::MAX_NESTING`]).
const MAX_RAW_NESTING: usize = 32;

impl RawHtml {
    /// True while inside a dropped element (`<script>` …): Markdown text is dropped too.
    pub fn dropping(&self) -> bool {
        self.dropping > 0
    }

    /// Close what opening `out` implies, as an HTML parser would: an open `<p>` before a
    /// block, the previous `<li>`, `<dt>`/`<dd>`, `<tr>`, `<td>`/`<th>`, table section.
    fn close_implied(&mut self, out: &str, depth: usize, x: &mut Xml) {
        let (closes, stops): (&[&str], &[&str]) = match out {
            "li" => (&["li"], &["ul", "ol"]),
            "dt" | "dd" => (&["dt", "dd"], &["dl"]),
            "tr" => (&["tr"], &["table", "thead", "tbody", "tfoot"]),
            "td" | "th" => (&["td", "th"], &["tr", "table"]),
            "thead" | "tbody" | "tfoot" => (&["thead", "tbody", "tfoot"], &["table"]),
            "col" | "colgroup" | "caption" => (&[], &[]),
            _ if FLOW.contains(&out) => (
                &["p"],
                &[
                    "div",
                    "blockquote",
                    "li",
                    "td",
                    "th",
                    "dd",
                    "section",
                    "article",
                    "aside",
                    "figure",
                ],
            ),
            _ => (&[], &[]),
        };
        let mut pos = None;
        for (i, &(n, d)) in self.open.iter().enumerate().rev() {
            if d < depth || stops.contains(&n) {
                break;
            }
            if closes.contains(&n) {
                pos = Some(i);
                break;
            }
        }
        if let Some(pos) = pos {
            while self.open.len() > pos {
                let (n, _) = self.open.pop().expect("non-empty");
                x.end(n);
            }
        }
    }

    /// Sanitise one chunk of raw HTML (a tag, a line of an HTML block, …).
    pub fn feed(
        &mut self,
        html: &str,
        inline: bool,
        depth: usize,
        x: &mut Xml,
        cx: &mut HtmlContext<'_>,
    ) {
        for token in Tokenizer::new(html).flatten() {
            match token {
                Token::StartTag(t) => {
                    let name = String::from_utf8_lossy(&t.name).to_ascii_lowercase();
                    if self.dropping > 0 {
                        if name == self.dropping_name
                            && !t.self_closing
                            && depth == self.dropping_depth
                        {
                            self.dropping += 1;
                        }
                        continue;
                    }
                    match action(&name, inline) {
                        Action::Drop => {
                            cx.warnings.push(format!(
                                "<{name}> is not allowed in an EPUB: left out with its content"
                            ));
                            if !t.self_closing && !VOID.contains(&name.as_str()) {
                                self.dropping = 1;
                                self.dropping_name = name;
                                self.dropping_depth = depth;
                            }
                        }
                        Action::Unwrap => {
                            if !inline || !FLOW.contains(&name.as_str()) {
                                cx.warnings.push(format!("unknown HTML element <{name}>: its tag is left out, its text kept"));
                            }
                        }
                        Action::Keep(out, class) => {
                            let mut attrs: Vec<(String, String)> = Vec::new();
                            let mut dropped: Vec<String> = Vec::new();
                            // `<a name>` is an anchor links reach: written as its id
                            let named = out == "a" && !t.attributes.contains_key(b"id".as_slice());
                            for (k, v) in &t.attributes {
                                let mut k = String::from_utf8_lossy(k).to_ascii_lowercase();
                                if named && k == "name" {
                                    k = "id".into();
                                }
                                let v = String::from_utf8_lossy(v).into_owned();
                                if !allowed_attr(out, &k) {
                                    dropped.push(k);
                                    continue;
                                }
                                let v = match k.as_str() {
                                    "id" => {
                                        if !valid_id(&v) || !cx.ids.insert(v.clone()) {
                                            cx.warnings.push(format!(
                                                "id `{v}` is not unique or not valid: left out"
                                            ));
                                            continue;
                                        }
                                        v
                                    }
                                    "href" => match (cx.link)(&v) {
                                        Some(h) => h,
                                        None => {
                                            cx.warnings.push(format!(
                                                "link `{}` is not allowed in an EPUB: left out, its text kept",
                                                v.chars().take(40).collect::<String>()
                                            ));
                                            continue;
                                        }
                                    },
                                    "src" => match (cx.image)(&v) {
                                        Some(h) => h,
                                        None => continue,
                                    },
                                    "lang" => {
                                        attrs.push(("xml:lang".into(), v.clone()));
                                        v
                                    }
                                    _ => v,
                                };
                                attrs.push((k, v));
                            }
                            if let Some(c) = class {
                                match attrs.iter_mut().find(|(k, _)| k == "class") {
                                    Some((_, v)) => *v = format!("{c} {v}"),
                                    None => attrs.push(("class".into(), c.into())),
                                }
                            }
                            if !dropped.is_empty() {
                                cx.warnings.push(format!(
                                    "attribute{} {} on <{name}> left out",
                                    if dropped.len() > 1 { "s" } else { "" },
                                    dropped.join(", ")
                                ));
                            }
                            if out == "img" {
                                if !attrs.iter().any(|(k, _)| k == "src") {
                                    continue;
                                }
                                if !attrs
                                    .iter()
                                    .any(|(k, v)| k == "alt" && !v.trim().is_empty())
                                {
                                    let src = t
                                        .attributes
                                        .get(b"src".as_slice())
                                        .map(|v| String::from_utf8_lossy(v).into_owned())
                                        .unwrap_or_default();
                                    cx.warnings.push(format!(
                                        "image `{src}` has no alt text: add alt=\"what it shows\", so screen readers can describe it"
                                    ));
                                }
                                if !attrs.iter().any(|(k, _)| k == "alt") {
                                    attrs.push(("alt".into(), String::new()));
                                }
                            }
                            if !VOID.contains(&out) && !t.self_closing {
                                // implied end tags, as an HTML parser would close them
                                self.close_implied(out, depth, x);
                                // a block inside an open phrasing element, or a link in a
                                // link, breaks the content model: leave the tag out
                                let top = self.open.last().map(|&(n, _)| n);
                                let block_in_phrasing = FLOW.contains(&out)
                                    && top.is_some_and(|n| PHRASING.contains(&n));
                                // list items, table parts, terms need their container
                                let parents: &[&str] = match out {
                                    "li" => &["ul", "ol"],
                                    "dt" | "dd" => &["dl"],
                                    "tr" => &["table", "thead", "tbody", "tfoot"],
                                    "td" | "th" => &["tr"],
                                    "thead" | "tbody" | "tfoot" | "caption" | "colgroup" => {
                                        &["table"]
                                    }
                                    _ => &[],
                                };
                                let orphan = !parents.is_empty()
                                    && !top.is_some_and(|n| parents.contains(&n));
                                let block_in_phrasing = block_in_phrasing || orphan;
                                let link_in_link = out == "a"
                                    && (cx.in_link || self.open.iter().any(|&(n, _)| n == "a"));
                                if block_in_phrasing
                                    || link_in_link
                                    || self.open.len() >= MAX_RAW_NESTING
                                {
                                    if self.open.len() >= MAX_RAW_NESTING && !self.too_deep {
                                        self.too_deep = true;
                                        cx.warnings.push(format!(
                                            "raw HTML nested more than {MAX_RAW_NESTING} elements deep: the deeper tags are left out, their text kept"
                                        ));
                                    } else if orphan {
                                        cx.warnings.push(format!(
                                            "<{name}> outside <{}>: its tag is left out, its text kept",
                                            parents[0]
                                        ));
                                    } else if block_in_phrasing {
                                        cx.warnings.push(format!(
                                            "<{name}> inside <{}>: its tag is left out, its text kept",
                                            top.unwrap_or_default()
                                        ));
                                    } else if link_in_link {
                                        cx.warnings.push("a link inside a link: the inner link is left out, its text kept".to_string());
                                    }
                                    continue;
                                }
                            } else if FLOW.contains(&out) {
                                self.close_implied(out, depth, x);
                            }
                            let refs: Vec<(&str, &str)> = attrs
                                .iter()
                                .map(|(k, v)| (k.as_str(), v.as_str()))
                                .collect();
                            if VOID.contains(&out) {
                                x.empty(out, &refs);
                            } else {
                                x.start(out, &refs);
                                if t.self_closing {
                                    x.end(out);
                                } else {
                                    self.open.push((out, depth));
                                }
                            }
                        }
                    }
                }
                Token::EndTag(t) => {
                    let name = String::from_utf8_lossy(&t.name).to_ascii_lowercase();
                    if self.dropping > 0 {
                        if name == self.dropping_name && depth == self.dropping_depth {
                            self.dropping -= 1;
                        }
                        continue;
                    }
                    let out = match action(&name, inline) {
                        Action::Keep(out, _) => out,
                        _ => continue,
                    };
                    // close up to the matching element opened at this depth; ignore strays
                    if let Some(pos) = self.open.iter().rposition(|&(n, d)| n == out && d >= depth)
                    {
                        while self.open.len() > pos {
                            let (n, _) = self.open.pop().expect("non-empty");
                            x.end(n);
                        }
                    }
                }
                Token::String(s) => {
                    if self.dropping == 0 {
                        x.text(&String::from_utf8_lossy(&s));
                    }
                }
                Token::Comment(_) | Token::Doctype(_) | Token::Error(_) => {}
            }
        }
    }

    /// Close every raw element opened at Markdown depth ≥ `depth` (before its container ends).
    pub fn close_to(&mut self, depth: usize, x: &mut Xml) {
        while let Some(&(n, d)) = self.open.last() {
            if d < depth {
                break;
            }
            self.open.pop();
            x.end(n);
        }
        if depth <= self.dropping_depth {
            self.dropping = 0;
        }
    }
}

fn valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The `src` of every `<img>` in a chunk of raw HTML (to collect images before rendering).
/// The `href` of every `<a>` in a piece of raw HTML, as written (entities decoded).
pub fn link_targets(html: &str) -> Vec<String> {
    start_tags(html, b"a")
        .filter_map(|t| t.attributes.get(b"href".as_slice()).map(|v| text(v)))
        .collect()
}

/// The anchors a piece of raw HTML names for links: `<a id>` and `<a name>` (written as `id`),
/// and the `id` of any other element.
pub fn anchor_ids(html: &str) -> Vec<String> {
    Tokenizer::new(html)
        .flatten()
        .filter_map(|t| match t {
            Token::StartTag(t) => {
                let a = t.name.eq_ignore_ascii_case(b"a");
                let id = t
                    .attributes
                    .get(b"id".as_slice())
                    .or_else(|| a.then(|| t.attributes.get(b"name".as_slice())).flatten())?;
                Some(text(id)).filter(|v| valid_id(v))
            }
            _ => None,
        })
        .collect()
}

fn start_tags<'a>(html: &'a str, name: &'a [u8]) -> impl Iterator<Item = StartTag> + 'a {
    Tokenizer::new(html).flatten().filter_map(move |t| match t {
        Token::StartTag(t) if t.name.eq_ignore_ascii_case(name) => Some(t),
        _ => None,
    })
}

type StartTag = html5gum::StartTag<()>;

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

pub fn image_sources(html: &str) -> Vec<String> {
    Tokenizer::new(html)
        .flatten()
        .filter_map(|t| match t {
            Token::StartTag(t) if t.name.eq_ignore_ascii_case(b"img") => t
                .attributes
                .get(b"src".as_slice())
                .map(|v| String::from_utf8_lossy(v).into_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[(&str, bool)]) -> (String, Vec<String>) {
        let mut x = Xml::new();
        let mut raw = RawHtml::default();
        let mut ids = BTreeSet::new();
        let mut warnings = Vec::new();
        let image = |s: &str| Some(format!("images/{s}"));
        let link = |s: &str| (!s.starts_with("javascript:")).then(|| s.to_string());
        for (html, inline) in chunks {
            let mut cx = HtmlContext {
                ids: &mut ids,
                image: &image,
                link: &link,
                in_link: false,
                warnings: &mut warnings,
            };
            raw.feed(html, *inline, 1, &mut x, &mut cx);
        }
        raw.close_to(0, &mut x);
        let out = String::from_utf8(x.finish()).unwrap();
        (
            out.split_once('\n').unwrap().1.trim_end().to_string(),
            warnings,
        )
    }

    #[test]
    fn table_of_cases() {
        for (input, inline, want) in [
            ("<br>", true, "<br/>"),
            (
                "<center>中&nbsp;文</center>",
                false,
                "<div class=\"center\">中\u{a0}文</div>",
            ),
            ("<p>unclosed <b>bold", false, "<p>unclosed <b>bold</b></p>"),
            ("<script>alert(1)</script>ok", false, "ok"),
            (
                "<span onclick=\"x()\" style=\"color:red\" class=\"k\">t</span>",
                true,
                "<span class=\"k\">t</span>",
            ),
            ("<a href=\"javascript:alert(1)\">x</a>", true, "<a>x</a>"),
            (
                "<img src=\"a.png\">",
                true,
                "<img src=\"images/a.png\" alt=\"\"/>",
            ),
            ("</div>stray", false, "stray"),
            ("<div>in a paragraph</div>", true, "in a paragraph"),
            (
                "<p lang=\"en\">Hi</p>",
                false,
                "<p xml:lang=\"en\" lang=\"en\">Hi</p>",
            ),
            ("<x-custom>t</x-custom>", false, "t"),
            ("<!-- c --><i>&lt;&amp;</i>", true, "<i>&lt;&amp;</i>"),
            (
                "<ul><li>a<li>b</ul>",
                false,
                "<ul><li>a</li><li>b</li></ul>",
            ),
            (
                "<p>a<p>b<div>c</div>",
                false,
                "<p>a</p><p>b</p><div>c</div>",
            ),
            ("<b>a<div>b</div></b>", false, "<b>ab</b>"),
            (
                "<a href=\"x\">a<a href=\"y\">b</a></a>",
                false,
                "<a href=\"x\">ab</a>",
            ),
            (
                "<table><tr><td>a<td>b<tr><td>c</table>",
                false,
                "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
            ),
            (
                "<dl><dt>a<dd>b<dt>c</dl>",
                false,
                "<dl><dt>a</dt><dd>b</dd><dt>c</dt></dl>",
            ),
        ] {
            assert_eq!(run(&[(input, inline)]).0, want, "{input}");
        }
        let (_, w) = run(&[("<script>x</script>", false)]);
        assert_eq!(
            w,
            ["<script> is not allowed in an EPUB: left out with its content"]
        );
    }

    #[test]
    fn elements_span_chunks() {
        let (out, _) = run(&[("<span>", true), ("</span>", true), ("<em>", true)]);
        assert_eq!(out, "<span></span><em></em>");
    }
}
