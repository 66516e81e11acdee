//! The generated cover kept beside the output between builds (`out/.hanpub-cache/book.epub.cover`),
//! so that a build draws it only when what it shows changed ([`hanpub::cover::key`]). The
//! library decides whether a kept cover fits ([`hanpub::Options::kept_cover`]); this module
//! only reads and writes the file. A missing, unreadable or damaged file is no cover kept.
//!
//! The file: `hanpub cover\n`, the key's length in bytes and the PNG's CRC-32 (hex) on one line,
//! the key, the PNG.

use std::io::Write;
use std::path::{Path, PathBuf};

use hanpub::cover::Drawn;

use crate::term;

const MAGIC: &[u8] = b"hanpub cover\n";

/// Where the cover of the EPUB at `output` is kept.
pub fn path(output: &Path) -> PathBuf {
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(".hanpub-cache").join(format!("{name}.cover"))
}

/// The cover kept for `output`, if there is a whole one.
pub fn read(output: &Path) -> Option<Drawn> {
    let data = std::fs::read(path(output)).ok()?;
    let rest = data.strip_prefix(MAGIC)?;
    let eol = rest.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&rest[..eol]).ok()?;
    let (len, crc) = line.split_once(' ')?;
    let (len, crc) = (
        len.parse::<usize>().ok()?,
        u32::from_str_radix(crc, 16).ok()?,
    );
    let body = &rest[eol + 1..];
    let key = std::str::from_utf8(body.get(..len)?).ok()?;
    let png = &body[len..];
    (libdeflater::crc32(png) == crc).then(|| Drawn {
        key: key.to_string(),
        png: png.to_vec(),
    })
}

/// Keep `drawn` for `output` (written to a temporary file and renamed: a reader never sees half
/// a file). Failing to keep it only costs the next build a drawing: noted with `-v`.
pub fn write(output: &Path, drawn: &Drawn) {
    let file = path(output);
    let result = (|| -> std::io::Result<()> {
        let dir = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".cover-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(MAGIC)?;
        let crc = libdeflater::crc32(&drawn.png);
        writeln!(tmp, "{} {crc:08x}", drawn.key.len())?;
        tmp.write_all(drawn.key.as_bytes())?;
        tmp.write_all(&drawn.png)?;
        tmp.persist(&file).map_err(|e| e.error)?;
        Ok(())
    })();
    if let Err(e) = result {
        term::note(format_args!(
            "could not keep the cover in {}: {e}",
            file.display()
        ));
    }
}

/// Keep the cover a build drew, unless it is the one already kept.
pub fn update(output: &Path, kept: Option<&Drawn>, drawn: Option<&Drawn>) {
    if let Some(d) = drawn
        && kept.is_none_or(|k| k.key != d.key)
    {
        write(output, d);
    }
}
