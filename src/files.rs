//! How the library reads a book's files: the [`Files`] trait, an in-memory implementation for
//! tests and fuzzing, and the filesystem one the CLI uses (which refuses paths that leave the book).

use std::collections::BTreeMap;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Markdown of a large book, its images).
    fn read_shared(&self, path: &str) -> io::Result<Bytes> {
        self.read(path).map(Bytes::from)
    }
    /// The files directly in the book folder, sorted by name.
    fn list(&self) -> io::Result<Vec<String>>;
    /// What a folder of the book holds (`""`: the book folder), sorted by name: files by name,
    /// folders by name and a trailing `/`. Hidden entries (`.git`) are left out.
    fn list_dir(&self, dir: &str) -> io::Result<Vec<String>>;
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
    /// The bytes from `start` on, sharing these (a file's text after its byte order mark: a
    /// mapped file stays mapped).
    pub fn tail(&self, start: usize) -> Bytes {
        Bytes::new(Tail(self.clone(), start.min(self.len())))
    }
}

/// The bytes of another from an offset on ([`Bytes::tail`]).
struct Tail(Bytes, usize);

impl Backing for Tail {
    fn bytes(&self) -> &[u8] {
        &self.0[self.1..]
    }
    fn release(&self, range: Range<usize>) {
        self.0.release(range.start + self.1..range.end + self.1)
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
        // rounded out to whole 2 MiB windows: a fault maps the cached pages around it (64 KiB
        // of fault-around, a whole large folio of up to 2 MiB on ext4 or xfs), so a part given
        // back page by page or 64 KiB at a time comes back as soon as its neighbour is read and
        // then stays; a page still being read elsewhere is read again from the page cache
        let window = 2 << 20;
        let (first, last) = (start / window * window, end.div_ceil(window) * window);
        // the range must lie within the mapped bytes (memmap2 refuses a longer one); the
        // system rounds it out to the page after the last byte
        let last = last.min(self.0.len());
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
/// with SIGBUS): the CLI maps fonts and, for a one-shot build, large sources and images;
/// `watch` reads.
pub fn map(path: &Path) -> io::Result<Bytes> {
    let (file, meta) = open_regular(path)?;
    map_open(&file, &meta)
}

/// [`map`] for a file opened already.
fn map_open(file: &std::fs::File, meta: &std::fs::Metadata) -> io::Result<Bytes> {
    if meta.len() == 0 {
        return Ok(Bytes::from(Vec::new()));
    }
    // SAFETY: read-only; see the note above on truncation
    let map = unsafe { memmap2::Mmap::map(file)? };
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
    fn list_dir(&self, dir: &str) -> io::Result<Vec<String>> {
        let prefix = match dir.trim_end_matches('/') {
            "" => String::new(),
            d => format!("{d}/"),
        };
        let mut out: Vec<String> = Vec::new();
        for k in self.0.keys() {
            let Some(rest) = k.strip_prefix(&prefix) else {
                continue;
            };
            let entry = match rest.split_once('/') {
                Some((d, _)) => format!("{d}/"),
                None => rest.to_string(),
            };
            if !entry.starts_with('.') && out.last() != Some(&entry) && !out.contains(&entry) {
                out.push(entry);
            }
        }
        if out.is_empty() && !prefix.is_empty() {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        }
        out.sort();
        Ok(out)
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
    /// Map files at least this large ([`Files::read_shared`]) instead of reading them, and
    /// smaller ones too once the budget of bytes to read is spent.
    map_from: Option<(u64, Arc<AtomicU64>)>,
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

    /// Map the files [`Files::read_shared`] reads when they are at least `bytes` large, and
    /// any file once `budget` bytes of smaller ones were read: a book of many small files is
    /// not held whole (a mapped file gives back the pages the build is done with), and a
    /// smaller book does not pay for mapping each file (a few syscalls and page faults a file:
    /// a tenth of the time of a book of 2000 files). The files must not be truncated while the
    /// book is built (see [`map`]): the CLI maps them for a one-shot build only.
    pub fn mapping_from(self, bytes: u64, budget: u64) -> Self {
        FsFiles {
            map_from: Some((bytes, Arc::new(AtomicU64::new(budget)))),
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
        // resolved and opened once, read or mapped by its size
        let (file, meta) = open_regular(&self.resolve(path)?)?;
        let mapped = self.map_from.as_ref().is_some_and(|(min, budget)| {
            let len = meta.len();
            len >= *min
                || budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                        left.checked_sub(len)
                    })
                    .is_err()
        });
        if mapped {
            map_open(&file, &meta)
        } else {
            read_open(file, &meta).map(Bytes::from)
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
    fn list_dir(&self, dir: &str) -> io::Result<Vec<String>> {
        let p = if dir.is_empty() {
            self.canonical.clone()
        } else {
            self.resolve(dir)?
        };
        let mut names = Vec::new();
        for e in std::fs::read_dir(p)? {
            let e = e?;
            let Some(n) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if n.starts_with('.') {
                continue;
            }
            // a symbolic link counts as what it points at
            let is_dir = std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir());
            names.push(if is_dir { format!("{n}/") } else { n });
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
    let (file, meta) = open_regular(path)?;
    read_open(file, &meta)
}

/// [`read_regular`] for a file opened already.
fn read_open(mut file: std::fs::File, meta: &std::fs::Metadata) -> io::Result<Vec<u8>> {
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

/// Whether the book has a file at `path` (as its folder lists it: nothing is read).
pub fn exists(files: &dyn Files, path: &str) -> bool {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    files
        .list_dir(dir)
        .is_ok_and(|l| l.iter().any(|n| n == name))
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

/// Resolve `rel` (as written in the file `here`; both relative to the book folder,
/// `/`-separated) to a path in the book: `..` is fine while the result stays inside the book
/// folder. A path starting with `/` is taken from `site_root` (the folder a static site
/// publishes at its root: `source/` for Hexo, `static/` for Hugo, `""` for the book folder).
pub fn resolve(here: &str, rel: &str, site_root: &str) -> Result<String, &'static str> {
    if rel.starts_with('\\') || rel.get(1..2) == Some(":") || rel.starts_with("//") {
        return Err("is an absolute path: it must be inside the book folder");
    }
    let (mut parts, rel): (Vec<&str>, &str) = match rel.strip_prefix('/') {
        Some(r) => (site_root.split('/').filter(|p| !p.is_empty()).collect(), r),
        None => {
            let mut p: Vec<&str> = here.split('/').collect();
            p.pop();
            (p, rel)
        }
    };
    parts.retain(|p| !p.is_empty() && *p != ".");
    for p in rel.split(['/', '\\']) {
        match p {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err("is outside the book folder");
                }
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
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
pub(crate) mod tests {
    use super::*;

    /// Which pages of `bytes` are mapped into this process (Linux's `/proc/self/pagemap`:
    /// bit 63 of each page's entry).
    #[cfg(target_os = "linux")]
    pub(crate) fn mapped_pages(bytes: &[u8]) -> Vec<bool> {
        use std::io::{Read, Seek, SeekFrom};
        let page = 4096;
        let first = bytes.as_ptr() as usize / page;
        let count = bytes.len().div_ceil(page);
        let mut f = std::fs::File::open("/proc/self/pagemap").unwrap();
        f.seek(SeekFrom::Start(first as u64 * 8)).unwrap();
        let mut raw = vec![0u8; count * 8];
        f.read_exact(&mut raw).unwrap();
        raw.chunks(8)
            .map(|e| u64::from_le_bytes(e.try_into().unwrap()) >> 63 == 1)
            .collect()
    }

    /// Files read through others, each file's bytes handed to `seen` (its path, the bytes),
    /// which tells what was read or gives other bytes in their place.
    pub(crate) struct Watched<'a, F> {
        pub files: &'a dyn Files,
        pub seen: F,
    }

    impl<F: Fn(&str, Bytes) -> Bytes + Sync> Files for Watched<'_, F> {
        fn read(&self, path: &str) -> io::Result<Vec<u8>> {
            let bytes = Bytes::from(self.files.read(path)?);
            Ok((self.seen)(path, bytes).to_vec())
        }
        fn read_shared(&self, path: &str) -> io::Result<Bytes> {
            Ok((self.seen)(path, self.files.read_shared(path)?))
        }
        fn list(&self) -> io::Result<Vec<String>> {
            self.files.list()
        }
        fn list_dir(&self, dir: &str) -> io::Result<Vec<String>> {
            self.files.list_dir(dir)
        }
        fn name(&self, path: &str) -> String {
            self.files.name(path)
        }
    }

    /// A released part of a mapped file is given back with the whole 2 MiB window around it
    /// (a window given back 64 KiB at a time came back whole as its neighbours were read: a
    /// 200 MB book kept 11 MiB of its text mapped through the second pass).
    #[test]
    #[cfg(target_os = "linux")]
    fn release_gives_back_whole_windows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.md");
        std::fs::write(&path, vec![b'x'; 8 << 20]).unwrap();
        let bytes = map(&path).unwrap();
        let sum: u64 = bytes.iter().step_by(4096).map(|&b| u64::from(b)).sum();
        assert_eq!(sum, u64::from(b'x') * 2048);
        assert!(
            mapped_pages(&bytes).iter().all(|&m| m),
            "all read, all mapped"
        );
        // a 10 KB piece inside the third window
        bytes.release((4 << 20) + 5000..(4 << 20) + 15000);
        let mapped = mapped_pages(&bytes);
        let window = 512; // pages
        assert!(mapped[..2 * window].iter().all(|&m| m), "before: kept");
        assert!(
            mapped[2 * window..3 * window].iter().all(|&m| !m),
            "its window: given back"
        );
        assert!(mapped[3 * window..].iter().all(|&m| m), "after: kept");
    }

    /// A file smaller than a window is given back whole, its last page too (memmap2 refuses
    /// a range longer than the mapped bytes: rounded up to whole pages, nothing was given
    /// back, and a book of 20000 small files stayed mapped whole).
    #[test]
    #[cfg(target_os = "linux")]
    fn a_small_file_is_given_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("small.md");
        std::fs::write(&path, vec![b'x'; 10_000]).unwrap();
        let bytes = map(&path).unwrap();
        assert_eq!(
            bytes.iter().map(|&b| usize::from(b)).sum::<usize>(),
            120 * 10_000
        );
        assert_eq!(mapped_pages(&bytes), [true; 3]);
        bytes.release(0..10);
        assert_eq!(mapped_pages(&bytes), [false; 3]);
    }

    /// `hanpub build` reads small files until its budget is spent, then maps them; files at
    /// least `bytes` large are always mapped.
    #[test]
    #[cfg(target_os = "linux")]
    fn small_files_are_read_until_the_budget_is_spent() {
        let dir = tempfile::tempdir().unwrap();
        for (name, len) in [("a.md", 6000), ("b.md", 6000), ("big.md", 20_000)] {
            std::fs::write(dir.path().join(name), vec![b'x'; len]).unwrap();
        }
        let files = FsFiles::new(dir.path(), "book")
            .unwrap()
            .mapping_from(16_000, 10_000);
        // a mapped file's pages stay in this process once read; a read one's are memory
        let mapped = |name: &str| {
            let b = files.read_shared(name).unwrap();
            let _ = b.iter().map(|&b| usize::from(b)).sum::<usize>();
            b.release(0..b.len());
            !mapped_pages(&b).iter().any(|&m| m)
        };
        assert!(!mapped("a.md"), "within the budget: read");
        assert!(mapped("b.md"), "past the budget: mapped");
        assert!(mapped("big.md"), "large: mapped");
        let unbudgeted = FsFiles::new(dir.path(), "book").unwrap();
        let b = unbudgeted.read_shared("big.md").unwrap();
        b.release(0..b.len());
        assert!(
            mapped_pages(&b).iter().all(|&m| m),
            "watch reads every file"
        );
    }

    /// Loading reads every file (checks it, finds its front matter), then gives a mapped
    /// one back: a book of many small files is not held whole until the build parses it.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_loaded_book_holds_none_of_its_mapped_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("metadata.yaml"),
            "title: 書\nlang: zh-Hant\n",
        )
        .unwrap();
        for n in 1..=5 {
            let text = format!(
                "---\ntitle: 第{n}篇\n---\n\n## 第{n}章\n\n{}\n",
                "字".repeat(3000)
            );
            std::fs::write(dir.path().join(format!("{n:02}.md")), text).unwrap();
        }
        let files = FsFiles::new(dir.path(), "book")
            .unwrap()
            .mapping_from(1 << 20, 0);
        let project = crate::load(&files, &BookEntry::Dir).unwrap();
        assert_eq!(project.sources.len(), 5);
        for s in &project.sources {
            let pages = mapped_pages(s.file.text.as_bytes());
            assert_eq!(pages, [false; 3], "{}", s.path);
        }
    }

    /// While a site's posts are read (one at a time, for their front matter), the posts read
    /// before are given back: a site of 20000 posts peaked at 285 MiB, every post mapped.
    #[test]
    #[cfg(target_os = "linux")]
    fn reading_posts_holds_one_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("_config.yml"),
            "title: 站\nlanguage: zh-TW\n",
        )
        .unwrap();
        let posts = dir.path().join("source/_posts");
        std::fs::create_dir_all(&posts).unwrap();
        for n in 1..=6 {
            let text = format!(
                "---\ntitle: 第{n}篇\ndate: 2020-01-0{n}\n---\n\n{}\n",
                "字".repeat(3000)
            );
            std::fs::write(posts.join(format!("{n}.md")), text).unwrap();
        }
        let fs = FsFiles::new(dir.path(), "site")
            .unwrap()
            .mapping_from(1 << 20, 0);
        // at each post read, how many of those read before are still mapped
        let read = std::sync::Mutex::new(Vec::<Bytes>::new());
        let most = std::sync::atomic::AtomicUsize::new(0);
        let files = Watched {
            files: &fs,
            seen: |path: &str, bytes: Bytes| {
                if path.ends_with(".md") {
                    let mut read = read.lock().unwrap();
                    let held = read
                        .iter()
                        .filter(|b| mapped_pages(b).iter().any(|&m| m))
                        .count();
                    most.fetch_max(held, Ordering::Relaxed);
                    read.push(bytes.clone());
                }
                bytes
            },
        };
        let project = crate::load(&files, &BookEntry::Dir).unwrap();
        assert_eq!(project.sources.len(), 6);
        assert_eq!(read.lock().unwrap().len(), 6, "each post read once");
        assert_eq!(
            most.load(Ordering::Relaxed),
            0,
            "none held while the next is read"
        );
    }

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
    fn paths_resolve_inside_the_book() {
        assert_eq!(
            resolve("ch/a.md", "../assets/f.png", ""),
            Ok("assets/f.png".into())
        );
        assert_eq!(resolve("a.md", "./img/x.png", ""), Ok("img/x.png".into()));
        assert!(resolve("ch/a.md", "../../f.png", "").is_err());
        assert_eq!(
            resolve("source/_posts/p.md", "/img/cors/a.png", "source"),
            Ok("source/img/cors/a.png".into())
        );
        assert_eq!(resolve("p.md", "/img/a.png", ""), Ok("img/a.png".into()));
        assert!(resolve("p.md", "/../x", "").is_err());
        assert!(resolve("p.md", "C:\\x", "").is_err());
        let m = MemFiles::from([
            ("a.md", ""),
            ("d/b.md", ""),
            ("d/e/c.md", ""),
            (".git/x", ""),
        ]);
        assert_eq!(m.list_dir("").unwrap(), ["a.md", "d/"]);
        assert_eq!(m.list_dir("d").unwrap(), ["b.md", "e/"]);
        assert!(m.list_dir("nope").is_err());
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
