//! The zip writer: `mimetype` first and stored, then every entry in a fixed order with
//! fixed times and permissions, so the same files give the same bytes.

use std::io::{Cursor, Write};

use zip::write::{PreparedZipFile, SimpleFileOptions, ZipWriter};
use zip::{CompressionMethod, DateTime, System};

/// A file to put in the EPUB.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Path inside the zip (`EPUB/text/c001.xhtml`).
    pub path: String,
    pub data: Vec<u8>,
}

/// Deflate level: 6 is zlib's default; see README (Speed) for the size/speed trade-off.
pub const LEVEL: i64 = 6;

fn options(method: CompressionMethod) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(method)
        .compression_level(if method == CompressionMethod::Stored {
            None
        } else {
            Some(LEVEL)
        })
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
        .system(System::Unix)
}

/// Compress one entry on its own (may run on any thread).
pub fn prepare(entry: &Entry) -> zip::result::ZipResult<PreparedZipFile> {
    prepare_data(&entry.path, &entry.data)
}

/// Compress `data` as the entry `path`.
pub fn prepare_data(path: &str, data: &[u8]) -> zip::result::ZipResult<PreparedZipFile> {
    let method = if stored(path) {
        CompressionMethod::Stored
    } else {
        CompressionMethod::Deflated
    };
    PreparedZipFile::from_data(path, options(method), data)
}

/// Already-compressed formats gain nothing from deflate.
fn stored(path: &str) -> bool {
    [".jpg", ".jpeg", ".png", ".gif", ".webp", ".woff2"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// An entry of the EPUB being assembled.
pub enum Part {
    /// Compressed now.
    Prepared(PreparedZipFile),
    /// Unchanged since the previous EPUB: its compressed bytes are copied as they are.
    Reuse(String),
}

/// Assemble the EPUB from its parts, in the given order; `previous` is the EPUB that
/// [`Part::Reuse`] entries are copied from.
pub fn package(
    parts: impl IntoIterator<Item = Part>,
    previous: Option<&[u8]>,
) -> zip::result::ZipResult<Vec<u8>> {
    let capacity = previous.map_or(1 << 16, <[u8]>::len);
    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(capacity)));
    zip.start_file("mimetype", options(CompressionMethod::Stored))?;
    zip.write_all(b"application/epub+zip")?;
    let mut old = match previous {
        Some(bytes) => Some(zip::ZipArchive::new(Cursor::new(bytes))?),
        None => None,
    };
    for p in parts {
        match p {
            Part::Prepared(p) => zip.add_prepared_file(p)?,
            Part::Reuse(name) => {
                let old = old.as_mut().ok_or(zip::result::ZipError::FileNotFound)?;
                zip.raw_copy_file(old.by_name(&name)?)?;
            }
        }
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mimetype_first_and_stored_and_deterministic() {
        let entries = [Entry {
            path: "EPUB/a.xhtml".into(),
            data: b"<a/>".repeat(100),
        }];
        let build = || {
            package(
                entries.iter().map(|e| Part::Prepared(prepare(e).unwrap())),
                None,
            )
            .unwrap()
        };
        let a = build();
        assert_eq!(a, build());
        assert_eq!(&a[30..38], b"mimetype");
        assert_eq!(&a[38..58], b"application/epub+zip");
        assert_eq!(a[8], 0, "stored");
        // copying an unchanged entry from the previous EPUB gives the same bytes
        let reused = package([Part::Reuse("EPUB/a.xhtml".into())], Some(&a)).unwrap();
        assert_eq!(reused, a);
        // copying an unchanged entry from the previous EPUB gives the same bytes
        let reused = package([Part::Reuse("EPUB/a.xhtml".into())], Some(&a)).unwrap();
        assert_eq!(reused, a);
    }
}
