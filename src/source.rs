//! A source file of the book (Markdown or book.toml): its text as the stages see it (byte order
//! mark set aside, lone-CR line breaks read as LF), how it was stored, and byte offset →
//! line:column, in time proportional to the distance from the line start even on very long lines;
//! for a text whose includes were expanded (mdBook's `{{#include}}`), the way back to the file
//! as it is on disk.

use std::ops::Range;
use std::str::Utf8Error;
use std::sync::{Arc, OnceLock};

use crate::files::Bytes;

/// The text of a source file: UTF-8 (checked when made), shared and cheap to clone; held in
/// memory, or mapped from its file by the CLI ([`Bytes`]), in which case [`Text::release`]
/// gives back the memory of a part the build is done with (read again from the file when
/// needed): a 200 MB book need not be in memory at once.
#[derive(Clone)]
pub struct Text(Bytes);

/// Text is checked (and, when mapped, given back) in blocks of this size (a multiple of the
/// column index's [`BLOCK`]).
pub(crate) const CHECK_BLOCK: usize = 8 << 20;
const _: () = assert!(CHECK_BLOCK.is_multiple_of(BLOCK));

impl Text {
    /// `bytes` as text, or where the first byte that is not UTF-8 is.
    pub fn from_utf8(bytes: Bytes) -> Result<Text, Utf8Error> {
        let mut at = 0;
        while at < bytes.len() {
            let (start, end) = (at, (at + CHECK_BLOCK).min(bytes.len()));
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
            // a text of one block is given back once by whoever loads it
            if bytes.len() > CHECK_BLOCK {
                bytes.release(start..at);
            }
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
            let end = floor_char_boundary(self, (at + CHECK_BLOCK).min(range.end));
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
    /// The text: without a leading byte order mark, every lone CR (old Mac line break) read as
    /// `\n` (byte for byte, so offsets into the stored file and into this text agree after the
    /// mark).
    pub text: Text,
    /// How the file was stored, so that a rewrite (`check --fix`) gives it back the same way.
    pub stored: Stored,
    /// Where its lines start, found when a message first needs them.
    index: OnceLock<Index>,
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

/// Where the lines of a text start.
#[derive(Debug, Clone)]
struct Index {
    /// Byte offset of the start of every line.
    line_starts: LineStarts,
    /// For files with a line longer than [`BLOCK`] bytes: the number of characters before every
    /// multiple of [`BLOCK`] bytes, so a column is found without counting from the line start.
    chars_before_block: Vec<usize>,
}

/// Byte offsets of the starts of a text's lines: 4 bytes each (8 in a text of 4 GiB or more),
/// 14 MB for the 3.5 million lines of a 200 MB book.
#[derive(Debug, Clone)]
enum LineStarts {
    Narrow(Vec<u32>),
    Wide(Vec<usize>),
}

impl LineStarts {
    fn of(text: &Text) -> LineStarts {
        let newlines =
            |r: Range<usize>| memchr_newlines(&text[r.clone()]).map(move |i| r.start + i + 1);
        if u32::try_from(text.len()).is_ok() {
            let mut starts = vec![0u32];
            text.in_blocks(0..text.len(), |r| {
                starts.extend(newlines(r).map(|s| s as u32));
            });
            LineStarts::Narrow(starts)
        } else {
            let mut starts = vec![0];
            text.in_blocks(0..text.len(), |r| starts.extend(newlines(r)));
            LineStarts::Wide(starts)
        }
    }

    /// Where the line at `index` (0-based) starts.
    fn get(&self, index: usize) -> Option<usize> {
        match self {
            LineStarts::Narrow(v) => v.get(index).map(|&s| s as usize),
            LineStarts::Wide(v) => v.get(index).copied(),
        }
    }

    fn len(&self) -> usize {
        match self {
            LineStarts::Narrow(v) => v.len(),
            LineStarts::Wide(v) => v.len(),
        }
    }

    /// The 0-based line `offset` is on.
    fn line_of(&self, offset: usize) -> usize {
        let after = match self {
            LineStarts::Narrow(v) => v.partition_point(|&s| s as usize <= offset),
            LineStarts::Wide(v) => v.partition_point(|&s| s <= offset),
        };
        after - 1
    }
}

impl Index {
    fn of(text: &Text) -> Index {
        let line_starts = LineStarts::of(text);
        let starts = (0..line_starts.len()).filter_map(|i| line_starts.get(i));
        let ends = starts.clone().skip(1).chain([text.len()]);
        let long_line = starts.zip(ends).any(|(start, end)| end - start > BLOCK);
        let chars_before_block = if long_line {
            let mut total = 0;
            let mut marks = Vec::with_capacity(text.len() / BLOCK + 1);
            // through the text a check block at a time (a multiple of `BLOCK`), each given back
            // when counted: a 200 MB book with one message kept all its pages mapped
            let bytes = text.as_bytes();
            for at in (0..bytes.len()).step_by(CHECK_BLOCK) {
                let end = (at + CHECK_BLOCK).min(bytes.len());
                for block in bytes[at..end].chunks(BLOCK) {
                    marks.push(total);
                    total += count_chars(block);
                }
                text.release(at..end);
            }
            marks.push(total);
            marks
        } else {
            Vec::new()
        };
        Index {
            line_starts,
            chars_before_block,
        }
    }
}

impl PartialEq for SourceFile {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.text == other.text && self.stored == other.stored
    }
}

impl Eq for SourceFile {}

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
    pub fn new(name: impl Into<String>, text: impl Into<Text>) -> Self {
        Self::with_stored(name.into(), text.into(), Stored::default())
    }

    /// A file as read from the disk ([`SourceFile::from_stored`]); a text with neither a byte
    /// order mark nor a lone CR is kept as it is (a mapped file stays mapped).
    pub fn from_text(name: impl Into<String>, text: Text) -> Self {
        let mut lone_cr = false;
        let mut scan = |r: Range<usize>| {
            let b = text.as_bytes();
            lone_cr = lone_cr
                || memchr::memchr_iter(b'\r', &b[r.clone()])
                    .any(|i| b.get(r.start + i + 1) != Some(&b'\n'));
        };
        // a text of one block is given back once by whoever loads it (a syscall each time)
        if text.len() > CHECK_BLOCK {
            text.in_blocks(0..text.len(), scan);
        } else {
            scan(0..text.len());
        }
        if lone_cr {
            return Self::from_stored(name, text.to_string());
        }
        if text.starts_with('\u{feff}') {
            // the text after the mark, not a copy: a 200 MB file saved with one is not held
            let stored = Stored {
                bom: true,
                ..Stored::default()
            };
            return Self::with_stored(name.into(), Text(text.0.tail(3)), stored);
        }
        Self::with_stored(name.into(), text, Stored::default())
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
        Self::with_stored(name.into(), text.into(), stored)
    }

    fn with_stored(name: String, text: Text, stored: Stored) -> Self {
        SourceFile {
            name,
            text,
            stored,
            index: OnceLock::new(),
            origin: None,
        }
    }

    /// `text`, made from the file `on_disk` by expanding includes; `lines` gives, for each line
    /// of `text`, the 1-based line on disk it comes from and whether it was included. Messages
    /// about the text then point at the file on disk.
    pub fn expanded(on_disk: SourceFile, text: String, lines: Vec<(u32, bool)>) -> Self {
        let mut f = Self::with_stored(on_disk.name.clone(), text.into(), on_disk.stored);
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

    /// Whether `offset` of this text is on a line an expansion wrote (an included file, a
    /// template tag), not one of the file on disk as it is.
    pub fn is_expanded_at(&self, offset: usize) -> bool {
        let Some(o) = &self.origin else {
            return false;
        };
        let line = self
            .index()
            .line_starts
            .line_of(offset.min(self.text.len()));
        matches!(o.lines.get(line), Some(&(_, true)))
    }

    /// The file on disk and the span there of `span` of this text: the same place on a line of
    /// its own, the directive's line for an included one.
    pub fn on_disk_span(&self, span: Range<usize>) -> (&SourceFile, Range<usize>) {
        let Some(o) = &self.origin else {
            return (self, span);
        };
        let start = span.start.min(self.text.len());
        let starts = &self.index().line_starts;
        let line = starts.line_of(start);
        let disk = &o.file;
        match o.lines.get(line) {
            Some(&(l, false)) => {
                let on = disk.line_range(l as usize);
                let line_start = starts.get(line).unwrap_or(start);
                let at = (on.start + (start - line_start)).min(on.end);
                let end = (at + span.end.saturating_sub(start)).min(on.end).max(at);
                (disk, at..end)
            }
            Some(&(l, true)) => (disk, disk.line_range(l as usize)),
            None => (self, span),
        }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::of(&self.text))
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
        self.index().chars_before_block[block]
            + count_chars(&self.text.as_bytes()[block * BLOCK..offset])
    }

    /// 1-based line and column (in characters) of a byte offset; for an expanded text, the
    /// line on disk (an included line: its directive's line, column 1).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let (line, col) = self.own_line_col(offset);
        match self.origin.as_ref().and_then(|o| o.lines.get(line - 1)) {
            Some(&(l, false)) => (l as usize, col),
            Some(&(l, true)) => (l as usize, 1),
            None => (line, col),
        }
    }

    fn own_line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let index = self.index();
        let line = index.line_starts.line_of(offset);
        let start = index.line_starts.get(line).unwrap_or(offset);
        let col = if offset - start > BLOCK && !index.chars_before_block.is_empty() {
            self.chars_before(offset) - self.chars_before(start)
        } else {
            count_chars(&self.text.as_bytes()[start..offset])
        };
        (line + 1, col + 1)
    }

    /// Byte range of a 1-based line, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let starts = &self.index().line_starts;
        let Some(start) = starts.get(line.wrapping_sub(1)) else {
            return self.text.len()..self.text.len();
        };
        let end = starts.get(line).unwrap_or(self.text.len());
        let text = self.text[start..end].trim_end_matches(['\n', '\r']);
        start..start + text.len()
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: usize) -> &str {
        &self.text[self.line_range(line)]
    }

    /// Byte offset of a 1-based line and column (columns in characters).
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(start) = self.index().line_starts.get(line.wrapping_sub(1)) else {
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

    /// The 8-byte line index (a text of 4 GiB or more) finds the same lines as the 4-byte one.
    #[test]
    fn wide_and_narrow_line_starts_agree() {
        let text = Text::from("a\n\nbc\n長長\nd".to_string());
        let narrow = LineStarts::of(&text);
        let LineStarts::Narrow(v) = &narrow else {
            panic!("a short text has the narrow index")
        };
        let wide = LineStarts::Wide(v.iter().map(|&s| s as usize).collect());
        assert_eq!(narrow.len(), 5);
        for offset in 0..=text.len() {
            assert_eq!(narrow.line_of(offset), wide.line_of(offset), "at {offset}");
        }
        for i in 0..=5 {
            assert_eq!(narrow.get(i), wide.get(i));
        }
        assert_eq!(wide.line_of(3), 2);
    }

    /// Finding a line and column in a mapped text with long lines (the column index counts the
    /// characters of the whole text) leaves none of its pages mapped: a 200 MB book with one
    /// message kept all 200 MB mapped through its second pass (here all 5865 pages, before).
    #[test]
    #[cfg(target_os = "linux")]
    fn a_message_in_a_mapped_text_gives_its_pages_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.md");
        let line = format!("{}\n", "長".repeat(400));
        std::fs::write(&path, line.repeat(20_000)).unwrap();
        let text = Text::from_utf8(crate::files::map(&path).unwrap()).unwrap();
        let file = SourceFile::from_text("long.md", text);
        let offset = file.text.len() - 600;
        assert_eq!(file.line_col(offset), (20_000, 201));
        // the line asked about was read: the pages around it (a fault-around window) are mapped
        let mapped = crate::files::tests::mapped_pages(file.text.as_bytes());
        let count = mapped.iter().filter(|&&m| m).count();
        assert!(count <= 16, "{count} of {} pages mapped", mapped.len());
    }

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
        assert_eq!(f.on_disk().text, "x\n{{#include b}}\ny\n");
        assert_eq!(f.on_disk_span(3..5).1, 2..16);
        assert_eq!(f.on_disk_span(8..9).1, 17..18);
    }

    #[test]
    fn columns_on_very_long_lines_use_the_index() {
        let line: String = "中a".repeat(10_000);
        let text = format!("x\n{line}\n中");
        let f = SourceFile::new("a.md", text.clone());
        assert!(!f.index().chars_before_block.is_empty());
        for (k, (i, _)) in line.char_indices().enumerate().step_by(997) {
            assert_eq!(f.line_col(2 + i), (2, k + 1));
        }
        assert_eq!(f.line_col(text.len() - 3), (3, 1));
        // inside a character: its start
        assert_eq!(f.line_col(2 + 1), (2, 1));
    }

    /// A file read with a byte order mark keeps its bytes: the text is the part after the
    /// mark, not a copy (a 200 MB book saved with one peaked at 406 MiB, now as without it).
    #[test]
    fn the_text_after_a_byte_order_mark_is_not_copied() {
        let bytes = Bytes::from("\u{feff}## 一\n\n中文\n".as_bytes().to_vec());
        let f = SourceFile::from_text("a.md", Text::from_utf8(bytes.clone()).unwrap());
        assert_eq!(f.text, "## 一\n\n中文\n");
        assert_eq!(f.text.as_ptr(), bytes[3..].as_ptr(), "the same bytes");
        assert_eq!(
            f.stored,
            Stored {
                bom: true,
                ..Stored::default()
            }
        );
        assert_eq!(f.line_col(f.text.find("中").unwrap()), (3, 1));
        assert_eq!(f.stored_text(&f.text), "\u{feff}## 一\n\n中文\n");
        // a lone CR is read as a line break: then the text is a copy
        let cr = Bytes::from("\u{feff}a\rb".as_bytes().to_vec());
        let f = SourceFile::from_text("b.md", Text::from_utf8(cr).unwrap());
        assert_eq!(f.text, "a\nb");
        assert!(f.stored.bom && f.stored.cr_lines);
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
