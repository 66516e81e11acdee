//! Raw HTML and the Markdown around it, read as a browser reads it and written as XHTML.
//!
//! A chapter with raw HTML is first written as one HTML string (hanpub's own markup with the
//! raw chunks in place, each made safe to concatenate by [`seal`]), then parsed by html5ever's
//! HTML5 tree builder in a `<section>` context — so a `<figure>` split by blank lines keeps its
//! `<figcaption>`, Markdown inside a raw `<div>` stays inside it, and a mistyped `<table>` is
//! repaired as a browser repairs it. The tree is then sanitised and serialised through [`Xml`]:
//! known elements kept (renamed where presentational), unknown ones unwrapped, scripts and
//! event handlers dropped, URLs through [`crate::url::check`], ids made valid and unique, and
//! content models repaired (no block in a paragraph, no `<li>` outside a list). Each drop is a
//! warning at the raw chunk it came from (found by `<!--hanpub:N-->` markers).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use html5ever::tendril::TendrilSink;
use html5ever::{LocalName, QualName, ns};
use html5gum::{Token, Tokenizer};
use markup5ever_rcdom::{Handle, NodeData, RcDom};

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
    /// `<picture>`: its `<img>` kept (the fallback every reading system shows), its `<source>`s
    /// left out, without a warning (nothing a reader sees is lost).
    Fallback,
}

const VOID: &[&str] = &["br", "hr", "img", "wbr", "col"];

/// Elements kept as they are.
const KEPT: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
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
    "hgroup",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "main",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Blocks: never inside an element that takes phrasing content only.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "div",
    "dl",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
];

/// Elements whose content is phrasing only (blocks inside them are unwrapped).
const PHRASING_ONLY: &[&str] = &[
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "span", "em", "strong", "b", "i", "u", "s",
    "small", "mark", "abbr", "cite", "code", "dfn", "kbd", "q", "samp", "sub", "sup", "var",
    "time", "data", "bdi", "bdo", "ruby", "rt", "rp", "summary",
];

/// MathML elements kept inside `<math>` (presentation markup and the TeX annotation).
const MATHML: &[&str] = &[
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "msup",
    "msub",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mstyle",
    "mpadded",
    "mphantom",
    "menclose",
    "munder",
    "mover",
    "munderover",
    "mmultiscripts",
    "mprescripts",
    "none",
    "mtable",
    "mtr",
    "mtd",
    "mlabeledtr",
    "merror",
];

fn action(name: &str) -> Action {
    if let Some(&n) = KEPT.iter().find(|&&n| n == name) {
        return Action::Keep(n, None);
    }
    match name {
        "center" => Action::Keep("div", Some("center")),
        "font" | "big" | "blink" => Action::Keep("span", None),
        "tt" => Action::Keep("code", None),
        "picture" => Action::Fallback,
        "strike" => Action::Keep("s", None),
        "script" | "style" | "iframe" | "object" | "embed" | "template" | "noscript" | "frame"
        | "frameset" | "applet" | "form" | "input" | "button" | "select" | "textarea" | "audio"
        | "video" | "canvas" | "svg" | "head" | "title" | "meta" | "link" | "base" | "dialog"
        | "portal" | "slot" => Action::Drop,
        _ => Action::Unwrap,
    }
}

/// The attribute the chapter writer marks a Markdown image with in the HTML the sanitiser
/// reads (its alt text was checked where it was written); never written out.
pub const MARKDOWN_IMAGE: &str = "data-hanpub-markdown";

/// Attributes kept on each element; everything else (`on*`, `style`, …) is dropped.
fn allowed_attr(element: &str, attr: &str) -> bool {
    matches!(
        attr,
        "id" | "class"
            | "title"
            | "lang"
            | "dir"
            | "role"
            | "aria-label"
            | "aria-hidden"
            | "epub:type"
    ) || matches!(
        (element, attr),
        ("a", "href")
            | ("img", "src" | "alt" | "width" | "height")
            | ("td" | "th", "colspan" | "rowspan")
            | ("th", "scope")
            | ("ol", "start" | "reversed" | "type")
            | ("q" | "blockquote" | "del" | "ins", "cite")
            | ("time" | "del" | "ins", "datetime")
            | ("data", "value")
            | ("col" | "colgroup", "span")
            | ("details", "open")
    )
}

/// The class for `align` on a block or a table cell (`left`, `center`, `right`).
/// Text with the Markdown's own `$` ([`super::xml::MARKDOWN_DOLLAR`]) written back.
fn markdown_dollars(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(super::xml::MARKDOWN_DOLLAR) {
        text.replace(super::xml::MARKDOWN_DOLLAR, "$").into()
    } else {
        text.into()
    }
}

/// The first formula of a raw HTML text: (text before, TeX, displayed, text after). `$$…$$`
/// displayed; `$…$` inline when, as Markdown's, its `$` opens before a non-space and closes
/// after one, not before a digit (`$5 到 $10` is prices).
fn next_formula(text: &str) -> Option<(&str, &str, bool, &str)> {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'$', &b[i..]) {
        let at = i + k;
        if b.get(at + 1) == Some(&b'$') {
            if let Some(e) = text[at + 2..].find("$$") {
                let tex = &text[at + 2..at + 2 + e];
                if !tex.trim().is_empty() {
                    return Some((&text[..at], tex.trim(), true, &text[at + 2 + e + 2..]));
                }
            }
            i = at + 2;
            continue;
        }
        let opens = b.get(at + 1).is_some_and(|c| !c.is_ascii_whitespace());
        if opens {
            let mut j = at + 1;
            while let Some(k) = memchr::memchr(b'$', &b[j..]) {
                let end = j + k;
                let closes = !b[end - 1].is_ascii_whitespace()
                    && !b.get(end + 1).is_some_and(u8::is_ascii_digit)
                    && b.get(end + 1) != Some(&b'$');
                if closes && end > at + 1 {
                    let tex = &text[at + 1..end];
                    if !tex.contains('\n') {
                        return Some((&text[..at], tex, false, &text[end + 1..]));
                    }
                }
                j = end + 1;
                if !closes {
                    continue;
                }
                break;
            }
        }
        i = at + 1;
    }
    None
}

/// The site of an image on the web (`https://contrib.rocks/image?repo=a/b` → `contrib.rocks`).
fn image_site(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

fn aligned(element: &str, value: &str) -> Option<&'static str> {
    if !matches!(
        element,
        "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "td" | "th"
    ) {
        return None;
    }
    ["left", "center", "right"]
        .into_iter()
        .find(|a| value.trim().eq_ignore_ascii_case(a))
}

/// Whether an attribute's value is an integer in XHTML: `Some(may be negative)`.
fn integer_attr(attr: &str) -> Option<bool> {
    match attr {
        "width" | "height" | "colspan" | "rowspan" | "span" => Some(false),
        "start" => Some(true),
        _ => None,
    }
}

/// A width in percent (`50%`, `33.3%`) in tenths, rounded: 1 to 10 (at least a tenth).
fn percent_tenths(value: &str) -> Option<u32> {
    let n: f32 = value.trim().strip_suffix('%')?.trim().parse().ok()?;
    (n > 0.0 && n <= 100.0).then(|| ((n / 10.0).round() as u32).clamp(1, 10))
}

/// An integer attribute's value as XHTML wants it (`300px` → `300`), if it is one.
fn integer(value: &str, negative: bool) -> Option<String> {
    let v = value.trim();
    let v = v.strip_suffix("px").unwrap_or(v).trim_end();
    let digits = if negative {
        v.strip_prefix('-').unwrap_or(v)
    } else {
        v
    };
    (!digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.to_string())
}

/// `role` and `epub:type` values hanpub writes, and the few raw HTML may use.
fn allowed_value(attr: &str, value: &str) -> bool {
    match attr {
        "role" => matches!(
            value,
            "doc-noteref"
                | "doc-footnote"
                | "doc-backlink"
                | "note"
                | "doc-pullquote"
                | "doc-example"
        ),
        "epub:type" => value
            .split_ascii_whitespace()
            .all(|v| matches!(v, "noteref" | "footnote" | "endnote" | "sidebar")),
        "aria-hidden" => matches!(value, "true" | "false"),
        "dir" => matches!(value, "ltr" | "rtl" | "auto"),
        _ => true,
    }
}

/// Context the sanitiser needs from the chapter renderer.
pub struct HtmlContext<'a> {
    /// Ids already used in the document (kept unique).
    pub ids: &'a mut BTreeSet<String>,
    /// Map an image `src` to its href in the EPUB (None: not available).
    pub image: &'a dyn Fn(&str) -> Option<String>,
    /// Source spans of the raw chunks, indexed by their `<!--hanpub:N-->` markers.
    pub spans: &'a [Range<usize>],
    /// Raw `<a href>`s as written → their resolved href, from [`crate::chapters::split`] (empty:
    /// it reaches nothing and was reported there).
    pub links: &'a BTreeMap<String, String>,
    pub warnings: &'a mut Vec<(String, Range<usize>)>,
    /// The definitions a formula ending at a place of the source needs
    /// ([`super::macros::BookMacros::prelude`]).
    pub formula_defs: &'a dyn Fn(&str, usize) -> String,
}

/// Elements (counting hanpub's own) nested deeper than this are unwrapped, their text kept
/// (see [`crate::chapters::MAX_NESTING`]).
const MAX_DEPTH: usize = 48;

/// The comment that marks where raw chunk `n` starts.
pub fn marker(n: usize) -> String {
    format!("<!--hanpub:{n}-->")
}

/// A raw chunk made safe to put before more markup: a comment, a `<script>`/`<style>`/…
/// element or a tag left open at its end is closed; CDATA sections and processing
/// instructions (`<?…?>`) are left out (a browser would show their second half);
/// `<plaintext>` reads as `<xmp>`.
pub fn seal(chunk: &str) -> Cow<'_, str> {
    if !chunk.contains('<') {
        return Cow::Borrowed(chunk);
    }
    let mut s = chunk.to_string();
    for (open, close) in [("<![CDATA[", "]]>"), ("<?", "?>")] {
        while let Some(a) = s.find(open) {
            let b = s[a..].find(close).map_or(s.len(), |b| a + b + close.len());
            s.replace_range(a..b, "");
        }
    }
    let lower = s.to_ascii_lowercase();
    if lower.contains("<plaintext") {
        s = replace_ignore_case(&s, "<plaintext", "<xmp");
        s = replace_ignore_case(&s, "</plaintext", "</xmp");
    }
    let lower = s.to_ascii_lowercase();
    let mut tail = String::new();
    // a tag left open (`<div class="x"` then a blank line): close its quote and the tag
    if let Some(lt) = lower.rfind('<')
        && lower[lt + 1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
        && !lower[lt..].contains('>')
    {
        let mut quote: Option<char> = None;
        for c in lower[lt..].chars() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                _ => {}
            }
        }
        if let Some(q) = quote {
            tail.push(q);
        }
        tail.push('>');
    }
    // `<!-->` and `<!--->` are whole (empty) comments
    if let Some(a) = lower.rfind("<!--")
        && !lower[a + 4..].contains("-->")
        && !lower[a + 4..].starts_with('>')
        && !lower[a + 4..].starts_with("->")
    {
        tail.push_str("-->");
    }
    for name in [
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
    ] {
        if let Some(a) = rfind_tag(&lower, name)
            && !lower[a..].contains(&format!("</{name}"))
        {
            tail.push_str(&format!("</{name}>"));
        }
    }
    s.push_str(&tail);
    Cow::Owned(s)
}

/// The raw-text element (`script`, `style`, …) an inline chunk opens and leaves open, if any:
/// its content then runs to the end of the paragraph and is left out with it.
pub fn opens_raw_text(chunk: &str) -> Option<&'static str> {
    let lower = chunk.to_ascii_lowercase();
    [
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
    ]
    .into_iter()
    .find(|name| {
        rfind_tag(&lower, name).is_some_and(|a| !lower[a..].contains(&format!("</{name}")))
    })
}

/// A block chunk with its inline formatting elements closed at its end (as hanpub always did):
/// an unclosed `<b>` in an HTML block does not run into the rest of the chapter.
pub fn close_inline(chunk: &str) -> Cow<'_, str> {
    let mut open: Vec<String> = Vec::new();
    track_inline(chunk, &mut open);
    if open.is_empty() {
        return Cow::Borrowed(chunk);
    }
    let mut s = chunk.to_string();
    for n in open.iter().rev() {
        s.push_str(&format!("</{n}>"));
    }
    Cow::Owned(s)
}

/// Follow the inline formatting elements `chunk` opens and closes: `open` is what stays open.
pub fn track_inline(chunk: &str, open: &mut Vec<String>) {
    const INLINE: &[&str] = &[
        "b", "i", "em", "strong", "u", "s", "font", "span", "a", "small", "big", "code", "tt",
        "mark", "strike", "sub", "sup",
    ];
    if !chunk.contains('<') {
        return;
    }
    for token in Tokenizer::new(chunk).flatten() {
        match token {
            Token::StartTag(t) if !t.self_closing => {
                let n = String::from_utf8_lossy(&t.name).to_ascii_lowercase();
                if INLINE.contains(&n.as_str()) {
                    open.push(n);
                }
            }
            Token::EndTag(t) => {
                let n = String::from_utf8_lossy(&t.name).to_ascii_lowercase();
                if let Some(i) = open.iter().rposition(|o| *o == n) {
                    open.truncate(i);
                }
            }
            _ => {}
        }
    }
}

/// The last `<name` followed by a space, `>` or `/` (so `<style` is not `<styled-box`).
fn rfind_tag(lower: &str, name: &str) -> Option<usize> {
    let pat = format!("<{name}");
    let mut end = lower.len();
    while let Some(a) = lower[..end].rfind(&pat) {
        let after = lower[a + pat.len()..].chars().next();
        if after.is_none_or(|c| c.is_ascii_whitespace() || c == '>' || c == '/') {
            return Some(a);
        }
        end = a;
    }
    None
}

fn replace_ignore_case(s: &str, from: &str, to: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    while let Some(i) = lower[at..].find(from) {
        out.push_str(&s[at..at + i]);
        out.push_str(to);
        at += i + from.len();
    }
    out.push_str(&s[at..]);
    out
}

/// Parse `body` (a chapter's content as HTML) like a browser, sanitise it and write it.
pub fn rebuild(body: &str, x: &mut Xml, cx: &mut HtmlContext<'_>) {
    let context = QualName::new(None, ns!(html), LocalName::from("section"));
    let dom =
        html5ever::parse_fragment(RcDom::default(), Default::default(), context, vec![], false)
            .one(body);
    // the fragment's nodes are the children of the `html` element under the document
    let root = dom.document.children.borrow().first().cloned();
    let Some(root) = root else { return };
    let mut w = Walk {
        x,
        at: cx.spans.first().cloned().unwrap_or(0..0),
        targets: ids_in(&root),
        cx,
        deep_warned: false,
    };
    let top = Parent {
        name: "section",
        phrasing: false,
        in_a: false,
        math: false,
        code: false,
        depth: 0,
    };
    w.children(&root, top);
}

/// Where a node sits.
#[derive(Clone, Copy)]
struct Parent {
    /// The output name of the parent element.
    name: &'static str,
    /// The parent takes phrasing content only.
    phrasing: bool,
    /// Inside a link.
    in_a: bool,
    /// Inside `<math>`.
    math: bool,
    /// Inside code (`<code>`, `<pre>`, `<kbd>`, `<samp>`): no formulas.
    code: bool,
    depth: usize,
}

struct Walk<'x, 'c, 'a> {
    x: &'x mut Xml,
    cx: &'c mut HtmlContext<'a>,
    /// Span of the raw chunk last seen (for warnings).
    at: Range<usize>,
    /// Every id in the tree: what a `#fragment` link may point at.
    targets: BTreeSet<String>,
    deep_warned: bool,
}

impl Walk<'_, '_, '_> {
    fn warn(&mut self, msg: String) {
        let at = self.at.clone();
        if !self.cx.warnings.iter().any(|(m, s)| *m == msg && *s == at) {
            self.cx.warnings.push((msg, at));
        }
    }

    /// Write the children of `node`; in a list (or definition list), content that is not an
    /// item is wrapped in one.
    fn children(&mut self, node: &Handle, parent: Parent) {
        let kids = node.children.borrow().clone();
        let wrapper = match parent.name {
            "ul" | "ol" => Some(("li", &["li"][..])),
            "dl" => Some(("dd", &["dt", "dd", "div"][..])),
            _ => None,
        };
        let Some((wrap, items)) = wrapper else {
            for k in &kids {
                self.node(k, parent);
            }
            return;
        };
        let mut open = false;
        for k in &kids {
            let is_item = match &k.data {
                NodeData::Element { name, .. } => {
                    name.ns == ns!(html) && items.contains(&&*name.local)
                }
                NodeData::Text { contents } => {
                    contents.borrow().trim().is_empty() && {
                        // whitespace between items is kept outside them
                        !open
                    }
                }
                NodeData::Comment { .. } => !open,
                _ => true,
            };
            if is_item && open {
                self.x.end(wrap);
                open = false;
            }
            if !is_item && !open {
                self.x.start(wrap, &[]);
                open = true;
            }
            let p = if open {
                Parent {
                    name: wrap,
                    phrasing: false,
                    depth: parent.depth + 1,
                    ..parent
                }
            } else {
                parent
            };
            self.node(k, p);
        }
        if open {
            self.x.end(wrap);
        }
    }

    fn node(&mut self, node: &Handle, parent: Parent) {
        match &node.data {
            NodeData::Text { contents } => {
                let text = contents.borrow();
                if !parent.code && !parent.math && text.contains('$') {
                    self.text_with_formulas(&text);
                } else {
                    self.x.text(&markdown_dollars(&text));
                }
            }
            NodeData::Comment { contents } => {
                if let Some(n) = contents.strip_prefix("hanpub:")
                    && let Ok(n) = n.parse::<usize>()
                    && let Some(span) = self.cx.spans.get(n)
                {
                    self.at = span.clone();
                }
            }
            NodeData::Element { name, attrs, .. } => {
                let attrs = attrs.borrow();
                self.element(node, name, &attrs, parent);
            }
            _ => {}
        }
    }

    fn element(
        &mut self,
        node: &Handle,
        name: &QualName,
        attrs: &[html5ever::Attribute],
        parent: Parent,
    ) {
        let local: &str = &name.local;
        if parent.depth >= MAX_DEPTH {
            if !self.deep_warned {
                self.deep_warned = true;
                self.warn(format!("HTML nested more than {MAX_DEPTH} elements deep: the deeper tags are left out, their text kept"));
            }
            self.flat_text(node);
            return;
        }
        if name.ns == ns!(mathml) {
            self.mathml(node, local, attrs, parent);
            return;
        }
        let act = if name.ns == ns!(html) {
            action(local)
        } else {
            Action::Drop
        };
        let (out, class) = match act {
            Action::Drop => {
                // an embedded page or medium on the web: a link to it
                if let Some(url) = self.embedded_url(node, local, attrs)
                    && !parent.in_a
                {
                    self.warn(format!(
                        "<{local}> is not allowed in an EPUB: a link to what it shows is kept"
                    ));
                    self.x.element("a", &[("href", url.as_str())], &url);
                    return;
                }
                self.warn(format!(
                    "<{local}> is not allowed in an EPUB: left out with its content"
                ));
                return;
            }
            Action::Unwrap => {
                self.warn(format!(
                    "unknown HTML element <{local}>: its tag is left out, its text kept"
                ));
                self.children(node, parent);
                return;
            }
            Action::Fallback => {
                for child in node.children.borrow().iter() {
                    let source = matches!(&child.data, NodeData::Element { name, .. } if &*name.local == "source");
                    if !source {
                        self.node(child, parent);
                    }
                }
                return;
            }
            Action::Keep(out, class) => (out, class),
        };
        if let Some(why) = misplaced(node, out, parent) {
            self.warn(format!(
                "<{local}> {why}: its tag is left out, its text kept"
            ));
            if parent.name == "pre" && out == "p" {
                self.x.text("\n"); // a paragraph break in preformatted text
            }
            self.children(node, parent);
            return;
        }
        // `</p>` with no paragraph open makes an empty one (as in a browser): nothing to show
        if out == "p" && node.children.borrow().is_empty() {
            return;
        }
        let captioned = out == "img" && parent.name == "figure" && captioned(node);
        let Some(kept) = self.attributes(out, attrs, class, captioned) else {
            self.missing_image(attrs, parent);
            return;
        };
        let attrs = kept;
        let refs: Vec<(&str, &str)> = attrs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if VOID.contains(&out) {
            self.x.empty(out, &refs);
            return;
        }
        self.x.start(out, &refs);
        let inherit_phrasing = matches!(out, "a" | "del" | "ins") && parent.phrasing;
        let inner = Parent {
            name: out,
            phrasing: PHRASING_ONLY.contains(&out) || inherit_phrasing,
            in_a: parent.in_a || out == "a",
            math: false,
            code: parent.code || matches!(out, "code" | "pre" | "kbd" | "samp"),
            depth: parent.depth + 1,
        };
        self.children(node, inner);
        self.x.end(out);
    }

    /// Raw HTML's text with its formulas (`$…$`, `$$…$$`, as MathJax finds them in a page:
    /// in a table's cell, a `<summary>`) as MathML; a formula that cannot be converted stays as
    /// written, with a warning.
    fn text_with_formulas(&mut self, text: &str) {
        let mut rest = text;
        while let Some((before, tex, display, after)) = next_formula(rest) {
            self.x.text(&markdown_dollars(before));
            let defs = (self.cx.formula_defs)(tex, self.at.end);
            if let Err(why) = super::math::write(self.x, tex, display, &defs) {
                self.warn(format!(
                    "formula `{tex}` cannot be converted ({why}): kept as TeX"
                ));
                self.x.text(&markdown_dollars(
                    &rest[before.len()..rest.len() - after.len()],
                ));
            }
            rest = after;
        }
        self.x.text(&markdown_dollars(rest));
    }

    /// The web address an `<iframe>`, `<video>`, `<audio>`, `<embed>` or `<object>` shows (its
    /// `src`, `data`, or first `<source src>`), if it is one.
    fn embedded_url(
        &self,
        node: &Handle,
        local: &str,
        attrs: &[html5ever::Attribute],
    ) -> Option<String> {
        if !matches!(local, "iframe" | "video" | "audio" | "embed" | "object") {
            return None;
        }
        let attr = |attrs: &[html5ever::Attribute], name: &str| {
            attrs
                .iter()
                .find(|a| &*a.name.local == name)
                .map(|a| a.value.trim().to_string())
        };
        let src = attr(attrs, "src")
            .or_else(|| attr(attrs, "data"))
            .or_else(|| {
                node.children.borrow().iter().find_map(|c| match &c.data {
                    NodeData::Element { name, attrs, .. } if &*name.local == "source" => {
                        attr(&attrs.borrow(), "src")
                    }
                    _ => None,
                })
            })?;
        let src = if src.starts_with("//") {
            format!("https:{src}")
        } else {
            src
        };
        crate::url::check(&src).ok().filter(|u| {
            crate::chapters::is_external(u)
                && crate::url::scheme(u).is_some_and(|s| s == "https" || s == "http")
        })
    }

    /// An `<img>` that is not in the book: its alt text, as a link to it when it is on the web
    /// (`--remote-images link`, reported by the resources stage) and not inside a link.
    fn missing_image(&mut self, attrs: &[html5ever::Attribute], parent: Parent) {
        let get = |name: &str| {
            attrs
                .iter()
                .find(|a| &*a.name.local == name)
                .map(|a| a.value.trim().to_string())
                .unwrap_or_default()
        };
        let (src, alt) = (get("src"), get("alt"));
        let url = crate::url::check(&src)
            .ok()
            .and_then(|_| (self.cx.image)(&src))
            .filter(|h| crate::chapters::is_external(h));
        match url {
            Some(url) if !parent.in_a => {
                let text = if alt.is_empty() { url.as_str() } else { &alt };
                self.x.element("a", &[("href", url.as_str())], text);
            }
            // a badge without alt text, the whole text of its link: the image's site names
            // the link (an empty link is nothing to read or press)
            Some(url) if alt.is_empty() => self.x.text(image_site(&url)),
            _ => self.x.text(&alt),
        }
    }

    /// The attributes kept on `out`, with warnings for the others; None drops the element.
    /// `captioned`: an image in a figure with a caption.
    fn attributes(
        &mut self,
        out: &'static str,
        attrs: &[html5ever::Attribute],
        class: Option<&str>,
        captioned: bool,
    ) -> Option<Vec<(String, String)>> {
        let mut kept: Vec<(String, String)> = Vec::new();
        let mut dropped: Vec<String> = Vec::new();
        // `<a name>` is an anchor links reach: written as its id
        let named = out == "a" && !attrs.iter().any(|a| &*a.name.local == "id");
        // `align` on a block, as the class the stylesheet aligns (a README's centred logo)
        let mut class = class.map(str::to_string);
        if let Some(a) = attrs.iter().find(|a| &*a.name.local == "align")
            && let Some(c) = aligned(out, &a.value)
        {
            class = Some(class.map_or(c.to_string(), |k| format!("{k} {c}")));
        }
        let markdown = attrs.iter().any(|a| &*a.name.local == MARKDOWN_IMAGE);
        for a in attrs {
            if &*a.name.local == MARKDOWN_IMAGE {
                continue;
            }
            let k = match &a.name.prefix {
                Some(p) => format!("{p}:{}", a.name.local),
                None if named && &*a.name.local == "name" => "id".to_string(),
                None => a.name.local.to_string(),
            };
            let v = a.value.to_string();
            if k == "align" && class.is_some() && aligned(out, &v).is_some() {
                continue;
            }
            if !allowed_attr(out, &k) || !allowed_value(&k, &v) {
                dropped.push(k);
                continue;
            }
            // a README's `<img width="50%">`: the class that sets that share of the page's
            // width, in steps of a tenth (horizontal text; a vertical page keeps its size)
            if out == "img"
                && k == "width"
                && let Some(tenths) = percent_tenths(&v)
            {
                let c = format!("w{}", tenths * 10);
                class = Some(class.map_or(c.clone(), |k| format!("{k} {c}")));
                continue;
            }
            // a number where XHTML wants one: `width="300px"` is 300, `50%` left out
            let v = match integer_attr(&k) {
                Some(negative) => match integer(&v, negative) {
                    Some(n) => n,
                    None => {
                        dropped.push(format!("{k}=\"{v}\""));
                        continue;
                    }
                },
                None => v,
            };
            let v = match k.as_str() {
                "id" => {
                    if !valid_id(&v) || !self.cx.ids.insert(v.clone()) {
                        self.warn(format!("id `{v}` is not unique or not valid: left out"));
                        continue;
                    }
                    v
                }
                // resolved by the split like a Markdown link (and reported there if broken)
                "href" if self.cx.links.contains_key(&v) => match &self.cx.links[&v] {
                    to if to.is_empty() => continue,
                    to => to.clone(),
                },
                "href" => match crate::url::check(&v) {
                    // only links out of the book, or to an id of this chapter, reach anything
                    Ok(h) if crate::url::scheme(&h).is_none() => {
                        let (file, target) = h.split_once('#').unwrap_or((&h, ""));
                        let chapter_file = file
                            .strip_prefix('c')
                            .and_then(|f| f.strip_suffix(".xhtml"))
                            .is_some_and(|n| {
                                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
                            });
                        let here = file.is_empty()
                            && self
                                .targets
                                .contains(&crate::chapters::percent_decode(target));
                        if chapter_file || here {
                            // an id as it is: not every reader decodes a fragment (calibre)
                            match h.split_once('#') {
                                Some((f, t)) if valid_id(&crate::chapters::percent_decode(t)) => {
                                    format!("{f}#{}", crate::chapters::percent_decode(t))
                                }
                                _ => h,
                            }
                        } else {
                            let shown: String = v.chars().take(40).collect();
                            self.warn(format!("link `{shown}` points at nothing in the book: left out, its text kept"));
                            continue;
                        }
                    }
                    Ok(h) => h,
                    Err(why) => {
                        let shown: String = v
                            .chars()
                            .take(40)
                            .map(|c| if c < ' ' { ' ' } else { c })
                            .collect();
                        self.warn(format!(
                            "link `{shown}` {}: left out, its text kept",
                            why.why()
                        ));
                        continue;
                    }
                },
                // a `data:` image is decoded and embedded by the resources stage
                "src" if crate::url::scheme(&v).as_deref() == Some("data") => (self.cx.image)(&v)?,
                // an image of the web is not an image here ([`Rebuild::missing_image`])
                "src" => crate::url::check(&v)
                    .ok()
                    .and_then(|_| (self.cx.image)(&v))
                    .filter(|h| !crate::chapters::is_external(h))?,
                "lang" => {
                    kept.push(("xml:lang".into(), v.clone()));
                    v
                }
                _ => v,
            };
            kept.push((k, v));
        }
        if let Some(c) = class {
            match kept.iter_mut().find(|(k, _)| k == "class") {
                Some((_, v)) => *v = format!("{c} {v}"),
                None => kept.push(("class".into(), c)),
            }
        }
        if !dropped.is_empty() {
            self.warn(format!(
                "attribute{} {} on <{out}> left out",
                if dropped.len() > 1 { "s" } else { "" },
                dropped.join(", ")
            ));
        }
        // a reader cannot always open a closed <details>: show its content
        if out == "details" && !kept.iter().any(|(k, _)| k == "open") {
            kept.push(("open".into(), "open".into()));
        }
        if out == "img" {
            if !kept.iter().any(|(k, _)| k == "src") {
                return None;
            }
            // an image its figure's caption describes (GitBook writes `alt=""` in a figure)
            let described = captioned && kept.iter().any(|(k, _)| k == "alt");
            if !markdown
                && !described
                && !kept.iter().any(|(k, v)| k == "alt" && !v.trim().is_empty())
            {
                let src = attrs
                    .iter()
                    .find(|a| &*a.name.local == "src")
                    .map(|a| a.value.to_string())
                    .unwrap_or_default();
                self.warn(format!(
                    "image `{src}` has no alt text: add alt=\"what it shows\", so screen readers can describe it"
                ));
            }
            if !kept.iter().any(|(k, _)| k == "alt") {
                kept.push(("alt".into(), String::new()));
            }
        }
        Some(kept)
    }

    /// MathML: the presentation elements kept with their presentation attributes.
    fn mathml(
        &mut self,
        node: &Handle,
        local: &str,
        attrs: &[html5ever::Attribute],
        parent: Parent,
    ) {
        let Some(&out) = MATHML.iter().find(|&&n| n == local) else {
            if local == "annotation-xml" {
                return; // it may hold HTML: never kept
            }
            self.children(node, parent);
            return;
        };
        if out == "math" && parent.math {
            self.children(node, parent);
            return;
        }
        let mut kept: Vec<(String, String)> = Vec::new();
        if out == "math" {
            kept.push(("xmlns".into(), super::math::MATHML_NS.into()));
        }
        for a in attrs {
            let k: &str = &a.name.local;
            let ok =
                super::math::allowed(k) || (out == "math" && matches!(k, "display" | "alttext"));
            if ok && a.name.prefix.is_none() {
                kept.push((k.to_string(), a.value.to_string()));
            }
        }
        let refs: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if node.children.borrow().is_empty() {
            self.x.empty(out, &refs);
            return;
        }
        self.x.start(out, &refs);
        let inner = Parent {
            name: "math",
            phrasing: true,
            math: true,
            depth: parent.depth + 1,
            ..parent
        };
        for k in node.children.borrow().iter() {
            match &k.data {
                NodeData::Text { contents } => self.x.text(&markdown_dollars(&contents.borrow())),
                NodeData::Element { name, attrs, .. } if name.ns == ns!(mathml) => {
                    let local: &str = &name.local;
                    let attrs = attrs.borrow();
                    self.mathml(k, local, &attrs, inner);
                }
                _ => {}
            }
        }
        self.x.end(out);
    }

    /// The text of a subtree, without its tags (iteratively: it may be very deep).
    fn flat_text(&mut self, node: &Handle) {
        let mut stack = vec![node.clone()];
        while let Some(n) = stack.pop() {
            if let NodeData::Text { contents } = &n.data {
                self.x.text(&markdown_dollars(&contents.borrow()));
            }
            if let NodeData::Element { name, .. } = &n.data
                && matches!(&*name.local, "script" | "style")
            {
                continue;
            }
            stack.extend(n.children.borrow().iter().rev().cloned());
        }
    }
}

/// Why `out` may not stand where it is, as a browser's parser left it: a block in phrasing
/// content, a link in a link, a list item outside a list, a caption out of place.
/// Whether the element's parent (a figure) has a `<figcaption>` with text.
fn captioned(node: &Handle) -> bool {
    let weak = node.parent.take();
    let parent = weak.as_ref().and_then(|w| w.upgrade());
    node.parent.set(weak);
    fn has_text(node: &Handle) -> bool {
        node.children.borrow().iter().any(|c| match &c.data {
            NodeData::Text { contents } => !contents.borrow().trim().is_empty(),
            _ => has_text(c),
        })
    }
    parent.is_some_and(|p| {
        p.children.borrow().iter().any(|c| {
            matches!(&c.data, NodeData::Element { name, .. } if &*name.local == "figcaption")
                && has_text(c)
        })
    })
}

fn misplaced(node: &Handle, out: &str, parent: Parent) -> Option<String> {
    if parent.phrasing && BLOCK.contains(&out) {
        return Some(format!("inside <{}>", parent.name));
    }
    if out == "a" && parent.in_a {
        return Some("inside a link".into());
    }
    let parents: &[&str] = match out {
        "li" => &["ul", "ol"],
        "dt" | "dd" => &["dl", "div"],
        "figcaption" => &["figure"],
        "summary" => &["details"],
        "rt" | "rp" => &["ruby"],
        "tr" => &["table", "thead", "tbody", "tfoot"],
        "td" | "th" => &["tr"],
        "thead" | "tbody" | "tfoot" | "caption" | "colgroup" => &["table"],
        "col" => &["colgroup", "table"],
        _ => return None,
    };
    if !parents.contains(&parent.name) {
        return Some(format!("outside <{}>", parents[0]));
    }
    // a figure's caption is its first or last element, a details' summary its first
    if matches!(out, "figcaption" | "summary") {
        let p = node.parent.take().and_then(|w| {
            let up = w.upgrade();
            node.parent.set(Some(w));
            up
        })?;
        let siblings: Vec<Handle> = p
            .children
            .borrow()
            .iter()
            .filter(|c| matches!(c.data, NodeData::Element { .. }))
            .cloned()
            .collect();
        let first = siblings
            .first()
            .is_some_and(|c| std::rc::Rc::ptr_eq(c, node));
        let last = siblings
            .last()
            .is_some_and(|c| std::rc::Rc::ptr_eq(c, node));
        let same = siblings
            .iter()
            .filter(|c| matches!(&c.data, NodeData::Element { name, .. } if &*name.local == out))
            .count();
        let ok = if out == "summary" {
            first
        } else {
            (first || last) && same == 1
        };
        if !ok {
            return Some(format!("in the middle of <{}>", parent.name));
        }
    }
    None
}

/// The `id`s of a tree, and the names of `<a name>` anchors (iteratively: it may be very deep).
fn ids_in(root: &Handle) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut stack = vec![root.clone()];
    while let Some(n) = stack.pop() {
        if let NodeData::Element { name, attrs, .. } = &n.data {
            let attrs = attrs.borrow();
            // `<a name>` without an id is written with its name as id
            let named = &*name.local == "a" && !attrs.iter().any(|a| &*a.name.local == "id");
            for a in attrs.iter() {
                let local = &*a.name.local;
                if (local == "id" || named && local == "name") && valid_id(&a.value) {
                    ids.insert(a.value.to_string());
                }
            }
        }
        stack.extend(n.children.borrow().iter().cloned());
    }
    ids
}

fn valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

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

/// Where in a chunk of raw HTML (`span` of `text`) a message about one of its elements points:
/// the first start tag of the element the message names (`<iframe> is not allowed …`), so that
/// a message about line 10 of an HTML block does not point at the block's first line. The
/// whole chunk when the message names none, or the tag is not found.
pub fn span_of_element(text: &str, span: Range<usize>, msg: &str) -> Range<usize> {
    let name: String = msg
        .split_once('<')
        .map(|(_, rest)| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect()
        })
        .unwrap_or_default();
    let open = format!("<{}", name.to_ascii_lowercase());
    within(text, span, |chunk| {
        let lower = (!name.is_empty()).then(|| chunk.to_ascii_lowercase())?;
        let (at, _) = lower.match_indices(&open).find(|(at, _)| {
            lower[at + open.len()..]
                .starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        })?;
        Some(at..chunk[at..].find('>').map_or(chunk.len(), |e| at + e + 1))
    })
}

/// Where in a chunk of raw HTML (`span` of `text`) `written` first is (an image's `src`); the
/// whole chunk when it is not found.
pub fn span_of_text(text: &str, span: Range<usize>, written: &str) -> Range<usize> {
    within(text, span, |chunk| {
        let at = (!written.is_empty()).then(|| chunk.find(written))??;
        Some(at..at + written.len())
    })
}

/// The part of `span` that `find` finds in its text (relative to it), else all of it.
fn within(
    text: &str,
    span: Range<usize>,
    find: impl FnOnce(&str) -> Option<Range<usize>>,
) -> Range<usize> {
    match text.get(span.clone()).and_then(find) {
        Some(r) => span.start + r.start..span.start + r.end,
        None => span,
    }
}

/// The `src` of every `<img>` in a chunk of raw HTML (to collect images before rendering).
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

    /// Sanitise `html` as one chunk of a chapter.
    fn run(html: &str) -> (String, Vec<String>) {
        let mut x = Xml::fragment();
        let mut ids = BTreeSet::new();
        let mut warnings = Vec::new();
        let image = |s: &str| Some(format!("images/{s}"));
        let body = format!("{}{}", marker(0), seal(html));
        let mut cx = HtmlContext {
            ids: &mut ids,
            image: &image,
            spans: &[3..4, 5..6],
            links: &BTreeMap::new(),
            warnings: &mut warnings,
            formula_defs: &|_, _| String::new(),
        };
        rebuild(&body, &mut x, &mut cx);
        let out = String::from_utf8(x.finish()).unwrap();
        (
            out.trim_end().to_string(),
            warnings.into_iter().map(|(w, _)| w).collect(),
        )
    }

    #[test]
    fn table_of_cases() {
        for (input, want) in [
            ("<br>", "<br/>"),
            (
                "<center>中&nbsp;文</center>",
                "<div class=\"center\">中\u{a0}文</div>",
            ),
            ("<p>unclosed <b>bold", "<p>unclosed <b>bold</b></p>"),
            ("<script>alert(1)</script>ok", "ok"),
            (
                "<span onclick=\"x()\" style=\"color:red\" class=\"k\">t</span>",
                "<span class=\"k\">t</span>",
            ),
            ("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>"),
            ("<a href=\"java&#x09;script:alert(1)\">x</a>", "<a>x</a>"),
            ("<a href=\"jav&#x0A;ascript:alert(1)\">x</a>", "<a>x</a>"),
            ("<a href=\"data:text/html,x\">x</a>", "<a>x</a>"),
            ("<a href=\"file:///etc/passwd\">x</a>", "<a>x</a>"),
            (
                "<img src=\"a.png\">",
                "<img src=\"images/a.png\" alt=\"\"/>",
            ),
            ("</div>stray", "stray"),
            (
                "<p lang=\"en\">Hi</p>",
                "<p xml:lang=\"en\" lang=\"en\">Hi</p>",
            ),
            ("<x-custom>t</x-custom>", "t"),
            ("<!-- c --><i>&lt;&amp;</i>", "<i>&lt;&amp;</i>"),
            ("<ul><li>a<li>b</ul>", "<ul><li>a</li><li>b</li></ul>"),
            ("<p>a<p>b<div>c</div>", "<p>a</p><p>b</p><div>c</div>"),
            ("<span>a<div>b</div></span>", "<span>ab</span>"),
            (
                "<table><tr><td>a<td>b<tr><td>c</table>",
                "<table><tbody><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></tbody></table>",
            ),
            (
                "<dl><dt>a<dd>b<dt>c</dl>",
                "<dl><dt>a</dt><dd>b</dd><dt>c</dt></dl>",
            ),
            (
                "<details><summary>更多</summary><p>內容</p></details>",
                "<details open=\"open\"><summary>更多</summary><p>內容</p></details>",
            ),
            (
                "<ruby>漢<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby>",
                "<ruby>漢<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby>",
            ),
            ("<kbd>Ctrl</kbd>", "<kbd>Ctrl</kbd>"),
            ("<li>orphan</li>", "orphan"),
            (
                "<ul>text<li>a</li></ul>",
                "<ul><li>text</li><li>a</li></ul>",
            ),
            ("<!--\n草稿\n", ""),
            ("<script\nsrc=\"x.js\">", ""),
            ("<![CDATA[\nif (a > b) {}\n]]>後", "後"),
            ("<?php if ($a > 1) ?>後", "後"),
            ("<div class=\"x\"", "<div class=\"x\"></div>"),
            (
                "<table><tr><td>a</td><table><tr><td>b</td></tr></table>",
                "<table><tbody><tr><td>a</td></tr></tbody></table><table><tbody><tr><td>b</td></tr></tbody></table>",
            ),
            (
                "<math><mi>x</mi><annotation-xml><p>h</p></annotation-xml></math>",
                "<math xmlns=\"http://www.w3.org/1998/Math/MathML\"><mi>x</mi></math><p>h</p>",
            ),
        ] {
            assert_eq!(run(input).0, want, "{input}");
        }
        let (_, w) = run("<script>x</script>");
        assert_eq!(
            w,
            ["<script> is not allowed in an EPUB: left out with its content"]
        );
    }

    /// A README's header: sizes as XHTML wants them, `align` as a class, images of the web as
    /// links to them (their text inside a link), never lost with their alt text.
    #[test]
    fn sizes_alignment_and_images_of_the_web() {
        let cases = [
            (
                "<img src=\"a.png\" alt=\"圖\" width=\"300px\" height=\" 20 \">",
                "<img src=\"images/a.png\" alt=\"圖\" width=\"300\" height=\"20\"/>",
                None,
            ),
            (
                "<img src=\"a.png\" alt=\"圖\" width=\"50%\" height=\"auto\">",
                "<img src=\"images/a.png\" alt=\"圖\" class=\"w50\"/>",
                Some("attribute height=\"auto\" on <img> left out"),
            ),
            (
                "<p align=\"center\" class=\"k\">置中</p><div align=\"RIGHT\">右</div>",
                "<p class=\"center k\">置中</p><div class=\"right\">右</div>",
                None,
            ),
            (
                "<p align=\"center\"><img src=\"https://x.org/logo.png\" alt=\"標誌\"></p>",
                "<p class=\"center\"><a href=\"https://x.org/logo.png\">標誌</a></p>",
                None,
            ),
            (
                "<a href=\"https://x.org\"><img src=\"https://x.org/b.svg\" alt=\"徽章\"></a>",
                "<a href=\"https://x.org\">徽章</a>",
                None,
            ),
            (
                "<a href=\"https://x.org/c\"><img src=\"https://contrib.rocks/image?repo=a/b\"></a>",
                "<a href=\"https://x.org/c\">contrib.rocks</a>",
                None,
            ),
            (
                "<p><picture><source media=\"(prefers-color-scheme: dark)\" srcset=\"d.png\"><img src=\"a.png\" alt=\"標誌\"></picture></p>",
                "<p><img src=\"images/a.png\" alt=\"標誌\"/></p>",
                None,
            ),
            (
                "<p><iframe src=\"//player.bilibili.com/player.html?bvid=BV1\"></iframe></p>",
                "<p><a href=\"https://player.bilibili.com/player.html?bvid=BV1\">https://player.bilibili.com/player.html?bvid=BV1</a></p>",
                Some("<iframe> is not allowed in an EPUB: a link to what it shows is kept"),
            ),
            (
                "<video controls><source src=\"https://x.org/v.mp4\" type=\"video/mp4\"></video>",
                "<a href=\"https://x.org/v.mp4\">https://x.org/v.mp4</a>",
                Some("<video> is not allowed in an EPUB: a link to what it shows is kept"),
            ),
            (
                "<p><img src=\"gone.png\" alt=\"不在\"></p>",
                "<p>不在</p>",
                None,
            ),
        ];
        for (input, want, warning) in cases {
            let mut x = Xml::fragment();
            let (mut ids, mut warnings) = (BTreeSet::new(), Vec::new());
            let image = |s: &str| match s {
                "gone.png" => None,
                s if s.starts_with("https://") => Some(s.to_string()),
                s => Some(format!("images/{s}")),
            };
            let mut cx = HtmlContext {
                ids: &mut ids,
                image: &image,
                spans: &[0..1, 1..2],
                links: &BTreeMap::new(),
                warnings: &mut warnings,
                formula_defs: &|_, _| String::new(),
            };
            rebuild(&format!("{}{input}", marker(0)), &mut x, &mut cx);
            let out = String::from_utf8(x.finish()).unwrap();
            assert_eq!(out.trim_end(), want, "{input}");
            let warnings: Vec<String> = warnings.into_iter().map(|(w, _)| w).collect();
            assert_eq!(warnings.first().map(String::as_str), warning, "{input}");
        }
    }

    /// Formulas in raw HTML's text, as MathJax finds them in a page (a table's cells, a
    /// summary); prices, code and the Markdown's own `$` stay text.
    #[test]
    fn formulas_in_raw_html() {
        let md = format!(
            "<p>{}x{}</p>",
            super::super::xml::MARKDOWN_DOLLAR,
            super::super::xml::MARKDOWN_DOLLAR
        );
        let (out, _) = run(&format!(
            "<table><tr><td>$x^2$</td><td>$5 到 $10</td><td>$$\\frac{{a}}{{b}}$$</td><td><code>$a$</code></td></tr></table>{md}<details><summary>當 $n$ 很大</summary>內容</details>"
        ));
        assert_eq!(out.matches("<math ").count(), 3, "{out}");
        assert!(out.contains("<td><math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"inline\" alttext=\"x^2\">"), "{out}");
        assert!(
            out.contains("display=\"block\" alttext=\"\\frac{a}{b}\""),
            "{out}"
        );
        assert!(out.contains("<td>$5 到 $10</td>"), "{out}");
        assert!(out.contains("<code>$a$</code>"), "{out}");
        assert!(out.contains("<p>$x$</p>"), "{out}");
        assert!(out.contains("<summary>當 <math"), "{out}");
        assert!(!out.contains(super::super::xml::MARKDOWN_DOLLAR), "{out}");
    }

    #[test]
    fn markdown_inside_raw_elements_and_figures() {
        let body = format!(
            "{}<div class=\"note\">\n<p><strong>重點</strong></p>\n{}</div>",
            marker(0),
            marker(1)
        );
        let mut x = Xml::fragment();
        let mut ids = BTreeSet::new();
        let mut warnings = Vec::new();
        let image = |_: &str| None;
        let mut cx = HtmlContext {
            ids: &mut ids,
            image: &image,
            spans: &[0..1, 2..3],
            links: &BTreeMap::new(),
            warnings: &mut warnings,
            formula_defs: &|_, _| String::new(),
        };
        rebuild(&body, &mut x, &mut cx);
        let out = String::from_utf8(x.finish()).unwrap();
        assert_eq!(
            out.trim(),
            "<div class=\"note\">\n<p><strong>重點</strong></p>\n</div>"
        );
        let (out, _) =
            run("<figure><pre>a\n\nb</pre><p>x</p><figcaption>圖一</figcaption></figure>");
        assert_eq!(
            out,
            "<figure><pre>a\n\nb</pre><p>x</p><figcaption>圖一</figcaption></figure>"
        );
    }
}
