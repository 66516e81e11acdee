//! Errors and warnings that point at the input, printed with a source snippet, and the
//! library's [`Error`].

use std::fmt;

use crate::source::SourceFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
    /// The source line, for the snippet.
    pub text: String,
    /// Width of the marked part, in characters (at least 1).
    pub width: usize,
}

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
        let span = start..end;
        let (line, column) = file.line_col(span.start);
        let text = file.line(line).to_string();
        let end = span.end.min(file.offset(line + 1, 1)).max(span.start);
        let width = file.text[span.start.min(file.text.len())..end.min(file.text.len())]
            .trim_end_matches(['\n', '\r'])
            .chars()
            .count()
            .max(1);
        self.location = Some(Location {
            file: file.name.clone(),
            line,
            column,
            text,
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
                let before: String = loc.text.chars().take(loc.column - 1).collect();
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
                    .skip(loc.column - 1)
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
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
