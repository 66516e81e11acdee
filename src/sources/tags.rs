//! The template tags of the tools books and posts are written for, outside code, made into
//! the Markdown and HTML they stand for, as those tools would show them:
//!
//! - Liquid / Nunjucks tags (GitBook, Hexo, Jekyll): `{% hint style="info" %}` … `{% endhint
//!   %}` (and Hexo's `{% note %}`) become an aside like a GFM alert; `{% highlight go %}`,
//!   `{% codeblock lang:js %}` a fenced code block; `{% raw %}` its text as written;
//!   `{% blockquote %}` a quote; `{% tabs %}`/`{% tab title %}` titled sections;
//!   `{% asset_img %}`, `{% img %}` an image; `{% post_link %}`, `{% post_url %}`, `{% link %}`
//!   the path of the chapter they name; GitBook's `{% include "x.md" %}` the file;
//!   `{% youtube %}`, `{% embed %}`, `{% iframe %}` … a link; `{{ site.baseurl }}` nothing.
//! - Hugo shortcodes (`{{< … >}}`, `{{% … %}}`): `highlight`, `figure`, `ref`/`relref`,
//!   `notice`/`alert`/`admonition`/`callout`/`hint`, `details`, `youtube` …; `{{</* x */>}}` is
//!   `{{< x >}}` as written.
//! - docsify (its own books only): `?> ` and `!> ` paragraphs become a tip and a warning; a
//!   heading's `:id=name` its id, `:ignore` left out; a link's or image's `':size=…'`-style
//!   options left out.
//!
//! A tag none of them knows (Liquid logic, a theme's own shortcode) is left out with a warning
//! at its line, the text between a pair kept. Code — fenced blocks, inline code — is never
//! touched. The lines a tag is on are "included" lines of the expanded text
//! ([`crate::source::SourceFile::expanded`]): messages point at them, `check --fix` leaves them
//! (and [`protected`] ranges) alone.

use std::sync::LazyLock;

use regex::Regex;

use super::include::Expansion;
use crate::diagnostics::Diagnostic;
use crate::files::{self, Files};
use crate::model::Alert;
use crate::source::SourceFile;

/// A Liquid tag, a Hugo shortcode (or an escaped one), or a Jekyll `{{ site.… }}` variable.
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?x)
        \{\{[<%]/\*(?P<escaped>.*?)\*/[>%]\}\}
      | \{%-?\s*(?P<liquid>[A-Za-z_][\w-]*)(?P<largs>(?:[^%]|%[^}])*?)\s*-?%\}
      | \{\{[<%]\s*(?P<close>/)?\s*(?P<hugo>[A-Za-z_][\w./-]*)(?P<hargs>.*?)\s*/?[>%]\}\}
      | \{\{-?\s*(?P<var>(?:site|page|jekyll)\.[\w.]+|'[^']*'\s*\|\s*(?:relative|absolute)_url|"[^"]*"\s*\|\s*(?:relative|absolute)_url)\s*-?\}\}
    "#,
    )
    .expect("valid pattern")
});

/// What the book's form calls for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dialect {
    /// docsify's line syntax (`?>`, `!>`, `:id=`).
    pub docsify: bool,
    /// An mdBook: only its admonish blocks (its `{{#…}}` directives are its includes).
    pub mdbook: bool,
    /// Titles of asides in Chinese.
    pub chinese: bool,
}

/// Whether the text may hold a tag.
fn may_have_tags(text: &str, d: Dialect) -> bool {
    let b = text.as_bytes();
    if d.mdbook {
        return memchr::memmem::find(b, b"admonish").is_some();
    }
    memchr::memmem::find(b, b"{%").is_some()
        || memchr::memmem::find(b, b"{{<").is_some()
        || memchr::memmem::find(b, b"{{%").is_some()
        || memchr::memmem::find(b, b"{{ site.").is_some()
        || memchr::memmem::find(b, b"_url }}").is_some()
        || d.docsify
            && ["?> ", "!> ", ":id=", ":ignore", "':"]
                .iter()
                .any(|p| memchr::memmem::find(b, p.as_bytes()).is_some())
}

/// Expand the tags of `file` (at `path` in the book): the text to build (the same file when
/// it has none) and a warning for each tag left out.
pub fn expand(
    files: &dyn Files,
    path: &str,
    file: SourceFile,
    dialect: Dialect,
) -> (SourceFile, Vec<Diagnostic>) {
    if !may_have_tags(&file.text, dialect) {
        return (file, Vec::new());
    }
    let body = crate::config::split_front_matter(&file.text).map_or(0, |(_, _, b)| b);
    let mut x = Expander {
        files,
        path,
        file: &file,
        dialect,
        out: Expansion::default(),
        warnings: Vec::new(),
        open: Vec::new(),
        changed: false,
    };
    x.run(body);
    if !x.changed {
        let warnings = x.warnings;
        return (file, warnings);
    }
    let (mut out, warnings) = (x.out, x.warnings);
    let lines = out.finish();
    let text = std::mem::take(&mut out.text);
    (SourceFile::expanded(file, text, lines), warnings)
}

/// The byte ranges of `text` that are template tags (and the code a verbatim tag holds):
/// `check --fix` leaves them as written.
pub fn protected(text: &str, docsify: bool) -> Vec<std::ops::Range<usize>> {
    let dialect = Dialect {
        docsify,
        mdbook: false,
        chinese: true,
    };
    if !may_have_tags(text, dialect) {
        return Vec::new();
    }
    let mut ranges = Vec::new();
    let mut verbatim: Option<(usize, &'static str)> = None;
    for (start, line) in prose_lines(text) {
        if let Some((from, end)) = verbatim {
            if closes_verbatim(line, end) {
                ranges.push(from..start + line.len());
                verbatim = None;
            }
            continue;
        }
        for m in tags_in(line) {
            let r = start + m.start..start + m.end;
            ranges.push(r);
            if let Some(end) = m.verbatim_end(line) {
                verbatim = Some((start + m.start, end));
            }
        }
        if docsify {
            for needle in [":id=", ":ignore", "?> ", "!> "] {
                if let Some(i) = line.find(needle) {
                    ranges.push(start + i..start + line.len());
                }
            }
        }
    }
    if let Some((from, _)) = verbatim {
        ranges.push(from..text.len());
    }
    ranges
}

/// The lines of `text` outside fenced code blocks, with where each starts.
fn prose_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut fence: Option<(u8, usize)> = None;
    let mut pos = 0;
    text.split_inclusive('\n').filter_map(move |raw| {
        let start = pos;
        pos += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        match fence_of(line) {
            Some((c, n)) if fence.is_none() => {
                fence = Some((c, n));
                None
            }
            Some((c, n)) if fence.is_some_and(|(fc, fn_)| fc == c && n >= fn_) => {
                fence = None;
                None
            }
            _ if fence.is_some() => None,
            _ => Some((start, line)),
        }
    })
}

/// The fence a line opens or closes (its character and length), if it is one.
fn fence_of(line: &str) -> Option<(u8, usize)> {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return None;
    }
    let c = *t.as_bytes().first()?;
    if c != b'`' && c != b'~' {
        return None;
    }
    let n = t.bytes().take_while(|&b| b == c).count();
    (n >= 3 && !(c == b'`' && t[n..].contains('`'))).then_some((c, n))
}

/// The byte ranges of a line's inline code spans.
fn code_spans(line: &str) -> Vec<std::ops::Range<usize>> {
    let b = line.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        let n = b[i..].iter().take_while(|&&c| c == b'`').count();
        let mut j = i + n;
        let mut end = None;
        while j < b.len() {
            if b[j] == b'`' {
                let m = b[j..].iter().take_while(|&&c| c == b'`').count();
                if m == n {
                    end = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match end {
            Some(e) => {
                spans.push(i..e);
                i = e;
            }
            None => i += n,
        }
    }
    spans
}

/// One tag found on a line.
#[derive(Debug, Clone)]
struct Found {
    start: usize,
    end: usize,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// `{{</* x */>}}`: `{{< x >}}` as written.
    Escaped(String),
    Liquid {
        name: String,
        args: Vec<String>,
    },
    Hugo {
        name: String,
        args: Vec<String>,
        close: bool,
    },
    /// `{{ site.baseurl }}`, `{{ '/x' | relative_url }}`: the path.
    Variable(String),
}

impl Found {
    /// The name, lower-cased, and whether this is the closing tag of a pair.
    fn name(&self) -> (String, bool) {
        match &self.kind {
            Kind::Liquid { name, .. } => {
                let n = name.to_ascii_lowercase();
                match n.strip_prefix("end") {
                    Some(open) if !open.is_empty() => (open.to_string(), true),
                    _ => (n, false),
                }
            }
            Kind::Hugo { name, close, .. } => (name.to_ascii_lowercase(), *close),
            _ => (String::new(), false),
        }
    }

    fn args(&self) -> &[String] {
        match &self.kind {
            Kind::Liquid { args, .. } | Kind::Hugo { args, .. } => args,
            _ => &[],
        }
    }

    /// The closing tag's name when this opens a block of code kept as written, alone on its line.
    fn verbatim_end(&self, line: &str) -> Option<&'static str> {
        if line.trim() != line[self.start..self.end].trim() {
            return None;
        }
        let (name, close) = self.name();
        if close {
            return None;
        }
        match (&self.kind, name.as_str()) {
            (Kind::Liquid { .. }, "highlight") => Some("highlight"),
            (Kind::Liquid { .. }, "codeblock") => Some("codeblock"),
            (Kind::Liquid { .. }, "raw") => Some("raw"),
            (Kind::Liquid { .. }, "comment") => Some("comment"),
            (Kind::Liquid { .. }, "math") => Some("math"),
            (Kind::Liquid { .. }, "katex") => Some("katex"),
            (Kind::Liquid { .. } | Kind::Hugo { .. }, "tex" | "latex") => Some("tex"),
            (Kind::Hugo { .. }, "highlight") => Some("highlight"),
            _ => None,
        }
    }
}

/// Whether a line closes a verbatim block opened by the tag `name`.
fn closes_verbatim(line: &str, name: &str) -> bool {
    let t = line.trim();
    let liquid = t.strip_prefix("{%").and_then(|r| r.strip_suffix("%}"));
    if let Some(inner) = liquid {
        let inner = inner.trim_matches(|c: char| c == '-' || c.is_whitespace());
        return inner.eq_ignore_ascii_case(&format!("end{name}"));
    }
    let hugo = t
        .strip_prefix("{{<")
        .and_then(|r| r.strip_suffix(">}}"))
        .or_else(|| t.strip_prefix("{{%").and_then(|r| r.strip_suffix("%}}")));
    hugo.is_some_and(|inner| {
        inner
            .trim()
            .strip_prefix('/')
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
    })
}

/// The tags of a line, outside its inline code.
fn tags_in(line: &str) -> Vec<Found> {
    if !line.contains("{%") && !line.contains("{{") {
        return Vec::new();
    }
    let code = code_spans(line);
    TAG.captures_iter(line)
        .filter_map(|c| {
            let all = c.get(0).expect("whole match");
            if code
                .iter()
                .any(|s| s.start <= all.start() && all.start() < s.end)
            {
                return None;
            }
            let kind = if let Some(e) = c.name("escaped") {
                let open = &all.as_str()[..3];
                let close = &all.as_str()[all.len() - 3..];
                Kind::Escaped(format!("{open}{}{close}", e.as_str()))
            } else if let Some(n) = c.name("liquid") {
                Kind::Liquid {
                    name: n.as_str().to_string(),
                    args: words(c.name("largs").map_or("", |a| a.as_str())),
                }
            } else if let Some(n) = c.name("hugo") {
                Kind::Hugo {
                    name: n.as_str().to_string(),
                    args: words(c.name("hargs").map_or("", |a| a.as_str())),
                    close: c.name("close").is_some(),
                }
            } else {
                let v = c.name("var").map_or("", |v| v.as_str());
                let path = v
                    .split_once('|')
                    .map(|(p, _)| p.trim().trim_matches(['\'', '"']).to_string())
                    .unwrap_or_default();
                Kind::Variable(path)
            };
            Some(Found {
                start: all.start(),
                end: all.end(),
                kind,
            })
        })
        .collect()
}

/// A tag's arguments: words, `"quoted words"`, `key=value` and `key="value"` kept whole.
fn words(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in args.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' || c == '“' => {
                quote = Some(if c == '“' { '”' } else { c });
                any = true;
            }
            None if c.is_whitespace() || c == ',' && cur.is_empty() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            None => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A named argument (`style="info"`, `src=…`) or the `n`th positional one.
fn arg<'a>(args: &'a [String], key: &str, n: Option<usize>) -> Option<&'a str> {
    let prefix = format!("{key}=");
    args.iter()
        .find_map(|a| a.strip_prefix(&prefix))
        .or_else(|| {
            let positional: Vec<&String> = args.iter().filter(|a| !is_named(a)).collect();
            n.and_then(|n| positional.get(n)).map(|s| s.as_str())
        })
        .filter(|s| !s.is_empty())
}

fn is_named(a: &str) -> bool {
    a.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// The kind of aside a style names (`info`, `success`, `danger`, …).
fn alert_kind(style: &str) -> Alert {
    match style.to_ascii_lowercase().as_str() {
        "tip" | "success" | "hint" => Alert::Tip,
        "important" | "primary" => Alert::Important,
        "warning" | "warn" | "attention" => Alert::Warning,
        "danger" | "caution" | "error" | "fail" | "failure" => Alert::Caution,
        _ => Alert::Note,
    }
}

/// Names of asides: a tag of one of these holds an aside (its style the tag's argument, or
/// the name itself).
const ASIDES: &[&str] = &[
    "hint",
    "note",
    "notice",
    "alert",
    "admonition",
    "callout",
    "tip",
    "info",
    "warning",
    "danger",
    "caution",
    "important",
    "success",
];

/// Names of tags that hold Markdown and are simply left out around it.
const TRANSPARENT: &[&str] = &[
    "code",
    "content-ref",
    "tabs",
    "columns",
    "column",
    "stepper",
    "step",
    "swagger",
    "markdown",
];

/// Names whose argument is a video or a page on the web: a link to it.
fn web_link(name: &str, args: &[String]) -> Option<String> {
    let first = arg(args, "id", Some(0)).or_else(|| arg(args, "src", Some(0)));
    let url = |u: &str| Some(u.to_string());
    match name {
        "youtube" => {
            let id = first?;
            url(&if id.starts_with("http") {
                id.to_string()
            } else {
                format!("https://www.youtube.com/watch?v={id}")
            })
        }
        "vimeo" => url(&format!("https://vimeo.com/{}", first?)),
        "bilibili" => url(&format!("https://www.bilibili.com/video/{}", first?)),
        "gist" => {
            let (user, id) = (arg(args, "user", Some(0))?, arg(args, "id", Some(1))?);
            url(&format!("https://gist.github.com/{user}/{id}"))
        }
        "tweet" | "x" => {
            let (user, id) = (arg(args, "user", Some(0))?, arg(args, "id", Some(1))?);
            url(&format!("https://x.com/{user}/status/{id}"))
        }
        "iframe" | "video" | "audio" | "jsfiddle" | "codepen" | "instagram" => {
            arg(args, "src", Some(0))
                .or_else(|| arg(args, "url", None))
                .filter(|u| u.starts_with("http"))
                .map(str::to_string)
        }
        "embed" => arg(args, "url", Some(0)).map(str::to_string),
        _ => None,
    }
}

/// A path from the folder of `from` (a book path) to the book path `to`.
fn relative(from: &str, to: &str) -> String {
    let dir: Vec<&str> = super::folder_of(from)
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let target: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let common = dir.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; dir.len() - common];
    parts.extend(&target[common..]);
    parts.join("/")
}

struct Expander<'a> {
    files: &'a dyn Files,
    path: &'a str,
    file: &'a SourceFile,
    dialect: Dialect,
    out: Expansion,
    warnings: Vec<Diagnostic>,
    /// The containers open: their name and the HTML that closes them.
    open: Vec<(String, String)>,
    changed: bool,
}

impl Expander<'_> {
    fn run(&mut self, body: usize) {
        let text: &str = &self.file.text;
        let mut line_no = 1u32;
        self.out.original(&text[..body], &mut line_no);
        let lines: Vec<(usize, &str)> = {
            let mut pos = body;
            text[body..]
                .split_inclusive('\n')
                .map(|raw| {
                    let start = pos;
                    pos += raw.len();
                    (start, raw)
                })
                .collect()
        };
        let mut fence: Option<(u8, usize)> = None;
        let mut admonish: Vec<(u8, usize)> = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let (start, raw) = lines[i];
            let (line, eol) = split_eol(raw);
            i += 1;
            if let Some((c, n)) = fence {
                if fence_of(line).is_some_and(|(fc, fn_)| fc == c && fn_ >= n) {
                    fence = None;
                }
                self.out.original(raw, &mut line_no);
                continue;
            }
            // mdBook's admonish blocks (```` ```admonish warning title="…" ````): an aside
            // whose text is Markdown
            if let Some(&(c, n)) = admonish.last()
                && fence_of(line).is_some_and(|(fc, fn_)| fc == c && fn_ >= n)
                && line.trim().bytes().all(|b| b == c)
            {
                admonish.pop();
                self.out.included(&format!("\n</aside>{eol}"), line_no);
                line_no += 1;
                continue;
            }
            if let Some(f) = fence_of(line) {
                if let Some(open) = self.admonish(line) {
                    admonish.push(f);
                    self.out.included(&format!("{open}{eol}"), line_no);
                    line_no += 1;
                    self.changed = true;
                    continue;
                }
                fence = Some(f);
                self.out.original(raw, &mut line_no);
                continue;
            }
            let found = if self.dialect.mdbook {
                Vec::new()
            } else {
                tags_in(line)
            };
            // a block of code opened by a tag alone on its line: up to its closing tag
            if let [tag] = found.as_slice()
                && let Some(end) = tag.verbatim_end(line)
                && let Some(k) = lines[i..]
                    .iter()
                    .position(|(_, l)| closes_verbatim(split_eol(l).0, end))
            {
                self.verbatim(tag, end, &lines[i..i + k], line_no);
                let close_line = line_no + 1 + k as u32;
                let (_, close_raw) = lines[i + k];
                let fence_close = match end {
                    "raw" | "comment" => String::new(),
                    "math" | "katex" | "tex" => "$$".to_string(),
                    _ => "```".to_string(),
                };
                self.out.included(
                    &format!("{fence_close}{}", split_eol(close_raw).1),
                    close_line,
                );
                line_no = close_line + 1;
                i += k + 1;
                self.changed = true;
                continue;
            }
            let docsify = self.dialect.docsify.then(|| docsify_line(line)).flatten();
            if found.is_empty() && docsify.is_none() {
                self.out.original(raw, &mut line_no);
                continue;
            }
            let line = docsify.as_deref().unwrap_or(line);
            let found = if docsify.is_some() {
                tags_in(line)
            } else {
                found
            };
            let rewritten = self.rewrite(line, start, &found);
            self.out.included(&format!("{rewritten}{eol}"), line_no);
            line_no += 1;
            self.changed = true;
        }
        for (name, _) in std::mem::take(&mut self.open) {
            self.warnings.push(
                Diagnostic::warning(format!(
                    "`{name}` tag never closed: its text is kept to the end of the file"
                ))
                .in_file(self.file.name.clone()),
            );
        }
    }

    /// The aside an admonish fence opens (`admonish warning title="小心"`), if it is one.
    fn admonish(&self, line: &str) -> Option<String> {
        let t = line.trim_start();
        let info = t.trim_start_matches(['`', '~']).trim();
        let rest = info.strip_prefix("admonish")?;
        if !rest.is_empty() && !rest.starts_with(' ') {
            return None;
        }
        let args = words(rest);
        let style = arg(&args, "", Some(0)).unwrap_or("note");
        let (class, title) = alert_kind(style).class_and_title(self.dialect.chinese);
        let title = arg(&args, "title", None).map_or(title.to_string(), escape);
        Some(format!(
            "<aside class=\"alert {class}\" role=\"note\">\n<p class=\"alert-title\">{title}</p>\n"
        ))
    }

    /// The lines of a block of code a tag opened: as written, in a fenced block with its
    /// language (nothing around them for `raw`; nothing at all for a `comment`).
    fn verbatim(&mut self, tag: &Found, end: &str, body: &[(usize, &str)], line_no: u32) {
        let args = tag.args();
        let open = match end {
            "raw" | "comment" => String::new(),
            "math" | "katex" | "tex" => "$$".to_string(),
            "codeblock" => {
                let lang = args
                    .iter()
                    .find_map(|a| a.strip_prefix("lang:"))
                    .unwrap_or("");
                format!("```{lang}")
            }
            _ => format!(
                "```{}",
                args.first()
                    .filter(|a| !is_named(a))
                    .map_or("", String::as_str)
            ),
        };
        let eol = "\n";
        self.out.included(&format!("{open}{eol}"), line_no);
        let mut n = line_no + 1;
        for (_, raw) in body {
            if end == "comment" {
                n += 1;
                continue;
            }
            self.out.original(raw, &mut n);
        }
        // `original` advanced past the body's lines; the caller writes the closing line
    }

    /// A line with its tags replaced.
    fn rewrite(&mut self, line: &str, start: usize, found: &[Found]) -> String {
        let mut out = String::with_capacity(line.len());
        let mut pos = 0;
        let mut raw_until: Option<usize> = None;
        for (k, tag) in found.iter().enumerate() {
            if raw_until.is_some_and(|e| tag.start < e) {
                continue;
            }
            out.push_str(&line[pos..tag.start]);
            pos = tag.end;
            let (name, close) = tag.name();
            // `{% raw %}…{% endraw %}` on one line: what is between, as written (a formula
            // of `{% math %}` between `$`)
            let math = matches!(name.as_str(), "math" | "katex" | "tex" | "latex");
            if (name == "raw" || math) && !close {
                if let Some(end) = found[k + 1..]
                    .iter()
                    .find(|t| t.name() == (name.clone(), true))
                {
                    let inner = &line[tag.end..end.start];
                    if math {
                        out.push_str(&format!("${}$", inner.trim()));
                    } else {
                        out.push_str(inner);
                    }
                    pos = end.end;
                    raw_until = Some(end.end);
                }
                continue;
            }
            let span = start + tag.start..start + tag.end;
            let replaced = self.replace(tag, &name, close, span);
            out.push_str(&replaced);
        }
        out.push_str(&line[pos..]);
        out
    }

    /// What one tag stands for.
    fn replace(
        &mut self,
        tag: &Found,
        name: &str,
        close: bool,
        span: std::ops::Range<usize>,
    ) -> String {
        let args = tag.args();
        match &tag.kind {
            Kind::Escaped(s) => return s.clone(),
            Kind::Variable(path) => return path.clone(),
            _ => {}
        }
        if close {
            return match self.open.iter().rposition(|(n, _)| n == name) {
                Some(i) => {
                    let (_, html) = self.open.remove(i);
                    html
                }
                None if TRANSPARENT.contains(&name) || name == "raw" => String::new(),
                None => {
                    self.unknown(tag, span);
                    String::new()
                }
            };
        }
        if ASIDES.contains(&name) {
            let style = arg(args, "style", Some(0))
                .or_else(|| arg(args, "type", None))
                .unwrap_or(name);
            let kind = alert_kind(style);
            let (class, title) = kind.class_and_title(self.dialect.chinese);
            // Hugo's `notice` and `admonition` take a title after the style
            let title = arg(args, "title", Some(1))
                .filter(|_| name != "hint")
                .map_or(title.to_string(), escape);
            self.open.push((name.to_string(), "\n\n</aside>\n".into()));
            return format!(
                "\n<aside class=\"alert {class}\" role=\"note\">\n<p class=\"alert-title\">{title}</p>\n\n"
            );
        }
        match name {
            "blockquote" | "quote" | "pullquote" | "cq" | "centerquote" => {
                let by = args
                    .iter()
                    .filter(|a| !a.starts_with("http") && !is_named(a))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ");
                let footer = if by.trim().is_empty() || name != "blockquote" {
                    String::new()
                } else {
                    format!("\n\n<p class=\"attribution\">— {}</p>", escape(by.trim()))
                };
                self.open
                    .push((name.to_string(), format!("{footer}\n\n</blockquote>\n")));
                "\n<blockquote>\n\n".into()
            }
            "details" | "expand" | "collapse" | "spoiler" => {
                let summary = arg(args, "summary", Some(0))
                    .or_else(|| arg(args, "title", None))
                    .unwrap_or("…");
                self.open
                    .push((name.to_string(), "\n\n</details>\n".into()));
                format!("\n<details>\n<summary>{}</summary>\n\n", escape(summary))
            }
            "tab" => {
                let title = arg(args, "title", Some(0))
                    .or_else(|| arg(args, "name", None))
                    .unwrap_or("");
                self.open.push((name.to_string(), "\n".into()));
                if title.is_empty() {
                    "\n".into()
                } else {
                    format!("\n\n**{}**\n\n", title.replace('*', "\\*"))
                }
            }
            n if TRANSPARENT.contains(&n) => {
                self.open.push((name.to_string(), String::new()));
                String::new()
            }
            "figure" | "img" | "image" | "asset_img" | "asset_image" => self.image(name, args),
            "asset_path" | "asset_link" => {
                let slug = arg(args, "", Some(0)).unwrap_or("");
                let path = self.asset(slug);
                match (name, arg(args, "", Some(1))) {
                    ("asset_link", title) => {
                        format!("[{}](<{path}>)", escape_md(title.unwrap_or(slug)))
                    }
                    _ => path,
                }
            }
            "post_link" | "post_path" => {
                let slug = arg(args, "", Some(0)).unwrap_or("");
                let path = self.post(slug);
                if name == "post_path" {
                    return path;
                }
                let title = args
                    .iter()
                    .skip(1)
                    .filter(|a| *a != "true" && *a != "false")
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ");
                let title = if title.trim().is_empty() {
                    slug.to_string()
                } else {
                    title
                };
                format!("[{}](<{path}>)", escape_md(&title))
            }
            "post_url" => self.post(arg(args, "", Some(0)).unwrap_or("")),
            "link" => {
                let to = arg(args, "", Some(0)).unwrap_or("").trim_start_matches('/');
                relative(self.path, to)
            }
            "ref" | "relref" => self.hugo_ref(arg(args, "path", Some(0)).unwrap_or("")),
            "include" | "include_relative" => self.include(tag, args, span),
            _ => {
                if let Some(url) = web_link(name, args) {
                    return format!("<{url}>");
                }
                self.unknown(tag, span);
                String::new()
            }
        }
    }

    /// A Markdown image for an image tag.
    fn image(&mut self, name: &str, args: &[String]) -> String {
        let positional: Vec<&String> = args.iter().filter(|a| !is_named(a)).collect();
        let (src, rest): (&str, Vec<&str>) = match name {
            "figure" => (arg(args, "src", Some(0)).unwrap_or(""), Vec::new()),
            _ => {
                // `[class names] path [width] [height] [title [alt]]`: the path is the first
                // word that looks like one
                let at = positional
                    .iter()
                    .position(|a| a.contains('.') || a.contains('/'))
                    .unwrap_or(0);
                let rest = positional
                    .iter()
                    .skip(at + 1)
                    .map(|s| s.as_str())
                    .filter(|a| {
                        !a.bytes().all(|b| b.is_ascii_digit() || b == b'%') && !a.ends_with("px")
                    })
                    .collect();
                (positional.get(at).map_or("", |s| s.as_str()), rest)
            }
        };
        let src = if name.starts_with("asset_") {
            self.asset(src)
        } else {
            src.to_string()
        };
        let alt = arg(args, "caption", None)
            .or_else(|| arg(args, "alt", None))
            .or_else(|| arg(args, "title", None))
            .map(str::to_string)
            .or_else(|| rest.last().map(|s| s.to_string()))
            .unwrap_or_default();
        let title = arg(args, "title", None)
            .or_else(|| rest.first().copied())
            .filter(|t| *t != alt);
        match title {
            Some(t) => format!(
                "![{}](<{src}> \"{}\")",
                escape_md(&alt),
                t.replace('"', "\\\"")
            ),
            None => format!("![{}](<{src}>)", escape_md(&alt)),
        }
    }

    /// A Hexo asset of this post: beside it, else in the folder named after it.
    fn asset(&self, slug: &str) -> String {
        if slug.contains("://") || slug.starts_with('/') {
            return slug.to_string();
        }
        let beside = files::resolve(self.path, slug, "").ok();
        if beside.as_deref().is_some_and(|p| self.exists(p)) {
            return slug.to_string();
        }
        format!("{}/{slug}", super::hanpub::stem(self.path))
    }

    /// The path to the post a Hexo `post_link` or a Jekyll `post_url` names: a file of the
    /// posts folder by its name, the extension left out.
    fn post(&self, slug: &str) -> String {
        let slug = slug.trim_start_matches('/');
        let root = ["source/_posts", "_posts"]
            .into_iter()
            .find(|r| self.path.starts_with(&format!("{r}/")))
            .unwrap_or_else(|| super::folder_of(self.path));
        for ext in ["md", "markdown"] {
            let p = super::join(root, &format!("{slug}.{ext}"));
            if self.exists(&p) {
                return relative(self.path, &p);
            }
        }
        relative(self.path, &super::join(root, &format!("{slug}.md")))
    }

    /// The path to the page a Hugo `ref` names: from this page, else from `content/`.
    fn hugo_ref(&self, target: &str) -> String {
        let (path, frag) = match target.split_once('#') {
            Some((p, f)) => (p, format!("#{f}")),
            None => (target, String::new()),
        };
        if path.is_empty() {
            return frag;
        }
        let content = self
            .path
            .find("content/")
            .map_or("content", |i| &self.path[..i + "content".len()]);
        let candidates = [
            files::resolve(self.path, path, "").ok(),
            Some(super::join(content, path.trim_start_matches('/'))),
        ];
        for c in candidates.into_iter().flatten() {
            for p in [c.clone(), super::join(&c, "index.md"), format!("{c}.md")] {
                if self.exists(&p) {
                    return format!("{}{frag}", relative(self.path, &p));
                }
            }
        }
        format!("{path}{frag}")
    }

    /// GitBook's `{% include "file.md" %}`: the file's text; Jekyll's (a template of
    /// `_includes/`) is left out.
    fn include(&mut self, tag: &Found, args: &[String], span: std::ops::Range<usize>) -> String {
        let target = arg(args, "", Some(0)).unwrap_or("");
        let is_markdown = target.ends_with(".md") || target.ends_with(".markdown");
        let read = files::resolve(self.path, target, "")
            .ok()
            .filter(|_| is_markdown)
            .and_then(|p| self.files.read(&p).ok())
            .and_then(|b| String::from_utf8(b).ok());
        match read {
            Some(text) => {
                // its own front matter left out; its tags stay as written
                let body = crate::config::split_front_matter(&text).map_or(0, |(_, _, b)| b);
                format!("\n{}\n", text[body..].trim_end())
            }
            None => {
                self.warnings.push(
                    Diagnostic::warning(format!(
                        "`{}` includes a file hanpub cannot read as Markdown: left out",
                        self.file_text(tag, &span)
                    ))
                    .at(self.file, span)
                    .with_hint("copy its text into the chapter"),
                );
                String::new()
            }
        }
    }

    fn file_text(&self, _tag: &Found, span: &std::ops::Range<usize>) -> String {
        let t: String = self.file.text[span.clone()].chars().take(60).collect();
        t
    }

    fn unknown(&mut self, tag: &Found, span: std::ops::Range<usize>) {
        let shown = self.file_text(tag, &span);
        self.warnings.push(
            Diagnostic::warning(format!(
                "template tag `{shown}` is not one hanpub knows: left out, the text around it kept"
            ))
            .at(self.file, span)
            .with_hint("write what it stands for in Markdown"),
        );
    }

    fn exists(&self, path: &str) -> bool {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        self.files
            .list_dir(dir)
            .is_ok_and(|l| l.iter().any(|n| n == name))
    }
}

/// A docsify line as Markdown: `?> ` a tip, `!> ` a warning; a heading's `:id=` its id and
/// `:ignore` left out; a link's options (`':size=50%'`) left out. `None`: nothing to change.
fn docsify_line(line: &str) -> Option<String> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("?> ") {
        return Some(format!("> [!TIP]\n> {rest}"));
    }
    if let Some(rest) = t.strip_prefix("!> ") {
        return Some(format!("> [!WARNING]\n> {rest}"));
    }
    let mut s = line.to_string();
    if t.starts_with('#') {
        static ID: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"\s+:id=([\w-]+)").expect("valid pattern"));
        if let Some(c) = ID.captures(&s) {
            let id = c[1].to_string();
            s = ID.replace(&s, "").to_string();
            s = format!("{} {{#{id}}}", s.trim_end());
        }
        s = s.replace(" :ignore", "");
    }
    static OPTIONS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\s+['"]:[a-z-]+(=[^'"]*)?['"]"#).expect("valid pattern"));
    if s.contains("':") || s.contains("\":") {
        s = OPTIONS.replace_all(&s, "").to_string();
    }
    (s != line).then_some(s)
}

/// A line's text and its line break.
fn split_eol(raw: &str) -> (&str, &str) {
    let text = raw.trim_end_matches(['\n', '\r']);
    (text, &raw[text.len()..])
}

/// Text for HTML.
fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// Text for a Markdown link's or image's text.
fn escape_md(s: &str) -> String {
    s.replace('[', "\\[").replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::MemFiles;

    fn run(
        path: &str,
        text: &str,
        others: &[(&str, &str)],
        docsify: bool,
    ) -> (String, Vec<String>) {
        let mut all: Vec<(&str, &str)> = others.to_vec();
        all.push((path, text));
        let files = MemFiles(
            all.iter()
                .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
                .collect(),
        );
        let file = SourceFile::new(path, text);
        let dialect = Dialect {
            docsify,
            mdbook: false,
            chinese: true,
        };
        let (f, w) = expand(&files, path, file, dialect);
        (
            f.text.to_string(),
            w.into_iter().map(|d| d.message).collect(),
        )
    }

    #[test]
    fn gitbook_tags() {
        let text = "# 章\n\n{% hint style=\"warning\" %}\n小心**這裡**。\n{% endhint %}\n\n{% code title=\"a.js\" %}\n```js\nlet a = \"{% raw %}\";\n```\n{% endcode %}\n\n{% raw %}{{ x }}{% endraw %} 與 `{% hint %}`\n\n{% include \"./part.md\" %}\n\n{% embed url=\"https://youtu.be/x\" %}\n\n{% if x %}條件{% endif %}\n";
        let (out, w) = run(
            "a.md",
            text,
            &[("part.md", "---\ntitle: x\n---\n部分。\n")],
            false,
        );
        assert_eq!(
            out,
            "# 章\n\n\n<aside class=\"alert warning\" role=\"note\">\n<p class=\"alert-title\">警告</p>\n\n\n小心**這裡**。\n\n\n</aside>\n\n\n\n```js\nlet a = \"{% raw %}\";\n```\n\n\n{{ x }} 與 `{% hint %}`\n\n\n部分。\n\n\n<https://youtu.be/x>\n\n條件\n"
        );
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("template tag `{% if x %}` is not one hanpub knows"),
            "{w:?}"
        );
        let (out, w) = run(
            "a.md",
            "面積 {% math %}\\pi r^2{% endmath %}。\n\n{% katex %}\na^2+b^2\n{% endkatex %}\n",
            &[],
            false,
        );
        assert_eq!(out, "面積 $\\pi r^2$。\n\n$$\na^2+b^2\n$$\n");
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn hexo_and_jekyll_tags() {
        let text = "---\ntitle: t\n---\n{% codeblock 範例 lang:js %}\nconst a = 1, b = (2);\n{% endcodeblock %}\n\n{% highlight ruby linenos %}\nputs \"a,b\"\n{% endhighlight %}\n\n{% asset_img photo.png 海邊 %}\n\n看 {% post_link other 另一篇 %} 與 [那篇]({% post_url 2022-01-01-x %})。\n\n{% note warning %}\n注意。\n{% endnote %}\n\n{% blockquote 孔子, 論語 %}\n學而時習之。\n{% endblockquote %}\n\n![圖]({{ site.baseurl }}/img/a.png)\n";
        let (out, w) = run(
            "source/_posts/post.md",
            text,
            &[
                ("source/_posts/other.md", "x"),
                ("source/_posts/post/photo.png", ""),
            ],
            false,
        );
        assert!(out.starts_with("---\ntitle: t\n---\n```js\nconst a = 1, b = (2);\n```\n\n```ruby\nputs \"a,b\"\n```\n\n![海邊](<post/photo.png>)\n\n看 [另一篇](<other.md>) 與 [那篇](2022-01-01-x.md)。\n"), "{out}");
        assert!(
            out.contains("<aside class=\"alert warning\" role=\"note\">"),
            "{out}"
        );
        assert!(out.contains("<blockquote>\n\n\n學而時習之。\n\n\n<p class=\"attribution\">— 孔子, 論語</p>\n\n</blockquote>"), "{out}");
        assert!(out.ends_with("![圖](/img/a.png)\n"), "{out}");
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn hugo_shortcodes() {
        let text = "{{< highlight go \"linenos=table\" >}}\nfmt.Println(\"哈囉\")\n{{< /highlight >}}\n\n{{< figure src=\"food.png\" caption=\"美食\" >}}\n\n見 [上篇]({{< ref \"first.md\" >}}) 與 {{< relref \"/posts/b#x\" >}}。\n\n{{% notice tip \"小提示\" %}}\n內容。\n{{% /notice %}}\n\n{{< youtube abc >}}\n\n`{{< x >}}` {{</* figure src=\"a\" */>}}\n\n{{< gallery >}}\n";
        let (out, w) = run(
            "content/posts/a/index.md",
            text,
            &[
                ("content/posts/a/first.md", ""),
                ("content/posts/b/index.md", ""),
            ],
            false,
        );
        assert!(out.starts_with("```go\nfmt.Println(\"哈囉\")\n```\n\n![美食](<food.png>)\n\n見 [上篇](first.md) 與 ../b/index.md#x。\n"), "{out}");
        assert!(out.contains("<p class=\"alert-title\">小提示</p>"), "{out}");
        assert!(
            out.contains("<https://www.youtube.com/watch?v=abc>"),
            "{out}"
        );
        assert!(
            out.contains("`{{< x >}}` {{< figure src=\"a\" >}}"),
            "{out}"
        );
        assert_eq!(w.len(), 1, "{w:?}");
    }

    #[test]
    fn code_is_never_touched() {
        let text = "```liquid\n{% hint %}\n```\n\n~~~\n{{< x >}}\n~~~\n\n`{% raw %}`\n";
        let (out, w) = run("a.md", text, &[], false);
        assert_eq!(out, text);
        assert!(w.is_empty());
        assert!(protected(text, false).is_empty());
    }

    #[test]
    fn mdbook_admonish_blocks() {
        let files = MemFiles::default();
        let text = "````admonish warning title=\"小心\"\n不要**這樣**。\n\n```rust\nlet a = 1;\n```\n````\n\n```admonish\n提醒。\n```\n\n{% hint %}\n";
        let dialect = Dialect {
            docsify: false,
            mdbook: true,
            chinese: true,
        };
        let (f, w) = expand(&files, "a.md", SourceFile::new("a.md", text), dialect);
        assert_eq!(
            f.text.to_string(),
            "<aside class=\"alert warning\" role=\"note\">\n<p class=\"alert-title\">小心</p>\n\n不要**這樣**。\n\n```rust\nlet a = 1;\n```\n\n</aside>\n\n<aside class=\"alert note\" role=\"note\">\n<p class=\"alert-title\">注意</p>\n\n提醒。\n\n</aside>\n\n{% hint %}\n"
        );
        assert!(w.is_empty());
    }

    #[test]
    fn docsify_lines() {
        let text = "## 設定 :id=config\n\n?> 提示文字\n\n!> 重要文字\n\n![圖](a.png ':size=50%')\n";
        let (out, _) = run("README.md", text, &[], true);
        assert_eq!(
            out,
            "## 設定 {#config}\n\n> [!TIP]\n> 提示文字\n\n> [!WARNING]\n> 重要文字\n\n![圖](a.png)\n"
        );
        let (out, _) = run("README.md", text, &[], false);
        assert_eq!(out, text);
    }

    #[test]
    fn protected_ranges() {
        let text = "a,b {% hint style=\"info\" %}\n{% codeblock %}\nx, y\n{% endcodeblock %}\n";
        let r = protected(text, false);
        assert_eq!(&text[r[0].clone()], "{% hint style=\"info\" %}");
        assert_eq!(&text[r[1].clone()], "{% codeblock %}");
        assert!(text[r[2].clone()].contains("x, y"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative("source/_posts/a.md", "source/_posts/b.md"), "b.md");
        assert_eq!(
            relative("content/posts/a/index.md", "content/posts/b/index.md"),
            "../b/index.md"
        );
        assert_eq!(relative("a.md", "x/y.md"), "x/y.md");
    }
}
