//! Where an EPUB may be written, and writing it: never over one of the book's inputs (a chapter,
//! image, stylesheet, font, cover, book.toml, `--font`), never into the book's folder or a
//! folder under it, never onto a FIFO, device or folder; atomically (a locked temp file beside
//! it, renamed over it); and the temp files of runs killed mid-write cleaned up.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use hanpub::files::FsFiles;
use hanpub::{BookEntry, Diagnostic, Files};

use crate::Failure;

/// What the temp files hanpub writes are called: `.hanpub-` + six random characters + `.tmp`
/// (tempfile's default).
const TEMP_PREFIX: &str = ".hanpub-";
const TEMP_SUFFIX: &str = ".tmp";
const TEMP_RANDOM: usize = 6;
/// A temp file younger than this is never taken for stale (its writer may not have locked it yet).
const TEMP_MIN_AGE: Duration = Duration::from_secs(2);

/// Refuse an output path before anything is built: an existing folder, FIFO, socket or device;
/// a path inside the book folder (or a folder under it, existing or not) of a folder book;
/// the book's own Markdown file; or one of `inputs` (files the command line names: `--font`,
/// the system font the cover is drawn with).
pub fn refuse_unsafe_output(
    output: &Path,
    root: &Path,
    entry: &BookEntry,
    inputs: &[PathBuf],
) -> Result<(), Failure> {
    let shown = output.display();
    if let Ok(meta) = std::fs::metadata(output)
        && !meta.is_file()
    {
        let (what, hint) = if meta.is_dir() {
            (
                "is a folder".to_string(),
                format!(
                    "give a file name, e.g. -o {}",
                    output.join("book.epub").display()
                ),
            )
        } else {
            (
                format!("is {}, not a regular file", special_kind(&meta)),
                "give the path of an .epub file to create or replace".to_string(),
            )
        };
        return Err(refusal(format!("the output `{shown}` {what}"), hint));
    }
    let named = inputs.iter().map(|p| (p.display().to_string(), p.clone()));
    if let BookEntry::File(file) = entry {
        let book = root.join(file);
        let shown = if root == Path::new(".") {
            file.clone()
        } else {
            book.display().to_string()
        };
        refuse_inputs(output, named.chain([(shown, book)]))?;
        return Ok(());
    }
    refuse_inputs(output, named)?;
    if let (Some(out), Ok(root)) = (resolve(output), root.canonicalize())
        && out.starts_with(&root)
    {
        return Err(refusal(
            format!("the output `{shown}` is inside the book folder"),
            "write it elsewhere, e.g. -o out/book.epub".to_string(),
        ));
    }
    Ok(())
}

/// Refuse `output` when it is the same file as one of `inputs` (each as shown to the user, and
/// its path), by device and inode, so links and other spellings of the path are caught.
pub fn refuse_inputs(
    output: &Path,
    inputs: impl IntoIterator<Item = (String, PathBuf)>,
) -> Result<(), Failure> {
    let Ok(out) = std::fs::metadata(output) else {
        return Ok(()); // a file that does not exist is nobody's input
    };
    for (shown, input) in inputs {
        if std::fs::metadata(&input).is_ok_and(|m| same_file(&m, &out)) {
            let output = output.display().to_string();
            let also = if Path::new(&shown) == Path::new(&output) {
                String::new()
            } else {
                format!(" (`{shown}`)")
            };
            return Err(refusal(
                format!(
                    "the output `{output}` is an input of the book{also}: writing the EPUB there would destroy it"
                ),
                "write the EPUB elsewhere, e.g. -o out/book.epub".to_string(),
            ));
        }
    }
    Ok(())
}

fn refusal(message: String, hint: String) -> Failure {
    Failure::Book(vec![Diagnostic::error(message).with_hint(hint)])
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len()
        && a.modified().ok() == b.modified().ok()
        && a.created().ok() == b.created().ok()
}

#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::Metadata) -> &'static str {
    "a special file"
}

/// `path` made absolute with every symbolic link of its existing part resolved and `..` of the
/// rest applied: where a file written there would be, even under folders not yet created.
fn resolve(path: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(path).ok()?;
    let mut existing = abs.as_path();
    let mut rest: Vec<Component> = Vec::new();
    let base = loop {
        if let Ok(c) = existing.canonicalize() {
            break c;
        }
        rest.push(existing.components().next_back()?);
        existing = existing.parent()?;
    };
    let mut out = base;
    for c in rest.into_iter().rev() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// The book's files as the library reads them, remembering which were read: after a build they
/// are the inputs the output must not be.
pub struct Recording<'a> {
    files: &'a FsFiles,
    read: Mutex<BTreeSet<String>>,
}

impl<'a> Recording<'a> {
    pub fn new(files: &'a FsFiles) -> Self {
        Recording {
            files,
            read: Mutex::new(BTreeSet::new()),
        }
    }

    fn record(&self, path: &str) {
        self.read
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_string());
    }

    /// The files read so far: as shown to the user, and their paths on disk.
    pub fn inputs(&self) -> Vec<(String, PathBuf)> {
        let read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        read.iter()
            .map(|p| (self.files.name(p), self.files.root().join(p)))
            .collect()
    }
}

impl Files for Recording<'_> {
    fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        self.record(path);
        self.files.read(path)
    }
    fn read_shared(&self, path: &str) -> std::io::Result<hanpub::files::Bytes> {
        self.record(path);
        self.files.read_shared(path)
    }
    fn list(&self) -> std::io::Result<Vec<String>> {
        self.files.list()
    }
    fn name(&self, path: &str) -> String {
        self.files.name(path)
    }
}

/// The EPUB is written to a temporary file beside `path` and renamed over it: a reader never
/// sees half an EPUB, and a failed write leaves the old one. The temp file is locked while it
/// is written, so [`clean_stale_temps`] can tell it from one a killed run left. It is not
/// flushed to the disk first (a 13 MB EPUB's flush costs 10–20 ms; the sources stay the truth).
pub fn write_atomically(path: &Path, data: &[u8]) -> Result<(), Failure> {
    write_atomically_with(path, |file| file.write_all(data))
}

/// [`write_atomically`], the bytes written by `write`.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), Failure> {
    let dir = folder_of(path);
    let io = |e: std::io::Error| write_error(path, e);
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = temp_file(dir).map_err(io)?;
    write(tmp.as_file_mut()).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// An unnamed temporary file in the output's folder (so that copying it into the output stays
/// on one file system), gone when closed: the chapters of a streamed build go there first.
pub fn spool_beside(output: &Path) -> Result<std::fs::File, Failure> {
    let dir = folder_of(output);
    std::fs::create_dir_all(dir).map_err(|e| write_error(output, e))?;
    tempfile::tempfile_in(dir).map_err(|e| write_error(output, e))
}

pub fn write_error(path: &Path, e: std::io::Error) -> Failure {
    Failure::Io(anyhow::Error::new(e).context(format!("cannot write `{}`", path.display())))
}

/// A new temp file in `dir` named as [`clean_stale_temps`] expects, locked until it is dropped
/// or persisted.
pub fn temp_file(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .rand_bytes(TEMP_RANDOM)
        .tempfile_in(dir)?;
    // a file system without locks still gets its file; only the cleaning is more careful
    let _ = tmp.as_file().lock();
    Ok(tmp)
}

/// The folder a file path is in (`.` for a bare name).
pub fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Remove the temp files hanpub left in `dir` when it was killed while writing (SIGKILL, power
/// loss): only regular files named exactly as [`temp_file`] names them, not locked by a running
/// hanpub, and at least [`TEMP_MIN_AGE`] old. Returns how many were removed; errors are
/// ignored (cleaning is a courtesy).
pub fn clean_stale_temps(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_temp_name(name) {
            continue;
        }
        // not through a symbolic link, and only plain files
        let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= TEMP_MIN_AGE);
        if !meta.is_file() || !old {
            continue;
        }
        let Ok(file) = std::fs::File::open(e.path()) else {
            continue;
        };
        // a running hanpub holds the lock until the rename; a killed one holds nothing
        if file.try_lock().is_ok() && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// `.hanpub-` + [`TEMP_RANDOM`] ASCII letters or digits + `.tmp`.
fn is_temp_name(name: &str) -> bool {
    name.strip_prefix(TEMP_PREFIX)
        .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
        .is_some_and(|r| r.len() == TEMP_RANDOM && r.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names() {
        assert!(is_temp_name(".hanpub-a1B2c3.tmp"));
        for name in [
            ".hanpub-a1B2c.tmp",
            ".hanpub-a1B2c3d.tmp",
            ".hanpub-a1-2c3.tmp",
            "hanpub-a1B2c3.tmp",
            ".hanpub-a1B2c3.tmp~",
            ".hanpub-a1B2c3.epub",
        ] {
            assert!(!is_temp_name(name), "{name}");
        }
    }

    #[test]
    fn resolve_goes_through_folders_not_yet_made() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        std::fs::create_dir(real.join("book")).unwrap();
        assert_eq!(
            resolve(&real.join("book/new/deeper/../x.epub")),
            Some(real.join("book/new/x.epub"))
        );
        assert_eq!(
            resolve(&real.join("book/../out/x.epub")),
            Some(real.join("out/x.epub"))
        );
    }
}
