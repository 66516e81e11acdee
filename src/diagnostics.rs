//! Errors and warnings that point at the input, printed with a source snippet (a window of the
//! line around the column, never the whole of a long line), the collapsing of many diagnostics
//! of one kind into a few and a count, and the library's [`Error`].

use std::fmt;

use crate::source::SourceFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// Where in a file a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    /// 1-based line and column; 0 when only the file is known.
    pub line: usize,
    pub column: usize,
    /// The source line, for the snippet: on a line longer than [`SNIPPET_CHARS`] characters, a
    /// window of it around the column, with `…` where it was cut.
    pub text: String,
    /// 1-based column in `text` where the marked part starts (`column`, unless the line was cut).
    pub text_column: usize,
    /// Width of the marked part in `text`, in characters (at least 1).
    pub width: usize,
}

/// The longest snippet shown, in characters; longer lines are cut around the column.
pub const SNIPPET_CHARS: usize = 120;
/// How many characters of a cut line are shown before the column.
const SNIPPET_BEFORE: usize = 40;

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            hint: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    /// Point at a byte range of a source file.
    ///
    /// The range is clamped to the file and widened to character boundaries, so a location
    /// computed by another library (a byte off inside a CJK character) never panics.
    pub fn at(mut self, file: &SourceFile, span: std::ops::Range<usize>) -> Self {
        let t = &file.text;
        let mut start = span.start.min(t.len());
        while !t.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = span.end.clamp(start, t.len());
        while !t.is_char_boundary(end) {
            end += 1;
        }
        let (line, column) = file.line_col(start);
        let (text, text_column, width) = snippet(t, file.line_range(line), start..end);
        self.location = Some(Location {
            file: file.name.clone(),
            line,
            column,
            text,
            text_column,
            width,
        });
        self
    }

    /// Point at the first `"value"` (quotes included) in a configuration file, when it is there.
    pub fn at_quoted(self, file: Option<&SourceFile>, value: &str) -> Self {
        match file.and_then(|f| f.text.find(&format!("\"{value}\"")).map(|off| (f, off))) {
            Some((f, off)) => self.at(f, off..off + value.len() + 2),
            None => self,
        }
    }

    /// Point at a file as a whole.
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.location = Some(Location {
            file: file.into(),
            line: 0,
            column: 0,
            text: String::new(),
            text_column: 0,
            width: 0,
        });
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// ```text
    /// error: unknown key `titel` in [book]
    ///  --> book/book.toml:2:1
    ///   |
    /// 2 | titel = "x"
    ///   | ^^^^^
    ///   = hint: …
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: {}", self.message)?;
        let mut pad = String::from(" ");
        if let Some(loc) = &self.location {
            if loc.line == 0 {
                write!(f, "\n --> {}", loc.file)?;
            } else {
                pad = " ".repeat(loc.line.to_string().len() + 1);
                write!(
                    f,
                    "\n{}--> {}:{}:{}",
                    &pad[1..],
                    loc.file,
                    loc.line,
                    loc.column
                )?;
                let before: String = loc.text.chars().take(loc.text_column - 1).collect();
                let indent: String = before
                    .chars()
                    .flat_map(|c| match c {
                        '\t' => std::iter::repeat_n('\t', 1),
                        c if is_wide(c) => std::iter::repeat_n(' ', 2),
                        _ => std::iter::repeat_n(' ', 1),
                    })
                    .collect();
                let marked: usize = loc
                    .text
                    .chars()
                    .skip(loc.text_column - 1)
                    .take(loc.width)
                    .map(|c| if is_wide(c) { 2 } else { 1 })
                    .sum();
                write!(
                    f,
                    "\n{pad}|\n{} | {}\n{pad}| {indent}{}",
                    loc.line,
                    loc.text,
                    "^".repeat(marked.max(1))
                )?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n{pad}= hint: {hint}")?;
        }
        Ok(())
    }
}

/// The snippet of `line` (a byte range of `text`) for a mark at `span`: the line, or a window of
/// at most [`SNIPPET_CHARS`] characters around the mark's start; with the 1-based column of the
/// mark in it and the mark's width in characters (at least 1, at most to the end of the window).
/// Takes time in the size of the window, not of the line.
fn snippet(
    text: &str,
    line: std::ops::Range<usize>,
    span: std::ops::Range<usize>,
) -> (String, usize, usize) {
    let at = span.start.clamp(line.start, line.end);
    // at most SNIPPET_BEFORE characters before the mark, more when the line ends early
    let after_len = text[at..line.end]
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(line.end - at, |(i, _)| i);
    let after_chars = text[at..at + after_len].chars().count();
    let want_before = SNIPPET_CHARS
        .saturating_sub(after_chars)
        .max(SNIPPET_BEFORE);
    let from = text[line.start..at]
        .char_indices()
        .rev()
        .nth(want_before.saturating_sub(1))
        .map_or(line.start, |(i, _)| line.start + i);
    let before_chars = text[from..at].chars().count();
    let room = SNIPPET_CHARS - before_chars.min(SNIPPET_CHARS);
    let to = at
        + text[at..line.end]
            .char_indices()
            .nth(room)
            .map_or(line.end - at, |(i, _)| i);
    let cut_before = from > line.start;
    let cut_after = to < line.end;
    let mut out = String::with_capacity(to - from + 6);
    if cut_before {
        out.push('…');
    }
    out.push_str(&text[from..to]);
    if cut_after {
        out.push('…');
    }
    let column = before_chars + usize::from(cut_before) + 1;
    let end = span.end.clamp(at, to);
    let width = text[at..end]
        .trim_end_matches(['\n', '\r'])
        .chars()
        .count()
        .max(1);
    (out, column, width)
}

/// How many diagnostics of one kind [`collapse`] keeps for a person to read.
pub const SHOWN_PER_KIND: usize = 5;
/// How many of one kind `check --format json` lists (a machine reads them).
pub const LISTED_PER_KIND: usize = 100;

/// One diagnostic to show, and how many more of its kind were left out after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown<'a> {
    pub diagnostic: &'a Diagnostic,
    /// Non-zero on the last one shown of a kind that had more: how many more.
    pub more: usize,
}

/// Keep at most `per_kind` diagnostics of each kind, in their order; the last kept of a kind
/// carries the count of the rest. A kind is the severity, the file and the message with its
/// quoted parts (`` `…` ``) set aside: `` `,` in Chinese text becomes `，` `` 8,000 times on one
/// line reads as five of them and "8,000 more like this". Linear in the number of diagnostics.
pub fn collapse(diags: &[Diagnostic], per_kind: usize) -> Vec<Shown<'_>> {
    let per_kind = per_kind.max(1);
    let keys: Vec<(Severity, Option<&str>, String)> = diags
        .iter()
        .map(|d| {
            (
                d.severity,
                d.location.as_ref().map(|l| l.file.as_str()),
                kind_of(&d.message),
            )
        })
        .collect();
    let mut total: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for k in &keys {
        *total.entry(k).or_default() += 1;
    }
    let mut seen: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (d, k) in diags.iter().zip(&keys) {
        let n = seen.entry(k).or_default();
        *n += 1;
        if *n > per_kind {
            continue;
        }
        let all = total[k];
        let more = if *n == per_kind { all - per_kind } else { 0 };
        out.push(Shown {
            diagnostic: d,
            more,
        });
    }
    out
}

/// A message with its quoted parts blanked: what diagnostics of one kind share.
fn kind_of(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 0 {
            out.push_str(part);
        }
    }
    out
}

/// `and 7,999 more like this`.
pub fn more_like_this(n: usize) -> String {
    format!("and {} more like this", thousands(n))
}

/// `7999` → `7,999`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// East Asian wide characters take two columns in a terminal.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF |
        0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF |
        0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// Several diagnostics, printed one after another.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
}

impl fmt::Display for Diagnostics {
    /// One after another, at most [`SHOWN_PER_KIND`] of a kind ([`collapse`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in collapse(&self.0, SHOWN_PER_KIND).into_iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", s.diagnostic)?;
            if s.more > 0 {
                write!(f, "\n{}", more_like_this(s.more))?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Library errors. Problems in the book itself are [`Error::Book`], with locations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Book(Diagnostics),
    #[error("cannot write the EPUB")]
    Package(#[from] crate::package::PackageError),
}

impl From<Vec<Diagnostic>> for Error {
    fn from(d: Vec<Diagnostic>) -> Self {
        Error::Book(Diagnostics(d))
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error::Book(Diagnostics(vec![d]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_with_caret_under_wide_text() {
        let file = SourceFile::new("book/book.toml", "[book]\ntitle = \"中文\"\ntitel = 1\n");
        let d = Diagnostic::error("unknown key `titel`")
            .at(&file, 24..29)
            .with_hint("did you mean `title`?");
        assert_eq!(
            d.to_string(),
            "error: unknown key `titel`\n --> book/book.toml:3:1\n  |\n3 | titel = 1\n  | ^^^^^\n  = hint: did you mean `title`?"
        );
        let file = SourceFile::new("a.md", "中文 ![x](y.png)\n");
        let d = Diagnostic::warning("w").at(&file, 7..16);
        assert_eq!(
            d.to_string(),
            "warning: w\n --> a.md:1:4\n  |\n1 | 中文 ![x](y.png)\n  |      ^^^^^^^^^"
        );
    }
}
