//! mdBook's directives in a chapter's text, expanded as mdBook expands them:
//! `{{#include path}}` (with `:start:end` line ranges or an `:anchor` between `ANCHOR: name`
//! and `ANCHOR_END: name` lines), `{{#rustdoc_include …}}` (the whole file, lines outside the
//! range or anchor made hidden `# ` lines), `{{#playground path}}` (a Rust code block) and
//! `{{#title …}}` (removed). `\{{#…}}` stays as written, without its backslash. Paths are
//! relative to the chapter and must stay inside the book folder; a directive whose file is
//! missing is left out with a warning at its line — never shipped as text.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostics::Diagnostic;
use crate::files::{self, Files};
use crate::source::SourceFile;

/// mdBook's pattern for a directive (or an escaped one).
static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?x)\\\{\{\#.*\}\} | \{\{\s*\#([a-zA-Z0-9_]+)\s+([^}]+)\}\}")
        .expect("valid pattern")
});
static ANCHOR_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"ANCHOR:\s*(?P<n>[\w_-]+)").expect("valid pattern"));
static ANCHOR_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"ANCHOR_END:\s*(?P<n>[\w_-]+)").expect("valid pattern"));

/// Includes nest at most this deep (mdBook's limit).
const MAX_DEPTH: usize = 10;

/// Whether the text may hold a directive (`{{`): looked for a block at a time, each given back
/// (a large chapter of an mdBook is mapped, and most have none).
fn has_directive(file: &SourceFile) -> bool {
    let (text, mut found) = (file.text.as_bytes(), false);
    file.text.in_blocks(0..text.len(), |r| {
        // one byte more: a `{{` across the end of the block
        found = found
            || memchr::memmem::find(&text[r.start..(r.end + 1).min(text.len())], b"{{").is_some();
    });
    found
}

/// Expand the directives of `file` (at `path` in the book). Returns the text to build (the same
/// file when there is nothing to expand) and a warning for each directive left out.
pub fn expand(files: &dyn Files, path: &str, file: SourceFile) -> (SourceFile, Vec<Diagnostic>) {
    if !has_directive(&file) {
        return (file, Vec::new());
    }
    let mut out = Expansion::default();
    let mut warnings = Vec::new();
    let mut pos = 0;
    let mut line = 1u32;
    for m in DIRECTIVE.captures_iter(&file.text) {
        let all = m.get(0).expect("whole match");
        out.original(&file.text[pos..all.start()], &mut line);
        pos = all.end();
        let here = line;
        match expand_one(files, path, &m, 0) {
            Ok(text) => out.included(&text, here),
            Err(why) => {
                let hint = if why.contains("anchor") {
                    "add the ANCHOR lines to the file, or name lines (`:2:10`); the text around the directive is kept"
                } else {
                    "copy the file into the book folder; the text around the directive is kept"
                };
                let d = Diagnostic::warning(format!("`{}` {why}: left out", all.as_str()))
                    .at(&file, all.range())
                    .with_hint(hint);
                warnings.push(d);
            }
        }
        // the directive's own line breaks (none in practice) count as the file's
        line += all.as_str().matches('\n').count() as u32;
    }
    if pos == 0 && out.text.is_empty() {
        return (file, warnings);
    }
    out.original(&file.text[pos..], &mut line);
    let lines = out.finish();
    (SourceFile::expanded(file, out.text, lines), warnings)
}

/// The expanded text being written, and where each of its lines comes from.
#[derive(Debug, Default)]
pub(super) struct Expansion {
    pub(super) text: String,
    lines: Vec<(u32, bool)>,
    /// Where the line being written comes from.
    current: Option<(u32, bool)>,
}

impl Expansion {
    /// Text of the file itself, starting on line `line` (advanced past its line breaks).
    pub(super) fn original(&mut self, s: &str, line: &mut u32) {
        for (i, piece) in s.split('\n').enumerate() {
            if i > 0 {
                self.text.push('\n');
                self.lines
                    .push(self.current.take().unwrap_or((*line, false)));
                *line += 1;
                self.current = Some((*line, false));
            }
            if self.current.is_none() {
                self.current = Some((*line, false));
            }
            self.text.push_str(piece);
        }
    }

    /// Text that replaces line `line` of the file whole: all its lines belong to that line
    /// (a message points at the line, not at a column of the text that replaced it).
    pub(super) fn replacing(&mut self, s: &str, line: u32) {
        self.current = Some((line, true));
        self.included(s, line);
    }

    /// Included text, its lines belonging to the directive on line `line` (the line it starts
    /// on too: a column there is not one of the file's).
    pub(super) fn included(&mut self, s: &str, line: u32) {
        for (i, piece) in s.split('\n').enumerate() {
            if i > 0 {
                self.text.push('\n');
                self.lines.push(self.current.take().unwrap_or((line, true)));
                self.current = Some((line, true));
            }
            if self.current.is_none() || !piece.is_empty() {
                self.current = Some((line, true));
            }
            self.text.push_str(piece);
        }
    }

    pub(super) fn finish(&mut self) -> Vec<(u32, bool)> {
        let mut lines = std::mem::take(&mut self.lines);
        lines.push(self.current.take().unwrap_or((1, false)));
        lines
    }
}

/// The text one directive stands for, or why it cannot be expanded.
fn expand_one(
    files: &dyn Files,
    here: &str,
    m: &regex::Captures<'_>,
    depth: usize,
) -> Result<String, String> {
    let all = m.get(0).expect("whole match").as_str();
    if let Some(escaped) = all.strip_prefix('\\') {
        return Ok(escaped.to_string());
    }
    let kind = &m[1];
    let args = m[2].trim();
    match kind {
        "title" => return Ok(String::new()),
        "include" | "rustdoc_include" | "playground" => {}
        // another preprocessor's: left to it, as mdBook leaves it
        _ => return Ok(all.to_string()),
    }
    let mut words = args.split_whitespace();
    let target = words.next().unwrap_or("");
    let (rel, spec) = match target.split_once(':') {
        Some((p, s)) => (p, Some(s)),
        None => (target, None),
    };
    let path = files::resolve(here, rel, "").map_err(|why| format!("names a file that {why}"))?;
    let bytes = files
        .read(&path)
        .map_err(|e| format!("names `{path}`: {}", files::io_reason(&e)))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("names `{path}`, which is not UTF-8 text"))?;
    if let Range::Anchor(name) = Range::of(spec)
        && kind != "playground"
        && !text
            .lines()
            .any(|l| ANCHOR_START.captures(l).is_some_and(|c| c["n"] == name))
    {
        return Err(format!(
            "names the anchor `{name}`, which `{path}` does not have (no `ANCHOR: {name}` line)"
        ));
    }
    let text = match kind {
        "playground" => {
            let attrs: Vec<&str> = words.collect();
            let info = if attrs.is_empty() {
                "rust".to_string()
            } else {
                format!("rust,{}", attrs.join(","))
            };
            format!("```{info}\n{}\n```", text.trim_end_matches('\n'))
        }
        "rustdoc_include" => rustdoc_lines(&text, &Range::of(spec)),
        _ => take_lines(&text, &Range::of(spec)),
    };
    if depth + 1 >= MAX_DEPTH || !text.contains("{{") {
        return Ok(text);
    }
    // an included file may include others, relative to itself
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for inner in DIRECTIVE.captures_iter(&text) {
        let r = inner.get(0).expect("whole match").range();
        out.push_str(&text[pos..r.start]);
        out.push_str(&expand_one(files, &path, &inner, depth + 1)?);
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

/// What part of a file a directive takes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Range {
    /// Lines `start..end` (0-based, end exclusive; `None`: unbounded).
    Lines(usize, Option<usize>),
    Anchor(String),
}

impl Range {
    /// mdBook's `:start:end`, `:start:`, `:start` (that line only), `::end`, `:anchor`.
    fn of(spec: Option<&str>) -> Range {
        let mut parts = spec.unwrap_or("").splitn(3, ':');
        let first = parts.next();
        let start = match first {
            Some(v) => match v.parse::<usize>() {
                Ok(n) => Some(n.saturating_sub(1)),
                Err(_) if v.is_empty() => None,
                Err(_) => return Range::Anchor(v.to_string()),
            },
            None => None,
        };
        let end = parts.next().map(|s| s.parse::<usize>());
        match (start, end) {
            (Some(s), Some(Ok(e))) => Range::Lines(s, Some(e)),
            (Some(s), Some(Err(_))) => Range::Lines(s, None),
            (Some(s), None) => Range::Lines(s, Some(s + 1)),
            (None, Some(Ok(e))) => Range::Lines(0, Some(e)),
            (None, _) => Range::Lines(0, None),
        }
    }

    fn contains(&self, i: usize) -> bool {
        match self {
            Range::Lines(s, e) => i >= *s && e.is_none_or(|e| i < e),
            Range::Anchor(_) => false,
        }
    }
}

/// `{{#include}}`: the lines of the range, or those between the anchor's markers (other
/// markers left out).
fn take_lines(text: &str, range: &Range) -> String {
    match range {
        Range::Lines(..) => text
            .lines()
            .enumerate()
            .filter(|(i, _)| range.contains(*i))
            .map(|(_, l)| l)
            .collect::<Vec<_>>()
            .join("\n"),
        Range::Anchor(name) => {
            let mut kept = Vec::new();
            let mut inside = false;
            for l in text.lines() {
                if inside {
                    match ANCHOR_END.captures(l) {
                        Some(c) if &c["n"] == name => break,
                        Some(_) => {}
                        None if !ANCHOR_START.is_match(l) => kept.push(l),
                        None => {}
                    }
                } else if ANCHOR_START.captures(l).is_some_and(|c| &c["n"] == name) {
                    inside = true;
                }
            }
            kept.join("\n")
        }
    }
}

/// `{{#rustdoc_include}}`: the whole file, the lines outside the range or anchor hidden
/// (`# `), anchor markers left out.
fn rustdoc_lines(text: &str, range: &Range) -> String {
    let mut out = Vec::new();
    match range {
        Range::Lines(..) => {
            for (i, l) in text.lines().enumerate() {
                out.push(if range.contains(i) {
                    l.to_string()
                } else {
                    format!("# {l}")
                });
            }
        }
        Range::Anchor(name) => {
            let mut inside = false;
            for l in text.lines() {
                if inside {
                    match ANCHOR_END.captures(l) {
                        Some(c) if &c["n"] == name => inside = false,
                        Some(_) => {}
                        None if !ANCHOR_START.is_match(l) => out.push(l.to_string()),
                        None => {}
                    }
                } else if let Some(c) = ANCHOR_START.captures(l) {
                    inside = &c["n"] == name;
                } else if !ANCHOR_END.is_match(l) {
                    out.push(format!("# {l}"));
                }
            }
        }
    }
    out.join("\n")
}

/// Hide the lines of Rust code that rustdoc and mdBook hide: a line whose first non-blank
/// character is `#` followed by a space, the line's end, or anything but `!`, `[` and `#`;
/// `##` shows as `#`.
pub fn hide_rust_lines(code: &str) -> Option<String> {
    let mut out = String::with_capacity(code.len());
    let mut changed = false;
    for line in code.split_inclusive('\n') {
        let t = line.trim_start();
        let indent = &line[..line.len() - t.len()];
        match t.strip_prefix('#') {
            Some(rest) if rest.starts_with('#') => {
                out.push_str(indent);
                out.push_str(rest);
                changed = true;
            }
            Some(rest) if !rest.starts_with(['!', '[']) => changed = true,
            _ => out.push_str(line),
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::MemFiles;

    /// A directive is found wherever it is, across the end of a block of the search too.
    #[test]
    fn directives_are_found_across_blocks() {
        let block = crate::source::CHECK_BLOCK;
        for at in [0, block - 2, block - 1, block, 2 * block] {
            let mut text = "a".repeat(2 * block + 10);
            text.replace_range(at..at + 2, "{{");
            assert!(has_directive(&SourceFile::new("a.md", text)), "at {at}");
        }
        assert!(!has_directive(&SourceFile::new(
            "a.md",
            "{ }".repeat(block)
        )));
    }

    const LISTING: &str = "use std::io;\n// ANCHOR: here\nfn main() {\n    // ANCHOR: inner\n    println!(\"hi\");\n    // ANCHOR_END: inner\n}\n// ANCHOR_END: here\n";

    fn run(md: &str) -> (String, Vec<String>, SourceFile) {
        let files = MemFiles::from([
            ("src/ch.md", md),
            ("listings/main.rs", LISTING),
            ("src/nested.md", "A {{#include ../listings/main.rs:3}} B"),
        ]);
        let (f, w) = expand(&files, "src/ch.md", SourceFile::new("src/ch.md", md));
        (
            f.text.to_string(),
            w.iter()
                .map(|d| {
                    let l = d.location.as_ref().unwrap();
                    format!("{}:{} {}", l.line, l.column, d.message)
                })
                .collect(),
            f,
        )
    }

    #[test]
    fn ranges_anchors_and_hidden_lines() {
        assert_eq!(run("{{#include ../listings/main.rs:1}}").0, "use std::io;");
        assert_eq!(
            run("{{#include ../listings/main.rs:3:5}}").0,
            "fn main() {\n    // ANCHOR: inner\n    println!(\"hi\");"
        );
        assert_eq!(
            run("{{#include ../listings/main.rs:here}}").0,
            "fn main() {\n    println!(\"hi\");\n}"
        );
        assert_eq!(
            run("{{#rustdoc_include ../listings/main.rs:inner}}").0,
            "# use std::io;\n# fn main() {\n    println!(\"hi\");\n# }"
        );
        assert_eq!(run("x \\{{#include a.rs}} y").0, "x {{#include a.rs}} y");
        assert_eq!(run("{{#title 書名}}正文").0, "正文");
        assert_eq!(run("{{#include nested.md}}").0, "A fn main() { B");
        assert_eq!(
            run("{{#playground ../listings/main.rs:1 editable}}").0,
            "```rust,editable\nuse std::io;\n// ANCHOR: here\nfn main() {\n    // ANCHOR: inner\n    println!(\"hi\");\n    // ANCHOR_END: inner\n}\n// ANCHOR_END: here\n```"
        );
    }

    #[test]
    fn missing_files_are_warnings_at_their_line_and_lines_map_back() {
        let md = "# 標題\n\n```rust\n{{#include ../listings/main.rs:1}}\n```\n\n{{#include ../listings/nope.rs}}\n\n[壞連結](x.md)\n";
        let (text, warnings, f) = run(md);
        assert_eq!(
            warnings,
            [
                "7:1 `{{#include ../listings/nope.rs}}` names `listings/nope.rs`: no such file: left out"
            ]
        );
        assert!(!text.contains("nope"));
        // the link after the included text points at its line on disk
        let at = f.text.find("[壞連結]").unwrap();
        assert_eq!(f.line_col(at), (9, 1));
        assert_eq!(f.line(9), "[壞連結](x.md)");
        let (_, w, _) = run("{{#include ../../outside.rs}}");
        assert!(w[0].contains("outside the book folder"), "{w:?}");
        let (text, w, _) = run("```rust\n{{#include ../listings/main.rs:nope}}\n```\n");
        assert_eq!(
            w,
            [
                "2:1 `{{#include ../listings/main.rs:nope}}` names the anchor `nope`, which `listings/main.rs` does not have (no `ANCHOR: nope` line): left out"
            ]
        );
        assert_eq!(text, "```rust\n\n```\n");
        // included text on the directive's own line is the include's, not the file's: a
        // message there points at the directive, and `check --fix` leaves it
        let (text, _, f) = run("# 章\n\n{{#include nested.md}}\n\n後文。\n");
        let at = text.find(" B").unwrap();
        assert!(f.is_expanded_at(at), "{text}");
        assert!(!f.is_expanded_at(text.find("後文").unwrap()), "{text}");
        assert_eq!(f.on_disk_span(at..at + 1).1, f.on_disk().line_range(3));
    }

    #[test]
    fn rust_lines_are_hidden_as_rustdoc_does() {
        assert_eq!(
            hide_rust_lines("# fn main() {\nlet x = 1;\n#[derive(Debug)]\n##[x]\n#\n# }\n")
                .as_deref(),
            Some("let x = 1;\n#[derive(Debug)]\n#[x]\n")
        );
        assert_eq!(hide_rust_lines("let x = 1;\n"), None);
    }
}
