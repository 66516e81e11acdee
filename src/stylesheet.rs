//! CSS from the author — a `[build] css` file, an SVG's `<style>` or `style=""` — parsed with
//! `cssparser` and written again with only what may ship: `@import`, `expression()`,
//! `behavior`, `-moz-binding`, unknown at-rules and malformed rules or declarations are dropped
//! and reported; each `url()` is handed to the caller, which brings the file in (and says the
//! new URL) or refuses it (and the declaration is dropped). Comments between rules go too.
//!
//! Pure: the caller's `resolve` does any reading.

use std::ops::Range;

use cssparser::{
    AtRuleParser, CowRcStr, DeclarationParser, ParseError, Parser, ParserState,
    QualifiedRuleParser, RuleBodyItemParser, RuleBodyParser, StyleSheetParser, Token,
};

/// Something dropped from the CSS: where (a byte range of the input) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Range<usize>,
    pub kind: Kind,
    pub message: String,
    /// What the author can do, when the message does not say it.
    pub hint: Option<&'static str>,
}

/// What kind of thing a [`Problem`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An `@import`, dropped.
    Import,
    /// `expression()`, `behavior`, `-moz-binding`: dropped.
    Script,
    /// A `url()` the caller refused (its declaration dropped), or an empty one.
    Url,
    /// A rule or declaration that does not parse, dropped.
    Malformed,
    /// An at-rule hanpub does not know, dropped.
    UnknownRule,
    /// Something the caller noted about a `url()` it kept.
    Note,
}

/// The CSS to ship, and what was dropped from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub css: String,
    pub problems: Vec<Problem>,
}

/// What a `url(…)` becomes: `Ok` keeps it (as written, or replaced by `url`) and reports
/// `note` if there is one; `Err(why)` drops the declaration that holds it and reports `why`.
pub type Resolve<'a> = dyn FnMut(&str) -> Result<Resolved, String> + 'a;

/// A `url()` that stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The URL to write instead, if not the one written.
    pub url: Option<String>,
    /// Something to tell the author about it (e.g. what was removed from an SVG it names).
    pub note: Option<String>,
}

/// A whole stylesheet.
pub fn sanitize(css: &str, resolve: &mut Resolve<'_>) -> Cleaned {
    let mut parser = Parser::new(css);
    let mut sheet = Sheet::new(css, resolve);
    let out = sheet.rule_list(&mut parser);
    sheet.problems.sort_by_key(|p| p.at.start);
    Cleaned {
        css: out,
        problems: sheet.problems,
    }
}

/// A declaration list, as in a `style` attribute; the result is `a: b; c: d`.
pub fn sanitize_declarations(css: &str, resolve: &mut Resolve<'_>) -> Cleaned {
    let mut parser = Parser::new(css);
    let mut sheet = Sheet::new(css, resolve);
    let decls = sheet.declarations(&mut parser);
    Cleaned {
        css: decls.join("; "),
        problems: sheet.problems,
    }
}

struct Sheet<'a, 'r> {
    src: &'a str,
    resolve: &'r mut Resolve<'r>,
    problems: Vec<Problem>,
}

impl<'a, 'r> Sheet<'a, 'r> {
    fn new(src: &'a str, resolve: &'r mut Resolve<'r>) -> Self {
        Sheet {
            src,
            resolve,
            problems: Vec::new(),
        }
    }
}

/// What an at-rule holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Rules (`@media`, `@supports`, `@keyframes`, …).
    Rules,
    /// Declarations (`@font-face`, `@page`, …).
    Declarations,
    /// No block (`@namespace …;`, `@layer a, b;`).
    Statement,
}

/// An at-rule's prelude: its name, what it holds, its text; `None` body: dropped.
struct AtPrelude<'i> {
    name: CowRcStr<'i>,
    body: Option<Body>,
    text: &'i str,
}

fn at_rule_body(name: &str) -> Option<Body> {
    let name = name.to_ascii_lowercase();
    let bare = name
        .strip_prefix("-webkit-")
        .or_else(|| name.strip_prefix("-moz-"))
        .unwrap_or(&name);
    Some(match bare {
        "media" | "supports" | "layer" | "container" | "keyframes" | "scope" | "starting-style" => {
            Body::Rules
        }
        "font-face"
        | "page"
        | "counter-style"
        | "property"
        | "font-palette-values"
        | "top-left-corner"
        | "top-left"
        | "top-center"
        | "top-right"
        | "top-right-corner"
        | "bottom-left-corner"
        | "bottom-left"
        | "bottom-center"
        | "bottom-right"
        | "bottom-right-corner"
        | "left-top"
        | "left-middle"
        | "left-bottom"
        | "right-top"
        | "right-middle"
        | "right-bottom" => Body::Declarations,
        "namespace" => Body::Statement,
        _ => return None,
    })
}

/// `text`, shortened for a message.
fn shown(text: &str) -> String {
    let t = text.trim();
    let one_line: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

impl<'a, 'r> Sheet<'a, 'r> {
    fn problem(&mut self, at: Range<usize>, kind: Kind, message: String) {
        self.problems.push(Problem {
            at,
            kind,
            message,
            hint: None,
        });
    }

    /// Where `slice` (a part of the input) starts.
    fn offset_of(&self, slice: &str) -> usize {
        (slice.as_ptr() as usize).saturating_sub(self.src.as_ptr() as usize)
    }

    fn malformed(&mut self, slice: &str) {
        let at = self.offset_of(slice);
        let text = shown(slice);
        if !text.is_empty() {
            self.problem(
                at..at + slice.trim_end().len().max(1),
                Kind::Malformed,
                format!("malformed CSS dropped: `{text}`"),
            );
        }
    }

    /// The rules of a stylesheet or of an at-rule's block, written out.
    fn rule_list(&mut self, input: &mut Parser<'a>) -> String {
        let results: Vec<_> = StyleSheetParser::new(input, self).collect();
        let mut out = String::new();
        for r in results {
            match r {
                Ok(text) => out.push_str(&text),
                Err((_, slice, _)) => self.malformed(slice),
            }
        }
        out
    }

    /// The declarations of a block, each written `name: value`.
    fn declarations(&mut self, input: &mut Parser<'a>) -> Vec<String> {
        let results: Vec<_> = RuleBodyParser::new(input, self).collect();
        let mut out = Vec::new();
        for r in results {
            match r {
                Ok(text) if text.is_empty() => {}
                Ok(text) => out.push(text),
                Err((_, slice, _)) => self.malformed(slice),
            }
        }
        out
    }

    /// Walk a value's tokens: `url()`s resolved into `edits`, a problem dropping the
    /// declaration returned as `Err` (already reported), malformed tokens as `Err` too.
    fn walk(
        &mut self,
        input: &mut Parser<'a>,
        edits: &mut Vec<(Range<usize>, String)>,
        drop: &mut bool,
    ) -> Result<(), ParseError<()>> {
        loop {
            let start = input.position().byte_index();
            let token = match input.next_including_whitespace_and_comments() {
                Ok(t) => t.clone(),
                Err(_) => return Ok(()),
            };
            match token {
                Token::UnquotedUrl(url) => {
                    let end = input.position().byte_index();
                    self.url(&url, start..end, edits, drop);
                }
                Token::Function(name)
                    if name.eq_ignore_ascii_case("url") || name.eq_ignore_ascii_case("src") =>
                {
                    let url = input.parse_nested_block(|i| {
                        let mut url = None;
                        while let Ok(t) = i.next() {
                            match t {
                                Token::QuotedString(s) if url.is_none() => url = Some(s.clone()),
                                t if t.is_parse_error() => {
                                    return Err(ParseError::unexpected_token());
                                }
                                _ => {}
                            }
                        }
                        Ok::<_, ParseError<()>>(url)
                    })?;
                    let end = input.position().byte_index();
                    match url {
                        Some(u) => self.url(&u, start..end, edits, drop),
                        None => {
                            self.problem(start..end, Kind::Url, "empty `url()` dropped".into());
                            *drop = true;
                        }
                    }
                }
                Token::Function(name) if name.eq_ignore_ascii_case("expression") => {
                    let _ = input.parse_nested_block(|i| {
                        while i.next().is_ok() {}
                        Ok::<_, ParseError<()>>(())
                    });
                    let end = input.position().byte_index();
                    self.problem(
                        start..end,
                        Kind::Script,
                        "`expression()` dropped with its declaration: it runs script (old Internet Explorer)".into(),
                    );
                    *drop = true;
                }
                Token::Function(name)
                    if name.eq_ignore_ascii_case("image-set")
                        || name.eq_ignore_ascii_case("-webkit-image-set") =>
                {
                    input.parse_nested_block(|i| self.walk_image_set(i, edits, drop))?;
                }
                Token::Function(_)
                | Token::ParenthesisBlock
                | Token::SquareBracketBlock
                | Token::CurlyBracketBlock => {
                    input.parse_nested_block(|i| self.walk(i, edits, drop))?;
                }
                t if t.is_parse_error() => return Err(ParseError::unexpected_token()),
                _ => {}
            }
        }
    }

    /// Inside `image-set(…)`, bare strings are URLs too.
    fn walk_image_set(
        &mut self,
        input: &mut Parser<'a>,
        edits: &mut Vec<(Range<usize>, String)>,
        drop: &mut bool,
    ) -> Result<(), ParseError<()>> {
        loop {
            let state = input.state();
            input.skip_whitespace();
            let start = input.position().byte_index();
            match input.next() {
                Ok(Token::QuotedString(s)) => {
                    let s = s.clone();
                    let end = input.position().byte_index();
                    self.url(&s, start..end, edits, drop);
                }
                Ok(_) => {
                    input.reset(&state);
                    // anything else, to the next comma, walked as usual
                    input.parse_until_after(cssparser::Delimiter::Comma, |i| {
                        self.walk(i, edits, drop)
                    })?;
                }
                Err(_) => return Ok(()),
            }
        }
    }

    fn url(
        &mut self,
        url: &str,
        at: Range<usize>,
        edits: &mut Vec<(Range<usize>, String)>,
        drop: &mut bool,
    ) {
        match (self.resolve)(url) {
            Ok(r) => {
                if let Some(note) = r.note {
                    self.problem(at.clone(), Kind::Note, note);
                }
                if let Some(new) = r.url {
                    edits.push((at, format!("url(\"{}\")", css_string(&new))));
                }
            }
            Err(why) => {
                self.problem(at, Kind::Url, why);
                *drop = true;
            }
        }
    }
}

/// Escape a string for a double-quoted CSS string.
fn css_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    cssparser::serialize_string(s, &mut out).expect("writing to a String");
    // serialize_string adds the quotes
    out[1..out.len() - 1].to_string()
}

impl<'a, 'r> QualifiedRuleParser<'a> for Sheet<'a, 'r> {
    type Prelude = &'a str;
    type QualifiedRule = String;
    type Error = ();

    fn parse_prelude(&mut self, input: &mut Parser<'a>) -> Result<&'a str, ParseError<()>> {
        let start = input.position();
        while let Ok(t) = input.next_including_whitespace_and_comments() {
            if t.is_parse_error() {
                return Err(ParseError::unexpected_token());
            }
        }
        Ok(input.slice_from(start).trim())
    }

    fn parse_block(
        &mut self,
        prelude: &'a str,
        _start: &ParserState,
        input: &mut Parser<'a>,
    ) -> Result<String, ParseError<()>> {
        let decls = self.declarations(input);
        if decls.is_empty() {
            return Ok(String::new());
        }
        Ok(format!("{prelude} {{\n  {};\n}}\n", decls.join(";\n  ")))
    }
}

impl<'a, 'r> AtRuleParser<'a> for Sheet<'a, 'r> {
    type Prelude = AtPrelude<'a>;
    type AtRule = String;
    type Error = ();

    fn parse_prelude(
        &mut self,
        name: CowRcStr<'a>,
        input: &mut Parser<'a>,
    ) -> Result<AtPrelude<'a>, ParseError<()>> {
        let start = input.position();
        while let Ok(t) = input.next_including_whitespace_and_comments() {
            if t.is_parse_error() {
                return Err(ParseError::unexpected_token());
            }
        }
        Ok(AtPrelude {
            body: at_rule_body(&name),
            name,
            text: input.slice_from(start).trim(),
        })
    }

    fn rule_without_block(&mut self, p: AtPrelude<'a>, start: &ParserState) -> Result<String, ()> {
        let at = start.position().byte_index();
        let end = self.offset_of(p.text) + p.text.len();
        if p.name.eq_ignore_ascii_case("import") {
            self.problems.push(Problem {
                at: at..end.min(self.src.len()),
                kind: Kind::Import,
                message: format!(
                    "`@import {}` dropped: hanpub does not follow @import",
                    shown(p.text)
                ),
                hint: Some("list each stylesheet in [build] css instead"),
            });
            return Ok(String::new());
        }
        if p.name.eq_ignore_ascii_case("charset") {
            return Ok(String::new());
        }
        match p.body {
            Some(Body::Statement) => Ok(format!("@{} {};\n", p.name, p.text)),
            Some(Body::Rules) if p.name.eq_ignore_ascii_case("layer") => {
                Ok(format!("@layer {};\n", p.text))
            }
            _ => {
                self.problem(
                    at..(at + 1 + p.name.len()).min(self.src.len()),
                    Kind::UnknownRule,
                    format!("unknown at-rule `@{}` dropped", p.name),
                );
                Ok(String::new())
            }
        }
    }

    fn parse_block(
        &mut self,
        p: AtPrelude<'a>,
        start: &ParserState,
        input: &mut Parser<'a>,
    ) -> Result<String, ParseError<()>> {
        let head = if p.text.is_empty() {
            format!("@{}", p.name)
        } else {
            format!("@{} {}", p.name, p.text)
        };
        match p.body {
            Some(Body::Rules) => {
                let inner = self.rule_list(input);
                Ok(format!("{head} {{\n{inner}}}\n"))
            }
            Some(Body::Declarations) => {
                let decls = self.declarations(input);
                if decls.is_empty() {
                    return Ok(String::new());
                }
                Ok(format!("{head} {{\n  {};\n}}\n", decls.join(";\n  ")))
            }
            _ => {
                while input.next().is_ok() {}
                let at = start.position().byte_index();
                self.problem(
                    at..(at + 1 + p.name.len()).min(self.src.len()),
                    Kind::UnknownRule,
                    format!("unknown at-rule `@{}` dropped", p.name),
                );
                Ok(String::new())
            }
        }
    }
}

impl<'a, 'r> DeclarationParser<'a> for Sheet<'a, 'r> {
    type Declaration = String;
    type Error = ();

    fn parse_value(
        &mut self,
        name: CowRcStr<'a>,
        input: &mut Parser<'a>,
        start: &ParserState,
    ) -> Result<String, ParseError<()>> {
        let decl_start = start.position().byte_index();
        let value_start = input.position();
        let lower = name.to_ascii_lowercase();
        if lower == "behavior" || lower == "-moz-binding" {
            while input.next().is_ok() {}
            let end = decl_start + input.slice_from(start.position()).trim_end().len();
            self.problem(
                decl_start..end,
                Kind::Script,
                format!(
                    "`{name}` dropped: it runs script (old {})",
                    if lower == "behavior" {
                        "Internet Explorer"
                    } else {
                        "Firefox"
                    }
                ),
            );
            return Ok(String::new());
        }
        let mut edits = Vec::new();
        let mut drop = false;
        self.walk(input, &mut edits, &mut drop)?;
        if drop {
            return Ok(String::new());
        }
        let value_at = value_start.byte_index();
        let raw = input.slice_from(value_start);
        let mut value = String::with_capacity(raw.len());
        let mut from = 0;
        for (range, new) in edits {
            value.push_str(&raw[from..range.start - value_at]);
            value.push_str(&new);
            from = range.end - value_at;
        }
        value.push_str(&raw[from..]);
        let value = value.trim();
        if value.is_empty() {
            return Err(ParseError::custom(()));
        }
        Ok(format!("{name}: {value}"))
    }
}

impl<'a, 'r> RuleBodyItemParser<'a, String, ()> for Sheet<'a, 'r> {
    fn parse_declarations(&self) -> bool {
        true
    }
    fn parse_qualified(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keep `#…` and `ok.png` (as `../images/ok.png`), refuse the rest.
    fn resolve(url: &str) -> Result<Resolved, String> {
        if url.starts_with('#') {
            Ok(Resolved::default())
        } else if url == "ok.png" {
            Ok(Resolved {
                url: Some("../images/ok.png".into()),
                note: None,
            })
        } else {
            Err(format!("`{url}` refused"))
        }
    }

    fn clean(css: &str) -> (String, Vec<String>) {
        let c = sanitize(css, &mut resolve);
        let problems = c
            .problems
            .iter()
            .map(|p| format!("{}: {}", &css[p.at.clone()], p.message))
            .collect();
        (c.css, problems)
    }

    #[test]
    fn keeps_what_may_ship_and_rewrites_urls() {
        let (css, problems) = clean(
            "/* c */ p.x > a, h1 { color: red !important; background: url(ok.png) no-repeat }\n\
             @media (min-width: 30em) { p { margin: 0 } }\n\
             @font-face { font-family: F; src: url('ok.png') format(\"woff2\") }\n\
             @namespace svg url(http://www.w3.org/2000/svg);\n\
             .m { mask: url(#m) }",
        );
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(
            css,
            "p.x > a, h1 {\n  color: red !important;\n  background: url(\"../images/ok.png\") no-repeat;\n}\n\
             @media (min-width: 30em) {\np {\n  margin: 0;\n}\n}\n\
             @font-face {\n  font-family: F;\n  src: url(\"../images/ok.png\") format(\"woff2\");\n}\n\
             @namespace svg url(http://www.w3.org/2000/svg);\n\
             .m {\n  mask: url(#m);\n}\n"
        );
    }

    #[test]
    fn drops_and_reports_the_dangerous_and_the_broken() {
        let (css, problems) = clean(
            "@import url(a.css);\n\
             p { color: red; background: url(http://x/y.png); width: expression(alert(1)); behavior: url(x.htc) }\n\
             a { -moz-binding: url(x.xml#b); color: blue; top: 1px }\n\
             q { color: ; border: 1px solid; }\n\
             b { image: image-set(\"ok.png\" 1x, \"no.png\" 2x) }\n\
             @foo bar;\n\
             i { color: \"unterminated\n}\n\
             @document url-prefix() { p { color: red } }\n\
             s { color: red }",
        );
        assert_eq!(
            css,
            "p {\n  color: red;\n}\na {\n  color: blue;\n  top: 1px;\n}\nq {\n  border: 1px solid;\n}\ns {\n  color: red;\n}\n"
        );
        assert_eq!(
            problems,
            [
                "@import url(a.css): `@import url(a.css)` dropped: hanpub does not follow @import",
                "url(http://x/y.png): `http://x/y.png` refused",
                "expression(alert(1)): `expression()` dropped with its declaration: it runs script (old Internet Explorer)",
                "behavior: url(x.htc): `behavior` dropped: it runs script (old Internet Explorer)",
                "-moz-binding: url(x.xml#b): `-moz-binding` dropped: it runs script (old Firefox)",
                "color: ;: malformed CSS dropped: `color: ;`",
                "\"no.png\": `no.png` refused",
                "@foo: unknown at-rule `@foo` dropped",
                "color: \"unterminated: malformed CSS dropped: `color: \"unterminated`",
                "@document: unknown at-rule `@document` dropped",
            ]
        );
    }

    #[test]
    fn declarations_of_a_style_attribute() {
        let c = sanitize_declarations(
            "fill: url(#g); stroke: url(http://x/s.svg#a); opacity: .5",
            &mut resolve,
        );
        assert_eq!(c.css, "fill: url(#g); opacity: .5");
        assert_eq!(c.problems.len(), 1);
    }
}
