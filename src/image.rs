//! Checking an image the book carries before it ships: its bytes say what it is (not its name),
//! its header's size is sane, and it decodes whole — a PNG to its last row and `IEND` with every
//! CRC, a GIF through every frame, a WebP and a JPEG to their last pixel — so a truncated or
//! lying file is refused at the Markdown line that names it instead of failing EPUBCheck
//! (PKG-021) or a reading system. SVG images are parsed and sanitised by [`crate::svg`].
//!
//! Decoding is only a check: the bytes shipped are the author's own (an SVG's are re-written).
//! PNG rows and GIF frames are decoded one at a time, so memory stays at one row or frame.

use std::io::Cursor;

use crate::resources;

/// The largest image accepted, in pixels (width × height): a 50-megapixel image is already far
/// beyond any reading system's screen, and decoding it takes 150 MB.
pub const MAX_PIXELS: u64 = 50_000_000;

/// An image that passed: what it is and what to ship.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub media_type: &'static str,
    /// The file extension for the media type (`png`, `jpg`, …).
    pub ext: &'static str,
    /// Pixels (0 × 0 for SVG, whose size is not in pixels).
    pub width: u32,
    pub height: u32,
    /// For an SVG, the bytes to put in the EPUB instead of the input's: re-serialised, without
    /// what was removed. `None`: ship the input as it is.
    pub clean: Option<Vec<u8>>,
    /// What was removed from an SVG, one sentence each.
    pub warnings: Vec<String>,
}

/// Why an image is refused: a sentence about the file and a hint for the author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: String,
    pub hint: String,
}

impl Refused {
    fn new(reason: impl Into<String>, hint: impl Into<String>) -> Self {
        Refused {
            reason: reason.into(),
            hint: hint.into(),
        }
    }
}

const DAMAGED: &str = "the file is damaged or cut short: export it again from the original";

/// Check `data`, an image file: sniff its type, then decode (or for SVG, sanitise) it whole.
/// The error's `reason` completes "`name` …" (e.g. "is a damaged PNG: …").
pub fn check(data: &[u8]) -> Result<Checked, Refused> {
    let Some((media_type, ext)) = resources::sniff_image(data) else {
        return Err(Refused::new(
            "is not a JPEG, PNG, GIF, WebP or SVG image",
            "check that the file is an image and not, say, an HTML page saved with an image name",
        ));
    };
    let (width, height) = match media_type {
        "image/png" => png_size(data),
        "image/jpeg" => jpeg_size(data),
        "image/gif" => gif_size(data),
        "image/webp" => webp_size(data),
        _ => {
            let clean = crate::svg::sanitize_svg(data)
                .map_err(|e| Refused::new(e.to_string(), e.hint()))?;
            return Ok(Checked {
                media_type,
                ext,
                width: 0,
                height: 0,
                clean: Some(clean.data),
                warnings: clean.warnings,
            });
        }
    }?;
    Ok(Checked {
        media_type,
        ext,
        width,
        height,
        clean: None,
        warnings: Vec::new(),
    })
}

/// A cover image (already known to be a JPEG or PNG of a good size) decodes whole; the error
/// is a sentence about "the cover image".
pub fn check_cover(data: &[u8]) -> Result<(), String> {
    check(data)
        .map(|_| ())
        .map_err(|r| format!("the cover image {}", r.reason))
}

/// The kind's name in messages.
fn kind(media_type: &str) -> &'static str {
    match media_type {
        "image/png" => "PNG",
        "image/jpeg" => "JPEG",
        "image/gif" => "GIF",
        _ => "WebP",
    }
}

fn damaged(media_type: &str, why: impl std::fmt::Display) -> Refused {
    Refused::new(
        format!(
            "is a damaged {}: {}",
            kind(media_type),
            tidy(&why.to_string())
        ),
        DAMAGED,
    )
}

/// A decoder's message as part of a sentence: no final period, no capital unless an acronym.
fn tidy(why: &str) -> String {
    let why = why.trim().trim_end_matches('.');
    let mut chars = why.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_ascii_uppercase() && b.is_ascii_lowercase() => {
            format!("{}{}", a.to_ascii_lowercase(), &why[1..])
        }
        _ => why.to_string(),
    }
}

/// Width and height must be non-zero and their product at most [`MAX_PIXELS`].
fn sane_size(media_type: &str, w: u64, h: u64) -> Result<(), Refused> {
    if w == 0 || h == 0 {
        return Err(damaged(
            media_type,
            format!("its header says it is {w}×{h} pixels"),
        ));
    }
    if w * h > MAX_PIXELS {
        return Err(Refused::new(
            format!(
                "is {w}×{h} pixels ({:.0} megapixels): at most {} are accepted",
                (w * h) as f64 / 1e6,
                MAX_PIXELS / 1_000_000
            ),
            "scale it down: 2000 pixels on the long side is plenty for a reading system",
        ));
    }
    Ok(())
}

/// Decode every row of the main image (and read every chunk to `IEND`, checking CRCs).
fn png_size(data: &[u8]) -> Result<(u32, u32), Refused> {
    const T: &str = "image/png";
    let err = |e: png::DecodingError| damaged(T, png_reason(e));
    let mut reader = png::Decoder::new(Cursor::new(data))
        .read_info()
        .map_err(err)?;
    let (w, h) = (reader.info().width, reader.info().height);
    sane_size(T, w as u64, h as u64)?;
    let mut rows = 0u64;
    loop {
        match reader.next_row() {
            Ok(Some(_)) => rows += 1,
            Ok(None) => break,
            Err(e) => {
                return Err(damaged(
                    T,
                    format!("{} (after {rows} of {h} rows of pixels)", png_reason(e)),
                ));
            }
        }
    }
    reader.finish().map_err(err)?;
    Ok((w, h))
}

fn png_reason(e: png::DecodingError) -> String {
    match e {
        png::DecodingError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file ends early".into()
        }
        e if e.to_string().contains("not have enough data") => "the pixel data ends early".into(),
        e => e.to_string(),
    }
}

/// Decode every frame (as palette indices: one byte a pixel), each inside the logical screen.
fn gif_size(data: &[u8]) -> Result<(u32, u32), Refused> {
    const T: &str = "image/gif";
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    options.check_frame_consistency(true);
    let mut decoder = options
        .read_info(Cursor::new(data))
        .map_err(|e| damaged(T, e))?;
    let (w, h) = (decoder.width() as u32, decoder.height() as u32);
    sane_size(T, w as u64, h as u64)?;
    let mut frames = 0usize;
    let mut buf = Vec::new();
    loop {
        match decoder.next_frame_info() {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return Err(damaged(T, format!("{e} (frame {})", frames + 1))),
        }
        frames += 1;
        buf.resize(decoder.buffer_size(), 0);
        decoder
            .read_into_buffer(&mut buf)
            .map_err(|e| damaged(T, format!("{e} (frame {frames})")))?;
    }
    if frames == 0 {
        return Err(damaged(T, "it holds no picture"));
    }
    Ok((w, h))
}

/// Decode the whole picture (every frame of an animation); the RIFF size must be the file's.
fn webp_size(data: &[u8]) -> Result<(u32, u32), Refused> {
    const T: &str = "image/webp";
    let riff = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as u64;
    if riff + 8 != data.len() as u64 && riff + 9 != data.len() as u64 {
        return Err(damaged(
            T,
            format!(
                "its header says {} bytes but the file has {}",
                riff + 8,
                data.len()
            ),
        ));
    }
    let mut decoder = image_webp::WebPDecoder::new(Cursor::new(data)).map_err(|e| damaged(T, e))?;
    let (w, h) = decoder.dimensions();
    sane_size(T, w as u64, h as u64)?;
    let size = decoder
        .output_buffer_size()
        .ok_or_else(|| damaged(T, "its size overflows"))?;
    let mut buf = vec![0; size];
    if decoder.is_animated() {
        for i in 0..decoder.num_frames() {
            decoder
                .read_frame(&mut buf)
                .map_err(|e| damaged(T, format!("{e} (frame {})", i + 1)))?;
        }
    } else {
        decoder.read_image(&mut buf).map_err(|e| damaged(T, e))?;
    }
    Ok((w, h))
}

/// Decode the whole picture, strictly (a cut-short scan is an error, not grey pixels).
fn jpeg_size(data: &[u8]) -> Result<(u32, u32), Refused> {
    const T: &str = "image/jpeg";
    let options = zune_jpeg::zune_core::options::DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(1 << 16)
        .set_max_height(1 << 16);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(
        zune_jpeg::zune_core::bytestream::ZCursor::new(data),
        options,
    );
    decoder.decode_headers().map_err(|e| damaged(T, e))?;
    let (w, h) = decoder
        .info()
        .map(|i| (i.width as u32, i.height as u32))
        .ok_or_else(|| damaged(T, "it has no frame header"))?;
    sane_size(T, w as u64, h as u64)?;
    decoder.decode().map_err(|e| damaged(T, e))?;
    if !ends_with_eoi(data) {
        return Err(damaged(T, "the data ends early (no end-of-image marker)"));
    }
    Ok((w, h))
}

/// A whole JPEG ends with the EOI marker (some writers pad a few bytes after it).
fn ends_with_eoi(data: &[u8]) -> bool {
    let tail = &data[data.len().saturating_sub(32)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}
