//! The template tags of the tools books and posts are written for, outside code, made into
//! the Markdown and HTML they stand for, as those tools would show them:
//!
//! - Liquid / Nunjucks tags (GitBook, Hexo, Jekyll): `{% hint style="info" %}` … `{% endhint
//!   %}` (and Hexo's `{% note %}`) become an aside like a GFM alert; `{% highlight go %}`,
//!   `{% codeblock lang:js %}` a fenced code block; `{% raw %}` its text as written;
//!   `{% blockquote %}` a quote; `{% tabs %}`/`{% tab title %}` titled sections;
//!   `{% asset_img %}`, `{% img %}` an image; `{% post_link %}`, `{% post_url %}`, `{% link %}`
//!   the path of the chapter they name; GitBook's `{% include "x.md" %}` the file;
//!   `{% youtube %}`, `{% embed %}`, `{% iframe %}` … a link; `{{ site.baseurl }}` nothing;
//!   the themes' own (NexT, Butterfly, Volantis, Stellar): `{% label %}`, `{% btn %}`,
//!   `{% kbd %}`, `{% checkbox %}` a task, `{% hideToggle %}`/`{% folding %}` `<details>`,
//!   `{% timeline %}`, `{% poem %}` a quote of lines, `{% ghcard %}` a link.
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
    /// The template runs over the whole file before Markdown, code too (Jekyll's Liquid,
    /// GitBook's Nunjucks): `{% raw %}`/`{% endraw %}` in code are left out, as they show it.
    pub raw_in_code: bool,
    /// A Hugo site: the LoveIt, DoIt and FixIt themes' ruby `[漢字]^(hàn zì)`.
    pub hugo: bool,
}

/// Whether the file may hold a tag: looked for a block at a time, each given back (a large
/// book is mapped, and most have none).
fn file_may_have_tags(file: &SourceFile, d: Dialect) -> bool {
    let (text, mut found) = (file.text.as_bytes(), false);
    file.text.in_blocks(0..text.len(), |r| {
        // a few bytes more: a needle across the end of the block
        let end = (r.end + 16).min(text.len());
        found = found || may_have_tags_bytes(&text[r.start..end], d);
    });
    found
}

/// Whether the text may hold a tag.
fn may_have_tags(text: &str, d: Dialect) -> bool {
    may_have_tags_bytes(text.as_bytes(), d)
}

fn may_have_tags_bytes(b: &[u8], d: Dialect) -> bool {
    if memchr::memmem::find(b, b"](").is_some() && SPACED_BYTES.is_match(b) {
        return true;
    }
    // a `<div>` that may wrap a heading ([`heading_wrappers`]); a table of contents' marker
    // ([`is_toc_marker`])
    if ANY_FORM_BYTES.is_match(b) {
        return true;
    }
    if d.mdbook {
        return memchr::memmem::find(b, b"admonish").is_some();
    }
    if d.hugo && memchr::memmem::find(b, b"]^(").is_some() {
        return true;
    }
    TAG_BYTES.is_match(b)
        || d.docsify
            && ["?> ", "!> ", ":id=", ":ignore", "':"]
                .iter()
                .any(|p| memchr::memmem::find(b, p.as_bytes()).is_some())
}

/// What a file of any form may hold that [`Expander::run`] rewrites: a `<div>`, a table of
/// contents' marker, kramdown's attribute lists and abbreviations, markdown-it's containers,
/// highlights, HackMD's tags, Obsidian's callouts (one pass over the text, not one a needle).
static ANY_FORM_BYTES: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r"<(?:div|DIV)|(?:TOC|toc)\]|_TOC_|\{:|==[^=\s]|\[![A-Za-z]|\*\[|:::|tags:",
    )
    .expect("valid pattern")
});

/// The starts of the template tags of the forms that have them.
static TAG_BYTES: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r"\{%|\{\{[<%]|\{\{ site\.|_url \}\}").expect("valid pattern")
});

/// A tag left out of a sentence leaves no space before a full-width mark or after one
/// (`版本 {{< version >}}，` → `版本，`): the space before it is taken off `out`, or the
/// length of the spaces of `after` to skip is returned.
fn dropped_spaces(out: &mut String, after: &str) -> usize {
    const MARKS: &str = "，。、；：！？」』）】》〉…—";
    let mark_after = after.chars().next().is_none_or(|c| MARKS.contains(c));
    if out.ends_with(' ') && mark_after {
        out.truncate(out.trim_end_matches(' ').len());
        return 0;
    }
    let mark_before = out
        .chars()
        .next_back()
        .is_none_or(|c| MARKS.contains(c) || "「『（【《〈".contains(c));
    if mark_before && !out.trim().is_empty() {
        return after.len() - after.trim_start_matches(' ').len();
    }
    0
}

/// `[漢字]^(hàn zì)`: its base and its reading.
static RUBY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"\[([^\[\]{}|`]+)\]\^\(([^(){}|`]+)\)").expect("valid pattern")
});

/// The ruby of Hugo's LoveIt, DoIt and FixIt themes, `[漢字]^(hàn zì)`, outside inline code, as
/// hanpub's `{漢字|hàn zì}`; `None` when the line has none.
fn hugo_ruby(line: &str) -> Option<String> {
    if !line.contains("]^(") {
        return None;
    }
    replace_outside_code(line, &RUBY, |c| {
        let (base, reading) = (c[1].trim(), c[2].trim());
        (!base.is_empty() && !reading.is_empty()).then(|| format!("{{{base}|{reading}}}"))
    })
}

/// `line` with each match of `re` outside inline code replaced by what `with` makes of it
/// (`None`: kept as written); `None` when none was replaced.
fn replace_outside_code(
    line: &str,
    re: &Regex,
    mut with: impl FnMut(&regex::Captures<'_>) -> Option<String>,
) -> Option<String> {
    let code = code_spans(line);
    let mut out = String::with_capacity(line.len() + 16);
    let mut last = None;
    for c in re.captures_iter(line) {
        let m = c.get(0).expect("the whole match");
        if code.iter().any(|r| r.start < m.end() && m.start() < r.end) {
            continue;
        }
        let Some(new) = with(&c) else {
            continue;
        };
        out.push_str(&line[last.unwrap_or(0)..m.start()]);
        out.push_str(&new);
        last = Some(m.end());
    }
    out.push_str(&line[last?..]);
    Some(out)
}

/// A link or image whose path has a space and no `<…>` (`![圖](img/聊天室 架構.png)`, as some
/// editors write it): not a link in Markdown, its text shown as written.
const SPACED: &str = r#"(!?\[[^\]\n]*\]\()([^()<>"'\n]*? [^()<>"'\n]*\.[A-Za-z0-9]{1,5})(\))"#;

static SPACED_BYTES: LazyLock<regex::bytes::Regex> =
    LazyLock::new(|| regex::bytes::Regex::new(SPACED).expect("valid pattern"));

/// Expand the tags of `file` (at `path` in the book): the text to build (the same file when
/// it has none) and a warning for each tag left out.
pub fn expand(
    files: &dyn Files,
    path: &str,
    file: SourceFile,
    dialect: Dialect,
) -> (SourceFile, Vec<Diagnostic>) {
    expand_at(files, path, file, dialect, 0)
}

/// How deep a file included by a tag has its own tags expanded (a file including itself
/// stops there, its tags as written).
const INCLUDE_DEPTH: u8 = 4;

/// [`expand`] for a file `depth` includes deep: `file` is what is read, `path` the chapter its
/// paths are relative to (an include is the chapter's text).
fn expand_at(
    files: &dyn Files,
    path: &str,
    file: SourceFile,
    dialect: Dialect,
    depth: u8,
) -> (SourceFile, Vec<Diagnostic>) {
    if !file_may_have_tags(&file, dialect) {
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
        depth,
        pages: std::cell::OnceCell::new(),
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
        raw_in_code: false,
        hugo: true,
    };
    if !may_have_tags(text, dialect) {
        return Vec::new();
    }
    let mut ranges = Vec::new();
    let mut verbatim: Option<(usize, &'static str, Found)> = None;
    for (start, line) in prose_lines(text) {
        if let Some((from, end, tag)) = &verbatim {
            if closes_verbatim(line, end, tag) {
                ranges.push(*from..start + line.len());
                verbatim = None;
            }
            continue;
        }
        for m in tags_in(line) {
            let r = start + m.start..start + m.end;
            ranges.push(r);
            if let Some(end) = m.verbatim_end(line) {
                verbatim = Some((start + m.start, end, m.clone()));
            }
        }
        // a ruby of Hugo's themes, which `--fix` must not take apart
        if line.contains("]^(") {
            ranges.extend(
                RUBY.find_iter(line)
                    .map(|m| start + m.start()..start + m.end()),
            );
        }
        // a path with a space, read as `<…>`: the whole line
        if line.contains("](") && !line.contains('`') && SPACED_BYTES.is_match(line.as_bytes()) {
            ranges.push(start..start + line.len());
        }
        if docsify {
            for needle in [":id=", ":ignore", "?> ", "!> "] {
                if let Some(i) = line.find(needle) {
                    ranges.push(start + i..start + line.len());
                }
            }
        }
    }
    if let Some((from, ..)) = verbatim {
        ranges.push(from..text.len());
    }
    ranges
}

/// The lines of `text` outside code, with where each starts.
fn prose_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut code = Code::default();
    let mut pos = 0;
    text.split_inclusive('\n').filter_map(move |raw| {
        let start = pos;
        pos += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        (!code.is_code(line)).then_some((start, line))
    })
}

/// Where a line is, as far as code goes: in a fenced block, an indented one (after a blank
/// line, outside a list), or a raw HTML `<pre>` block.
#[derive(Debug, Default)]
struct Code {
    fence: Option<(u8, usize)>,
    indented: bool,
    pre: bool,
    list: bool,
    blank_before: bool,
}

impl Code {
    /// Whether the line is code (the state moved past it).
    fn is_code(&mut self, line: &str) -> bool {
        let code = self.code(line);
        self.blank_before = line.trim().is_empty();
        code
    }

    fn code(&mut self, line: &str) -> bool {
        if let Some((c, n)) = self.fence {
            if fence_of(line).is_some_and(|(fc, fn_)| fc == c && fn_ >= n) {
                self.fence = None;
            }
            return true;
        }
        if self.pre {
            self.pre = !line.to_ascii_lowercase().contains("</pre");
            return true;
        }
        let blank = line.trim().is_empty();
        let indent = line
            .chars()
            .take_while(|c| matches!(c, ' ' | '\t'))
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum::<usize>();
        if self.indented {
            if blank || indent >= 4 {
                return true;
            }
            self.indented = false;
        }
        if !blank && indent >= 4 && self.blank_before && !self.list {
            self.indented = true;
            return true;
        }
        if let Some(f) = fence_of(line) {
            self.fence = Some(f);
            return true;
        }
        let t = line.trim_start();
        let lower = t.get(..4).map(str::to_ascii_lowercase);
        if indent < 4
            && lower.as_deref() == Some("<pre")
            && !t.to_ascii_lowercase().contains("</pre")
        {
            self.pre = true;
            return true;
        }
        if !blank && indent < 4 {
            let item = ["- ", "* ", "+ "].iter().any(|m| t.starts_with(m))
                || t.split_once(['.', ')']).is_some_and(|(n, r)| {
                    !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && r.starts_with(' ')
                });
            if item {
                self.list = true;
            } else if self.blank_before && indent == 0 {
                self.list = false;
            }
        }
        false
    }
}

/// The fence a line opens or closes (its character and length), if it is one.
fn fence_of(line: &str) -> Option<(u8, usize)> {
    crate::parse::fence_open(line)
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
    // raw HTML code on the line: `<code>…</code>`, `<pre>…</pre>`, `<kbd>…</kbd>`
    if line.contains('<') {
        let lower = line.to_ascii_lowercase();
        for name in ["code", "pre", "kbd", "samp"] {
            let (open, close) = (format!("<{name}"), format!("</{name}"));
            let mut from = 0;
            while let Some(a) = lower[from..].find(&open).map(|a| a + from) {
                let after = lower.as_bytes().get(a + open.len());
                if !matches!(after, Some(b'>' | b' ' | b'\t')) {
                    from = a + open.len();
                    continue;
                }
                let e = lower[a..]
                    .find(&close)
                    .map_or(line.len(), |e| a + e + close.len());
                spans.push(a..e);
                from = e;
            }
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
    /// Its arguments have quotes (`"title text" "alt text"`).
    quoted: bool,
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
        let alone = line.trim_start_matches([' ', '\t', '>']).trim_end();
        if alone != line[self.start..self.end].trim() {
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
            // hugo-book's `{{< katex [display] >}}`, other themes' `{{< math >}}`
            (Kind::Hugo { .. }, "katex") => Some("katex"),
            (Kind::Hugo { .. }, "math") => Some("math"),
            (Kind::Hugo { .. }, "highlight") => Some("highlight"),
            // a diagram's source, as a fenced ```mermaid block shows it
            (Kind::Liquid { .. } | Kind::Hugo { .. }, "mermaid") => Some("mermaid"),
            _ => None,
        }
    }
}

/// The lines (indices, in order) of the `<div …>` and `</div>` lines, each alone on its
/// line, that wrap Markdown with a heading (a README's `<div align="center">` around its
/// `# 標題`): left out, so that the heading is not inside an element when it starts a chapter
/// (the chapter before would end inside the div, leaving it empty, and the heading would stand
/// outside it). A heading counts after a blank line, where Markdown starts again.
fn heading_wrappers(lines: &[(usize, &str)]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut code = Code::default();
    // each open div's line and whether a heading is inside it
    let mut open: Vec<(usize, bool)> = Vec::new();
    let mut blank = false;
    for (i, (_, raw)) in lines.iter().enumerate() {
        let line = split_eol(raw).0;
        let was_blank = std::mem::replace(&mut blank, line.trim().is_empty());
        if code.is_code(line) {
            continue;
        }
        let t = line.trim().to_ascii_lowercase();
        if (t == "<div>" || t.starts_with("<div ")) && t.ends_with('>') && !t.contains("</div") {
            open.push((i, false));
        } else if t == "</div>" {
            if let Some((o, true)) = open.pop() {
                out.extend([o, i]);
            }
        } else if was_blank && !open.is_empty() && crate::parse::atx_heading(line).is_some() {
            open.iter_mut().for_each(|o| o.1 = true);
        }
    }
    out.sort_unstable();
    out
}

/// A line with kramdown's attribute lists and abbreviations left out
/// ([`kramdown_attributes`]), its highlights (`==重點==`, outside inline code) made `<mark>`;
/// HackMD's line of tags (`###### tags: `a` `b``) left out. `None`: nothing to change.
fn inline_marks(line: &str) -> Option<String> {
    static HIGHLIGHT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"==([^=\s](?:[^=]*[^=\s])?)==").expect("valid pattern"));
    static TAGS_LINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^#{1,6}[ \t]+tags:(?:[ \t,]*`[^`]+`)+[ \t]*$").expect("valid pattern")
    });
    if line.starts_with('#') && TAGS_LINE.is_match(line) {
        return Some(String::new());
    }
    let kramdown = (line.contains("{:") || line.trim_start().starts_with("*["))
        .then(|| kramdown_attributes(line))
        .flatten();
    let text = kramdown.as_deref().unwrap_or(line);
    if !text.contains("==") {
        return kramdown;
    }
    replace_outside_code(text, &HIGHLIGHT, |c| {
        Some(format!("<mark>{}</mark>", &c[1]))
    })
    .or(kramdown)
}

/// The class and title of an Obsidian callout's first line (`> [!tip]- 標題`, `> [!faq]`):
/// `None` for a line that is not one, and for GitHub's own alerts (`> [!NOTE]` alone), which
/// the parser reads.
fn callout(line: &str, chinese: bool) -> Option<(&'static str, String)> {
    static CALLOUT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*>\s*\[!([A-Za-z][\w-]*)\]([-+]?)[ \t]*(.*?)\s*$").expect("valid pattern")
    });
    let c = CALLOUT.captures(line)?;
    let (kind, fold, title) = (c[1].to_ascii_lowercase(), &c[2], &c[3]);
    let github = ["note", "tip", "important", "warning", "caution"].contains(&kind.as_str());
    if github && fold.is_empty() && title.is_empty() {
        return None;
    }
    let alert = match kind.as_str() {
        "check" | "done" => Alert::Tip,
        "question" | "help" | "faq" | "todo" | "info" | "abstract" | "summary" | "tldr"
        | "example" | "quote" | "cite" => Alert::Note,
        "bug" | "missing" => Alert::Caution,
        k => alert_kind(k),
    };
    let (class, own) = alert.class_and_title(chinese);
    let (zh, en) = match kind.as_str() {
        "info" => ("資訊", "Info"),
        "todo" => ("待辦", "Todo"),
        "question" | "help" | "faq" => ("問題", "Question"),
        "success" | "check" | "done" => ("成功", "Success"),
        "failure" | "fail" | "missing" => ("失敗", "Failure"),
        "danger" | "error" => ("危險", "Danger"),
        k => {
            let t = own_title(k, chinese).unwrap_or(own);
            (t, t)
        }
    };
    let title = match title {
        "" => (if chinese { zh } else { en }).to_string(),
        t => escape(t),
    };
    Some((class, title))
}

/// A line of a markdown-it container's fence: `Some((kind, title))` for one that opens
/// (`:::info`, `::: tip 標題`, `::: {.warning}`), `None` for one that closes (`:::`); not a
/// fence, `None` around it.
fn colon_fence(line: &str) -> Option<Option<(&str, &str)>> {
    let t = line.trim();
    let rest = t.strip_prefix(":::")?.trim_start_matches(':');
    let rest = rest.trim();
    if rest.is_empty() {
        return Some(None);
    }
    // Pandoc's `{.warning}`: its first class
    let (word, title) = match rest.strip_prefix('{') {
        Some(attrs) => {
            let attrs = attrs.split('}').next().unwrap_or("");
            let class = attrs
                .split_whitespace()
                .find_map(|a| a.strip_prefix('.'))
                .unwrap_or("");
            (class, "")
        }
        None => rest
            .split_once(char::is_whitespace)
            .map_or((rest, ""), |(w, t)| (w, t.trim())),
    };
    let ok = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then_some(Some((word, title)))
}

/// A line without kramdown's attribute lists (`{: .lead}`, `{:class="x" width="50%"}`,
/// `{: #id}` after a block or a span; a definition `{:name: .x}`), abbreviations
/// (`*[HTML]: …`) and extension markers (`{::nomarkdown}`, `{:/}`, `{::options … /}`), outside
/// inline code: what they say is for the site's stylesheet and tooltips. `None`: none there.
fn kramdown_attributes(line: &str) -> Option<String> {
    static LIST: LazyLock<Regex> = LazyLock::new(|| {
        let token = r#"(?:[.#][\w-]+|[\w-]+=(?:"[^"]*"|'[^']*'|[^\s}"']+)|[\w-]+)"#;
        Regex::new(&format!(
            r"\{{:[ \t]*(?:{token}(?:[ \t]+{token})*)?[ \t]*\}}"
        ))
        .expect("valid pattern")
    });
    static WHOLE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^[ \t]*(?:\*\[[^\]]+\]:.*|\{:[\w-]+:.*\}|\{::?/?[a-z]*(?:[ \t][^}]*)?/?\})[ \t]*$",
        )
        .expect("valid pattern")
    });
    if WHOLE.is_match(line) {
        return Some(String::new());
    }
    let out = replace_outside_code(line, &LIST, |_| Some(String::new()))?;
    Some(if out.trim().is_empty() {
        String::new()
    } else {
        out
    })
}

/// Whether `line` (followed by `next`) marks where a table of contents goes: `[TOC]`,
/// `[toc]`, `[[_TOC_]]`, `[[toc]]`, kramdown's `{:toc}` and the list item before it (and its
/// `{:.no_toc}`, which keeps a heading out of that table).
fn is_toc_marker(line: &str, next: Option<&str>) -> bool {
    let t = line.trim();
    let kramdown = |l: &str| matches!(l.trim(), "{:toc}" | "{: toc}");
    matches!(
        t.to_ascii_lowercase().as_str(),
        "[toc]" | "[[_toc_]]" | "[[toc]]" | "{:toc}" | "{: toc}" | "{:.no_toc}" | "{: .no_toc}"
    ) || (matches!(t, "* TOC" | "- TOC" | "1. TOC" | "* toc" | "- toc")
        && next.is_some_and(kramdown))
}

/// Whether a line closes a verbatim block opened by `tag` (of the same kind: a Liquid tag by
/// a Liquid tag, a shortcode by a shortcode).
fn closes_verbatim(line: &str, name: &str, tag: &Found) -> bool {
    let t = line.trim_start_matches([' ', '\t', '>']).trim_end();
    if matches!(tag.kind, Kind::Liquid { .. }) {
        let liquid = t.strip_prefix("{%").and_then(|r| r.strip_suffix("%}"));
        return liquid.is_some_and(|inner| {
            inner
                .trim_matches(|c: char| c == '-' || c.is_whitespace())
                .eq_ignore_ascii_case(&format!("end{name}"))
        });
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
                quoted: all.as_str().contains(['"', '\'']),
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
        "tip" | "success" | "hint" | "green" => Alert::Tip,
        "important" | "primary" | "purple" => Alert::Important,
        "warning" | "warn" | "attention" | "orange" | "yellow" => Alert::Warning,
        "danger" | "caution" | "error" | "fail" | "failure" | "red" => Alert::Caution,
        _ => Alert::Note,
    }
}

/// The lines of `text` between its two marker lines of the fragment `name` (`### [demo]` or
/// `/// [demo]`), as docsify's `:fragment=demo` shows; `None` without both markers.
fn docsify_fragment(text: &str, name: &str) -> Option<String> {
    let marker = format!("[{name}]");
    let is_marker = |l: &str| {
        let t = l.trim();
        ["###", "///"].iter().any(|m| {
            t.strip_prefix(m)
                .is_some_and(|r| r.trim_start().starts_with(&marker))
        })
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let open = lines.iter().position(|l| is_marker(l))?;
    let close = open + 1 + lines[open + 1..].iter().position(|l| is_marker(l))?;
    Some(lines[open + 1..close].concat())
}

/// A line of Hexo's tabs: `<!-- tab 標題@fas fa-x -->` its title (without its icon; `""` for
/// none), `<!-- endtab -->` `""`; the same of Butterfly's timeline (`<!-- timeline 1月 -->`).
fn hexo_tab(line: &str) -> Option<&str> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    if inner == "endtab" || inner == "endtimeline" {
        return Some("");
    }
    let title = inner
        .strip_prefix("timeline")
        .or_else(|| inner.strip_prefix("tab"))?;
    if !(title.is_empty() || title.starts_with([' ', '\t'])) {
        return None;
    }
    Some(title.split('@').next().unwrap_or("").trim())
}

/// The title of an aside whose kind is not one of the five alerts' (LoveIt's `abstract`,
/// `example`, `quote`, `bug`): its own, as those themes title it.
fn own_title(style: &str, chinese: bool) -> Option<&'static str> {
    let (zh, en) = match style.to_ascii_lowercase().as_str() {
        "abstract" | "summary" | "tldr" => ("摘要", "Abstract"),
        "example" => ("示例", "Example"),
        "quote" | "cite" => ("引用", "Quote"),
        "bug" => ("Bug", "Bug"),
        _ => return None,
    };
    Some(if chinese { zh } else { en })
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
    // Docsy's
    "pageinfo",
];

/// Names of tags that hold a formula.
const FORMULAS: &[&str] = &["math", "katex", "tex", "latex"];

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
    "swagger-description",
    "markdown",
    // Butterfly's and Volantis's groups of images and of buttons
    "gallery",
    "btns",
    // Hugo themes' wrappers of text or HTML: Blowfish's `lead`, `badge`, `keyword` and
    // `typeit`, LoveIt's `style` and `typeit`, PaperMod's `ltr`/`rtl`, Docsy's
    // `tabpane`, a site's own `rawhtml`
    "lead",
    "badge",
    "keyword",
    "typeit",
    "style",
    "ltr",
    "rtl",
    "tabpane",
    "rawhtml",
];

/// Names of tags that show nothing a book lacks: a page's table of contents (Hugo themes'
/// `toc`, hugo-book's `toc-tree` and `section`, whose lists of pages the EPUB's contents
/// stand for), a gallery's script (`load-photoswipe`), an icon (Blowfish's `icon`).
const NOTHING: &[&str] = &["toc", "toc-tree", "section", "load-photoswipe", "icon"];

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
        // Blowfish's `{{< github repo="user/repo" >}}`
        "github" => url(&format!("https://github.com/{}", arg(args, "repo", None)?)),
        // Butterfly's and Volantis's `{% ghcard user/repo, theme=… %}`
        "ghcard" => url(&format!(
            "https://github.com/{}",
            first?.trim_end_matches(',')
        )),
        "bilibili" => url(&format!("https://www.bilibili.com/video/{}", first?)),
        // `{% gist user/id %}`, `{{< gist user id >}}`
        "gist" => match (arg(args, "user", Some(0))?, arg(args, "id", Some(1))) {
            (user, Some(id)) => url(&format!("https://gist.github.com/{user}/{id}")),
            (path, None) => url(&format!("https://gist.github.com/{path}")),
        },
        // `{% twitter url %}`, `{{< tweet user="x" id="1" >}}`
        "tweet" | "twitter" | "x" => {
            match (arg(args, "user", Some(0))?, arg(args, "id", Some(1))) {
                (u, _) if u.starts_with("http") => url(u),
                (user, Some(id)) => url(&format!("https://x.com/{user}/status/{id}")),
                (id, None) => url(&format!("https://x.com/i/status/{id}")),
            }
        }
        // Hexo's `{% jsfiddle id %}` and `{% codepen user slug %}` name the page by its id
        "jsfiddle" if first.is_some_and(|id| !id.starts_with("http")) => {
            url(&format!("https://jsfiddle.net/{}/", first?))
        }
        "codepen" if !first?.starts_with("http") => match arg(args, "", Some(1)) {
            Some(slug) => url(&format!("https://codepen.io/{}/pen/{slug}", first?)),
            None => None,
        },
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
    /// The containers open: their name, the HTML that closes them, where they were opened.
    open: Vec<(String, String, std::ops::Range<usize>)>,
    changed: bool,
    /// How many includes deep the file is.
    depth: u8,
    /// The Markdown pages of the site's content, for refs by a page's name alone.
    pages: std::cell::OnceCell<Vec<String>>,
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
        let mut code = Code::default();
        let mut admonish: Vec<(u8, usize)> = Vec::new();
        let wrappers = heading_wrappers(&lines);
        let mut i = 0;
        while i < lines.len() {
            let (start, raw) = lines[i];
            let (line, eol) = split_eol(raw);
            i += 1;
            if wrappers.binary_search(&(i - 1)).is_ok() {
                code.is_code("");
                self.replaced("", eol, &mut line_no);
                continue;
            }
            // mdBook's admonish blocks (```` ```admonish warning title="…" ````): an aside
            // whose text is Markdown
            if code.fence.is_none() {
                if let Some(&(c, n)) = admonish.last()
                    && fence_of(line).is_some_and(|(fc, fn_)| fc == c && fn_ >= n)
                    && line.trim().bytes().all(|b| b == c)
                {
                    admonish.pop();
                    self.replaced("\n</aside>", eol, &mut line_no);
                    continue;
                }
                if let Some(f) = fence_of(line)
                    && let Some(open) = self.admonish(line)
                {
                    admonish.push(f);
                    self.replaced(&open, eol, &mut line_no);
                    continue;
                }
            }
            if code.is_code(line) {
                match self.raw_in_code(line) {
                    // a line of its own: left out, as the template leaves it
                    Some(kept) if kept.trim().is_empty() && !line.trim().is_empty() => {
                        self.out.replacing("", line_no);
                        line_no += u32::from(raw.ends_with('\n'));
                        self.changed = true;
                    }
                    Some(kept) => self.replaced(&kept, eol, &mut line_no),
                    None => self.out.original(raw, &mut line_no),
                }
                continue;
            }
            // inline code: the same
            if line.contains('`')
                && let Some(kept) = self.raw_in_code(line)
            {
                self.replaced(&kept, eol, &mut line_no);
                continue;
            }
            // Hexo's tabs (NexT, Butterfly): `<!-- tab 標題@icon -->` … `<!-- endtab -->`, each
            // a titled section, as GitBook's tabs are
            if self
                .open
                .iter()
                .any(|(n, ..)| n == "tabs" || n == "timeline")
                && let Some(title) = hexo_tab(line)
            {
                let text = match title {
                    "" => String::new(),
                    t => format!("\n**{}**\n", escape_md(t)),
                };
                self.replaced(&text, eol, &mut line_no);
                continue;
            }
            // a table of contents an editor or site draws where its marker stands (Typora's and
            // Python-Markdown's `[TOC]`, GitLab's `[[_TOC_]]`, VuePress's `[[toc]]`,
            // kramdown's `* TOC` + `{:toc}`): the EPUB's own contents stand for it
            if is_toc_marker(line, lines.get(i).map(|(_, l)| split_eol(l).0)) {
                self.replaced("", eol, &mut line_no);
                continue;
            }
            // Obsidian's callouts (`> [!tip]- 標題`, `> [!question]`), which GitHub's alerts
            // are not: an aside with its title, its lines the quote's
            if line.trim_start().starts_with('>')
                && let Some((class, title)) = callout(line, self.dialect.chinese)
            {
                let indent = &line[..line.len() - line.trim_start().len()];
                let body = lines[i..]
                    .iter()
                    .take_while(|(_, l)| l.trim_start().starts_with('>'))
                    .count();
                let open = aside_open(class, &title)
                    .lines()
                    .map(|l| format!("{indent}{l}\n"))
                    .collect::<String>();
                let close = format!("\n\n{indent}</aside>\n");
                self.replaced(
                    &if body == 0 {
                        format!("{open}{close}")
                    } else {
                        open
                    },
                    eol,
                    &mut line_no,
                );
                for k in 0..body {
                    let (l, eol) = split_eol(lines[i + k].1);
                    let inner = l.trim_start().strip_prefix('>').unwrap_or(l);
                    let inner = inner.strip_prefix(' ').unwrap_or(inner);
                    // a heading stays inside, in bold (as in the boxes tags open)
                    let mut text = match crate::parse::atx_heading(inner) {
                        Some(h) => format!("\n{indent}{}\n", bold(h)),
                        None => format!("{indent}{inner}"),
                    };
                    if k == 0 {
                        text.insert(0, '\n');
                    }
                    if k + 1 == body {
                        text.push_str(&close);
                    }
                    self.replaced(&text, eol, &mut line_no);
                }
                i += body;
                continue;
            }
            // markdown-it's containers (HackMD's `:::info`, `:::spoiler 標題`; VuePress's and
            // VitePress's `::: tip 標題`, `::: details`; Docusaurus's `:::note`; Pandoc's
            // `::: {.warning}`): an aside, `<details>`, or their text
            if let Some(fence) = colon_fence(line) {
                let span = start..start + line.len();
                let text = match fence {
                    Some((name, title)) => Some(self.colon_container(name, title, span)),
                    None => self
                        .open
                        .iter()
                        .rposition(|(n, ..)| n.starts_with(":::"))
                        .map(|i| self.open.remove(i).1),
                };
                if let Some(text) = text {
                    self.replaced(&text, eol, &mut line_no);
                    continue;
                }
            }
            // kramdown's attribute lists and abbreviations (Jekyll's Markdown): a style for
            // the site's stylesheet, left out
            // and the highlights of HackMD, Typora and Obsidian (`==重點==`): `<mark>`; HackMD's
            // line of tags (`###### tags: `課程``): left out
            if let Some(kept) = inline_marks(line)
                && tags_in(&kept).is_empty()
            {
                self.replaced(&kept, eol, &mut line_no);
                continue;
            }
            // hugo-book's column break
            if self.open.iter().any(|(n, ..)| n == "columns") && line.trim() == "<--->" {
                self.replaced("", eol, &mut line_no);
                continue;
            }
            // a heading inside an aside, a quote or `<details>` a tag opened would end the
            // chapter there, outside it (its box empty, its text after it): its text in bold
            let boxed =
                !admonish.is_empty() || self.open.iter().any(|(_, close, _)| close.contains("</"));
            if boxed && let Some(heading) = crate::parse::atx_heading(line) {
                // a paragraph of its own, as the heading was
                let blank = |l: Option<&(usize, &str)>| l.is_none_or(|(_, l)| l.trim().is_empty());
                let text = match heading {
                    "" => String::new(),
                    h => format!(
                        "{}{}{}{}",
                        if blank(i.checked_sub(2).and_then(|p| lines.get(p))) {
                            ""
                        } else {
                            "\n"
                        },
                        &line[..line.len() - line.trim_start().len()],
                        bold(h),
                        if blank(lines.get(i)) { "" } else { "\n" },
                    ),
                };
                self.replaced(&text, eol, &mut line_no);
                continue;
            }
            let found = if self.dialect.mdbook {
                Vec::new()
            } else {
                tags_in(line)
            };
            if found.is_empty()
                && self.dialect.hugo
                && let Some(line) = hugo_ruby(line)
            {
                self.replaced(&line, eol, &mut line_no);
                continue;
            }
            if found.is_empty()
                && let Some(line) = self.spaced_paths(line, start)
            {
                self.replaced(&line, eol, &mut line_no);
                continue;
            }
            let prefix = &line[..line.len() - line.trim_start_matches([' ', '\t', '>']).len()];
            // a block of code opened by a tag alone on its line: up to its closing tag
            if let [tag] = found.as_slice()
                && let Some(end) = tag.verbatim_end(line)
                && let Some(k) = lines[i..]
                    .iter()
                    .position(|(_, l)| closes_verbatim(split_eol(l).0, end, tag))
            {
                let (open, close) = self.verbatim_fences(tag, end);
                let open = open.replace('\n', &format!("\n{prefix}"));
                self.replaced(&format!("{prefix}{open}"), eol, &mut line_no);
                for (_, raw) in &lines[i..i + k] {
                    if end == "comment" {
                        // left out, its lines still counted
                        self.out.replacing("", line_no);
                        line_no += u32::from(raw.ends_with('\n'));
                        continue;
                    }
                    self.out.original(raw, &mut line_no);
                }
                let (_, close_raw) = lines[i + k];
                self.replaced(
                    &format!("{prefix}{close}"),
                    split_eol(close_raw).1,
                    &mut line_no,
                );
                i += k + 1;
                continue;
            }
            let docsify = self
                .dialect
                .docsify
                .then(|| self.docsify_embed(line).or_else(|| docsify_line(line)))
                .flatten();
            if found.is_empty() && docsify.is_none() {
                // a poem's line followed by another: kept on its own (a hard break)
                let next = lines.get(i).map_or("", |(_, l)| split_eol(l).0);
                if self.open.last().is_some_and(|(n, ..)| n == "poem")
                    && !line.trim().is_empty()
                    && !next.trim().is_empty()
                    && tags_in(next).is_empty()
                {
                    self.replaced(&format!("{line}\\"), eol, &mut line_no);
                    continue;
                }
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
            // what a tag became stays in the list item or quote the tag was in
            let rewritten = if prefix.is_empty() {
                rewritten
            } else {
                rewritten.replace('\n', &format!("\n{prefix}"))
            };
            self.replaced(&rewritten, eol, &mut line_no);
        }
        for (name, _, at) in std::mem::take(&mut self.open) {
            self.warnings.push(
                Diagnostic::warning(format!(
                    "`{name}` is never closed: the text after it is kept as it is"
                ))
                .at(self.file, at),
            );
        }
    }

    /// A line of the file replaced by `text` (its lines counted as the line's), then its line
    /// break, after which the file's own lines go on.
    fn replaced(&mut self, text: &str, eol: &str, line_no: &mut u32) {
        self.out.replacing(text, *line_no);
        self.out.original(eol, line_no);
        self.changed = true;
    }

    /// What a markdown-it container opens (an aside of a kind of alert, `<details>` of
    /// `spoiler` and `details`, nothing around the text of another kind), noting what closes
    /// it.
    fn colon_container(&mut self, name: &str, title: &str, span: std::ops::Range<usize>) -> String {
        let kind = name.to_ascii_lowercase();
        let shown = format!(":::{name}");
        let (open, close) = if matches!(kind.as_str(), "spoiler" | "details") {
            let summary = if title.is_empty() { "…" } else { title };
            (details_open(summary), "\n\n</details>\n")
        } else if ASIDES.contains(&kind.as_str()) || matches!(kind.as_str(), "error" | "tldr") {
            let given = (!title.is_empty()).then_some(title);
            (
                alert_aside(&kind, given, self.dialect.chinese),
                "\n\n</aside>\n",
            )
        } else {
            (String::new(), "")
        };
        self.open.push((shown, close.to_string(), span));
        open
    }

    /// docsify's embedded files, a link alone on its line: `[x](a.md ':include')` the file's
    /// text, `[x](a.py ':include :type=code')` (or any file not Markdown) a code block.
    fn docsify_embed(&mut self, line: &str) -> Option<String> {
        static EMBED: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r#"^\s*\[[^\]]*\]\(\s*<?([^)\s>]+)>?\s+['"](:include[^'"]*)['"]\s*\)\s*$"#)
                .expect("valid pattern")
        });
        let c = EMBED.captures(line)?;
        let (target, options) = (&c[1], &c[2]);
        let path = self.find_file(target)?;
        let text = String::from_utf8(self.files.read(&path).ok()?).ok()?;
        // `:fragment=name`: the lines between the two `### [name]` (or `/// [name]`) lines
        let fragment = options
            .split_whitespace()
            .find_map(|o| o.strip_prefix(":fragment="));
        let text = match fragment {
            Some(name) => docsify_fragment(&text, name).unwrap_or(text),
            None => text,
        };
        let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
        let markdown = matches!(ext, "md" | "markdown") && !options.contains(":type=code");
        Some(if markdown {
            let body = crate::config::split_front_matter(&text).map_or(0, |(_, _, b)| b);
            format!("\n{}\n", text[body..].trim_end())
        } else {
            let fence = if text.contains("```") { "~~~~" } else { "```" };
            format!("{fence}{ext}\n{}\n{fence}", text.trim_end())
        })
    }

    /// A line of code without its `{% raw %}`/`{% endraw %}` tags, when the template runs over
    /// code ([`Dialect::raw_in_code`]); `None`: nothing to leave out.
    fn raw_in_code(&self, line: &str) -> Option<String> {
        static RAW: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"\{%-?\s*(?:end)?raw\s*-?%\}").expect("valid pattern"));
        (self.dialect.raw_in_code && line.contains("raw") && RAW.is_match(line))
            .then(|| RAW.replace_all(line, "").into_owned())
    }

    /// A line whose links or images name a file of the book by a path with a space, without
    /// `<…>`: each path put in `<…>`, as its author meant, with a warning; `None` for none (a
    /// path that names no file is left as written; a line with inline code is not looked at).
    fn spaced_paths(&mut self, line: &str, start: usize) -> Option<String> {
        static SPACED_LINE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(SPACED).expect("valid pattern"));
        if line.contains('`') || !line.contains("](") {
            return None;
        }
        let mut out = String::with_capacity(line.len() + 4);
        let mut pos = 0;
        for c in SPACED_LINE.captures_iter(line) {
            let (whole, dest) = (c.get(0).expect("match"), c.get(2).expect("group"));
            let path = crate::chapters::percent_decode(dest.as_str());
            if self.find_file(&path).is_none() {
                continue;
            }
            out.push_str(&line[pos..dest.start()]);
            out.push('<');
            out.push_str(dest.as_str());
            out.push('>');
            pos = dest.end();
            let span = start + whole.start()..start + whole.end();
            let d = dest.as_str();
            self.warnings.push(
                Diagnostic::warning(format!(
                    "a path with a space is not a link in Markdown (GitHub and mdBook show `{}` as text): read as `<{d}>`",
                    whole.as_str()
                ))
                .at(self.file, span)
                .with_hint(format!("write it as ](<{d}>)")),
            );
        }
        if pos == 0 {
            return None;
        }
        out.push_str(&line[pos..]);
        Some(out)
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
        Some(aside_open(class, &title))
    }

    /// The lines that open and close a block of code a tag opened: a fenced block with its
    /// language, `$$` for a formula, nothing for `raw` and `comment`.
    fn verbatim_fences(&self, tag: &Found, end: &str) -> (String, String) {
        let args = tag.args();
        match end {
            "raw" | "comment" => (String::new(), String::new()),
            f if FORMULAS.contains(&f) => ("$$".into(), "$$".into()),
            "mermaid" => ("```mermaid".into(), "```".into()),
            // `{% codeblock [caption] [lang:x] [url] [link text] %}`: the caption and its link
            // above the code, as Hexo shows them
            "codeblock" => {
                let lang = args
                    .iter()
                    .find_map(|a| a.strip_prefix("lang:"))
                    .unwrap_or("");
                let plain: Vec<&str> = args
                    .iter()
                    .filter(|a| !is_named(a) && !a.starts_with("lang:") && !a.contains(':'))
                    .map(String::as_str)
                    .collect();
                let url = args.iter().position(|a| a.contains("://"));
                let caption: Vec<&str> = match url {
                    Some(u) => args[..u]
                        .iter()
                        .filter(|a| plain.contains(&a.as_str()))
                        .map(String::as_str)
                        .collect(),
                    None => plain.clone(),
                };
                let mut open = String::new();
                if !caption.is_empty() {
                    open.push_str(&format!("**{}**", escape_md(&caption.join(" "))));
                }
                if let Some(u) = url {
                    let text = args[u + 1..].join(" ");
                    let text = if text.trim().is_empty() {
                        &args[u]
                    } else {
                        &text
                    };
                    if !open.is_empty() {
                        open.push(' ');
                    }
                    open.push_str(&format!("[{}](<{}>)", escape_md(text), args[u]));
                }
                if !open.is_empty() {
                    open.push_str("\n\n");
                }
                (format!("{open}```{lang}"), "```".into())
            }
            _ => (
                format!(
                    "```{}",
                    args.first()
                        .filter(|a| !is_named(a))
                        .map_or("", String::as_str)
                ),
                "```".into(),
            ),
        }
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
            let math = FORMULAS.contains(&name.as_str());
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
            if replaced.is_empty() {
                pos += dropped_spaces(&mut out, &line[pos..]);
            }
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
            return self.close(name, span);
        }
        if let Some(open) = self.container(tag, name, span.clone()) {
            return open;
        }
        match name {
            "figure" | "img" | "image" | "asset_img" | "asset_image" => {
                self.image(name, args, tag.quoted, span)
            }
            "asset_path" | "asset_link" | "post_link" | "post_path" | "post_url" | "link"
            | "ref" | "relref" | "file" => self.path_tag(name, args, span),
            "include" | "include_relative" => self.include(args, span),
            // NexT's `{% label [class]@text %}`: its text
            "label" => {
                let joined = args.join(" ");
                escape_md(
                    joined
                        .split_once('@')
                        .map_or(joined.as_str(), |(_, t)| t)
                        .trim(),
                )
            }
            // Butterfly's text tags: `{% kbd Ctrl %}`, `{% u 文字 %}`, `{% emp 文字 %}`,
            // `{% wavy 文字 %}`, `{% del 文字 %}`, `{% psw 文字 %}`; Volantis's
            // `{% span red, 文字 %}` and `{% p h2, 文字 %}` (their text, without the styles)
            "kbd" | "u" | "emp" | "wavy" | "del" | "psw" | "span" | "p"
                if matches!(tag.kind, Kind::Liquid { .. }) =>
            {
                let joined = args.join(" ");
                let text = match name {
                    "span" | "p" => joined.rsplit(',').next().unwrap_or(""),
                    _ => joined.as_str(),
                }
                .trim();
                match name {
                    "kbd" => format!("<kbd>{}</kbd>", escape(text)),
                    "u" | "wavy" => format!("<u>{}</u>", escape(text)),
                    "emp" => format!("<em>{}</em>", escape(text)),
                    "del" => format!("<del>{}</del>", escape(text)),
                    "p" => format!("\n\n{}\n\n", escape_md(text)),
                    _ => escape_md(text),
                }
            }
            // Butterfly's `{% hideInline 答案,查看答案 %}`: what it hides, shown
            "hideinline" => {
                let joined = args.join(" ");
                escape_md(joined.split(',').next().unwrap_or("").trim())
            }
            // Butterfly's `{% checkbox [checked,] 文字 %}` (and its colours and symbols): an
            // item of a task list
            "checkbox" => {
                let joined = args.join(" ");
                let (styles, text) = joined.rsplit_once(',').unwrap_or(("", &joined));
                let checked = styles.split([',', ' ']).any(|w| w.trim() == "checked");
                format!(
                    "- [{}] {}",
                    if checked { 'x' } else { ' ' },
                    escape_md(text.trim())
                )
            }
            // Butterfly's `{% inlineImg src 20px %}`: the image, inline
            "inlineimg" | "inlineimage" => match arg(args, "src", Some(0)) {
                Some(src) => format!("![](<{src}>)"),
                None => String::new(),
            },
            // NexT's `{% button url, text, icon %}`, Butterfly's `{% btn url,text,icon %}`: a
            // link (and Butterfly's `{% cell text, url, icon %}` in its `btns`)
            "cell" if matches!(tag.kind, Kind::Liquid { .. }) => {
                let joined = args.join(" ");
                let mut parts = joined.split(',').map(str::trim);
                match (parts.next().unwrap_or(""), parts.next().unwrap_or("")) {
                    ("", "") => String::new(),
                    (text, "") => escape_md(text),
                    (text, url) => format!("[{}](<{url}>)", escape_md(text)),
                }
            }
            "button" | "btn" if matches!(tag.kind, Kind::Liquid { .. }) => {
                let joined = args.join(" ");
                let mut parts = joined.split(',').map(str::trim);
                match (parts.next().unwrap_or(""), parts.next().unwrap_or("")) {
                    ("", "") => String::new(),
                    (url, "") => format!("<{url}>"),
                    ("", text) => escape_md(text),
                    (url, text) => format!("[{}](<{url}>)", escape_md(text)),
                }
            }
            n if NOTHING.contains(&n) => String::new(),
            // Blowfish's `{{< katex >}}` alone: it turns the page's formulas on
            "katex" if matches!(tag.kind, Kind::Hugo { .. }) && args.is_empty() => String::new(),
            // a block of code whose closing tag is not on a line of its own, or missing
            n if matches!(n, "highlight" | "codeblock" | "comment" | "mermaid")
                || FORMULAS.contains(&n) =>
            {
                self.warn(
                    format!(
                        "`{}` is never closed (its closing tag alone on a line): left out, what follows is read as text",
                        self.shown(&span)
                    ),
                    span,
                );
                String::new()
            }
            _ => {
                if let Some(url) = web_link(name, args) {
                    return format!("<{url}>");
                }
                self.unknown(span);
                String::new()
            }
        }
    }

    /// The closing tag of a pair: what closes the container it opened.
    fn close(&mut self, name: &str, span: std::ops::Range<usize>) -> String {
        match self.open.iter().rposition(|(n, ..)| n == name) {
            Some(i) => {
                let (_, html, _) = self.open.remove(i);
                html
            }
            // the closing tag of one that stands alone (`{% endembed %}`)
            None if TRANSPARENT.contains(&name)
                || matches!(name, "raw" | "embed" | "file" | "math" | "katex")
                || web_link(name, &["x".into(), "y".into()]).is_some() =>
            {
                String::new()
            }
            None => {
                self.unknown(span);
                String::new()
            }
        }
    }

    /// What a tag that holds text opens (an aside, a quote, `<details>`, a titled tab, or
    /// nothing around its text), noting what will close it; `None` for another tag.
    fn container(
        &mut self,
        tag: &Found,
        name: &str,
        span: std::ops::Range<usize>,
    ) -> Option<String> {
        let args = tag.args();
        if ASIDES.contains(&name) {
            let style = arg(args, "style", Some(0))
                .or_else(|| arg(args, "type", None))
                .or_else(|| arg(args, "color", None))
                .unwrap_or(name);
            // Hugo's `notice` and `admonition` take a title after the style; Hexo's `note`
            // its classes (`no-icon`), then a title
            let hugo = matches!(tag.kind, Kind::Hugo { .. });
            // (and Butterfly's colours and Font Awesome icons, `'fas fa-bullhorn'`); LoveIt's
            // `admonition` an open flag after its title
            const CLASSES: &[&str] = &[
                "default", "primary", "success", "info", "warning", "danger", "no-icon", "flat",
                "modern", "simple", "disabled", "blue", "pink", "red", "purple", "orange", "green",
            ];
            let icon = |a: &str| a.split_whitespace().any(|w| w.starts_with("fa-"));
            let words: Vec<&str> = args
                .iter()
                .filter(|a| !is_named(a))
                .skip(1)
                .map(String::as_str)
                .filter(|a| {
                    if hugo {
                        !matches!(*a, "true" | "false")
                    } else {
                        !CLASSES.contains(a) && !icon(a)
                    }
                })
                .collect();
            let given = arg(args, "title", None)
                .map(str::to_string)
                .or_else(|| (!words.is_empty()).then(|| words.join(" ")));
            self.open
                .push((name.to_string(), "\n\n</aside>\n".into(), span));
            return Some(alert_aside(style, given.as_deref(), self.dialect.chinese));
        }
        match name {
            // hugo-book's `{{< button href="…" >}}text{{< /button >}}`: a link (with
            // `relref=`, a page of the site: its text)
            "button" if matches!(tag.kind, Kind::Hugo { .. }) => {
                let (open, close) = match arg(args, "href", None) {
                    Some(href) => ("[".to_string(), format!("](<{href}>)")),
                    None => (String::new(), String::new()),
                };
                self.open.push((name.to_string(), close, span));
                Some(open)
            }
            "blockquote" | "quote" | "pullquote" | "cq" | "centerquote" => {
                // Hexo's `{% blockquote 作者, 出處 %}`; Hugo themes' `author=`, `source=`
                let named: Vec<&str> = ["author", "source"]
                    .iter()
                    .filter_map(|k| arg(args, k, None))
                    .collect();
                let by = if named.is_empty() && name == "blockquote" {
                    args.iter()
                        .filter(|a| !a.starts_with("http") && !is_named(a))
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    named.join(", ")
                };
                let footer = if by.trim().is_empty() {
                    String::new()
                } else {
                    format!("\n\n<p class=\"attribution\">— {}</p>", escape(by.trim()))
                };
                self.open.push((
                    name.to_string(),
                    format!("{footer}\n\n</blockquote>\n"),
                    span,
                ));
                Some("\n<blockquote>\n\n".into())
            }
            "details" | "expand" | "collapse" | "spoiler" => {
                let summary = arg(args, "summary", Some(0))
                    .or_else(|| arg(args, "title", None))
                    .unwrap_or("…");
                self.open
                    .push((name.to_string(), "\n\n</details>\n".into(), span));
                Some(details_open(summary))
            }
            // Butterfly's `{% hideToggle 標題,bg,color %}` and `{% hideBlock 標題 %}`,
            // Volantis's `{% folding cyan, 標題 %}`, Stellar's `{% fold info @標題 %}`: a
            // `<details>` with that title
            "hidetoggle" | "hideblock" | "folding" | "fold" => {
                let joined = args.join(" ");
                let title = match joined.split_once('@') {
                    Some((_, t)) => t,
                    None if name == "folding" => joined.rsplit(',').next().unwrap_or(""),
                    None => joined.split(',').next().unwrap_or(""),
                };
                let title = match title.trim() {
                    "" => "…",
                    t => t,
                };
                self.open
                    .push((name.to_string(), "\n\n</details>\n".into(), span));
                Some(details_open(title))
            }
            // Butterfly's `{% poem 靜夜思,李白 %}`: a quote, its title above its lines (each
            // kept on its own) and its author under them
            "poem" => {
                let joined = args.join(" ");
                let mut parts = joined.split(',').map(str::trim);
                let (title, by) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let footer = match by {
                    "" => String::new(),
                    by => format!("\n\n<p class=\"attribution\">— {}</p>", escape(by)),
                };
                self.open.push((
                    name.to_string(),
                    format!("{footer}\n\n</blockquote>\n"),
                    span,
                ));
                Some(match title {
                    "" => "\n<blockquote>\n\n".into(),
                    t => format!("\n<blockquote>\n\n{}\n\n", bold(t)),
                })
            }
            // (and Docsy's `{{< tab header="…" >}}`, Blowfish's `{{< timelineItem header="…" >}}`;
            // Butterfly's `{% timeline 2023,blue %}`: its title, then its events,
            // `<!-- timeline 1月 -->`, as Hexo's tabs are)
            "tab" | "timelineitem" | "timeline" => {
                let joined = args.join(" ");
                let title = match name {
                    "timeline" => joined.split(',').next().unwrap_or("").trim(),
                    _ => arg(args, "title", Some(0))
                        .or_else(|| arg(args, "name", None))
                        .or_else(|| arg(args, "header", None))
                        .unwrap_or(""),
                };
                self.open.push((name.to_string(), "\n".into(), span));
                Some(if title.is_empty() {
                    "\n".into()
                } else {
                    format!("\n\n{}\n\n", bold(title))
                })
            }
            // GitBook's API method: its method, path and summary, then its text
            // (and the older `{% api-method method= host= path= %}`, its summary the tag
            // that follows)
            "swagger" | "api-method" => {
                let method = arg(args, "method", None).unwrap_or("").to_ascii_uppercase();
                let host = match name {
                    "api-method" => arg(args, "host", None).unwrap_or(""),
                    _ => "",
                };
                let path = format!("{host}{}", arg(args, "path", None).unwrap_or(""));
                let summary = arg(args, "summary", None).unwrap_or("");
                self.open.push((name.to_string(), String::new(), span));
                let head = format!("{method} {path}").trim().replace('*', "\\*");
                let line = match (head.as_str(), summary) {
                    ("", "") => return Some(String::new()),
                    ("", s) => escape_md(s),
                    (h, s) => format!("**{}** {}", escape_md(h), escape_md(s)),
                };
                Some(format!("\n\n{}\n\n", line.trim_end()))
            }
            // a parameter or a response of an API method: its name and kind, or its status
            // and description, above its text
            "swagger-parameter"
            | "api-method-parameter"
            | "swagger-response"
            | "api-method-response-example" => {
                let words: Vec<&str> = ["name", "status", "httpCode", "in", "type", "description"]
                    .iter()
                    .filter_map(|k| arg(args, k, None))
                    .collect();
                self.open.push((name.to_string(), String::new(), span));
                Some(match words.split_first() {
                    None => String::new(),
                    Some((first, [])) => format!("\n\n**{}**\n\n", escape_md(first)),
                    Some((first, rest)) => format!(
                        "\n\n**{}** ({})\n\n",
                        escape_md(first),
                        escape_md(&rest.join(", "))
                    ),
                })
            }
            n if TRANSPARENT.contains(&n) || n.starts_with("api-method-") => {
                self.open.push((name.to_string(), String::new(), span));
                Some(String::new())
            }
            _ => None,
        }
    }

    /// A tag that stands for a path or a link to another page, a post, an asset or a file.
    /// `link`, as each tool means it: Hexo's `{% link 文字 https://… [external] [title] %}` and
    /// Hugo themes' `{{< link "https://…" "文字" >}}` (or `href=`, `content=`) are links with
    /// their text; Jekyll's `{% link _posts/x.md %}` is the URL of a file of the site.
    fn link(&self, args: &[String]) -> String {
        // Butterfly's `{% link 標題, https://…, 圖示 %}`: its text, URL and icon
        if args.iter().any(|a| a.ends_with(',')) {
            let joined = args.join(" ");
            let parts: Vec<&str> = joined.split(',').map(str::trim).collect();
            if let [text, url, ..] = parts.as_slice()
                && url.contains("://")
            {
                return format!("[{}](<{url}>)", escape_md(text));
            }
        }
        let positional: Vec<&str> = args
            .iter()
            .filter(|a| !is_named(a))
            .map(String::as_str)
            .collect();
        let is_url =
            |a: &&str| a.contains("://") || a.starts_with(['/', '#']) || a.starts_with("mailto:");
        let (url, text) = match arg(args, "href", None) {
            Some(href) => (href, arg(args, "content", None).map(str::to_string)),
            None => match positional.iter().position(is_url) {
                // Hugo's: the URL, then the text
                Some(0) if positional.len() > 1 => (positional[0], Some(positional[1].to_string())),
                // Hexo's: the text, then the URL
                Some(i) if i > 0 => (positional[i], Some(positional[..i].join(" "))),
                Some(_) | None if positional.len() == 1 && !positional[0].contains("://") => {
                    let to = positional[0].trim_start_matches('/');
                    return relative(self.path, to);
                }
                Some(i) => (positional[i], None),
                // no URL: Hexo's text, then a path of the site
                None => match positional.split_last() {
                    Some((last, text)) => (*last, Some(text.join(" "))),
                    None => return String::new(),
                },
            },
        };
        let text = text.unwrap_or_else(|| url.to_string());
        format!("[{}](<{url}>)", escape_md(&text))
    }

    fn path_tag(&mut self, name: &str, args: &[String], span: std::ops::Range<usize>) -> String {
        match name {
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
                    self.post_title(&path).unwrap_or_else(|| slug.to_string())
                } else {
                    title
                };
                format!("[{}](<{path}>)", escape_md(&title))
            }
            "post_url" => self.post(arg(args, "", Some(0)).unwrap_or("")),
            // GitBook's attached file: an image shown, another file named
            "file" => {
                let src = arg(args, "src", Some(0)).unwrap_or("");
                let image = [".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"]
                    .iter()
                    .any(|e| src.to_ascii_lowercase().ends_with(e));
                let name = src.rsplit('/').next().unwrap_or(src);
                let caption = arg(args, "caption", None).unwrap_or(name);
                if image {
                    format!("![{}](<{src}>)", escape_md(caption))
                } else {
                    format!("`{}`", name.replace('`', ""))
                }
            }
            "link" => self.link(args),
            "ref" | "relref" => {
                // a page not found: its path, which the links' check reports at this line when
                // it is a link's (once: not here too)
                let target = arg(args, "path", Some(0)).unwrap_or("");
                let found = self.hugo_ref(target);
                let in_link = self.file.text[..span.start].ends_with("](");
                if found.is_none() && !in_link {
                    self.warn(
                        format!(
                            "`{}` names a page that is not in the site: its path is kept",
                            self.shown(&span)
                        ),
                        span,
                    );
                }
                found.unwrap_or_else(|| target.to_string())
            }
            _ => String::new(),
        }
    }

    /// A Markdown image for an image tag.
    fn image(
        &mut self,
        name: &str,
        args: &[String],
        quoted: bool,
        span: std::ops::Range<usize>,
    ) -> String {
        let positional: Vec<&String> = args.iter().filter(|a| !is_named(a)).collect();
        let named = arg(args, "src", None);
        let (src, rest): (&str, Vec<&str>) = match name {
            _ if named.is_some() => (named.unwrap_or(""), Vec::new()),
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
        if src.is_empty() {
            self.warn(
                format!("`{}` names no image: left out", self.shown(&span)),
                span,
            );
            return String::new();
        }
        let src = if name.starts_with("asset_") {
            self.asset(src)
        } else {
            src.to_string()
        };
        // Hexo's `"title text" "alt text"`, or the words after the path, all of them the text
        let (rest_title, rest_alt) = if quoted {
            (
                rest.first().map(|s| s.to_string()),
                rest.get(1).or(rest.first()).map(|s| s.to_string()),
            )
        } else {
            let all = rest.join(" ");
            (None, (!all.is_empty()).then_some(all))
        };
        // Hugo's figure with its own alt text besides what it shows under the image (title,
        // caption): alt and caption stay apart, as Hugo writes them
        if name == "figure"
            && let Some(own_alt) = arg(args, "alt", None).filter(|a| !a.is_empty())
        {
            let shown: Vec<&str> = [arg(args, "title", None), arg(args, "caption", None)]
                .into_iter()
                .flatten()
                .filter(|t| !t.is_empty() && *t != own_alt)
                .collect();
            if !shown.is_empty() {
                let caption = match shown.as_slice() {
                    [title, caption] => {
                        format!("<strong>{}</strong><br/>{}", escape(title), escape(caption))
                    }
                    _ => escape(shown[0]),
                };
                return format!(
                    "<figure class=\"image\"><img src=\"{}\" alt=\"{}\"/><figcaption>{caption}</figcaption></figure>",
                    escape(&src),
                    escape(own_alt)
                );
            }
        }
        let alt = arg(args, "caption", None)
            .or_else(|| arg(args, "alt", None))
            .or_else(|| arg(args, "title", None))
            .map(str::to_string)
            .or(rest_alt)
            .unwrap_or_default();
        let title = arg(args, "title", None)
            .map(str::to_string)
            .or(rest_title)
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

    /// The path to the page a Hugo `ref` names: from this page, else from `content/`; `None`
    /// when there is none.
    fn hugo_ref(&self, target: &str) -> Option<String> {
        let (path, frag) = match target.split_once('#') {
            Some((p, f)) => (p, format!("#{f}")),
            None => (target, String::new()),
        };
        if path.is_empty() {
            return Some(frag);
        }
        let content = self
            .path
            .find("content/")
            .map_or("content", |i| &self.path[..i + "content".len()]);
        // from the page, from a bundle's folder (`posts/b/index.md` refers from `posts/`),
        // from the site's content
        let bundle = ["index.md", "_index.md"]
            .iter()
            .any(|n| self.path.rsplit('/').next() == Some(*n));
        let candidates = [
            files::resolve(self.path, path, "").ok(),
            bundle
                .then(|| files::resolve(super::folder_of(self.path), path, "").ok())
                .flatten(),
            Some(super::join(content, path.trim_start_matches('/'))),
        ];
        let found = candidates.into_iter().flatten().find_map(|c| {
            [
                c.clone(),
                super::join(&c, "index.md"),
                super::join(&c, "_index.md"),
                format!("{c}.md"),
            ]
            .into_iter()
            .find(|p| self.exists(p))
            .or_else(|| self.translation_of(&c))
        });
        found
            .or_else(|| self.page_named(content, path))
            .map(|p| format!("{}{frag}", relative(self.path, &p)))
    }

    /// The one page of the site's content named `name` (`bread`, `bread.md`: its file, or its
    /// bundle's folder, in any language: `bread.zh-tw.md`), as Hugo finds a page by name.
    fn page_named(&self, content: &str, name: &str) -> Option<String> {
        let name = name.trim_end_matches(".md").trim_matches('/');
        if name.is_empty() || name.contains('/') {
            return None;
        }
        // the site's pages, listed once for the file however many refs it has
        let pages = self.pages.get_or_init(|| {
            let mut pages = Vec::new();
            super::posts::walk(self.files, content, 0, &mut pages);
            pages
        });
        let named = |p: &&String| {
            let file = p.rsplit('/').next().unwrap_or(p);
            let stem = match file {
                "index.md" | "_index.md" => super::folder_of(p).rsplit('/').next().unwrap_or(""),
                f => f.strip_suffix(".md").unwrap_or(f),
            };
            stem == name || translated(stem, name)
        };
        self.one_of(pages.iter().filter(named).cloned().collect())
    }

    /// The page `c.LANG.md` of a path without its extension (`content/posts/bread` →
    /// `content/posts/bread.zh-tw.md`), in the book's language when there are several.
    fn translation_of(&self, c: &str) -> Option<String> {
        let (dir, stem) = c.rsplit_once('/').unwrap_or(("", c));
        let names = self.files.list_dir(dir).ok()?;
        let pages = names
            .iter()
            .filter(|n| n.strip_suffix(".md").is_some_and(|s| translated(s, stem)))
            .map(|n| super::join(dir, n))
            .collect();
        self.one_of(pages)
    }

    /// The one page of `pages`; of several, the one without a language, else the one in
    /// Chinese (`x.zh-tw.md`) when the book is Chinese.
    fn one_of(&self, mut pages: Vec<String>) -> Option<String> {
        if pages.len() > 1 {
            let lang = |p: &String| {
                let stem = p.rsplit('/').next().unwrap_or(p).trim_end_matches(".md");
                stem.split_once('.').map(|(_, l)| l.to_ascii_lowercase())
            };
            let plain: Vec<String> = pages
                .iter()
                .filter(|p| lang(p).is_none())
                .cloned()
                .collect();
            let chinese: Vec<String> = pages
                .iter()
                .filter(|p| self.dialect.chinese && lang(p).is_some_and(|l| l.starts_with("zh")))
                .cloned()
                .collect();
            pages = if plain.len() == 1 { plain } else { chinese };
        }
        (pages.len() == 1).then(|| pages.remove(0))
    }

    /// The title in the front matter of the post at `rel` (from this file), if it has one.
    fn post_title(&self, rel: &str) -> Option<String> {
        let path = files::resolve(self.path, rel, "").ok()?;
        let text = String::from_utf8(self.files.read(&path).ok()?).ok()?;
        super::posts::front_matter_value(&text, "title")
    }

    /// GitBook's `{% include "file.md" %}`: the file's text; Jekyll's (a template of
    /// `_includes/`) is left out.
    fn include(&mut self, args: &[String], span: std::ops::Range<usize>) -> String {
        if self.depth >= INCLUDE_DEPTH {
            self.warn(
                format!(
                    "`{}` is an include {INCLUDE_DEPTH} includes deep (a file that includes itself?): left out",
                    self.shown(&span)
                ),
                span,
            );
            return String::new();
        }
        let target = arg(args, "", Some(0)).unwrap_or("");
        let is_markdown = target.ends_with(".md") || target.ends_with(".markdown");
        if !is_markdown && let Some(shown) = self.template_include(target, args, span.clone()) {
            return shown;
        }
        let read = files::resolve(self.path, target, "")
            .ok()
            .filter(|_| is_markdown)
            .and_then(|p| super::read_text(self.files, &p).ok());
        match read {
            Some(file) => {
                // its own tags expanded (messages at its lines), its front matter left out
                let (file, warnings) =
                    expand_at(self.files, self.path, file, self.dialect, self.depth + 1);
                self.warnings.extend(warnings);
                let text: &str = &file.text;
                let body = crate::config::split_front_matter(text).map_or(0, |(_, _, b)| b);
                format!("\n{}\n", text[body..].trim_end())
            }
            None => {
                self.warnings.push(
                    Diagnostic::warning(format!(
                        "`{}` includes a file hanpub cannot read as Markdown: left out",
                        self.shown(&span)
                    ))
                    .at(self.file, span)
                    .with_hint("copy its text into the chapter"),
                );
                String::new()
            }
        }
    }

    /// What a Jekyll theme's template shows, when its arguments say it (its page's `toc`:
    /// nothing): an image
    /// (`{% include figure image_path="…" alt="…" caption="…" %}` of Minimal Mistakes, the
    /// `image.html` many blogs keep with `url=`/`src=` and `description=`), a video
    /// (`{% include video id="…" provider="youtube" %}`).
    fn template_include(
        &mut self,
        target: &str,
        args: &[String],
        span: std::ops::Range<usize>,
    ) -> Option<String> {
        let is_image = |p: &&str| {
            let l = p.to_ascii_lowercase();
            [".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif"]
                .iter()
                .any(|e| l.ends_with(e))
        };
        let src = ["image_path", "src", "url", "image", "img", "file", "path"]
            .iter()
            .find_map(|k| arg(args, k, None).filter(is_image));
        if let Some(src) = src {
            let mut own = vec![format!("src={src}")];
            let alt = ["alt", "description", "caption", "title"]
                .iter()
                .find_map(|k| arg(args, k, None));
            own.extend(alt.map(|a| format!("alt={a}")));
            own.extend(arg(args, "caption", None).map(|c| format!("caption={c}")));
            return Some(self.image("figure", &own, false, span));
        }
        let stem = target.trim_end_matches(".html");
        // the page's table of contents (Minimal Mistakes' `toc`): the EPUB's own stands for it
        if stem == "toc" {
            return Some(String::new());
        }
        if stem == "video"
            && let (Some(provider), Some(id)) = (arg(args, "provider", None), arg(args, "id", None))
        {
            return web_link(provider, &[id.to_string()]).map(|url| format!("<{url}>"));
        }
        None
    }

    /// A tag as written, for a message (its first 60 characters).
    fn shown(&self, span: &std::ops::Range<usize>) -> String {
        self.file.text[span.clone()].chars().take(60).collect()
    }

    fn warn(&mut self, message: String, span: std::ops::Range<usize>) {
        self.warnings
            .push(Diagnostic::warning(message).at(self.file, span));
    }

    fn unknown(&mut self, span: std::ops::Range<usize>) {
        let shown = self.shown(&span);
        self.warnings.push(
            Diagnostic::warning(format!(
                "template tag `{shown}` is not one hanpub knows: left out, the text around it kept"
            ))
            .at(self.file, span)
            .with_hint("write what it stands for in Markdown"),
        );
    }

    fn exists(&self, path: &str) -> bool {
        files::exists(self.files, path)
    }

    /// The file a path in this chapter names: from the chapter's folder, else from the book's
    /// (docsify reads paths from the site's root).
    fn find_file(&self, target: &str) -> Option<String> {
        [
            files::resolve(self.path, target, "").ok(),
            files::resolve("_", target, "").ok(),
        ]
        .into_iter()
        .flatten()
        .find(|p| self.exists(p))
    }
}

/// Whether a file's stem is `stem` in a language: `bread.zh-tw` for `bread`.
fn translated(file_stem: &str, stem: &str) -> bool {
    file_stem
        .strip_prefix(stem)
        .and_then(|r| r.strip_prefix('.'))
        .is_some_and(|lang| !lang.is_empty() && !lang.contains('.') && lang.len() <= 8)
}

/// A docsify line as Markdown: `?> ` a tip, `!> ` a warning; a heading's `:id=` its id and
/// `:ignore` left out; a link's options (`':size=50%'`) left out. `None`: nothing to change.
fn docsify_line(line: &str) -> Option<String> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("?> ") {
        return Some(format!("> [!TIP]\n> {}", link_options(rest)));
    }
    if let Some(rest) = t.strip_prefix("!> ") {
        return Some(format!("> [!WARNING]\n> {}", link_options(rest)));
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
    let s = link_options(&s);
    (s != line).then_some(s)
}

/// A line without docsify's link and image options (`':target=_blank'`,
/// `':no-zoom :class=diagram'`).
fn link_options(s: &str) -> String {
    static OPTIONS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\s+['"]:[a-z-]+(=[^'"\s]*)?(\s+:[a-z-]+(=[^'"\s]*)?)*['"]"#)
            .expect("valid pattern")
    });
    if s.contains("':") || s.contains("\":") {
        OPTIONS.replace_all(s, "").to_string()
    } else {
        s.to_string()
    }
}

/// A line's text and its line break.
fn split_eol(raw: &str) -> (&str, &str) {
    let text = raw.trim_end_matches(['\n', '\r']);
    (text, &raw[text.len()..])
}

/// The lines that open an aside like a GFM alert, of its class and (escaped) title.
fn aside_open(class: &str, title: &str) -> String {
    format!("<aside class=\"alert {class}\" role=\"note\">\n<p class=\"alert-title\">{title}</p>\n")
}

/// What opens an aside of a style (`warning`, LoveIt's `abstract`), titled by `given` (text),
/// else by the style's own title, else by its kind's.
fn alert_aside(style: &str, given: Option<&str>, chinese: bool) -> String {
    let (class, title) = alert_kind(style).class_and_title(chinese);
    let title = given
        .map(escape)
        .or_else(|| own_title(style, chinese).map(str::to_string))
        .unwrap_or_else(|| title.to_string());
    format!("\n{}\n", aside_open(class, &title))
}

/// What opens `<details>` with its summary (its text).
fn details_open(summary: &str) -> String {
    format!("\n<details>\n<summary>{}</summary>\n\n", escape(summary))
}

/// Text in bold, its own `*` escaped.
fn bold(text: &str) -> String {
    format!("**{}**", text.replace('*', "\\*"))
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
        // a Jekyll post's Liquid runs over its code too
        let dialect = Dialect {
            docsify,
            mdbook: false,
            chinese: true,
            raw_in_code: path.starts_with("_posts/"),
            hugo: path.starts_with("content/"),
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
            &[(
                "part.md",
                "---\ntitle: x\n---\n部分。\n\n{% hint style=\"info\" %}\n提示。\n{% endhint %}\n",
            )],
            false,
        );
        assert_eq!(
            out,
            "# 章\n\n\n<aside class=\"alert warning\" role=\"note\">\n<p class=\"alert-title\">警告</p>\n\n\n小心**這裡**。\n\n\n</aside>\n\n\n\n```js\nlet a = \"{% raw %}\";\n```\n\n\n{{ x }} 與 `{% hint %}`\n\n\n部分。\n\n\n<aside class=\"alert note\" role=\"note\">\n<p class=\"alert-title\">注意</p>\n\n\n提示。\n\n\n</aside>\n\n\n<https://youtu.be/x>\n\n條件\n"
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
        // an API method: its method, path and summary
        let (out, w) = run(
            "a.md",
            "{% swagger method=\"get\" path=\"/api/users\" summary=\"取得使用者列表\" %}\n說明。\n{% endswagger %}\n",
            &[],
            false,
        );
        assert_eq!(out, "\n\n**GET /api/users** 取得使用者列表\n\n\n說明。\n\n");
        assert!(w.is_empty(), "{w:?}");
        // its description, parameters and responses; the older api-method's host and path
        let (out, w) = run(
            "a.md",
            "{% swagger method=\"post\" path=\"/users\" summary=\"新增\" %}\n{% swagger-description %}\n建立。\n{% endswagger-description %}\n{% swagger-parameter in=\"body\" name=\"name\" type=\"String\" %}\n名字\n{% endswagger-parameter %}\n{% swagger-response status=\"201: Created\" description=\"成功\" %}\n{% endswagger-response %}\n{% endswagger %}\n\n{% api-method method=\"get\" host=\"https://a.example\" path=\"/v1\" %}\n{% api-method-summary %}\n取得\n{% endapi-method-summary %}\n{% endapi-method %}\n",
            &[],
            false,
        );
        assert_eq!(
            out,
            "\n\n**POST /users** 新增\n\n\n\n建立。\n\n\n\n**name** (body, String)\n\n\n名字\n\n\n\n**201: Created** (成功)\n\n\n\n\n\n\n\n**GET https://a.example/v1**\n\n\n\n取得\n\n\n"
        );
        assert!(w.is_empty(), "{w:?}");
        // a file that includes itself: its text 4 times, then a warning
        let (out, w) = run(
            "a.md",
            "{% include \"./loop.md\" %}\n",
            &[("loop.md", "迴圈。\n\n{% include \"./loop.md\" %}\n")],
            false,
        );
        assert_eq!(out.matches("迴圈。").count(), 4, "{out}");
        assert!(!out.contains("{%"), "{out}");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("is an include 4 includes deep"), "{w:?}");
    }

    /// A heading inside an aside, a quote or `<details>` a tag opened stays inside it, in bold
    /// (as a heading it would end the chapter there); in code it stays as written. A `<div>`
    /// wrapping Markdown with a heading is left out. hugo-book's column break is a paragraph
    /// break.
    #[test]
    fn headings_inside_boxes_and_column_breaks() {
        let text = "{% hint style=\"info\" %}\n## 提示裡的標題 ##\n\n```sh\n# 註解\n```\n{% endhint %}\n\n## 章\n";
        let (out, w) = run("a.md", text, &[], false);
        assert_eq!(
            out,
            "\n<aside class=\"alert note\" role=\"note\">\n<p class=\"alert-title\">注意</p>\n\n\n\n**提示裡的標題**\n\n```sh\n# 註解\n```\n\n\n</aside>\n\n\n## 章\n"
        );
        assert!(w.is_empty(), "{w:?}");
        // the markers of a table of contents, outside code
        let text = "[TOC]\n\n## 目錄\n{:.no_toc}\n\n* TOC\n{:toc}\n\n[[_TOC_]]\n\n```\n[toc]\n```\n\n見 [TOC] 一節\n";
        let (out, w) = run("README.md", text, &[], false);
        assert_eq!(
            out,
            "\n\n## 目錄\n\n\n\n\n\n\n\n```\n[toc]\n```\n\n見 [TOC] 一節\n"
        );
        assert!(w.is_empty(), "{w:?}");
        // a README's centred title: the div around Markdown with a heading left out; one
        // around HTML, or with the heading inside its HTML block, kept
        let text = "<div align=\"center\">\n\n# 工具\n\n說明。\n\n</div>\n\n<div class=\"x\">\n<b>粗</b>\n</div>\n\n<DIV>\n# 不是標題\n</DIV>\n";
        let (out, w) = run("README.md", text, &[], false);
        assert_eq!(
            out,
            "\n\n# 工具\n\n說明。\n\n\n\n<div class=\"x\">\n<b>粗</b>\n</div>\n\n<DIV>\n# 不是標題\n</DIV>\n"
        );
        assert!(w.is_empty(), "{w:?}");
        let text = "{{< columns >}}\n## 簡單\n容易。\n<--->\n## 快速\n很快。\n{{< /columns >}}\n";
        let (out, w) = run("content/docs/a.md", text, &[], false);
        assert_eq!(out, "\n## 簡單\n容易。\n\n## 快速\n很快。\n\n");
        assert!(w.is_empty(), "{w:?}");
    }

    /// NexT's label and button, Butterfly's btn, Hexo's jsfiddle and codepen, a mermaid
    /// diagram and hugo-book's katex, math and button: their text, a link, or their source
    /// as a block of code or formula, with no warning.
    #[test]
    fn labels_buttons_diagrams_and_formulas() {
        let text = "{% label primary@重要 %} 與 {% button https://nodejs.org, 官網, home %}，{% btn https://hexo.io,Hexo,fa fa-home %}\n\n{% jsfiddle abc123 %}\n\n{% codepen anon AbCdE light %}\n\n{% mermaid %}\ngraph LR; A-->B\n{% endmermaid %}\n";
        let (out, w) = run("source/_posts/post.md", text, &[], false);
        assert_eq!(
            out,
            "重要 與 [官網](<https://nodejs.org>)，[Hexo](<https://hexo.io>)\n\n<https://jsfiddle.net/abc123/>\n\n<https://codepen.io/anon/pen/AbCdE>\n\n```mermaid\ngraph LR; A-->B\n```\n"
        );
        assert!(w.is_empty(), "{w:?}");
        let text = "{{< button href=\"https://gohugo.io\" >}}官網{{< /button >}}與{{< button relref=\"/\" >}}首頁{{< /button >}}\n\n{{< katex display >}}\n\\int_0^1 x\\,dx\n{{< /katex >}}\n\n{{< math >}}\na + b\n{{< /math >}}\n\n{{< mermaid >}}\ngraph TD; A-->B;\n{{< /mermaid >}}\n";
        let (out, w) = run("content/posts/a.md", text, &[], false);
        assert_eq!(
            out,
            "[官網](<https://gohugo.io>)與首頁\n\n$$\n\\int_0^1 x\\,dx\n$$\n\n$$\na + b\n$$\n\n```mermaid\ngraph TD; A-->B;\n```\n"
        );
        assert!(w.is_empty(), "{w:?}");
    }

    /// Jekyll themes' templates that show an image or a video, by their arguments: Minimal
    /// Mistakes' `figure` and `video`, a blog's own `image.html`; its `toc` left out (the
    /// EPUB's contents stand for it).
    #[test]
    fn jekyll_templates_of_images_and_videos() {
        let text = "{% include figure image_path=\"/assets/images/cat.jpg\" alt=\"一隻貓\" caption=\"我家的貓\" %}\n\n{% include image.html url=\"/img/a.png\" description=\"示意圖\" %}\n\n{% include video id=\"dQw4w9WgXcQ\" provider=\"youtube\" %}\n\n{% include toc %}\n";
        let (out, w) = run("_posts/2024-01-01-a.md", text, &[], false);
        assert_eq!(
            out,
            "<figure class=\"image\"><img src=\"/assets/images/cat.jpg\" alt=\"一隻貓\"/><figcaption>我家的貓</figcaption></figure>\n\n![示意圖](</img/a.png>)\n\n<https://www.youtube.com/watch?v=dQw4w9WgXcQ>\n\n\n"
        );
        assert!(w.is_empty(), "{w:?}");
    }

    /// Obsidian's callouts: kinds GitHub lacks, titles, folds, a heading inside in bold, in a
    /// list item; GitHub's own alerts (`> [!NOTE]` alone) are left to the parser.
    #[test]
    fn obsidian_callouts() {
        let text = "> [!note] 自訂標題\n> 內容。\n\n> [!faq]- 問什麼\n> ## 小標\n> 答。\n\n- 項目\n\n  > [!todo]\n  > 待辦事。\n  > ## 標\n\n> [!NOTE]\n> GitHub 的。\n\n> [!info] 只有標題\n";
        let (out, w) = run("note.md", text, &[], false);
        assert_eq!(
            out,
            "<aside class=\"alert note\" role=\"note\">\n<p class=\"alert-title\">自訂標題</p>\n\n\n內容。\n\n</aside>\n\n\n<aside class=\"alert note\" role=\"note\">\n<p class=\"alert-title\">問什麼</p>\n\n\n\n**小標**\n\n答。\n\n</aside>\n\n\n- 項目\n\n  <aside class=\"alert note\" role=\"note\">\n  <p class=\"alert-title\">待辦</p>\n\n\n  待辦事。\n\n  **標**\n\n\n  </aside>\n\n\n> [!NOTE]\n> GitHub 的。\n\n<aside class=\"alert note\" role=\"note\">\n<p class=\"alert-title\">只有標題</p>\n\n\n</aside>\n\n"
        );
        assert!(w.is_empty(), "{w:?}");
    }

    /// markdown-it's containers as HackMD, VuePress, VitePress, Docusaurus and Pandoc write
    /// them: alerts with their own titles or the kind's, spoilers and details as `<details>`,
    /// other kinds their text, nested by longer fences; a heading inside stays inside, in bold;
    /// highlights `<mark>` outside code; HackMD's tags line left out; fences in code stay.
    #[test]
    fn markdown_it_containers_and_highlights() {
        let text = "###### tags: `課程` `筆記`\n\n:::info\n重點。\n:::\n\n::: tip 小技巧\n## 標題\n善用 ==它==，`==不是==`。\n:::\n\n:::spoiler 解答\n42\n:::\n\n:::: code-group\n::: details\n內\n:::\n::::\n\n::: {.warning}\n小心。\n:::\n\n```\n:::info\n```\n\na == b == c\n";
        let (out, w) = run("note.md", text, &[], false);
        assert_eq!(
            out,
            "\n\n\n<aside class=\"alert note\" role=\"note\">\n<p class=\"alert-title\">注意</p>\n\n\n重點。\n\n\n</aside>\n\n\n\n<aside class=\"alert tip\" role=\"note\">\n<p class=\"alert-title\">小技巧</p>\n\n\n\n**標題**\n\n善用 <mark>它</mark>，`==不是==`。\n\n\n</aside>\n\n\n\n<details>\n<summary>解答</summary>\n\n\n42\n\n\n</details>\n\n\n\n\n<details>\n<summary>…</summary>\n\n\n內\n\n\n</details>\n\n\n\n\n<aside class=\"alert warning\" role=\"note\">\n<p class=\"alert-title\">警告</p>\n\n\n小心。\n\n\n</aside>\n\n\n```\n:::info\n```\n\na == b == c\n"
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(colon_fence("::: 提示"), None);
        assert_eq!(colon_fence("見 :::info"), None);
    }

    /// kramdown's attribute lists after a block or a span, its attribute definitions,
    /// abbreviations and extension markers are left out (a table keeps no row of them); in
    /// code they stay.
    #[test]
    fn kramdown_attribute_lists() {
        let text = "開頭。\n{: .lead}\n\n![圖](/a.png){: width=\"50%\" .align-center}\n\n一段**重要**{:.red}文字，`{: .x}` 是語法。\n\n| a |\n|---|\n| b |\n{: .table}\n\n{:ref: .note #top}\n*[HTML]: Hyper Text Markup Language\n{::nomarkdown}\n<b>粗</b>\n{:/}\n{::options parse_block_html=\"true\" /}\n\n```\n{: .kept}\n```\n";
        let (out, w) = run("_posts/2024-01-01-a.md", text, &[], false);
        assert_eq!(
            out,
            "開頭。\n\n\n![圖](/a.png)\n\n一段**重要**文字，`{: .x}` 是語法。\n\n| a |\n|---|\n| b |\n\n\n\n\n\n<b>粗</b>\n\n\n\n```\n{: .kept}\n```\n"
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(kramdown_attributes("見 {的} 與 {:其他"), None);
    }

    /// Hugo themes' shortcodes as Blowfish, PaperMod, LoveIt and Docsy show them: wrappers
    /// their text, a timeline's headers, a repository a link, Docsy's coloured alert and tab
    /// headers; a page's table of contents, icons and Blowfish's lone `katex` nothing, and
    /// no warning.
    #[test]
    fn hugo_theme_shortcodes() {
        let text = "{{< katex >}}\n{{< toc >}}\n\n{{< lead >}}\n導言。\n{{< /lead >}}\n\n{{< badge >}}新{{< /badge >}} {{< icon \"github\" >}}\n\n{{< timeline >}}\n{{< timelineItem header=\"2024\" >}}\n那年。\n{{< /timelineItem >}}\n{{< /timeline >}}\n\n{{< github repo=\"nunocoracao/blowfish\" >}}\n\n{{% alert title=\"小心\" color=\"warning\" %}}\n注意。\n{{% /alert %}}\n\n{{< tabpane >}}\n{{< tab header=\"Go\" >}}\n內容。\n{{< /tab >}}\n{{< /tabpane >}}\n\n{{< rawhtml >}}\n<p>原樣</p>\n{{< /rawhtml >}}\n";
        let (out, w) = run("content/posts/a.md", text, &[], false);
        assert_eq!(
            out,
            "\n\n\n\n導言。\n\n\n新\n\n\n\n\n\n**2024**\n\n\n那年。\n\n\n\n\n\n<https://github.com/nunocoracao/blowfish>\n\n\n<aside class=\"alert warning\" role=\"note\">\n<p class=\"alert-title\">小心</p>\n\n\n注意。\n\n\n</aside>\n\n\n\n\n\n**Go**\n\n\n內容。\n\n\n\n\n\n<p>原樣</p>\n\n"
        );
        assert!(w.is_empty(), "{w:?}");
    }

    /// Butterfly's, Volantis's and Stellar's tags as those themes show them: folds with their
    /// titles, a timeline's title and events, text tags, a task list of checkboxes, a poem's
    /// lines kept apart, a hidden answer shown, a GitHub card a link, galleries and buttons.
    #[test]
    fn butterfly_and_volantis_tags() {
        let text = "{% hideToggle 點我展開,bg,color %}\n藏起來。\n{% endhideToggle %}\n\n{% folding cyan, 摺疊標題 %}\n摺疊。\n{% endfolding %}\n\n{% fold info @折疊 %}\n另一種。\n{% endfold %}\n\n{% timeline 2023,blue %}\n<!-- timeline 1月 -->\n一月。\n<!-- endtimeline -->\n{% endtimeline %}\n\n按 {% kbd Ctrl %}，{% u 底線 %}{% emp 強調 %}{% del 刪除 %}{% span red, 紅字 %}，答案是 {% hideInline 四十二,查看 %}。\n\n{% checkbox 待辦 %}\n{% checkbox green checked, 已辦 %}\n\n{% poem 靜夜思,李白 %}\n床前明月光\n疑是地上霜\n{% endpoem %}\n\n{% ghcard volantis-x/hexo-theme-volantis, theme=vue %}\n\n{% gallery %}\n![一](a.png)\n{% endgallery %}\n\n{% btns rounded grid5 %}\n{% cell 下載, https://example.com/d, fas fa-download %}\n{% endbtns %}\n";
        let (out, w) = run("source/_posts/post.md", text, &[], false);
        assert_eq!(
            out,
            "\n<details>\n<summary>點我展開</summary>\n\n\n藏起來。\n\n\n</details>\n\n\n\n<details>\n<summary>摺疊標題</summary>\n\n\n摺疊。\n\n\n</details>\n\n\n\n<details>\n<summary>折疊</summary>\n\n\n另一種。\n\n\n</details>\n\n\n\n\n**2023**\n\n\n\n**1月**\n\n一月。\n\n\n\n\n按 <kbd>Ctrl</kbd>，<u>底線</u><em>強調</em><del>刪除</del>紅字，答案是 四十二。\n\n- [ ] 待辦\n- [x] 已辦\n\n\n<blockquote>\n\n**靜夜思**\n\n\n床前明月光\\\n疑是地上霜\n\n\n<p class=\"attribution\">— 李白</p>\n\n</blockquote>\n\n\n<https://github.com/volantis-x/hexo-theme-volantis>\n\n\n![一](a.png)\n\n\n\n[下載](<https://example.com/d>)\n\n"
        );
        assert!(w.is_empty(), "{w:?}");
    }

    /// The tags of Hexo's themes (NexT, Butterfly) and Hugo's (LoveIt, Stack) as they show
    /// them: tab titles, a code block's caption and link, a note's colour and icon (no title),
    /// LoveIt's open flag and own titles, a quote's author and source.
    #[test]
    fn theme_tags() {
        let text = "{% tabs 行程 %}\n<!-- tab 第一天 -->\n大稻埕。\n<!-- endtab -->\n<!-- tab 第二天@fas fa-hot-tub -->\n北投。\n<!-- endtab -->\n{% endtabs %}\n\n{% codeblock 計算平均 lang:python https://docs.python.org/3/ 官方文件 %}\nprint(1)\n{% endcodeblock %}\n\n{% note red 'fas fa-bullhorn' modern %}\n自訂圖示。\n{% endnote %}\n";
        let (out, w) = run("source/_posts/post.md", text, &[], false);
        assert_eq!(
            out,
            "\n\n**第一天**\n\n大稻埕。\n\n\n**第二天**\n\n北投。\n\n\n\n**計算平均** [官方文件](<https://docs.python.org/3/>)\n\n```python\nprint(1)\n```\n\n\n<aside class=\"alert caution\" role=\"note\">\n<p class=\"alert-title\">小心</p>\n\n\n自訂圖示。\n\n\n</aside>\n\n"
        );
        assert!(w.is_empty(), "{w:?}");
        let text = "{{< admonition note \"为什么\" true >}}\n没有。\n{{< /admonition >}}\n\n{{< admonition example >}}\n示例内容。\n{{< /admonition >}}\n\n{{< quote author=\"Solomon Hykes\" source=\"Twitter\" >}}\nIf WASM existed.\n{{< /quote >}}\n";
        let (out, w) = run("content/posts/a.md", text, &[], false);
        assert!(out.contains("<p class=\"alert-title\">为什么</p>"), "{out}");
        assert!(out.contains("<p class=\"alert-title\">示例</p>"), "{out}");
        assert!(
            out.contains(
                "If WASM existed.\n\n\n<p class=\"attribution\">— Solomon Hykes, Twitter</p>"
            ),
            "{out}"
        );
        assert!(w.is_empty(), "{w:?}");
    }

    /// `link` as Hexo, Hugo themes and Jekyll mean it: a link with its text, or a file's URL.
    #[test]
    fn link_tags() {
        let text = "{% link Python 官方教學, https://docs.python.org/zh-tw/3/, https://www.python.org/favicon.ico %}\n\n{% link Python 官方教學 https://docs.python.org/zh-tw/3/ %}\n\n{{< link \"https://doc.rust-lang.org/book/\" \"Rust 程序设计语言\" >}}\n\n{{< link href=\"https://go.dev/\" content=\"Go 官网\" title=\"Go\" >}}\n\n[關於]({% link _posts/2022-01-01-x.md %})\n\n{% link https://a.example/ %}\n";
        let (out, w) = run("source/_posts/post.md", text, &[], false);
        assert_eq!(
            out,
            "[Python 官方教學](<https://docs.python.org/zh-tw/3/>)\n\n[Python 官方教學](<https://docs.python.org/zh-tw/3/>)\n\n[Rust 程序设计语言](<https://doc.rust-lang.org/book/>)\n\n[Go 官网](<https://go.dev/>)\n\n[關於](../../_posts/2022-01-01-x.md)\n\n[https://a.example/](<https://a.example/>)\n"
        );
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
        assert!(out.starts_with("---\ntitle: t\n---\n**範例**\n\n```js\nconst a = 1, b = (2);\n```\n\n```ruby\nputs \"a,b\"\n```\n\n![海邊](<post/photo.png>)\n\n看 [另一篇](<other.md>) 與 [那篇](2022-01-01-x.md)。\n"), "{out}");
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

    /// Hugo's figure with alt text of its own keeps it apart from the title and caption it
    /// shows under the image; with none, the caption is the alt text, as before.
    #[test]
    fn hugo_figure_alt_and_caption() {
        let text = "{{< figure src=\"a.png\" title=\"圖一\" alt=\"架構 <圖>\" caption=\"說明\" >}}\n\n{{< figure src=\"a.png\" alt=\"替代\" caption=\"說明\" >}}\n\n{{< figure src=\"a.png\" alt=\"只有替代\" >}}\n";
        let (out, w) = run("content/posts/a.md", text, &[], false);
        assert_eq!(
            out,
            "<figure class=\"image\"><img src=\"a.png\" alt=\"架構 &lt;圖&gt;\"/><figcaption><strong>圖一</strong><br/>說明</figcaption></figure>\n\n<figure class=\"image\"><img src=\"a.png\" alt=\"替代\"/><figcaption>說明</figcaption></figure>\n\n![只有替代](<a.png>)\n"
        );
        assert!(w.is_empty(), "{w:?}");
    }

    /// A tag left out of a sentence leaves no space beside a full-width mark.
    #[test]
    fn dropped_tags_leave_no_space_by_a_mark() {
        let text = "当前版本 {{< version 0.2.0 >}}，图标 {{< fa-icon far star >}}。\n句子。{{< x >}} 下一句 {{< y >}} 中間。\n";
        let (out, w) = run("content/posts/a.md", text, &[], false);
        assert_eq!(out, "当前版本，图标。\n句子。下一句  中間。\n");
        assert_eq!(w.len(), 4, "{w:?}");
    }

    /// The ruby of Hugo's LoveIt, DoIt and FixIt themes becomes hanpub's, outside code; a
    /// Hexo post's is left as written, and `check --fix` leaves it alone.
    #[test]
    fn hugo_theme_ruby() {
        let text = "[漢字]^(hàn zì) 與 [注音]^(ㄓㄨˋ ㄧㄣ)，`[x]^(y)` 不是。\n\n```\n[碼]^(code)\n```\n\n[連結](a.md)^(不是) [ ]^(空)\n";
        let (out, w) = run(
            "content/posts/a.md",
            text,
            &[("content/posts/a.md", "")],
            false,
        );
        assert_eq!(
            out,
            "{漢字|hàn zì} 與 {注音|ㄓㄨˋ ㄧㄣ}，`[x]^(y)` 不是。\n\n```\n[碼]^(code)\n```\n\n[連結](a.md)^(不是) [ ]^(空)\n"
        );
        assert!(w.is_empty(), "{w:?}");
        let (out, _) = run("source/_posts/a.md", text, &[], false);
        assert_eq!(out, text);
        assert_eq!(protected("前 [漢字]^(hàn zì) 後", false), vec![4..23]);
    }

    /// Hugo's `ref` as Hugo finds a page: from the page, from a bundle's folder, from the
    /// content, then by its name alone (in any language); a page not found keeps its path for
    /// the links' check to report, once.
    #[test]
    fn hugo_refs_from_bundles_and_by_name() {
        let text = "[一]({{< ref \"a.md\" >}}) [一]({{< ref \"a\" >}}) [麵包]({{< ref \"bread\" >}}) [麵包]({{< ref \"/recipes/bread\" >}}) [無]({{< ref \"none\" >}})\n\n見 {{< ref \"gone.md\" >}}。\n";
        let (out, w) = run(
            "content/posts/b/index.md",
            text,
            &[
                ("content/posts/a.md", ""),
                ("content/recipes/bread.zh-tw.md", ""),
                ("content/recipes/bread.en.md", ""),
            ],
            false,
        );
        assert_eq!(
            out,
            "[一](../a.md) [一](../a.md) [麵包](../../recipes/bread.zh-tw.md) [麵包](../../recipes/bread.zh-tw.md) [無](none)\n\n見 gone.md。\n"
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("`{{< ref \"gone.md\" >}}` names a page that is not in the site"),
            "{w:?}"
        );
    }

    /// Jekyll's Liquid (and GitBook's Nunjucks) run over code too: `{% raw %}` in a code block
    /// or inline code is left out as they leave it; Hexo keeps code as written.
    #[test]
    fn raw_tags_in_code() {
        let text = "用 `{% raw %}{{ page.title }}{% endraw %}` 取標題。\n\n```liquid\n{% raw %}\n{% for p in site.posts %}\n  {{ p.title }}\n{% endfor %}\n{%- endraw -%}\n```\n\n後文。\n";
        let (out, w) = run("_posts/2024-01-01-x.md", text, &[], false);
        assert_eq!(
            out,
            "用 `{{ page.title }}` 取標題。\n\n```liquid\n{% for p in site.posts %}\n  {{ p.title }}\n{% endfor %}\n```\n\n後文。\n"
        );
        assert!(w.is_empty(), "{w:?}");
        let (out, _) = run("source/_posts/x.md", text, &[], false);
        assert_eq!(out, text);
    }

    /// A link or image whose path has a space names the file its author meant, with a
    /// warning; a path that names no file, and inline code, stay as written.
    #[test]
    fn paths_with_spaces() {
        let text = "![聊天室架構](img/聊天室 架構.png) 與 [說明](docs/read me.md)\n\n[不存在](a b.md)\n\n`![x](img/聊天室 架構.png)`\n";
        let (out, w) = run(
            "src/ch1.md",
            text,
            &[("src/img/聊天室 架構.png", ""), ("src/docs/read me.md", "")],
            false,
        );
        assert_eq!(
            out,
            "![聊天室架構](<img/聊天室 架構.png>) 與 [說明](<docs/read me.md>)\n\n[不存在](a b.md)\n\n`![x](img/聊天室 架構.png)`\n"
        );
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(
            w[0],
            "a path with a space is not a link in Markdown (GitHub and mdBook show `![聊天室架構](img/聊天室 架構.png)` as text): read as `<img/聊天室 架構.png>`"
        );
        let p = protected(text, false);
        assert_eq!(p.len(), 2, "{p:?}");
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
            raw_in_code: false,
            hugo: false,
        };
        let (f, w) = expand(&files, "a.md", SourceFile::new("a.md", text), dialect);
        assert_eq!(
            f.text.to_string(),
            "<aside class=\"alert warning\" role=\"note\">\n<p class=\"alert-title\">小心</p>\n\n不要**這樣**。\n\n```rust\nlet a = 1;\n```\n\n</aside>\n\n<aside class=\"alert note\" role=\"note\">\n<p class=\"alert-title\">注意</p>\n\n提醒。\n\n</aside>\n\n{% hint %}\n"
        );
        assert!(w.is_empty());
    }

    /// Found by the second sweep: code of every kind keeps its tags; a tag in a list item or a
    /// quote stays there; theme shortcodes with named arguments; lines map back.
    #[test]
    fn code_lists_quotes_and_lines() {
        // indented code (not in a list), raw `<pre>` blocks and inline `<code>`
        let text = "段落。\n\n    {% hint style=\"info\" %} 縮排\n    {{ site.baseurl }}\n\n<pre>\n{% youtube a %}\n</pre>\n\n<pre>{% youtube b %}</pre> 與 <code>{{< x >}}</code>\n";
        let (out, w) = run("a.md", text, &[], false);
        assert_eq!(out, text);
        assert!(w.is_empty(), "{w:?}");
        // in a list item and a quote: what the tag became is indented and quoted like it
        let text = "- 項目\n\n    {% hint style=\"tip\" %}\n    提示。\n    {% endhint %}\n\n> {% highlight js %}\n> let a = 1;\n> {% endhighlight %}\n";
        let (out, _) = run("a.md", text, &[], false);
        assert!(out.starts_with("- 項目\n\n    \n    <aside class=\"alert tip\" role=\"note\">\n    <p class=\"alert-title\">提示</p>\n    \n    \n    提示。\n"), "{out}");
        assert!(out.ends_with("> ```js\n> let a = 1;\n> ```\n"), "{out}");
        // named arguments of a theme's shortcode; Hexo's words after the path are its text;
        // Hexo's `no-icon` is not a title
        let text = "{{< img src=\"p.png\" alt=\"圖\" >}}\n\n{% asset_img d.png Hooks 的生命週期 %}\n\n{% note warning no-icon %}\n注意\n{% endnote %}\n";
        let (out, w) = run("a.md", text, &[("d.png", "")], false);
        assert!(out.starts_with("![圖](<p.png>)\n\n![Hooks 的生命週期](<d.png>)\n\n\n<aside class=\"alert warning\" role=\"note\">\n<p class=\"alert-title\">警告</p>"), "{out}");
        assert!(w.is_empty(), "{w:?}");
        // Hexo's note: classes, then its title
        let (out, _) = run(
            "a.md",
            "{% note warning no-icon 小心 高溫 %}\n內文\n{% endnote %}\n",
            &[],
            false,
        );
        assert!(
            out.contains("<p class=\"alert-title\">小心 高溫</p>"),
            "{out}"
        );
        // a tag never closed is reported where it opens; a shortcode's closing tag is not a
        // Liquid one
        let text = "一\n\n{{< highlight go >}}\nfmt.Println()\n{% endhighlight %}\n\n{% hint %}\n";
        let (_, w) = run("a.md", text, &[], false);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(
            w[0].starts_with("`{{< highlight go >}}` is never closed"),
            "{w:?}"
        );
        assert_eq!(
            w[2],
            "`hint` is never closed: the text after it is kept as it is"
        );
    }

    /// A message about the text after a tag points at its own line.
    #[test]
    fn lines_after_a_tag_map_back() {
        let files = MemFiles::default();
        let text = "一 {{ site.baseurl }} 二\n第二行\n{% hint %}\n提示\n{% endhint %}\n最後\n";
        let dialect = Dialect::default();
        let (f, _) = expand(&files, "a.md", SourceFile::new("a.md", text), dialect);
        for (needle, line) in [("第二行", 2), ("提示", 4), ("最後", 6)] {
            let at = f.text.find(needle).unwrap();
            let (file, span) = f.on_disk_span(at..at + needle.len());
            assert_eq!(file.line_col(span.start).0, line, "{needle}");
        }
    }

    #[test]
    fn docsify_lines() {
        let text = "## 設定 :id=config\n\n?> 提示文字\n\n!> 重要文字\n\n![圖](a.png ':size=50%')\n\n[公告](_media/n.md ':include')\n\n[範例](_media/a.py ':include :type=code')\n";
        let media = [
            ("_media/n.md", "公告內容。\n"),
            ("_media/a.py", "print(1)\n"),
        ];
        let (out, _) = run("guide/README.md", text, &media, true);
        assert_eq!(
            out,
            "## 設定 {#config}\n\n> [!TIP]\n> 提示文字\n\n> [!WARNING]\n> 重要文字\n\n![圖](a.png)\n\n\n公告內容。\n\n\n```py\nprint(1)\n```\n"
        );
        let (out, _) = run("README.md", text, &[], false);
        assert_eq!(out, text);
        // options of several words, and in an aside
        let (out, _) = run(
            "README.md",
            "![圖二](logo.png ':no-zoom :class=diagram')\n\n?> 見[指南](guide/ ':target=_blank')\n",
            &[],
            true,
        );
        assert_eq!(out, "![圖二](logo.png)\n\n> [!TIP]\n> 見[指南](guide/)\n");
        // `:fragment=`: the lines between the markers
        let (out, _) = run(
            "README.md",
            "[demo.py](demo.py ':include :type=code :fragment=demo')\n",
            &[(
                "demo.py",
                "import x\n### [demo]\napp = x.App()\n### [demo]\napp.run()\n",
            )],
            true,
        );
        assert_eq!(out, "```py\napp = x.App()\n```\n");
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
