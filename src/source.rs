//! A source file of the book (Markdown or book.toml) and byte offset → line:column; for a
//! text whose includes were expanded (mdBook's `{{#include}}`), the way back to the file as it
//! is on disk.

use std::sync::Arc;

/// A text file of the book, with the path shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as shown in messages (relative to the working directory, `/`-separated).
    pub name: String,
    pub text: String,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
    /// For an expanded text: the file on disk, and where each line of `text` comes from.
    origin: Option<Arc<Origin>>,
}

/// The file on disk behind an expanded text.
#[derive(Debug, PartialEq, Eq)]
struct Origin {
    file: SourceFile,
    /// For each line of the expanded text, the 1-based line on disk it comes from (an included
    /// line: the line of its directive), and whether it was included.
    lines: Vec<(u32, bool)>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(memchr_newlines(&text).map(|i| i + 1))
            .collect();
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            origin: None,
        }
    }

    /// `text`, made from the file `on_disk` by expanding includes; `lines` gives, for each line
    /// of `text`, the 1-based line on disk it comes from and whether it was included. Messages
    /// about the text then point at the file on disk.
    pub fn expanded(on_disk: SourceFile, text: String, lines: Vec<(u32, bool)>) -> Self {
        let mut f = SourceFile::new(on_disk.name.clone(), text);
        f.origin = Some(Arc::new(Origin {
            file: on_disk,
            lines,
        }));
        f
    }

    /// The file as it is on disk (itself, unless its includes were expanded).
    pub fn on_disk(&self) -> &SourceFile {
        self.origin.as_ref().map_or(self, |o| &o.file)
    }

    /// 1-based line and column (in characters) of a byte offset; for an expanded text, the
    /// line on disk (an included line: its directive's line, column 1).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let (line, col) = self.own_line_col(offset);
        match &self.origin {
            Some(o) => match o.lines.get(line - 1) {
                Some(&(l, false)) => (l as usize, col),
                Some(&(l, true)) => (l as usize, 1),
                None => (line, col),
            },
            None => (line, col),
        }
    }

    /// Byte offset of the end of the line `offset` is on (before its line break).
    pub fn line_end(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let t = &self.text[self.line_starts[line]..end];
        self.line_starts[line] + t.trim_end_matches(['\n', '\r']).len()
    }

    fn own_line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count();
        (line + 1, col + 1)
    }

    /// The text of a 1-based line (of the file on disk), without its line break.
    pub fn line(&self, line: usize) -> &str {
        if let Some(o) = &self.origin {
            return o.file.line(line);
        }
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset of a 1-based line and column (columns in characters) of this text.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return self.text.len();
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let text = self.text[start..end].trim_end_matches(['\n', '\r']);
        start
            + text
                .char_indices()
                .nth(col.saturating_sub(1))
                .map_or(text.len(), |(i, _)| i)
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', text.as_bytes())
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("a.md", "ab\n中文x\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(9), (2, 3));
        assert_eq!(f.line(2), "中文x");
        assert_eq!(f.offset(2, 3), 9);
        assert_eq!(f.line(9), "");
    }

    #[test]
    fn expanded_text_points_at_the_file_on_disk() {
        let disk = SourceFile::new("a.md", "x\n{{#include b}}\ny\n");
        let f = SourceFile::expanded(
            disk,
            "x\nb1\nb2\ny\n".into(),
            vec![(1, false), (2, true), (2, true), (3, false)],
        );
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line(3), "y");
        assert_eq!(f.on_disk().text, "x\n{{#include b}}\ny\n");
        assert_eq!(f.line_end(3), 4);
    }
}
