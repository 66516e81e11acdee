//! The images a book carries — each read once, checked whole by [`crate::image`], deduplicated by
//! content — and the images and fonts the book's stylesheets name ([`load_stylesheet`]).
//! [`collect`] is the images part of the assets stage: it loads every image the chapters show
//! (read and checked in parallel) and tells each chapter where its images are in the EPUB; an
//! image on the web becomes what `--remote-images` says, a `data:` image is decoded and carried.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::RemoteImages;
use crate::diagnostics::Diagnostic;
use crate::files::{self, Files};
use crate::model::{Chapter, Ev, Tag};
use crate::options::Settings;
use crate::project::{Project, Source};
use crate::{chapters, image, render, stylesheet};

/// Image `dest` as written in a chapter → href relative to the chapter (`../images/img001.png`),
/// or, for an image on the web that becomes a link (`--remote-images link`), its URL.
pub type ImageMap = BTreeMap<String, String>;

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
    pub data: ImageData,
}

/// Where the bytes of an image are until the EPUB is written.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageData {
    /// Its file in the book, shipped as it is: read again when the EPUB is written, and
    /// refused then unless it still has this size and CRC-32 — so the images of a book are
    /// never all in memory at once.
    File { path: String, size: u64, crc: u32 },
    /// Bytes made by the build (an SVG with parts removed, a `data:` image, a stylesheet's
    /// image), shared with the zip writer rather than copied.
    Held(files::Bytes),
}

/// An image file read and checked, as the book keeps it: where its bytes are, and their
/// fingerprint (what makes two images the same).
#[derive(Debug)]
struct Kept {
    data: ImageData,
    key: [u8; 32],
}

/// Images by content, in first-use order.
#[derive(Debug, Default)]
pub struct Images {
    pub list: Vec<Image>,
    by_content: BTreeMap<[u8; 32], usize>,
    /// Every file already used (by its path in the book): its href, or why it was refused.
    by_path: BTreeMap<String, Result<String, (String, String)>>,
    /// Files read and checked ahead of their first use ([`Images::prefetch`]).
    fetched: BTreeMap<String, Fetched>,
    /// The folder paths from `/` are taken from (`[build] site-root`; empty: the book folder).
    pub site_root: String,
}

/// An image file read and checked, not yet given an href.
#[derive(Debug)]
enum Fetched {
    /// It could not be read: why.
    Unreadable(String),
    /// It is not an image that may ship: why (completing "`dest` …") and a hint.
    Refused(String, String),
    /// Where its bytes are and what they are.
    Whole(Kept, image::Checked),
}

/// Read and check an image file; only what the build ships of it stays in memory: an SVG's
/// cleaned bytes, else the file's place, size and CRC-32 (its bytes are read again when the EPUB
/// is written).
fn fetch(files: &dyn Files, path: &str) -> Fetched {
    match files.read_shared(path) {
        Err(e) => Fetched::Unreadable(files::io_reason(&e)),
        Ok(data) => match check_named(path, &data) {
            Ok(mut checked) => {
                let kept = match checked.clean.take() {
                    Some(clean) => Kept {
                        key: fingerprint(&clean),
                        data: ImageData::Held(clean.into()),
                    },
                    None => Kept {
                        key: fingerprint(&data),
                        data: ImageData::File {
                            path: path.to_string(),
                            size: data.len() as u64,
                            crc: libdeflater::crc32(&data),
                        },
                    },
                };
                Fetched::Whole(kept, checked)
            }
            Err((why, hint)) => Fetched::Refused(why, hint),
        },
    }
}

/// What [`load_image`] made of an image reference: its href in the package and, the first time
/// the file is used, what was removed from it (an SVG's scripts, …; see [`crate::svg`]).
pub type Loaded = (String, Vec<String>);

/// The file an image reference names, relative to the book folder (a path from `/` taken from
/// `site_root`); never a remote or outside file. The error is a message and a hint, for the
/// reference's place.
fn image_path(here: &str, dest: &str, site_root: &str) -> Result<String, (String, String)> {
    if chapters::is_external(dest) {
        return Err((
            format!("remote image `{dest}`: hanpub never downloads files"),
            "save the image into the book folder and link it by a relative path".into(),
        ));
    }
    let rel = chapters::percent_decode(dest.split(['#', '?']).next().unwrap_or(""));
    // `/x.png` in a static site: from the folder it publishes at its root
    let root_file = format!("{site_root}/_");
    let (here, rel) = match rel.strip_prefix('/') {
        Some(r) if !r.starts_with('/') => (root_file.trim_start_matches('/'), r),
        _ => (here, rel.as_str()),
    };
    if let Err(why) = check_inside(here, rel) {
        return Err((
            format!("image `{dest}` {why}"),
            "keep images inside the book folder".into(),
        ));
    }
    Ok(chapters::join_relative(here, rel))
}

impl Images {
    /// Read and check, in parallel, the files that `refs` (`(Markdown file, dest)`) name and
    /// that were not used yet; [`load_image`] then takes them in first-use order, so the
    /// hrefs are the same however the threads ran.
    pub fn prefetch<'a>(
        &mut self,
        files: &dyn Files,
        refs: impl Iterator<Item = (&'a str, &'a str)>,
    ) {
        use rayon::prelude::*;
        let mut paths: Vec<String> = refs
            .filter_map(|(here, dest)| image_path(here, dest, &self.site_root).ok())
            .filter(|p| !self.by_path.contains_key(p) && !self.fetched.contains_key(p))
            .collect();
        paths.sort();
        paths.dedup();
        let fetched: Vec<(String, Fetched)> = paths
            .into_par_iter()
            .map(|p| {
                let f = fetch(files, &p);
                (p, f)
            })
            .collect();
        self.fetched.extend(fetched);
    }
}

/// The image `dest` names in the Markdown file `here`: read through `files` (never a remote
/// or outside file), its bytes matching its name, checked whole ([`image::check`]) and added
/// to `images` — each file once. The error is a message and a hint, for the reference's place.
pub fn load_image(
    files: &dyn Files,
    here: &str,
    dest: &str,
    images: &mut Images,
) -> Result<Loaded, (String, String)> {
    let path = image_path(here, dest, &images.site_root)?;
    if let Some(known) = images.by_path.get(&path) {
        return known
            .clone()
            .map(|href| (href, Vec::new()))
            .map_err(|(why, hint)| (format!("`{dest}` {why}"), hint));
    }
    let fetched = match images.fetched.remove(&path) {
        Some(f) => f,
        None => fetch(files, &path),
    };
    // Hexo's asset folder (`post_asset_folder`): `photo.png` of `_posts/trip.md` is
    // `_posts/trip/photo.png`
    if matches!(fetched, Fetched::Unreadable(_))
        && !dest.starts_with('/')
        && let Some(stem) = here
            .strip_suffix(".md")
            .or_else(|| here.strip_suffix(".markdown"))
        && let Ok(asset) = image_path(&format!("{stem}/_"), dest, &images.site_root)
    {
        let found = fetch(files, &asset);
        if let Fetched::Whole(..) = found {
            images.fetched.insert(asset, found);
            return load_image(files, &format!("{stem}/_"), dest, images);
        }
    }
    let result = match fetched {
        Fetched::Unreadable(why) => {
            return Err((
                format!("image `{dest}` not found ({why})"),
                if dest.starts_with('/') {
                    format!(
                        "a path from `/` is taken from the book folder, or from [build] site-root: {}",
                        files.name(&path)
                    )
                } else {
                    format!(
                        "the path is relative to the Markdown file: {}",
                        files.name(&path)
                    )
                },
            ));
        }
        Fetched::Refused(why, hint) => Err((why, hint)),
        Fetched::Whole(kept, checked) => {
            let href = images.insert(kept, checked.media_type, checked.ext);
            Ok((href, checked.warnings))
        }
    };
    let known = result.as_ref().map(|(href, _)| href.clone());
    images.by_path.insert(path, known.map_err(Clone::clone));
    result.map_err(|(why, hint)| (format!("`{dest}` {why}"), hint))
}

/// The images of the book, and for each chapter where its images went.
#[derive(Debug, Default)]
pub struct BookImages {
    pub images: Images,
    /// One map per chapter, in the book's order.
    pub maps: Vec<ImageMap>,
    /// SVG images that had parts removed, at their first reference.
    pub warnings: Vec<Diagnostic>,
}

/// The images of the book's chapters ([`collect`], from the book's site root and with its
/// choice for remote images), their warnings added to `warnings`; on failure, every error
/// after the warnings met so far.
pub fn of_book(
    chapters: &[Chapter],
    project: &Project,
    files: &dyn Files,
    settings: &Settings,
    warnings: &mut Vec<Diagnostic>,
) -> Result<BookImages, Vec<Diagnostic>> {
    let root = project.config.build.site_root.as_deref().unwrap_or("");
    let mut images = collect(
        chapters,
        &project.sources,
        files,
        root,
        settings.remote_images,
    )
    .map_err(|e| [warnings.clone(), e].concat())?;
    warnings.append(&mut images.warnings);
    Ok(images)
}

/// Load every image the chapters show (Markdown images and `<img>` in raw HTML) with
/// [`load_image`], in the order of the book — read and checked in parallel first. Every image
/// that cannot be used is an error at its place in the source; an image on the web is what
/// `remote_images` says (a warning unless `error`); a `data:` image is decoded and carried like
/// a file (or left out with a warning). Paths from `/` are taken from `site_root`.
pub fn collect(
    chapters: &[Chapter],
    sources: &[Source],
    files: &dyn Files,
    site_root: &str,
    remote_images: RemoteImages,
) -> Result<BookImages, Vec<Diagnostic>> {
    // every reference, once per chapter, in reading order
    let mut refs: Vec<(usize, std::ops::Range<usize>, String)> = Vec::new();
    for (i, c) in chapters.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for s in &c.events {
            let (dests, raw): (Vec<String>, bool) = match &s.ev {
                Ev::Start(Tag::Image { dest, .. }) => (vec![dest.clone()], false),
                Ev::Html { html, .. } if html.contains("<img") || html.contains("<IMG") => {
                    (render::html::image_sources(html), true)
                }
                _ => continue,
            };
            for dest in dests {
                if seen.insert(dest.clone()) {
                    // in a block of raw HTML, the line of the image's `src`
                    let span = if raw {
                        let text = &sources[c.source].file.text;
                        render::html::span_of_text(text, s.span.clone(), &dest)
                    } else {
                        s.span.clone()
                    };
                    refs.push((i, span, dest));
                }
            }
        }
    }
    let mut out = BookImages {
        maps: vec![ImageMap::new(); chapters.len()],
        ..Default::default()
    };
    out.images.site_root = site_root.to_string();
    let source = |i: usize| &sources[chapters[i].source];
    // images on the web and in `data:` URLs: never read from the book folder
    refs.retain(|(i, span, dest)| {
        let file = &source(*i).file;
        if is_data(dest) {
            match data_image(dest) {
                Ok((data, media_type, ext)) => {
                    let href = out.images.add(data, media_type, ext);
                    out.maps[*i].insert(dest.clone(), format!("../{href}"));
                }
                Err((msg, hint)) => out.warnings.push(
                    Diagnostic::warning(msg)
                        .at(file, span.clone())
                        .with_hint(hint),
                ),
            }
            return false;
        }
        if !chapters::is_external(dest) || remote_images == RemoteImages::Error {
            return true;
        }
        out.warnings
            .push(remote_warning(dest, remote_images).at(file, span.clone()));
        if remote_images == RemoteImages::Link {
            out.maps[*i].insert(dest.clone(), dest.clone());
        }
        false
    });
    out.images.prefetch(
        files,
        refs.iter()
            .map(|(i, _, d)| (source(*i).path.as_str(), d.as_str())),
    );
    let mut errors = Vec::new();
    for (i, span, dest) in refs {
        let Source { path, file, .. } = source(i);
        match load_image(files, path, &dest, &mut out.images) {
            Ok((href, removed)) => {
                if !removed.is_empty() {
                    out.warnings
                        .push(crate::svg::removed_warning(&dest, &removed).at(file, span));
                }
                out.maps[i].insert(dest, format!("../{href}"));
            }
            Err((msg, hint)) => {
                errors.push(Diagnostic::error(msg).at(file, span).with_hint(hint));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The warning for an image on the web that is not an error (`--remote-images link|drop`).
fn remote_warning(dest: &str, policy: RemoteImages) -> Diagnostic {
    let what = if policy == RemoteImages::Link {
        "becomes a link to it"
    } else {
        "is left out, its alt text kept"
    };
    let hint = if policy == RemoteImages::Link {
        "hanpub never downloads files; save the image into the book folder to carry it, or set --remote-images drop"
    } else {
        "hanpub never downloads files; save the image into the book folder to carry it"
    };
    Diagnostic::warning(format!("remote image `{dest}` {what}")).with_hint(hint)
}

fn is_data(dest: &str) -> bool {
    dest.trim_start()
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("data:"))
}

/// A `data:` URL's image (base64 or percent-encoded), checked whole like a file: its bytes,
/// media type and extension.
fn data_image(dest: &str) -> Result<(Vec<u8>, &'static str, &'static str), (String, String)> {
    use base64::Engine;
    let short: String = dest.chars().take(40).collect();
    let fail = |why: &str| {
        (
            format!("`data:` image `{short}…` {why}: left out"),
            "save the image as a file in the book folder and link it".to_string(),
        )
    };
    let rest = &dest.trim_start()[5..];
    let (head, payload) = rest.split_once(',').ok_or_else(|| fail("has no data"))?;
    let data = if head.to_ascii_lowercase().ends_with(";base64") {
        let clean: String = payload.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(clean.as_bytes())
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(clean.as_bytes()))
            .map_err(|_| fail("is not valid base64"))?
    } else {
        chapters::percent_decode(payload).into_bytes()
    };
    let checked = image::check(&data).map_err(|r| fail(&r.reason))?;
    Ok((
        checked.clean.unwrap_or(data),
        checked.media_type,
        checked.ext,
    ))
}

/// `rel`, relative to the folder of the file `base`, stays inside the book folder.
fn check_inside(base: &str, rel: &str) -> Result<(), &'static str> {
    files::check_relative(rel).or_else(|why| match why {
        // `..` may climb out of the file's folder but not out of the book's
        "is outside the book folder" => Ok(()),
        absolute => Err(absolute),
    })?;
    match base.rsplit_once('/') {
        Some((dir, _)) => files::check_relative(&format!("{dir}/{rel}")),
        None => files::check_relative(rel),
    }
}

/// An image file's bytes checked against its name and checked whole; the error completes
/// "`name` …".
fn check_named(path: &str, data: &[u8]) -> Result<image::Checked, (String, String)> {
    if let (Some(claimed), Some((actual, _))) = (media_type_of_extension(path), sniff_image(data))
        && claimed != actual
    {
        return Err((
            format!("says {claimed} by its name but is {actual}"),
            "rename the file to match its content".into(),
        ));
    }
    image::check(data).map_err(|r| (r.reason, r.hint))
}

impl Images {
    /// Add an image (or find the same bytes already added); returns its href.
    pub fn add(&mut self, data: Vec<u8>, media_type: &'static str, ext: &str) -> String {
        let kept = Kept {
            key: fingerprint(&data),
            data: ImageData::Held(data.into()),
        };
        self.insert(kept, media_type, ext)
    }

    /// [`Images::add`] for an image read and checked ([`fetch`]).
    fn insert(&mut self, kept: Kept, media_type: &'static str, ext: &str) -> String {
        if let Some(&i) = self.by_content.get(&kept.key) {
            return self.list[i].href.clone();
        }
        let href = format!("images/img{:03}.{ext}", self.list.len() + 1);
        self.by_content.insert(kept.key, self.list.len());
        self.list.push(Image {
            href: href.clone(),
            media_type,
            data: kept.data,
        });
        href
    }
}

/// A font file for the package: (href inside the package folder, media type, bytes).
pub type FontEntry = (String, &'static str, Vec<u8>);

/// A `[build] css` file made ready to ship: its CSS through [`stylesheet::sanitize`], each local
/// `url()` resolved against the stylesheet's folder and brought in — an image into `images`
/// (checked whole), a font into `fonts` — and rewritten to its place in the package
/// (`../images/img002.png`). What is dropped comes back as warnings pointing into the CSS file.
pub fn load_stylesheet(
    files: &dyn Files,
    path: &str,
    data: Vec<u8>,
    images: &mut Images,
    fonts: &mut Vec<FontEntry>,
) -> Result<(Vec<u8>, Vec<Diagnostic>), Diagnostic> {
    let source = files::decode(files.name(path), data)?;
    let clean = stylesheet::sanitize(&source.text, &mut |url| {
        css_resource(files, path, url, images, fonts)
    });
    let warnings = clean
        .problems
        .iter()
        .map(|p| {
            let d = Diagnostic::warning(p.message.clone()).at(&source, p.at.clone());
            match p.hint {
                Some(h) => d.with_hint(h),
                None => d,
            }
        })
        .collect();
    Ok((clean.css.into_bytes(), warnings))
}

/// One `url()` of a stylesheet at `css_path`: brought in (its new URL, and a note when an SVG
/// had parts removed), kept (a `#fragment`), or `Err(why)` to drop it.
fn css_resource(
    files: &dyn Files,
    css_path: &str,
    url: &str,
    images: &mut Images,
    fonts: &mut Vec<FontEntry>,
) -> Result<stylesheet::Resolved, String> {
    let url = url.trim();
    let shown = if url.chars().count() > 60 {
        format!("{}…", url.chars().take(57).collect::<String>())
    } else {
        url.to_string()
    };
    let drop = |why: &str| format!("`url({shown})` dropped with its declaration: {why}");
    let moved = |href: &str, frag: Option<&str>, note| stylesheet::Resolved {
        url: Some(format!(
            "../{href}{}",
            frag.map_or(String::new(), |f| format!("#{f}"))
        )),
        note,
    };
    if url.is_empty() {
        return Err(drop("it is empty"));
    }
    if url.starts_with('#') {
        return Ok(stylesheet::Resolved::default());
    }
    if url
        .get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("data:"))
    {
        return Err(drop(
            "save the data as a file in the book folder and name that file",
        ));
    }
    let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
    if matches!(scheme.trim(), "javascript" | "vbscript") {
        return Err(drop("it is a script, not a file"));
    }
    if chapters::is_external(url) {
        return Err(drop("hanpub never downloads files"));
    }
    let (file_part, frag) = match url.find(['#', '?']) {
        Some(i) => (&url[..i], url[i..].split('#').nth(1)),
        None => (url, None),
    };
    let rel = chapters::percent_decode(file_part);
    let path = chapters::join_relative(css_path, &rel);
    check_inside(css_path, &rel).map_err(|why| drop(&format!("it {why}")))?;
    let data = files
        .read(&path)
        .map_err(|e| drop(&format!("{} ({})", files::io_reason(&e), files.name(&path))))?;
    if let Some(media_type) = font_type(&data) {
        check_font(media_type, &data).map_err(|why| drop(&why))?;
        let href = match fonts.iter().find(|(_, _, d)| *d == data) {
            Some((href, _, _)) => href.clone(),
            None => {
                let ext = media_type.trim_start_matches("font/");
                let href = format!("fonts/css{}.{ext}", fonts.len() + 1);
                fonts.push((href.clone(), media_type, data));
                href
            }
        };
        return Ok(moved(&href, frag, None));
    }
    if sniff_image(&data).is_none() {
        return Err(drop(
            "it is neither an image nor a font (TTF, OTF, WOFF, WOFF2)",
        ));
    }
    let (href, removed) =
        load_image(files, css_path, file_part, images).map_err(|(why, _)| drop(&why))?;
    let note = (!removed.is_empty()).then(|| {
        format!(
            "SVG image `{}`: removed {}",
            files.name(&path),
            crate::svg::summary(&removed)
        )
    });
    Ok(moved(&href, frag, note))
}

/// The media type of a font file, by its first bytes.
fn font_type(data: &[u8]) -> Option<&'static str> {
    match data.get(..4)? {
        b"wOF2" => Some("font/woff2"),
        b"wOFF" => Some("font/woff"),
        b"OTTO" => Some("font/otf"),
        [0, 1, 0, 0] | b"true" => Some("font/ttf"),
        _ => None,
    }
}

/// A font must be whole: a TTF/OTF parses, a WOFF's header gives the file's length.
fn check_font(media_type: &str, data: &[u8]) -> Result<(), String> {
    match media_type {
        "font/woff" | "font/woff2" => {
            let len = data
                .get(8..12)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
            if len == Some(data.len()) {
                Ok(())
            } else {
                Err("the font file is damaged (its header gives another length)".into())
            }
        }
        _ => ttf_parser::Face::parse(data, 0)
            .map(|_| ())
            .map_err(|e| format!("the font file is damaged ({e})")),
    }
}

/// A content fingerprint: SHA-256 (hardware-accelerated where the CPU has it; the byte-at-a-time
/// hash before it was a quarter of the CPU time of a book of large images).
fn fingerprint(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
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
