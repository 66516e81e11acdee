//! A source file of the book (Markdown or book.toml): its text as the stages see it (byte order
//! mark set aside, lone-CR line breaks read as LF), how it was stored, and byte offset →
//! line:column, in time proportional to the distance from the line start even on very long lines.

/// A text file of the book, with the path shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as shown in messages (relative to the working directory, `/`-separated).
    pub name: String,
    /// The text: without a leading byte order mark, every lone CR (old Mac line break) read as
    /// `\n` (byte for byte, so offsets into the stored file and into this text agree after the
    /// mark).
    pub text: String,
    /// How the file was stored, so that a rewrite (`check --fix`) gives it back the same way.
    pub stored: Stored,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
    /// For files with a line longer than [`BLOCK`] bytes: the number of characters before every
    /// multiple of [`BLOCK`] bytes, so a column is found without counting from the line start.
    chars_before_block: Vec<usize>,
}

/// What reading a file set aside, to put back when it is written again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    /// The file started with a UTF-8 byte order mark (U+FEFF).
    pub bom: bool,
    /// Its line breaks were all lone CRs (no `\n` at all): they read as `\n`.
    pub cr_lines: bool,
    /// It mixed lone CRs with `\n` or CRLF line breaks: the lone CRs read as `\n`, and a
    /// rewrite cannot give them back.
    pub mixed_lines: bool,
}

/// The block size of the column index of very long lines.
const BLOCK: usize = 512;

impl SourceFile {
    /// A file whose text is already as the stages see it.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self::with_stored(name.into(), text.into(), Stored::default())
    }

    /// A file as read from the disk: a leading byte order mark is set aside and lone CRs read
    /// as `\n` (CommonMark takes a lone CR as a line ending; front matter, code and line
    /// numbers then agree with it); [`SourceFile::stored_text`] gives the stored form back.
    pub fn from_stored(name: impl Into<String>, mut text: String) -> Self {
        let mut stored = Stored::default();
        if text.starts_with('\u{feff}') {
            text.drain(..3);
            stored.bom = true;
        }
        let bytes = text.as_bytes();
        let lone = memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'));
        if lone {
            let has_lf = memchr::memchr(b'\n', bytes).is_some();
            stored.cr_lines = !has_lf;
            stored.mixed_lines = has_lf;
            // SAFETY: CR and LF are ASCII; replacing one by the other keeps UTF-8 valid
            let bytes = unsafe { text.as_bytes_mut() };
            for i in 0..bytes.len() {
                if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
                    bytes[i] = b'\n';
                }
            }
        }
        Self::with_stored(name.into(), text, stored)
    }

    fn with_stored(name: String, text: String, stored: Stored) -> Self {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(memchr_newlines(&text).map(|i| i + 1))
            .collect();
        let long_line = line_starts
            .windows(2)
            .map(|w| w[1] - w[0])
            .chain(line_starts.last().map(|&s| text.len() - s))
            .any(|n| n > BLOCK);
        let chars_before_block = if long_line {
            let mut total = 0;
            let mut marks = Vec::with_capacity(text.len() / BLOCK + 1);
            for block in text.as_bytes().chunks(BLOCK) {
                marks.push(total);
                total += count_chars(block);
            }
            marks.push(total);
            marks
        } else {
            Vec::new()
        };
        SourceFile {
            name,
            text,
            stored,
            line_starts,
            chars_before_block,
        }
    }

    /// The text as it is to be stored again (`text` may have been edited): the byte order mark
    /// and lone-CR line breaks put back.
    pub fn stored_text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 3);
        if self.stored.bom {
            out.push('\u{feff}');
        }
        if self.stored.cr_lines {
            out.extend(text.chars().map(|c| if c == '\n' { '\r' } else { c }));
        } else {
            out.push_str(text);
        }
        out
    }

    /// Characters in `text[..offset]` (`offset` at a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let block = offset / BLOCK;
        self.chars_before_block[block] + count_chars(&self.text.as_bytes()[block * BLOCK..offset])
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = if offset - start > BLOCK && !self.chars_before_block.is_empty() {
            self.chars_before(offset) - self.chars_before(start)
        } else {
            count_chars(&self.text.as_bytes()[start..offset])
        };
        (line + 1, col + 1)
    }

    /// Byte range of a 1-based line, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return self.text.len()..self.text.len();
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let text = self.text[start..end].trim_end_matches(['\n', '\r']);
        start..start + text.len()
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: usize) -> &str {
        &self.text[self.line_range(line)]
    }

    /// Byte offset of a 1-based line and column (columns in characters).
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return self.text.len();
        };
        let text = self.line(line);
        start
            + text
                .char_indices()
                .nth(col.saturating_sub(1))
                .map_or(text.len(), |(i, _)| i)
    }
}

/// Characters starting in `bytes` (UTF-8): every byte that is not a continuation byte.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
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
    fn columns_on_very_long_lines_use_the_index() {
        let line: String = "中a".repeat(10_000);
        let text = format!("x\n{line}\n中");
        let f = SourceFile::new("a.md", text.clone());
        assert!(!f.chars_before_block.is_empty());
        for (k, (i, _)) in line.char_indices().enumerate().step_by(997) {
            assert_eq!(f.line_col(2 + i), (2, k + 1));
        }
        assert_eq!(f.line_col(text.len() - 3), (3, 1));
        // inside a character: its start
        assert_eq!(f.line_col(2 + 1), (2, 1));
    }

    #[test]
    fn byte_order_mark_and_lone_cr_are_set_aside_and_given_back() {
        let f = SourceFile::from_stored("a.md", "\u{feff}---\rtitle: 修\r---\r中文\r".into());
        assert_eq!(f.text, "---\ntitle: 修\n---\n中文\n");
        assert!(f.stored.bom && f.stored.cr_lines && !f.stored.mixed_lines);
        assert_eq!(f.line_col(f.text.find("中").unwrap()), (4, 1));
        assert_eq!(
            f.stored_text(&f.text.replace("中文", "中文。")),
            "\u{feff}---\rtitle: 修\r---\r中文。\r"
        );
        let crlf = SourceFile::from_stored("b.md", "a\r\nb\r\n".into());
        assert_eq!(crlf.text, "a\r\nb\r\n");
        assert_eq!(crlf.stored, Stored::default());
        assert_eq!(crlf.stored_text(&crlf.text), "a\r\nb\r\n");
        let mixed = SourceFile::from_stored("c.md", "a\rb\nc".into());
        assert_eq!(mixed.text, "a\nb\nc");
        assert!(mixed.stored.mixed_lines && !mixed.stored.cr_lines);
    }
}
