//! A source file of the book (Markdown or book.toml) and byte offset → line:column.

use std::ops::Range;
use std::str::Utf8Error;
use std::sync::OnceLock;

use crate::files::Bytes;

/// The text of a source file: UTF-8 (checked when made), shared and cheap to clone; held in
/// memory, or mapped from its file by the CLI ([`Bytes`]), in which case [`Text::release`]
/// gives back the memory of a part the build is done with (read again from the file when
/// needed): a 200 MB book need not be in memory at once.
#[derive(Clone)]
pub struct Text(Bytes);

/// Text is checked (and, when mapped, given back) in blocks of this size.
const BLOCK: usize = 8 << 20;

impl Text {
    /// `bytes` as text, or where the first byte that is not UTF-8 is.
    pub fn from_utf8(bytes: Bytes) -> Result<Text, Utf8Error> {
        let mut at = 0;
        while at < bytes.len() {
            let (start, end) = (at, (at + BLOCK).min(bytes.len()));
            at = match simdutf8::compat::from_utf8(&bytes[start..end]) {
                Ok(_) => end,
                // a character cut by the end of the block: check it with the next one
                Err(e) if e.error_len().is_none() && end < bytes.len() && e.valid_up_to() > 0 => {
                    start + e.valid_up_to()
                }
                // the standard library names the first bad byte
                Err(_) => match std::str::from_utf8(&bytes) {
                    Err(e) => return Err(e),
                    Ok(_) => bytes.len(),
                },
            };
            bytes.release(start..at);
        }
        Ok(Text(bytes))
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: checked to be UTF-8 when made (`from_utf8`, or from a `String`)
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The build is done with `range` for now: a mapped text gives its memory back.
    pub fn release(&self, range: Range<usize>) {
        self.0.release(range)
    }

    /// Apply `f` to `range` block by block, giving each block back when done (see
    /// [`Text::release`]).
    pub fn in_blocks(&self, range: Range<usize>, mut f: impl FnMut(Range<usize>)) {
        let mut at = range.start;
        while at < range.end {
            let end = floor_char_boundary(self, (at + BLOCK).min(range.end));
            let end = if end <= at { range.end } else { end };
            f(at..end);
            self.release(at..end);
            at = end;
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Bytes::from(s.into_bytes()))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::from(s.to_string())
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::from(s.clone())
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// A text file of the book, with the path shown to the user.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown in messages (relative to the working directory, `/`-separated).
    pub name: String,
    pub text: Text,
    /// Byte offset of the start of every line, found when a message first needs them.
    line_starts: OnceLock<Vec<usize>>,
}

impl PartialEq for SourceFile {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.text == other.text
    }
}

impl Eq for SourceFile {}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Text>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            self.text.in_blocks(0..self.text.len(), |r| {
                starts.extend(memchr_newlines(&self.text[r.clone()]).map(|i| r.start + i + 1))
            });
            starts
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = starts[line];
        let col = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count();
        (line + 1, col + 1)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: usize) -> &str {
        let starts = self.line_starts();
        let Some(&start) = starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset of a 1-based line and column (columns in characters).
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts().get(line.wrapping_sub(1)) else {
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
}
