//! The cover's pixels and their PNG.
//!
//! A cover is flat colours and text antialiased over them. Coverage is rounded to
//! 1/[`LEVELS`], so a cover has few colours — each ink at a few levels over each background it
//! is drawn on — and the canvas keeps them as a palette and one byte a pixel: a third of the
//! memory of RGB, and the PNG is an indexed one (a smaller file, made faster). Should a drawing
//! need more than 256 colours, the canvas turns into RGB (the same pixels) and so does the PNG.

use super::{CoverError, HEIGHT, Rect, WIDTH};

/// An sRGB colour.
pub type Rgb = [u8; 3];

/// Steps of coverage between background (0) and ink (`LEVELS`): 32 steps of at most 7 units
/// of a channel for the cover's darkest ink on its paper, below what an eye tells apart.
pub const LEVELS: u32 = 32;

/// `ink` over `bg` at `level`/[`LEVELS`] coverage, rounded (in integers: the same everywhere).
pub fn mix(bg: Rgb, ink: Rgb, level: u32) -> Rgb {
    let m = |b: u8, i: u8| {
        ((b as u32 * (LEVELS - level) + i as u32 * level + LEVELS / 2) / LEVELS) as u8
    };
    [m(bg[0], ink[0]), m(bg[1], ink[1]), m(bg[2], ink[2])]
}

/// The level a coverage (0.0–1.0, as a rasteriser gives it) is drawn at: the nearest
/// (adding ½ and truncating, which is `round` without a call into libm for each pixel).
pub fn level(coverage: f32) -> u32 {
    (coverage.clamp(0.0, 1.0) * LEVELS as f32 + 0.5) as u32
}

/// No blend known yet (in [`Palette::memo`]).
const UNKNOWN: u16 = u16::MAX;

/// The colours of an indexed canvas, in the order the drawing first needed them, and what
/// blending the current ink over each gives.
struct Palette {
    colours: Vec<Rgb>,
    /// The ink `memo` is for.
    ink: Rgb,
    /// `memo[i][level]`: the index of `ink` at `level` over colour `i`, or [`UNKNOWN`].
    memo: Vec<[u16; LEVELS as usize + 1]>,
}

impl Palette {
    fn new(bg: Rgb) -> Self {
        Palette {
            colours: vec![bg],
            ink: bg,
            memo: vec![[UNKNOWN; LEVELS as usize + 1]],
        }
    }

    /// The index of `c`, added if new; `None` when the palette is full.
    fn index(&mut self, c: Rgb) -> Option<u8> {
        if let Some(i) = self.colours.iter().position(|&p| p == c) {
            return Some(i as u8);
        }
        if self.colours.len() == 256 {
            return None;
        }
        self.colours.push(c);
        self.memo.push([UNKNOWN; LEVELS as usize + 1]);
        Some((self.colours.len() - 1) as u8)
    }

    /// The index of `ink` at `level` over colour `i`; `None` when that is a 257th colour.
    fn blend(&mut self, i: u8, ink: Rgb, level: u32) -> Option<u8> {
        if ink != self.ink {
            self.ink = ink;
            self.memo
                .iter_mut()
                .for_each(|m| *m = [UNKNOWN; LEVELS as usize + 1]);
        }
        let known = self.memo[i as usize][level as usize];
        if known != UNKNOWN {
            return Some(known as u8);
        }
        let j = self.index(mix(self.colours[i as usize], ink, level))?;
        self.memo[i as usize][level as usize] = j as u16;
        Some(j)
    }

    /// The colours as a PNG `PLTE` chunk's data.
    fn plte(&self) -> Vec<u8> {
        self.colours.concat()
    }
}

enum Pixels {
    /// One index into the palette a pixel.
    Indexed(Vec<u8>, Palette),
    /// Three bytes a pixel.
    Rgb(Vec<u8>),
}

/// A 1600×2560 cover's pixels.
pub struct Canvas {
    px: Pixels,
    /// The rows drawn on: the others are background, and an indexed canvas's zeroed pages of
    /// them are never touched, not even to be encoded.
    drawn: Vec<bool>,
}

const PIXELS: usize = (WIDTH * HEIGHT) as usize;

impl Canvas {
    /// A canvas of `bg` (palette index 0: the pixels are zeroed memory, which costs nothing until
    /// drawn on).
    pub fn new(bg: Rgb) -> Self {
        Canvas {
            px: Pixels::Indexed(vec![0; PIXELS], Palette::new(bg)),
            drawn: vec![false; HEIGHT as usize],
        }
    }

    /// Turn an indexed canvas into RGB (the same pixels), when it needs a 257th colour.
    fn turn_rgb(&mut self) {
        if let Pixels::Indexed(idx, pal) = &self.px {
            self.px = Pixels::Rgb(expand(idx, &pal.colours));
        }
    }

    /// Fill `r` (rounded to whole pixels, clipped to the canvas) with `c`.
    pub fn rect(&mut self, r: Rect, c: Rgb) {
        let x0 = (r.x.round().max(0.0) as usize).min(WIDTH as usize);
        let y0 = (r.y.round().max(0.0) as usize).min(HEIGHT as usize);
        let x1 = ((r.x + r.w).round().max(0.0) as usize).min(WIDTH as usize);
        let y1 = ((r.y + r.h).round().max(0.0) as usize).min(HEIGHT as usize);
        if x0 >= x1 || y0 >= y1 {
            return;
        }
        if let Pixels::Indexed(_, pal) = &mut self.px
            && pal.index(c).is_none()
        {
            self.turn_rgb();
        }
        self.drawn[y0..y1].fill(true);
        let w = WIDTH as usize;
        match &mut self.px {
            Pixels::Indexed(idx, pal) => {
                let i = pal.index(c).expect("the colour is in the palette");
                for row in idx[y0 * w..y1 * w].chunks_exact_mut(w) {
                    row[x0..x1].fill(i);
                }
            }
            Pixels::Rgb(px) => {
                for row in px[y0 * w * 3..y1 * w * 3].chunks_exact_mut(w * 3) {
                    for p in row[x0 * 3..x1 * 3].chunks_exact_mut(3) {
                        p.copy_from_slice(&c);
                    }
                }
            }
        }
    }

    /// Draw `ink` at `coverage` over pixel `(x, y)` (nothing outside the canvas).
    pub fn blend(&mut self, x: i64, y: i64, coverage: f32, ink: Rgb) {
        let level = level(coverage);
        if level == 0 || x < 0 || y < 0 || x >= WIDTH as i64 || y >= HEIGHT as i64 {
            return;
        }
        self.drawn[y as usize] = true;
        let i = y as usize * WIDTH as usize + x as usize;
        if let Pixels::Indexed(idx, pal) = &mut self.px {
            match pal.blend(idx[i], ink, level) {
                Some(j) => {
                    idx[i] = j;
                    return;
                }
                None => self.turn_rgb(),
            }
        }
        if let Pixels::Rgb(px) = &mut self.px {
            let p = &mut px[i * 3..i * 3 + 3];
            let m = mix([p[0], p[1], p[2]], ink, level);
            p.copy_from_slice(&m);
        }
    }

    /// The pixels as RGB, three bytes a pixel.
    #[cfg(test)]
    pub fn rgb(&self) -> Vec<u8> {
        match &self.px {
            Pixels::Indexed(idx, pal) => expand(idx, &pal.colours),
            Pixels::Rgb(px) => px.clone(),
        }
    }

    /// The number of colours of an indexed canvas (`None`: RGB).
    #[cfg(test)]
    pub fn palette_len(&self) -> Option<usize> {
        match &self.px {
            Pixels::Indexed(_, pal) => Some(pal.colours.len()),
            Pixels::Rgb(_) => None,
        }
    }

    /// The PNG: indexed (8-bit, filter None) when the canvas is, else 8-bit RGB.
    pub fn png(&self) -> Result<Vec<u8>, CoverError> {
        match &self.px {
            Pixels::Indexed(idx, pal) => encode_indexed(idx, &self.drawn, &pal.plte()),
            Pixels::Rgb(px) => encode_rgb(px),
        }
    }
}

/// Indexed pixels as RGB.
fn expand(idx: &[u8], colours: &[Rgb]) -> Vec<u8> {
    let mut px = Vec::with_capacity(idx.len() * 3);
    for &i in idx {
        px.extend_from_slice(&colours[i as usize]);
    }
    px
}

fn encoding_error(e: png::EncodingError) -> CoverError {
    CoverError::Encode(e.to_string())
}

/// A 1600×2560 indexed PNG of `idx` (one byte a pixel) with `plte` (a `PLTE` chunk's data):
/// 8-bit, unfiltered (runs of one index compress well so), deflate level 5 (as small a file as
/// 6, `Balanced`, in four fifths of the time; higher levels are slower for little). Rows not
/// `drawn` are written as index 0 without being read.
fn encode_indexed(idx: &[u8], drawn: &[bool], plte: &[u8]) -> Result<Vec<u8>, CoverError> {
    use std::io::Write;
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    enc.set_color(png::ColorType::Indexed);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_palette(plte);
    enc.set_deflate_compression(png::DeflateCompression::Level(5));
    enc.set_filter(png::Filter::NoFilter);
    let mut w = enc.write_header().map_err(encoding_error)?;
    // IDAT chunks of 1 MiB: one for any cover drawn so far.
    let mut s = w.stream_writer_with_size(1 << 20).map_err(encoding_error)?;
    let blank = [0; WIDTH as usize];
    for (row, &drawn) in idx.chunks_exact(WIDTH as usize).zip(drawn) {
        s.write_all(if drawn { row } else { &blank })
            .map_err(|e| CoverError::Encode(e.to_string()))?;
    }
    s.finish().map_err(encoding_error)?;
    w.finish().map_err(encoding_error)?;
    Ok(out)
}

/// A 1600×2560 RGB PNG of `px` (three bytes a pixel): 8-bit, filter Sub, deflate `Balanced`.
fn encode_rgb(px: &[u8]) -> Result<Vec<u8>, CoverError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Balanced);
    enc.set_filter(png::Filter::Sub);
    let mut w = enc.write_header().map_err(encoding_error)?;
    w.write_image_data(px).map_err(encoding_error)?;
    w.finish().map_err(encoding_error)?;
    Ok(out)
}

/// A PNG decoded: its colour type, its size, and its pixels as RGB.
#[cfg(test)]
pub fn decode_rgb(png_bytes: &[u8]) -> (png::ColorType, (u32, u32), Vec<u8>) {
    let mut dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut r = dec.read_info().unwrap();
    let (colour, size) = (r.info().color_type, (r.info().width, r.info().height));
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (colour, size, buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_mix_and_levels() {
        let (bg, ink) = ([0xF3, 0xEE, 0xE4], [0x1D, 0x27, 0x33]);
        assert_eq!(mix(bg, ink, 0), bg);
        assert_eq!(mix(bg, ink, LEVELS), ink);
        assert_eq!(mix(bg, ink, LEVELS / 2), [0x88, 0x8B, 0x8C]);
        assert_eq!(level(-0.1), 0);
        assert_eq!(level(0.01), 0);
        assert_eq!(level(0.5), LEVELS / 2);
        assert_eq!(level(1.2), LEVELS);
    }

    /// A drawing of more than 256 colours turns the canvas into RGB, with the pixels it had,
    /// and its PNG is an RGB one of those pixels.
    #[test]
    fn cover_canvas_falls_back_to_rgb() {
        let mut cv = Canvas::new([255, 255, 255]);
        cv.rect(
            Rect {
                x: 0.0,
                y: 0.0,
                w: 10.0,
                h: 10.0,
            },
            [1, 2, 3],
        );
        let mut inks = (0..=255u8).map(|r| [r, 0, 0]);
        for x in 0..200 {
            cv.blend(x, 20, 1.0, inks.next().unwrap());
        }
        assert_eq!(cv.palette_len(), Some(202));
        let before = cv.rgb();
        for x in 0..56 {
            cv.blend(x, 21, 1.0, inks.next().unwrap());
        }
        assert_eq!(cv.palette_len(), None);
        let after = cv.rgb();
        let row = |y: usize| (y * WIDTH as usize * 3)..((y + 1) * WIDTH as usize * 3);
        assert_eq!(after[..row(21).start], before[..row(21).start]);
        assert_eq!(&after[row(21)][..3], &[200, 0, 0]);
        assert_eq!(&after[row(21)][55 * 3..56 * 3], &[255, 0, 0]);
        cv.blend(0, 22, 0.5, [0, 0, 0]);
        assert_eq!(&cv.rgb()[row(22)][..3], &[128, 128, 128]);

        let (colour_type, _, px) = decode_rgb(&cv.png().unwrap());
        assert_eq!(colour_type, png::ColorType::Rgb);
        assert!(px == cv.rgb());
    }
}
