//! How the library reads a book's files: the [`Files`] trait, an in-memory implementation for
//! tests and fuzzing, and the filesystem one the CLI uses (which refuses paths that leave the book).

use std::collections::BTreeMap;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostics::Diagnostic;
use crate::source::{SourceFile, Text};

/// What the user pointed hanpub at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookEntry {
    /// A book folder (with book.toml, metadata.yaml, or one Markdown file).
    Dir,
    /// One Markdown file with front matter, relative to the book folder.
    File(String),
}

/// Read access to the files of one book. Paths are relative to the book folder, `/`-separated.
pub trait Files: Sync {
    fn read(&self, path: &str) -> io::Result<Vec<u8>>;
    /// [`Files::read`], into bytes that may be mapped from the file rather than read (the
    /// Markdown of a large book).
    fn read_shared(&self, path: &str) -> io::Result<Bytes> {
        self.read(path).map(Bytes::from)
    }
    /// The files directly in the book folder, sorted by name.
    fn list(&self) -> io::Result<Vec<String>>;
    /// The path as shown to the user (`book/article.md`).
    fn name(&self, path: &str) -> String;
}

/// The bytes of a file, shared and cheap to clone: held in memory, or mapped from the disk by
/// the CLI (a 25 MB font collection of which a cover needs a few pages; a book larger than the
/// memory a build should take).
#[derive(Clone)]
pub struct Bytes(Arc<dyn Backing>);

/// What holds the bytes of a [`Bytes`].
pub trait Backing: Send + Sync {
    fn bytes(&self) -> &[u8];
    /// `range` will not be read for a while: a mapping may give its pages back to the system
    /// (they are read again from the file when needed). Memory does nothing.
    fn release(&self, _range: Range<usize>) {}
}

impl Backing for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
}

impl Bytes {
    pub fn new(backing: impl Backing + 'static) -> Self {
        Bytes(Arc::new(backing))
    }
    /// See [`Backing::release`].
    pub fn release(&self, range: Range<usize>) {
        self.0.release(range)
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.bytes()
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Self {
        Bytes::new(v)
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || **self == **other
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.len())
    }
}

/// A file mapped into memory: only the pages read are loaded, and [`Backing::release`] gives
/// them back.
struct Mapped(memmap2::Mmap);

impl Backing for Mapped {
    fn bytes(&self) -> &[u8] {
        &self.0
    }
    #[cfg(unix)]
    fn release(&self, range: Range<usize>) {
        let (start, end) = (range.start.min(self.0.len()), range.end.min(self.0.len()));
        // whole pages, rounded out: a page still being read elsewhere is read again from
        // the file
        let page = 4096;
        let (first, last) = (start / page * page, end.div_ceil(page) * page);
        let last = last.min(self.0.len().div_ceil(page) * page);
        if first < last {
            // SAFETY: a read-only shared mapping: the pages are read again from the file
            let _ = unsafe {
                self.0.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    first,
                    last - first,
                )
            };
        }
    }
}

/// Map a file into memory read-only (an empty file is read: it cannot be mapped).
///
/// The file must not be truncated while the bytes are in use (reading them would then fail
/// with SIGBUS): the CLI maps fonts and, for a one-shot build, large sources; `watch` reads.
pub fn map(path: &Path) -> io::Result<Bytes> {
    let (file, meta) = open_regular(path)?;
    if meta.len() == 0 {
        return Ok(Bytes::from(Vec::new()));
    }
    // SAFETY: read-only; see the note above on truncation
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(Bytes::new(Mapped(map)))
}

/// Files held in memory.
#[derive(Debug, Clone, Default)]
pub struct MemFiles(pub BTreeMap<String, Vec<u8>>);

impl<const N: usize, K: Into<String>, V: Into<Vec<u8>>> From<[(K, V); N]> for MemFiles {
    fn from(a: [(K, V); N]) -> Self {
        MemFiles(a.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

impl Files for MemFiles {
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }
    fn list(&self) -> io::Result<Vec<String>> {
        Ok(self
            .0
            .keys()
            .filter(|k| !k.contains('/'))
            .cloned()
            .collect())
    }
    fn name(&self, path: &str) -> String {
        path.to_string()
    }
}

/// The files of a book folder on disk.
#[derive(Debug, Clone)]
pub struct FsFiles {
    root: PathBuf,
    canonical: PathBuf,
    shown: String,
    /// Map files at least this large ([`Files::read_shared`]) instead of reading them.
    map_from: Option<u64>,
}

impl FsFiles {
    /// `shown` is how the folder is named in messages (as the user typed it).
    pub fn new(root: &Path, shown: &str) -> io::Result<Self> {
        Ok(FsFiles {
            root: root.to_path_buf(),
            canonical: root.canonicalize()?,
            shown: shown.trim_end_matches('/').to_string(),
            map_from: None,
        })
    }

    /// Map the files [`Files::read_shared`] reads when they are at least `bytes` large. The
    /// files must not be truncated while the book is built (see [`map`]): the CLI maps them
    /// for a one-shot build only.
    pub fn mapping_from(self, bytes: u64) -> Self {
        FsFiles {
            map_from: Some(bytes),
            ..self
        }
    }

    /// The book folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn resolve(&self, path: &str) -> io::Result<PathBuf> {
        check_relative(path).map_err(|why| io::Error::new(io::ErrorKind::PermissionDenied, why))?;
        let full = self.root.join(path);
        let canonical = full.canonicalize()?;
        if !canonical.starts_with(&self.canonical) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "is outside the book folder (through a symbolic link)",
            ));
        }
        Ok(canonical)
    }
}

impl Files for FsFiles {
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        read_regular(&self.resolve(path)?)
    }
    fn read_shared(&self, path: &str) -> io::Result<Bytes> {
        let p = self.resolve(path)?;
        match self.map_from {
            Some(min) if std::fs::metadata(&p)?.len() >= min => map(&p),
            _ => self.read(path).map(Bytes::from),
        }
    }
    fn list(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for e in std::fs::read_dir(&self.root)? {
            let e = e?;
            if e.file_type()?.is_file()
                && let Some(n) = e.file_name().to_str()
            {
                names.push(n.to_string());
            }
        }
        names.sort();
        Ok(names)
    }
    fn name(&self, path: &str) -> String {
        match (self.shown.as_str(), path) {
            ("" | ".", p) => p.to_string(),
            (s, "") => s.to_string(),
            (s, p) => format!("{s}/{p}"),
        }
    }
}

/// Read a regular file; a folder, FIFO, socket or device is refused with the reason, never
/// opened for reading (a FIFO would block until a writer comes; `/dev/zero` never ends). On
/// Unix the file is opened non-blocking and checked again on the open descriptor, so a file
/// swapped for a FIFO between the two checks is refused too.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let (mut file, meta) = open_regular(path)?;
    let mut data = Vec::with_capacity(meta.len() as usize);
    io::Read::read_to_end(&mut file, &mut data)?;
    Ok(data)
}

/// Open a regular file (without blocking on a FIFO), or say what else it is.
fn open_regular(path: &Path) -> io::Result<(std::fs::File, std::fs::Metadata)> {
    not_regular(&std::fs::metadata(path)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    let meta = file.metadata()?;
    not_regular(&meta)?;
    Ok((file, meta))
}

/// An error naming what a non-regular file is.
fn not_regular(meta: &std::fs::Metadata) -> io::Result<()> {
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(());
    }
    let what = if ft.is_dir() {
        "is a folder"
    } else {
        special_kind(&ft)
    };
    Err(io::Error::new(io::ErrorKind::InvalidInput, what))
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "is a FIFO (named pipe), not a regular file"
    } else if ft.is_char_device() || ft.is_block_device() {
        "is a device, not a regular file"
    } else if ft.is_socket() {
        "is a socket, not a regular file"
    } else {
        "is not a regular file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "is not a regular file"
}

/// Refuse absolute paths and paths that climb out of the book folder.
pub fn check_relative(path: &str) -> Result<(), &'static str> {
    if path.starts_with('/') || path.starts_with('\\') || path.get(1..2) == Some(":") {
        return Err("is an absolute path: it must be inside the book folder");
    }
    let mut depth = 0i32;
    for part in path.split(['/', '\\']) {
        match part {
            ".." => depth -= 1,
            "" | "." => {}
            _ => depth += 1,
        }
        if depth < 0 {
            return Err("is outside the book folder");
        }
    }
    Ok(())
}

/// A short reason for an I/O error, without the OS error number.
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied if e.get_ref().is_some() => e.to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e
            .get_ref()
            .map_or_else(|| e.kind().to_string(), |inner| inner.to_string()),
    }
}

/// The diagnostic for a file that could not be read.
pub fn read_error(files: &dyn Files, path: &str, e: &io::Error) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot read `{}`: {}",
        files.name(path),
        io_reason(e)
    ))
}

/// Bytes → text (a byte order mark and lone-CR line breaks set aside: [`SourceFile::from_stored`]),
/// or an error naming the line of the first invalid byte.
pub fn decode(name: String, bytes: impl Into<Bytes>) -> Result<SourceFile, Diagnostic> {
    let bytes = bytes.into();
    let e = match Text::from_utf8(bytes.clone()) {
        Ok(text) => return Ok(SourceFile::from_text(name, text)),
        Err(e) => e,
    };
    let at = e.valid_up_to();
    let line = memchr::memchr_iter(b'\n', &bytes[..at]).count() + 1;
    let col = String::from_utf8_lossy(
        &bytes[memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1)..at],
    )
    .chars()
    .count()
        + 1;
    Err(Diagnostic::error(format!(
        "`{name}` is not UTF-8 text: invalid byte 0x{:02X} at byte {at} (line {line}, column {col})",
        bytes[at]
    ))
    .with_hint("save the file as UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert!(check_relative("a/b.png").is_ok());
        assert!(check_relative("a/../b.png").is_ok());
        assert!(check_relative("../b.png").is_err());
        assert!(check_relative("a/../../b.png").is_err());
        assert!(check_relative("/etc/passwd").is_err());
        assert!(check_relative("C:\\x").is_err());
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let e = decode("a.md".into(), b"ok\nab\xFFc".to_vec()).unwrap_err();
        assert_eq!(
            e.message,
            "`a.md` is not UTF-8 text: invalid byte 0xFF at byte 5 (line 2, column 3)"
        );
    }
}
