//! The zip writer: `mimetype` first and stored, then every entry in a fixed order with
//! fixed times and permissions, so the same files give the same bytes.
//!
//! Entries are compressed on their own ([`prepare`], any thread) with libdeflate, then laid out
//! in order ([`package`]). The writer is ours because the `zip` crate cannot take entries
//! compressed by another deflate library; `zip` still reads EPUBs (`check`, `serve`, tests).
//! It writes the plain ZIP format of OCF (no ZIP64, no data descriptors, no extra fields).

use std::sync::Arc;

/// libdeflate level 1: on the large corpus 55.2 % of the XHTML size at about 90 MB/s, against
/// 55.1 % at 48 MB/s for zlib-rs level 3 (the earlier choice) and 53.3 % at 48 MB/s for
/// libdeflate level 6. See README (Speed) and `cargo bench --bench stages`.
pub const LEVEL: i32 = 1;

/// A file to put in the EPUB.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Path inside the zip (`EPUB/text/c001.xhtml`).
    pub path: String,
    pub data: Vec<u8>,
}

/// An entry compressed and ready to be laid out: cheap to clone and to keep between builds.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared(Arc<PreparedData>);

#[derive(Debug, PartialEq)]
struct PreparedData {
    path: String,
    deflated: bool,
    crc: u32,
    size: u64,
    data: Vec<u8>,
}

impl Prepared {
    /// The entry's path inside the zip.
    pub fn path(&self) -> &str {
        &self.0.path
    }
    /// Size of the entry in the zip (compressed).
    pub fn compressed_len(&self) -> usize {
        self.0.data.len()
    }
}

/// Why an EPUB could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("`{0}` is larger than 4 GiB, more than an EPUB holds without ZIP64")]
    TooLarge(String),
    #[error("the book has {0} files, more than an EPUB holds without ZIP64 (65,535)")]
    TooMany(usize),
}

thread_local! {
    static COMPRESSOR: std::cell::RefCell<libdeflater::Compressor> = std::cell::RefCell::new(
        libdeflater::Compressor::new(
            libdeflater::CompressionLvl::new(LEVEL).expect("a valid libdeflate level"),
        ),
    );
}

/// Compress one entry on its own (may run on any thread).
pub fn prepare(entry: &Entry) -> Prepared {
    prepare_data(&entry.path, &entry.data)
}

/// Compress `data` as the entry `path` (images and fonts that are compressed already are stored).
pub fn prepare_data(path: &str, data: &[u8]) -> Prepared {
    let crc = libdeflater::crc32(data);
    let deflated = if stored(path) || data.is_empty() {
        None
    } else {
        COMPRESSOR.with(|c| {
            let mut c = c.borrow_mut();
            let mut out = vec![0; c.deflate_compress_bound(data.len())];
            let n = c.deflate_compress(data, &mut out).ok()?;
            out.truncate(n);
            // deflate never pays for incompressible data: store it instead
            (n < data.len()).then_some(out)
        })
    };
    Prepared(Arc::new(PreparedData {
        path: path.to_string(),
        deflated: deflated.is_some(),
        crc,
        size: data.len() as u64,
        data: deflated.unwrap_or_else(|| data.to_vec()),
    }))
}

/// Already-compressed formats gain nothing from deflate.
fn stored(path: &str) -> bool {
    [".jpg", ".jpeg", ".png", ".gif", ".webp", ".woff2"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// MS-DOS date of 1980-01-01 00:00 (the earliest a zip holds): the time of every entry.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// `-rw-r--r--`, a regular file, in the upper half of the external attributes.
const UNIX_FILE: u32 = 0o100644 << 16;
/// Made by: Unix (3), ZIP 2.0.
const MADE_BY: u16 = (3 << 8) | 20;

/// Assemble the EPUB: `mimetype` first, then `parts` in the given order.
pub fn package<'a>(parts: impl IntoIterator<Item = &'a Prepared>) -> Result<Vec<u8>, PackageError> {
    let mimetype = prepare_stored("mimetype", b"application/epub+zip");
    let parts: Vec<&PreparedData> = std::iter::once(&*mimetype.0)
        .chain(parts.into_iter().map(|p| &*p.0))
        .collect();
    if parts.len() > usize::from(u16::MAX) {
        return Err(PackageError::TooMany(parts.len()));
    }
    let total: usize = parts
        .iter()
        .map(|p| 30 + 46 + 2 * p.path.len() + p.data.len())
        .sum::<usize>()
        + 22;
    let mut out = Vec::with_capacity(total);
    let mut offsets = Vec::with_capacity(parts.len());
    for p in &parts {
        let offset =
            u32::try_from(out.len()).map_err(|_| PackageError::TooLarge(p.path.clone()))?;
        offsets.push(offset);
        put32(&mut out, 0x0403_4b50);
        put_fields(&mut out, p)?;
        put16(&mut out, 0); // no extra field
        out.extend_from_slice(p.path.as_bytes());
        out.extend_from_slice(&p.data);
    }
    let directory_at = out.len();
    for (p, offset) in parts.iter().zip(offsets) {
        put32(&mut out, 0x0201_4b50);
        put16(&mut out, MADE_BY);
        put_fields(&mut out, p)?;
        put16(&mut out, 0); // extra field
        put16(&mut out, 0); // comment
        put16(&mut out, 0); // disk
        put16(&mut out, 0); // internal attributes
        put32(&mut out, UNIX_FILE);
        put32(&mut out, offset);
        out.extend_from_slice(p.path.as_bytes());
    }
    let too_large = || PackageError::TooLarge("the EPUB".into());
    let directory_len = u32::try_from(out.len() - directory_at).map_err(|_| too_large())?;
    let directory_at = u32::try_from(directory_at).map_err(|_| too_large())?;
    let count = parts.len() as u16;
    put32(&mut out, 0x0605_4b50);
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, count);
    put16(&mut out, count);
    put32(&mut out, directory_len);
    put32(&mut out, directory_at);
    put16(&mut out, 0); // comment
    Ok(out)
}

fn prepare_stored(path: &str, data: &[u8]) -> Prepared {
    Prepared(Arc::new(PreparedData {
        path: path.to_string(),
        deflated: false,
        crc: libdeflater::crc32(data),
        size: data.len() as u64,
        data: data.to_vec(),
    }))
}

/// The fields a local header and a central directory entry share, from "version needed" to
/// the name's length.
fn put_fields(out: &mut Vec<u8>, p: &PreparedData) -> Result<(), PackageError> {
    let too_large = || PackageError::TooLarge(p.path.clone());
    put16(out, version_needed(p));
    put16(out, 0); // flags: ASCII names, sizes known up front
    put16(out, method(p));
    put16(out, DOS_TIME);
    put16(out, DOS_DATE);
    put32(out, p.crc);
    put32(out, u32::try_from(p.data.len()).map_err(|_| too_large())?);
    put32(out, u32::try_from(p.size).map_err(|_| too_large())?);
    put16(out, u16::try_from(p.path.len()).map_err(|_| too_large())?);
    Ok(())
}

fn method(p: &PreparedData) -> u16 {
    if p.deflated { 8 } else { 0 }
}

fn version_needed(p: &PreparedData) -> u16 {
    if p.deflated { 20 } else { 10 }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn mimetype_first_and_stored_and_deterministic() {
        let entries = [
            Entry {
                path: "EPUB/a.xhtml".into(),
                data: "<a>中文</a>".repeat(100).into_bytes(),
            },
            Entry {
                path: "EPUB/b.png".into(),
                data: vec![1, 2, 3],
            },
            Entry {
                path: "EPUB/empty.css".into(),
                data: Vec::new(),
            },
        ];
        let build = || {
            let parts: Vec<Prepared> = entries.iter().map(prepare).collect();
            package(&parts).unwrap()
        };
        let a = build();
        assert_eq!(a, build());
        assert_eq!(&a[30..38], b"mimetype");
        assert_eq!(&a[38..58], b"application/epub+zip");
        assert_eq!(a[8], 0, "stored");
        // the zip crate reads it back: names, methods, contents, times and permissions
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&a)).unwrap();
        assert_eq!(z.len(), 4);
        assert_eq!(z.by_index(0).unwrap().name().unwrap(), "mimetype");
        for (i, e) in entries.iter().enumerate() {
            let mut f = z.by_index(i + 1).unwrap();
            assert_eq!(f.name().unwrap(), e.path);
            let deflated = f.compression() == zip::CompressionMethod::Deflated;
            assert_eq!(deflated, i == 0, "{}", e.path);
            assert_eq!(f.unix_mode(), Some(0o100644));
            assert_eq!(f.last_modified(), Some(zip::DateTime::default()));
            let mut back = Vec::new();
            f.read_to_end(&mut back).unwrap();
            assert_eq!(back, e.data);
        }
    }
}
