//! The images a book carries: each with a media type checked against its bytes, deduplicated
//! by content. [`collect`] is the images part of the assets stage: it loads every image the
//! chapters show and tells each chapter where its images are in the EPUB.

use std::collections::BTreeMap;

use crate::chapters;
use crate::diagnostics::Diagnostic;
use crate::files::{self, Files};
use crate::model::{Chapter, Ev, Tag};
use crate::project::Source;
use crate::render;

/// Image `dest` as written in a chapter → href relative to the chapter (`../images/img001.png`).
pub type ImageMap = BTreeMap<String, String>;

/// The images of the book, and for each chapter where its images went.
#[derive(Debug, Default)]
pub struct BookImages {
    pub images: Images,
    /// One map per chapter, in the book's order.
    pub maps: Vec<ImageMap>,
}

/// Load every image the chapters show (Markdown images and `<img>` in raw HTML), in the order
/// of the book. Every image that cannot be used is an error at its place in the source.
pub fn collect(
    chapters: &[Chapter],
    sources: &[Source],
    files: &dyn Files,
) -> Result<BookImages, Vec<Diagnostic>> {
    let mut out = BookImages::default();
    let mut errors = Vec::new();
    for c in chapters {
        let source = &sources[c.source];
        let mut map = ImageMap::new();
        for s in &c.events {
            let dests: Vec<String> = match &s.ev {
                Ev::Start(Tag::Image { dest, .. }) => vec![dest.clone()],
                Ev::Html { html, .. } if html.contains("<img") || html.contains("<IMG") => {
                    render::html::image_sources(html)
                }
                _ => continue,
            };
            for dest in dests {
                if map.contains_key(&dest) {
                    continue;
                }
                match load_image(files, &source.path, &dest) {
                    Ok((data, media_type, ext)) => {
                        let href = out.images.add(data, media_type, ext);
                        map.insert(dest, format!("../{href}"));
                    }
                    Err((msg, hint)) => errors.push(
                        Diagnostic::error(msg)
                            .at(&source.file, s.span.clone())
                            .with_hint(hint),
                    ),
                }
            }
        }
        out.maps.push(map);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Read the image `dest` that the Markdown file `here` links, and check it: inside the book,
/// an image by its bytes, of the type its name says. The error is a message and a hint.
pub fn load_image(
    files: &dyn Files,
    here: &str,
    dest: &str,
) -> Result<(Vec<u8>, &'static str, &'static str), (String, String)> {
    if chapters::is_external(dest) {
        return Err((
            format!("remote image `{dest}`: hanpub never downloads files"),
            "save the image into the book folder and link it by a relative path".into(),
        ));
    }
    let path = chapters::join_relative(
        here,
        &chapters::percent_decode(dest.split(['#', '?']).next().unwrap_or("")),
    );
    if let Err(why) = files::check_relative(dest).and(files::check_relative(&path)) {
        return Err((
            format!("image `{dest}` {why}"),
            "keep images inside the book folder".into(),
        ));
    }
    let data = files.read(&path).map_err(|e| {
        (
            format!("image `{dest}` not found ({})", files::io_reason(&e)),
            format!(
                "the path is relative to the Markdown file: {}",
                files.name(&path)
            ),
        )
    })?;
    let Some((media_type, ext)) = sniff_image(&data) else {
        return Err((
            format!("`{dest}` is not a JPEG, PNG, GIF, WebP or SVG image"),
            "check that the file is an image and not, say, an HTML page saved with an image name"
                .into(),
        ));
    };
    if let Some(claimed) = media_type_of_extension(&path)
        && claimed != media_type
    {
        return Err((
            format!("`{dest}` says {claimed} by its name but is {media_type}"),
            "rename the file to match its content".into(),
        ));
    }
    Ok((data, media_type, ext))
}

/// Media type of an image, from its first bytes; None if it is not an image we can ship.
pub fn sniff_image(data: &[u8]) -> Option<(&'static str, &'static str)> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some(("image/gif", "gif"))
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else if looks_like_svg(data) {
        Some(("image/svg+xml", "svg"))
    } else {
        None
    }
}

fn looks_like_svg(data: &[u8]) -> bool {
    let head = &data[..data.len().min(1024)];
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    (t.starts_with("<?xml")
        || t.starts_with("<svg")
        || t.starts_with("<!--")
        || t.starts_with("<!DOCTYPE svg"))
        && text.contains("<svg")
}

/// What the extension says the file is.
pub fn media_type_of_extension(path: &str) -> Option<&'static str> {
    let ext = path.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

/// An image stored in the EPUB.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Path inside the package folder (`images/img001.png`).
    pub href: String,
    pub media_type: &'static str,
    pub data: Vec<u8>,
}

/// Images by content, in first-use order.
#[derive(Debug, Default)]
pub struct Images {
    pub list: Vec<Image>,
    by_content: BTreeMap<[u8; 32], usize>,
}

impl Images {
    /// Add an image (or find the same bytes already added); returns its href.
    pub fn add(&mut self, data: Vec<u8>, media_type: &'static str, ext: &str) -> String {
        let key = fingerprint(&data);
        if let Some(&i) = self.by_content.get(&key) {
            return self.list[i].href.clone();
        }
        let href = format!("images/img{:03}.{ext}", self.list.len() + 1);
        self.by_content.insert(key, self.list.len());
        self.list.push(Image {
            href: href.clone(),
            media_type,
            data,
        });
        href
    }
}

/// A content fingerprint (two independent 128-bit FNV-style hashes plus the length; collisions
/// only merge identical-looking images, never lose text).
fn fingerprint(data: &[u8]) -> [u8; 32] {
    let mut a: u128 = 0x6c62272e07bb014262b821756295c58d;
    let mut b: u128 = 0x9e3779b97f4a7c15f39cc0605cedc834;
    for &x in data {
        a = (a ^ x as u128).wrapping_mul(0x0000000001000000000000000000013B);
        b = (b.rotate_left(5) ^ x as u128).wrapping_mul(0x9E3779B97F4A7C15F39CC0605CEDC835);
    }
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&a.to_le_bytes());
    out[16..].copy_from_slice(&(b ^ data.len() as u128).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_and_dedupes() {
        assert_eq!(
            sniff_image(b"\x89PNG\r\n\x1a\nxxxx").unwrap().0,
            "image/png"
        );
        assert_eq!(
            sniff_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
                .unwrap()
                .0,
            "image/svg+xml"
        );
        assert_eq!(sniff_image(b"hello"), None);
        let mut im = Images::default();
        let a = im.add(b"\x89PNG\r\n\x1a\n1".to_vec(), "image/png", "png");
        let b = im.add(b"\x89PNG\r\n\x1a\n1".to_vec(), "image/png", "png");
        let c = im.add(b"\x89PNG\r\n\x1a\n2".to_vec(), "image/png", "png");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(im.list.len(), 2);
    }
}
