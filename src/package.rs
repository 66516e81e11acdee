//! The package stage: the files of the EPUB in a fixed order ([`Stream`]), and the zip writer:
//! `mimetype` first and stored, then every entry in that order with fixed times and
//! permissions, so the same files give the same bytes.
//!
//! Entries are compressed on their own ([`prepare`], any thread) with libdeflate, then laid out
//! in order ([`package`], or [`write`] into any `io::Write`). The writer is ours because the `zip` crate cannot take entries
//! compressed by another deflate library; `zip` still reads EPUBs (`check`, `serve`, tests).
//! It writes the plain ZIP format of OCF (no ZIP64, no data descriptors, no extra fields).

use std::io::Write;
use std::sync::Arc;

use rayon::prelude::*;

use crate::assets::Assets;
use crate::files::Bytes;
use crate::render::Documents;
use crate::resources::ImageData;

/// libdeflate level 1: on the large corpus 55.2 % of the XHTML size at about 90 MB/s, against
/// 55.1 % at 48 MB/s for zlib-rs level 3 (the earlier choice) and 53.3 % at 48 MB/s for
/// libdeflate level 6. See README (Speed) and `cargo bench --bench stages`.
pub const LEVEL: i32 = 1;

/// Where the package document and the navigation documents are in the zip.
pub const OPF: &str = "EPUB/content.opf";
pub const NAV: &str = "EPUB/nav.xhtml";
pub const NCX: &str = "EPUB/toc.ncx";

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
    #[error("cannot write the EPUB: {0}")]
    Write(#[from] std::io::Error),
    #[error("cannot read `{0}` again to put it in the EPUB: {1}")]
    Reread(String, std::io::Error),
    #[error("`{0}` changed while the book was being built: build it again")]
    Changed(String),
}

thread_local! {
    static COMPRESSOR: std::cell::RefCell<libdeflater::Compressor> = std::cell::RefCell::new(
        libdeflater::Compressor::new(
            libdeflater::CompressionLvl::new(LEVEL).expect("a valid libdeflate level"),
        ),
    );
}

const CONTAINER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"#;

/// Tells Apple Books to use the embedded font.
const APPLE_DISPLAY_OPTIONS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<display_options>
  <platform name="*">
    <option name="specified-fonts">true</option>
  </platform>
</display_options>
"#;

/// An EPUB written as its chapters are ready: each chapter's entry goes to `W` (a spool) at
/// once, in reading order, and is not kept; at the end ([`Stream::finish`]) the images follow
/// them into the spool, a few at a time, and the entries that come before the chapters (the
/// documents that describe them, the stylesheets, the font, the cover) and the central
/// directory are made. The EPUB is [`Ends::head`], then the spool, then [`Ends::tail`]: the
/// same bytes whether the spool is a file (`hanpub build`) or memory ([`crate::build`]).
pub struct Stream<W: Write> {
    chapters: Writer<W>,
}

/// What comes before and after the chapters and images of a [`Stream`].
#[derive(Debug, Clone, PartialEq)]
pub struct Ends {
    pub head: Vec<u8>,
    /// The central directory.
    pub tail: Vec<u8>,
    /// How many bytes the chapters and images took in the spool.
    pub spooled: u64,
}

impl Ends {
    /// The streamed build these ends close, with its report.
    pub fn with(self, output: crate::model::Output) -> crate::model::Streamed {
        crate::model::Streamed {
            output,
            head: self.head,
            tail: self.tail,
            spooled: self.spooled,
        }
    }
}

impl<W: Write> Stream<W> {
    pub fn new(spool: W) -> Self {
        Stream {
            chapters: Writer::bare(spool),
        }
    }

    /// Write the next chapter's entry to the spool.
    pub fn add(&mut self, chapter: &Prepared) -> Result<(), PackageError> {
        self.chapters.add(chapter)
    }

    /// The entries around the chapters; gives the spool back. The images go to the spool
    /// after the chapters, a few at a time (`read` reads an image file of the book again): a
    /// book's images are never all in memory.
    pub fn finish(
        mut self,
        docs: Documents,
        assets: Assets,
        read: &dyn Fn(&str) -> std::io::Result<Bytes>,
    ) -> Result<(W, Ends), PackageError> {
        let mut head_zip = Writer::new(Vec::new())?;
        head_zip.add(&prepare_data(
            "META-INF/container.xml",
            CONTAINER.as_bytes(),
        ))?;
        for doc in [&docs.opf, &docs.nav, &docs.ncx] {
            head_zip.add(doc)?;
        }
        let (head, images) = around(docs.cover_page, assets);
        // each text given back as soon as it is compressed
        for p in head
            .into_par_iter()
            .map(|e| prepare(&e))
            .collect::<Vec<_>>()
        {
            head_zip.add(&p)?;
        }
        // read in order, compressed (an SVG) in parallel a window at a time
        let window = 2 * rayon::current_num_threads();
        for group in images.chunks(window) {
            let bytes: Vec<(&str, Bytes, Option<u32>)> = group
                .iter()
                .map(|(path, data)| {
                    let (bytes, crc) = image_bytes(data, read)?;
                    Ok((path.as_str(), bytes, crc))
                })
                .collect::<Result<_, PackageError>>()?;
            let prepared: Vec<Prepared> = bytes
                .par_iter()
                .map(|(path, data, crc)| prepare_with_crc(path, data, *crc))
                .collect();
            drop(bytes);
            for p in prepared {
                self.chapters.add(&p)?;
            }
        }
        let (head, mut records) = (head_zip.out, head_zip.records);
        let (spool, chapters) = (self.chapters.out, self.chapters.records);
        let spooled: u64 = self.chapters.at;
        records.extend(chapters.into_iter().map(|r| Record {
            offset: r.offset + head.len() as u64,
            ..r
        }));
        let mut tail = Vec::new();
        directory(&mut tail, &records, head.len() as u64 + spooled)?;
        Ok((
            spool,
            Ends {
                head,
                tail,
                spooled,
            },
        ))
    }
}

/// The entries before the chapters that follow the container and the documents (stylesheets,
/// font, cover), and those after them (images), in their order.
fn around(cover_page: Option<Vec<u8>>, assets: Assets) -> (Vec<Entry>, Vec<(String, ImageData)>) {
    let entry = |path: String, data: Vec<u8>| Entry { path, data };
    let mut head = Vec::new();
    for (href, data) in assets.styles {
        head.push(entry(format!("EPUB/{href}"), data));
    }
    if let Some(font) = assets.font {
        head.push(entry(
            "META-INF/com.apple.ibooks.display-options.xml".into(),
            APPLE_DISPLAY_OPTIONS.into(),
        ));
        for (href, _, data) in font.files {
            head.push(entry(format!("EPUB/{href}"), data));
        }
    }
    for (href, _, data) in assets.style_fonts {
        head.push(entry(format!("EPUB/{href}"), data));
    }
    if let (Some(page), Some(cover)) = (cover_page, assets.cover) {
        head.push(entry("EPUB/text/cover.xhtml".into(), page));
        head.push(entry(
            format!("EPUB/images/cover.{}", cover.ext),
            cover.data,
        ));
    }
    let images = assets
        .images
        .list
        .into_iter()
        .map(|im| (format!("EPUB/{}", im.href), im.data))
        .collect();
    (head, images)
}

/// An image's bytes: held, or its file read again and found unchanged since it was checked
/// (with the CRC that showed it, the entry's).
fn image_bytes(
    data: &ImageData,
    read: &dyn Fn(&str) -> std::io::Result<Bytes>,
) -> Result<(Bytes, Option<u32>), PackageError> {
    match data {
        ImageData::Held(bytes) => Ok((bytes.clone(), None)),
        ImageData::File { path, size, crc } => {
            let bytes = read(path).map_err(|e| PackageError::Reread(path.clone(), e))?;
            if bytes.len() as u64 != *size || libdeflater::crc32(&bytes) != *crc {
                return Err(PackageError::Changed(path.clone()));
            }
            Ok((bytes, Some(*crc)))
        }
    }
}

/// Compress one entry on its own (may run on any thread).
pub fn prepare(entry: &Entry) -> Prepared {
    prepare_data(&entry.path, &entry.data)
}

/// Compress `data` as the entry `path` (images and fonts that are compressed already are stored).
pub fn prepare_data(path: &str, data: &[u8]) -> Prepared {
    prepare_with_crc(path, data, None)
}

/// [`prepare_data`], given the CRC-32 of `data` when it is known already.
fn prepare_with_crc(path: &str, data: &[u8], crc: Option<u32>) -> Prepared {
    debug_assert!(
        crc.is_none_or(|c| c == libdeflater::crc32(data)),
        "{path}: a wrong CRC"
    );
    let crc = crc.unwrap_or_else(|| libdeflater::crc32(data));
    let deflated = if stored(path) || data.is_empty() {
        None
    } else {
        COMPRESSOR.with(|c| {
            let mut c = c.borrow_mut();
            let mut out = vec![0; c.deflate_compress_bound(data.len())];
            let n = c.deflate_compress(data, &mut out).ok()?;
            // the bound is about the size of the text: an entry kept (by `watch`, or until the
            // chapters are written) holds only its compressed bytes
            out.truncate(n);
            out.shrink_to_fit();
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
    let parts: Vec<&Prepared> = parts.into_iter().collect();
    if parts.len() + 1 > usize::from(u16::MAX) {
        return Err(PackageError::TooMany(parts.len() + 1));
    }
    let total: usize = parts
        .iter()
        .map(|p| 30 + 46 + 2 * p.0.path.len() + p.0.data.len())
        .sum::<usize>()
        + 2 * (30 + 46 + 8 + 20)
        + 22;
    let mut zip = Writer::new(Vec::with_capacity(total))?;
    for p in parts {
        zip.add(p)?;
    }
    zip.finish()
}

/// What the central directory says of an entry: all of its local header, and where it is.
#[derive(Debug, Clone)]
struct Record {
    path: String,
    deflated: bool,
    crc: u32,
    size: u64,
    compressed: u64,
    /// Offset of its local header in the zip.
    offset: u64,
}

/// Writes an EPUB's zip into `W` entry by entry, as the entries come: each local header and
/// its data at once, keeping only what the central directory needs of it; the central
/// directory at the end.
pub struct Writer<W: Write> {
    out: W,
    /// Offset in the zip of the next entry.
    at: u64,
    /// The entries written.
    records: Vec<Record>,
}

impl<W: Write> Writer<W> {
    /// Start the zip with its `mimetype` entry (stored).
    pub fn new(out: W) -> Result<Self, PackageError> {
        let mut w = Writer::bare(out);
        w.add(&prepare_stored("mimetype", b"application/epub+zip"))?;
        Ok(w)
    }

    /// A writer of entries only (a part of a zip).
    fn bare(out: W) -> Self {
        Writer {
            out,
            at: 0,
            records: Vec::new(),
        }
    }

    /// Write one entry: its local header, then its (compressed) data.
    pub fn add(&mut self, p: &Prepared) -> Result<(), PackageError> {
        let record = Record {
            path: p.0.path.clone(),
            deflated: p.0.deflated,
            crc: p.0.crc,
            size: p.0.size,
            compressed: p.0.data.len() as u64,
            offset: self.at,
        };
        let mut head = Vec::with_capacity(30 + p.0.path.len());
        put32(&mut head, 0x0403_4b50);
        put_fields(&mut head, &record)?;
        put16(&mut head, 0); // no extra field
        head.extend_from_slice(p.0.path.as_bytes());
        self.out.write_all(&head)?;
        self.out.write_all(&p.0.data)?;
        self.at += (head.len() + p.0.data.len()) as u64;
        self.records.push(record);
        Ok(())
    }

    /// Write the central directory and give the writer back.
    pub fn finish(mut self) -> Result<W, PackageError> {
        directory(&mut self.out, &self.records, self.at)?;
        Ok(self.out)
    }
}

/// The central directory of the entries `records`, starting at `directory_at`, and its end.
fn directory(
    out: &mut impl Write,
    records: &[Record],
    directory_at: u64,
) -> Result<(), PackageError> {
    let count = u16::try_from(records.len()).map_err(|_| PackageError::TooMany(records.len()))?;
    let too_large = || PackageError::TooLarge("the EPUB".into());
    let directory_at = u32::try_from(directory_at).map_err(|_| too_large())?;
    let mut dir = Vec::with_capacity(records.len() * 80 + 22);
    for r in records {
        put32(&mut dir, 0x0201_4b50);
        put16(&mut dir, MADE_BY);
        put_fields(&mut dir, r)?;
        put16(&mut dir, 0); // extra field
        put16(&mut dir, 0); // comment
        put16(&mut dir, 0); // disk
        put16(&mut dir, 0); // internal attributes
        put32(&mut dir, UNIX_FILE);
        put32(
            &mut dir,
            u32::try_from(r.offset).map_err(|_| PackageError::TooLarge(r.path.clone()))?,
        );
        dir.extend_from_slice(r.path.as_bytes());
    }
    let directory_len = u32::try_from(dir.len()).map_err(|_| too_large())?;
    put32(&mut dir, 0x0605_4b50);
    put16(&mut dir, 0);
    put16(&mut dir, 0);
    put16(&mut dir, count);
    put16(&mut dir, count);
    put32(&mut dir, directory_len);
    put32(&mut dir, directory_at);
    put16(&mut dir, 0); // comment
    out.write_all(&dir)?;
    Ok(())
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
fn put_fields(out: &mut Vec<u8>, r: &Record) -> Result<(), PackageError> {
    let too_large = || PackageError::TooLarge(r.path.clone());
    put16(out, if r.deflated { 20 } else { 10 }); // version needed
    put16(out, 0); // flags: ASCII names, sizes known up front
    put16(out, if r.deflated { 8 } else { 0 }); // method
    put16(out, DOS_TIME);
    put16(out, DOS_DATE);
    put32(out, r.crc);
    put32(out, u32::try_from(r.compressed).map_err(|_| too_large())?);
    put32(out, u32::try_from(r.size).map_err(|_| too_large())?);
    put16(out, u16::try_from(r.path.len()).map_err(|_| too_large())?);
    Ok(())
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
