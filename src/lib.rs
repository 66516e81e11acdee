//! hanpub: Markdown → EPUB 3 for Chinese (Traditional first).
//!
//! The pipeline, each stage a pure function of data:
//!
//! 1. [`load`]: book.toml / front matter → [`config::Config`], Markdown → [`source::SourceFile`]s
//!    (through the [`Files`] trait: the only way the library sees files);
//! 2. [`parse`]: Markdown → events with spans; [`chapters`]: split into chapters, ids, links;
//! 3. [`typeset`]: CJK rules on text nodes;
//! 4. [`render`]: XHTML per chapter, nav, NCX, OPF;
//! 5. [`package`]: a deterministic zip.
//!
//! ```
//! use hanpub::{build, load, BookEntry, MemFiles, Options};
//! let files = MemFiles::from([("book.md", "---\ntitle: 書\nlang: zh-Hant\n---\n## 一\n\n你好,世界。\n")]);
//! let project = load(&files, &BookEntry::File("book.md".into())).unwrap();
//! let out = build(&project, &files, &Options::default()).unwrap();
//! assert!(out.epub.starts_with(b"PK"));
//! ```

// Diagnostics are the error type on purpose: they are cold and carry their snippet.
#![allow(clippy::result_large_err)]

pub mod chapters;
pub mod config;
pub mod cover;
pub mod diagnostics;
pub mod files;
pub mod font;
pub mod hans;
pub mod lint;
mod memo;
pub mod model;
pub mod package;
pub mod parse;
pub mod preview;
pub mod render;
pub mod resources;
pub mod source;
pub mod typeset;
pub mod verify;

use std::collections::BTreeMap;

pub use config::{Config, Layout, Metadata};
pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use files::{BookEntry, Files, MemFiles};

use chapters::Parsed;
use model::{Book, Ev, Spanned, Tag};
use rayon::prelude::*;
use render::nav::TocEntry;
use render::opf::ManifestItem;
use resources::Images;
use source::SourceFile;

/// Library errors. Problems in the book itself are [`Error::Book`], with locations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Book(Diagnostics),
    #[error("cannot write the EPUB")]
    Package(#[from] package::PackageError),
}

impl From<Vec<Diagnostic>> for Error {
    fn from(d: Vec<Diagnostic>) -> Self {
        Error::Book(Diagnostics(d))
    }
}

/// Build options that come from the command line or the environment, not from the book.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Overrides `[build] layout`.
    pub layout: Option<Layout>,
    /// `SOURCE_DATE_EPOCH`: used for `dcterms:modified` when the book sets no `modified`.
    pub source_date_epoch: Option<i64>,
    /// Overrides `[build] punctuation`.
    pub punctuation: Option<bool>,
    /// A font given on the command line (overrides `[build] font`).
    pub font: Option<FontFile>,
    /// Which edition to make from the source.
    pub edition: Edition,
    /// A CJK font to draw the generated cover with (the CLI finds one: `--font`, the book's
    /// font, or the system's Noto CJK). Without one, a book with no cover image gets none.
    pub cover_font: Option<FontFile>,
    /// Never generate a cover.
    pub no_cover: bool,
}

/// The edition of the text to build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Edition {
    /// The text as written (`zh-Hant` for our books).
    #[default]
    AsWritten,
    /// Simplified Chinese (`zh-Hans`) converted from a Traditional source with OpenCC's
    /// Taiwan→mainland phrase tables; code, URLs and Latin text untouched.
    Simplified,
}

/// A font file's name and bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct FontFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// What was embedded, for the build report.
#[derive(Debug, Clone, PartialEq)]
pub struct FontReport {
    pub face: String,
    pub bytes: usize,
    pub glyphs: usize,
    pub missing: Vec<char>,
}

/// A book read from its files: configuration and Markdown sources, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub config: Config,
    /// The configuration file (book.toml or metadata.yaml), if any.
    pub config_file: Option<SourceFile>,
    /// Markdown files: path relative to the book, source text, and where the body starts.
    pub sources: Vec<(String, SourceFile, usize)>,
    /// Warnings met while loading.
    pub warnings: Vec<Diagnostic>,
    /// Errors that did not stop loading (unknown keys, missing chapters); `build` refuses to
    /// build while there are any, `check` reports them with everything else.
    pub errors: Vec<Diagnostic>,
}

impl Project {
    /// Parse every source into chapter-sized chunks (at the configured split level), the files
    /// in parallel.
    pub fn parse(&self) -> Vec<Parsed> {
        self.parse_with(|_| None)
    }

    /// [`Project::parse`], taking the chunks of source `i` from `given(i)` when it has them.
    fn parse_with(&self, given: impl Fn(usize) -> Option<Vec<Vec<Spanned>>> + Sync) -> Vec<Parsed> {
        self.sources
            .par_iter()
            .enumerate()
            .map(|(i, (path, file, body))| Parsed {
                path: path.clone(),
                source: i,
                chunks: given(i).unwrap_or_else(|| {
                    parse::parse_chunks(&file.text, *body, self.config.build.split_level)
                }),
            })
            .collect()
    }
}

/// The result of a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub epub: Vec<u8>,
    pub warnings: Vec<Diagnostic>,
    /// Titles of the chapters, in order.
    pub chapters: Vec<String>,
    pub identifier: String,
    /// The embedded font, if any.
    pub font: Option<FontReport>,
    /// What the cover is (`generated 1600×2560 PNG` / the given file), if any.
    pub cover: Option<String>,
}

/// Read the configuration and the Markdown files of a book.
pub fn load(files: &dyn Files, entry: &BookEntry) -> Result<Project, Error> {
    let mut warnings = Vec::new();
    let mut recoverable = Vec::new();
    // the single-file form's Markdown, read once for its front matter and its text
    let mut single: Option<SourceFile> = None;
    let (config, config_file, md_paths) = match entry {
        BookEntry::File(path) => {
            let file = read_text(files, path).map_err(|d| vec![d])?;
            let config = match config::split_front_matter(&file.text) {
                Some((kind, range, _)) => {
                    let (config, errs) = config::parse_front_matter(&file, kind, range)?;
                    recoverable.extend(errs);
                    config
                }
                None => {
                    warnings.push(
                        Diagnostic::warning("no front matter: the title comes from the first heading")
                            .in_file(file.name.clone())
                            .with_hint("start the file with ---, then title:, author:, lang: and date: lines, then ---"),
                    );
                    Config {
                        meta: Metadata {
                            title: first_heading(&file.text).unwrap_or_else(|| stem(path)),
                            lang: "zh-Hant".into(),
                            ..Metadata::default()
                        },
                        ..Config::default()
                    }
                }
            };
            single = Some(file);
            (config, None, vec![path.clone()])
        }
        BookEntry::Dir => {
            let listing = files
                .list()
                .map_err(|e| vec![files::read_error(files, "", &e)])?;
            let mds: Vec<String> = listing
                .iter()
                .filter(|p| p.ends_with(".md") || p.ends_with(".markdown"))
                .cloned()
                .collect();
            if listing.iter().any(|p| p == "book.toml") {
                let file = read_text(files, "book.toml").map_err(|d| vec![d])?;
                let (config, errs) = config::parse_book_toml(&file)?;
                recoverable.extend(errs);
                let chapters = if config.build.chapters.is_empty() {
                    mds
                } else {
                    config.build.chapters.clone()
                };
                if chapters.is_empty() {
                    return Err(vec![Diagnostic::error("the book has no Markdown files")
                        .in_file(file.name.clone())
                        .with_hint("list them in [build] chapters = [\"article.md\"], or put .md files beside book.toml")]
                    .into());
                }
                (config, Some(file), chapters)
            } else if let Some(meta) = listing
                .iter()
                .find(|p| *p == "metadata.yaml" || *p == "metadata.yml")
            {
                let file = read_text(files, meta).map_err(|d| vec![d])?;
                let range = 0..file.text.len();
                let (config, errs) =
                    config::parse_front_matter(&file, config::FrontMatterKind::Yaml, range)?;
                recoverable.extend(errs);
                (config, Some(file), mds)
            } else if mds.len() == 1 {
                return load_single(files, &mds[0]);
            } else {
                return Err(vec![Diagnostic::error(format!(
                    "no book.toml in `{}`",
                    files.name("")
                ))
                .with_hint("add a book.toml (see README), or build one Markdown file with front matter")]
                .into());
            }
        }
    };
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for path in md_paths {
        match files::check_relative(&path) {
            Ok(()) => {}
            Err(why) => {
                errors.push(chapter_error(&config_file, &path, why));
                continue;
            }
        }
        match single.take().map_or_else(|| read_text(files, &path), Ok) {
            Ok(file) => {
                let body = body_start(&file);
                sources.push((path, file, body));
            }
            Err(mut d) => {
                if let (Some(cf), Some(off)) = (
                    &config_file,
                    config_file
                        .as_ref()
                        .and_then(|f| f.text.find(&format!("\"{path}\""))),
                ) {
                    d = d.at(cf, off..off + path.len() + 2);
                }
                errors.push(d);
            }
        }
    }
    recoverable.extend(errors);
    Ok(Project {
        config,
        config_file,
        sources,
        warnings,
        errors: recoverable,
    })
}

fn load_single(files: &dyn Files, path: &str) -> Result<Project, Error> {
    load(files, &BookEntry::File(path.to_string()))
}

fn chapter_error(config_file: &Option<SourceFile>, path: &str, why: &str) -> Diagnostic {
    let d = Diagnostic::error(format!("chapter `{path}` {why}"));
    match config_file {
        Some(cf) => match cf.text.find(&format!("\"{path}\"")) {
            Some(off) => d.at(cf, off..off + path.len() + 2),
            None => d.in_file(cf.name.clone()),
        },
        None => d,
    }
}

fn first_heading(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix('#')
                .map(|r| r.trim_start_matches('#').trim().to_string())
        })
        .filter(|t| !t.is_empty())
}

fn stem(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
}

/// Build the EPUB of a loaded book.
///
/// Fails with every error of the book (and the warnings met so far) when there are any.
pub fn build(project: &Project, files: &dyn Files, opts: &Options) -> Result<Output, Error> {
    build_with(project, files, opts, None, None).map(|r| r.expect("no memo, no restart").0)
}

/// Chapter entry name → hash of its XHTML and its compressed entry, from an earlier build.
type EntryCache = BTreeMap<String, (u64, package::Prepared)>;

/// Build; with a `memo`, reuse the chapters of unchanged files it holds (see [`memo`]) and keep
/// this build's. `Ok(None)`: a kept chapter no longer fits the book, build again without reuse.
fn build_with(
    project: &Project,
    files: &dyn Files,
    opts: &Options,
    previous: Option<&EntryCache>,
    mut memo: Option<(&mut memo::Memo, bool)>,
) -> Result<Option<(Output, EntryCache)>, Error> {
    if !project.errors.is_empty() {
        return Err(project.errors.clone().into());
    }
    let keep = memo.is_some();
    let cfg = &project.config;
    // an embedded font is subset to every character of the book: no file may stand in by outline
    let font_wanted = opts.font.is_some() || cfg.build.font.is_some();
    let mut warnings = project.warnings.clone();
    let layout = opts.layout.unwrap_or(cfg.build.layout);
    let vertical = layout == Layout::Vertical;
    let ts = typeset::TypesetOptions {
        punctuation: opts.punctuation.unwrap_or(cfg.build.punctuation)
            && cfg.meta.lang.starts_with("zh"),
        vertical,
    };

    // parse → chapters → typeset; an unchanged file stands in by its outline
    let standing: Vec<bool> = project
        .sources
        .iter()
        .map(|(path, file, body)| match &memo {
            Some((m, true)) if !font_wanted => m.files.get(path).is_some_and(|f| {
                f.body == *body && f.split_level == cfg.build.split_level && f.text == file.text
            }),
            _ => false,
        })
        .collect();
    let parsed = project.parse_with(|i| match &memo {
        Some((m, _)) if standing[i] => Some(m.files[&project.sources[i].0].outline.clone()),
        _ => None,
    });
    let mut fresh_outlines: Vec<Option<Vec<Vec<Spanned>>>> = if keep {
        parsed
            .par_iter()
            .map(|p| {
                (!standing[p.source])
                    .then(|| memo::outline(&p.chunks))
                    .flatten()
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut chapters = chapters::split(
        parsed,
        cfg.build.split_level,
        &cfg.meta.title,
        &project.sources,
        &mut warnings,
    );
    let source_is_traditional = {
        let l = cfg.meta.lang.to_ascii_lowercase();
        l.starts_with("zh-hant") || l == "zh-tw" || l == "zh-hk" || l == "zh-mo"
    };
    let converter = match opts.edition {
        Edition::Simplified if source_is_traditional => {
            Some(hans::Converter::new().map_err(|e| {
                vec![Diagnostic::error(format!(
                    "cannot load the conversion tables: {e}"
                ))]
            })?)
        }
        _ => None,
    };
    let simplified = opts.edition == Edition::Simplified;
    // what each chapter takes from the rest of the book, to know when a kept one still fits
    let plans: Vec<String> = if keep {
        chapters.par_iter().map(memo::plan).collect()
    } else {
        Vec::new()
    };
    chapters.par_iter_mut().for_each(|c| {
        if standing[c.source] {
            return; // an outline: its chapter is kept
        }
        let events = std::mem::take(&mut c.events);
        c.events = typeset::typeset(events, &ts);
        if let Some(conv) = &converter {
            c.events = to_simplified(std::mem::take(&mut c.events), conv, vertical);
            if c.opening
                && !matches!(
                    c.events.first().map(|s| &s.ev),
                    Some(Ev::Start(Tag::Heading { .. }))
                )
            {
                c.title = simplify_line(&c.title, conv, vertical);
            }
        }
        c.events = typeset::finish(std::mem::take(&mut c.events));
        if matches!(
            c.events.first().map(|s| &s.ev),
            Some(Ev::Start(Tag::Heading { .. }))
        ) {
            c.title = chapters::heading_text(&c.events);
        } else if c.opening {
            c.title = typeset_line(&c.title, &ts);
        }
    });
    let mut meta = cfg.meta.clone();
    let identifier = meta
        .identifier
        .clone()
        .unwrap_or_else(|| derive_identifier(&meta));
    let modified = meta
        .modified
        .clone()
        .or_else(|| opts.source_date_epoch.map(config::epoch_to_rfc3339))
        .or_else(|| meta.date.as_deref().and_then(config::normalize_modified))
        .unwrap_or_else(|| "2000-01-01T00:00:00Z".into());
    meta.title = typeset_line(&meta.title, &ts);
    for s in [&mut meta.subtitle, &mut meta.kicker, &mut meta.description]
        .into_iter()
        .flatten()
    {
        *s = typeset_line(s, &ts);
    }
    let identifier = if simplified {
        meta.lang = "zh-Hans".into();
        // its own identifier: derived from the source's, stable
        format!(
            "urn:uuid:{}",
            uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_URL,
                format!("hanpub:zh-Hans:{identifier}").as_bytes()
            )
        )
    } else {
        identifier
    };
    if let Some(conv) = &converter {
        let title = meta.title.clone();
        meta.title = simplify_line(&title, conv, vertical);
        for s in [
            &mut meta.subtitle,
            &mut meta.kicker,
            &mut meta.description,
            &mut meta.rights,
            &mut meta.source,
            &mut meta.publisher,
        ]
        .into_iter()
        .flatten()
        {
            *s = simplify_line(s, conv, vertical);
        }
        for s in meta.subjects.iter_mut().chain(meta.authors.iter_mut()) {
            *s = convert_with_overrides(s, conv);
        }
        if let Some(series) = &mut meta.series {
            series.name = convert_with_overrides(&series.name, conv);
        }
    }
    let mut book = Book { meta, chapters };

    // images
    let mut images = Images::default();
    let mut image_maps: Vec<BTreeMap<String, String>> = Vec::new();
    let mut errors = Vec::new();
    for c in &book.chapters {
        let here = &project.sources[c.source].0;
        let mut map = BTreeMap::new();
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
                match load_image(files, here, &dest) {
                    Ok((data, media_type, ext)) => {
                        let href = images.add(data, media_type, ext);
                        map.insert(dest, format!("../{href}"));
                    }
                    Err((msg, hint)) => errors.push(
                        Diagnostic::error(msg)
                            .at(&project.sources[c.source].1, s.span.clone())
                            .with_hint(hint),
                    ),
                }
            }
        }
        image_maps.push(map);
    }
    if !errors.is_empty() {
        warnings.extend(errors);
        return Err(warnings.into());
    }

    // cover: given, or drawn from the metadata
    let mut cover: Option<(Vec<u8>, &'static str, &'static str)> = None;
    let mut cover_report = None;
    if let Some(path) = &cfg.build.cover {
        let data = files.read(path).map_err(|e| {
            vec![point_at_key(
                files::read_error(files, path, &e),
                project.config_file.as_ref(),
                path,
            )]
        })?;
        match cover::inspect_given(&data) {
            Ok(given) => {
                let ext = if given.media_type == "image/png" {
                    "png"
                } else {
                    "jpg"
                };
                cover_report = Some(format!("{path} ({}×{})", given.width, given.height));
                cover = Some((data, given.media_type, ext));
            }
            Err(why) => {
                let d = Diagnostic::error(format!("cover `{path}`: {why}"));
                return Err(vec![point_at_key(d, project.config_file.as_ref(), path)].into());
            }
        }
    } else if !opts.no_cover {
        match &opts.cover_font {
            Some(f) => match draw_cover_kept(&book.meta, f, vertical, memo.as_mut().map(|(m, _)| &mut **m)) {
                Ok(png) => {
                    cover_report = Some(format!(
                        "generated {}×{} PNG with {}",
                        cover::WIDTH,
                        cover::HEIGHT,
                        f.name
                    ));
                    cover = Some((png, "image/png", "png"));
                }
                Err(why) => warnings.push(
                    Diagnostic::warning(format!("no cover: {why}"))
                        .with_hint("give one with `cover = \"cover.jpg\"` in [build], or pass --font with a CJK font"),
                ),
            },
            None => warnings.push(
                Diagnostic::warning("no CJK font found to draw a cover: the book has no cover")
                    .with_hint("install fonts-noto-cjk, pass --font FILE, or give `cover = \"cover.jpg\"` in [build]"),
            ),
        }
    }

    // styles
    let mut stylesheets = vec!["../styles/hanpub.css".to_string()];
    let mut items: Vec<ManifestItem> = Vec::new();
    let mut css = String::from(STYLE_BASE);
    css.push_str(if vertical {
        STYLE_VERTICAL
    } else {
        STYLE_HORIZONTAL
    });
    // embedded font: subset to every character the book shows
    let font_file = match (&opts.font, &cfg.build.font) {
        (Some(f), _) => Some(f.clone()),
        (None, Some(path)) => Some(FontFile {
            name: path.rsplit('/').next().unwrap_or(path).to_string(),
            data: files.read(path).map_err(|e| {
                let d = files::read_error(files, path, &e);
                vec![point_at_key(d, project.config_file.as_ref(), path)]
            })?,
        }),
        (None, None) => None,
    };
    let mut font_entries: Vec<(String, &'static str, Vec<u8>)> = Vec::new();
    let mut font_report = None;
    if let Some(f) = font_file {
        let chars = book_chars(&book);
        let embedded = font::embed(&font::FontRequest {
            data: &f.data,
            name: &f.name,
            lang: &book.meta.lang,
            chars: &chars,
        })
        .map_err(|e| vec![Diagnostic::error(e.to_string()).with_hint("give a CJK font, e.g. --font /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")])?;
        if !embedded.missing.is_empty() {
            let shown: String = embedded.missing.iter().take(20).collect();
            warnings.push(Diagnostic::warning(format!(
                "the font {} has no glyph for {} character{} the book uses: {shown}{}",
                f.name,
                embedded.missing.len(),
                if embedded.missing.len() == 1 { "" } else { "s" },
                if embedded.missing.len() > 20 {
                    "…"
                } else {
                    ""
                }
            )));
        }
        let file = format!("fonts/{}.{}", font_stem(&embedded.face), embedded.ext);
        css.push_str(&font_css(&embedded.family, &format!("../{file}")));
        font_report = Some(FontReport {
            face: embedded.face.clone(),
            bytes: embedded.data.len(),
            glyphs: embedded.glyphs,
            missing: embedded.missing.clone(),
        });
        let media_type = if embedded.ext == "otf" {
            "font/otf"
        } else {
            "font/ttf"
        };
        if let Some(license) = &embedded.license {
            font_entries.push((
                format!("{file}.LICENSE.txt"),
                "text/plain",
                license.clone().into_bytes(),
            ));
        }
        font_entries.insert(0, (file, media_type, embedded.data));
    }
    if book.meta.lang.starts_with("zh-Hans") || book.meta.lang.eq_ignore_ascii_case("zh-CN") {
        css = simplified_font_stacks(&css);
    }
    if cover.is_some() {
        css.push_str(COVER_CSS);
    }
    let mut style_entries = vec![("styles/hanpub.css".to_string(), css.into_bytes())];
    for (i, path) in cfg.build.css.iter().enumerate() {
        let data = files
            .read(path)
            .map_err(|e| vec![files::read_error(files, path, &e)])?;
        let href = format!("styles/book{}.css", i + 1);
        stylesheets.push(format!("../{href}"));
        style_entries.push((href, data));
    }

    // chapters
    let lang = book.meta.lang.as_str();
    let mut toc = Vec::new();
    // the render context of every chapter, for the keys of kept chapters
    let context = if keep {
        format!(
            "{lang}\u{1f}{vertical}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{stylesheets:?}\u{1f}{ts:?}\u{1f}{:?}",
            book.meta.title, book.meta.kicker, book.meta.subtitle, opts.edition
        )
    } else {
        String::new()
    };
    // each chapter's place in its file
    let chapter_sources: Vec<usize> = book.chapters.iter().map(|c| c.source).collect();
    let mut place = Vec::with_capacity(book.chapters.len());
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for c in &book.chapters {
        let n = counts.entry(c.source).or_default();
        place.push(*n);
        *n += 1;
    }
    let kept = memo.as_ref().map(|(m, _)| &**m);
    // render and compress every chapter in parallel; the order of the results is the book's.
    // A chapter's events are dropped once it is compressed: they are the largest data.
    let rendered: Vec<RenderedChapter> = std::mem::take(&mut book.chapters)
        .into_par_iter()
        .zip(image_maps)
        .enumerate()
        .map(|(i, (c, map))| {
            let key = keep.then(|| {
                content_hash(format!("{}\u{1d}{context}\u{1d}{map:?}", plans[i]).as_bytes())
            });
            let heading = Heading {
                id: c.id.clone(),
                title: c.title.clone(),
                opening: c.opening,
            };
            if standing[c.source] {
                let path = &project.sources[c.source].0;
                let found = kept
                    .and_then(|m| m.files.get(path))
                    .and_then(|f| f.chapters.get(place[i]))
                    .filter(|m| Some(m.key) == key);
                return match found {
                    Some(m) => RenderedChapter {
                        warnings: m.warnings.clone(),
                        svg: m.svg,
                        part: Some(m.part.clone()),
                        hash: m.hash,
                        heading: Heading {
                            title: m.title.clone(),
                            ..heading
                        },
                        key,
                    },
                    None => RenderedChapter {
                        warnings: Vec::new(),
                        svg: false,
                        part: None,
                        hash: 0,
                        heading,
                        key,
                    },
                };
            }
            let image = |dest: &str| map.get(dest).cloned();
            let cx = render::xhtml::ChapterContext {
                lang,
                vertical,
                book_title: &book.meta.title,
                kicker: book.meta.kicker.as_deref(),
                subtitle: book.meta.subtitle.as_deref(),
                stylesheets: &stylesheets,
                image: &image,
            };
            let r = render::xhtml::chapter(&c, &cx);
            let warnings = r
                .warnings
                .into_iter()
                .map(|(msg, span)| Diagnostic::warning(msg).at(&project.sources[c.source].1, span))
                .collect();
            let svg = memchr_find(&r.xhtml, b"<svg");
            let name = format!("EPUB/text/{}.xhtml", c.id);
            // hashed only for incremental builds, which compare them with the next build's
            let hash = if keep { content_hash(&r.xhtml) } else { 0 };
            // an unchanged chapter's compressed entry is taken from the previous build
            let part = match previous.and_then(|p| p.get(&name)) {
                Some((h, part)) if *h == hash => part.clone(),
                _ => package::prepare_data(&name, &r.xhtml),
            };
            RenderedChapter {
                warnings,
                svg,
                part: Some(part),
                hash,
                heading: Heading {
                    title: c.title,
                    ..heading
                },
                key,
            }
        })
        .collect();
    if rendered.iter().any(|r| r.part.is_none()) {
        return Ok(None); // a kept chapter no longer fits: build again from every file's text
    }
    // keep what this build made, for the next
    if let Some((m, _)) = memo.as_mut() {
        m.reused = chapter_sources.iter().filter(|&&c| standing[c]).count();
        let mut by_file: Vec<Vec<memo::ChapterMemo>> = vec![Vec::new(); project.sources.len()];
        for (r, c) in rendered.iter().zip(&chapter_sources) {
            by_file[*c].push(memo::ChapterMemo {
                key: r.key.unwrap_or_default(),
                title: r.heading.title.clone(),
                svg: r.svg,
                warnings: r.warnings.clone(),
                part: r.part.clone().expect("every part is there"),
                hash: r.hash,
            });
        }
        let mut files_kept = std::collections::HashMap::new();
        for (i, ((path, file, body), chapters)) in project.sources.iter().zip(by_file).enumerate() {
            let kept = if standing[i] {
                m.files
                    .remove(path)
                    .map(|f| memo::FileMemo { chapters, ..f })
            } else {
                fresh_outlines[i].take().map(|outline| memo::FileMemo {
                    text: file.text.clone(),
                    body: *body,
                    split_level: cfg.build.split_level,
                    outline,
                    chapters,
                })
            };
            if let Some(f) = kept {
                files_kept.insert(path.clone(), f);
            }
        }
        m.files = files_kept;
    }
    let mut chapter_entries = Vec::with_capacity(rendered.len());
    let mut cache = EntryCache::new();
    let mut headings = Vec::with_capacity(rendered.len());
    for RenderedChapter {
        warnings: w,
        svg,
        part: prepared,
        hash,
        heading: c,
        ..
    } in rendered
    {
        let prepared = prepared.expect("every part is there");
        warnings.extend(w);
        if keep {
            cache.insert(prepared.path().to_string(), (hash, prepared.clone()));
        }
        let href = format!("text/{}.xhtml", c.id);
        toc.push(TocEntry {
            title: c.title.clone(),
            href: href.clone(),
        });
        items.push(ManifestItem {
            id: c.id.clone(),
            href,
            media_type: "application/xhtml+xml",
            properties: svg.then(|| "svg".to_string()),
            spine: true,
            auxiliary: false,
        });
        chapter_entries.push(prepared);
        headings.push(c);
    }

    // navigation
    let nav_styles = vec!["styles/hanpub.css".to_string()];
    let toc_heading = if lang.starts_with("zh-Hans") || lang.starts_with("zh-CN") {
        "目录"
    } else if lang.starts_with("zh") {
        "目錄"
    } else {
        "Contents"
    };
    let body_start = headings
        .iter()
        .find(|c| !c.opening)
        .or(headings.first())
        .map(|c| format!("text/{}.xhtml", c.id))
        .unwrap_or_default();
    let start_title = if lang.starts_with("zh") {
        "正文"
    } else {
        "Start"
    };
    let cover_title = if lang.starts_with("zh") {
        "封面"
    } else {
        "Cover"
    };
    let mut landmarks = vec![
        ("toc", toc_heading, "nav.xhtml#toc".to_string()),
        ("bodymatter", start_title, body_start),
    ];
    if cover.is_some() {
        landmarks.insert(0, ("cover", cover_title, "text/cover.xhtml".to_string()));
    }
    let nav = render::nav::nav(&render::nav::NavContext {
        lang,
        vertical,
        title: &book.meta.title,
        toc_heading,
        stylesheets: &nav_styles,
        toc: &toc,
        landmarks: &landmarks,
    });
    let ncx = render::nav::ncx(&identifier, &book.meta.title, lang, &toc);
    let mut head_items = vec![
        ManifestItem {
            id: "nav".into(),
            href: "nav.xhtml".into(),
            media_type: "application/xhtml+xml",
            properties: Some("nav".into()),
            spine: true,
            auxiliary: true,
        },
        ManifestItem {
            id: "ncx".into(),
            href: "toc.ncx".into(),
            media_type: "application/x-dtbncx+xml",
            properties: None,
            spine: false,
            auxiliary: false,
        },
    ];
    for (i, (href, _)) in style_entries.iter().enumerate() {
        head_items.push(ManifestItem {
            id: if i == 0 {
                "css".into()
            } else {
                format!("css{i}")
            },
            href: href.clone(),
            media_type: "text/css",
            properties: None,
            spine: false,
            auxiliary: false,
        });
    }
    for (i, (href, media_type, _)) in font_entries.iter().enumerate() {
        head_items.push(ManifestItem {
            id: format!("font{}", i + 1),
            href: href.clone(),
            media_type,
            properties: None,
            spine: false,
            auxiliary: false,
        });
    }
    for (i, im) in images.list.iter().enumerate() {
        head_items.push(ManifestItem {
            id: format!("img{:03}", i + 1),
            href: im.href.clone(),
            media_type: im.media_type,
            properties: None,
            spine: false,
            auxiliary: false,
        });
    }
    let mut cover_entries = Vec::new();
    if let Some((data, media_type, ext)) = cover.take() {
        let href = format!("images/cover.{ext}");
        let alt = format!("{cover_title}：{}", book.meta.title);
        let page = render::xhtml::cover_page(
            lang,
            vertical,
            &book.meta.title,
            &format!("../{href}"),
            &alt,
        );
        head_items.insert(
            0,
            ManifestItem {
                id: "cover".into(),
                href: "text/cover.xhtml".into(),
                media_type: "application/xhtml+xml",
                properties: None,
                spine: true,
                auxiliary: false,
            },
        );
        head_items.push(ManifestItem {
            id: "cover-image".into(),
            href: href.clone(),
            media_type,
            properties: Some("cover-image".into()),
            spine: false,
            auxiliary: false,
        });
        cover_entries.push(package::Entry {
            path: "EPUB/text/cover.xhtml".into(),
            data: page,
        });
        cover_entries.push(package::Entry {
            path: format!("EPUB/{href}"),
            data,
        });
    }
    head_items.extend(items);
    let items = head_items;
    let summary = if lang.starts_with("zh") {
        "本書為可重排的文字出版品：具目錄、結構化標題與正確的閱讀順序，每份文件皆標示語言，圖片附有替代文字。"
    } else {
        "A reflowable text publication with a table of contents, structured headings, a logical reading order and language tags on every document; images have text alternatives."
    };
    let opf = render::opf::opf(&render::opf::OpfContext {
        meta: &book.meta,
        identifier: &identifier,
        modified: &modified,
        layout,
        items: &items,
        cover_image: cover_report.as_ref().map(|_| "cover-image"),
        specified_fonts: font_report.is_some(),
        images: images.list.len(),
        summary,
    });

    // package: fixed order
    let mut all = vec![
        package::Entry {
            path: "META-INF/container.xml".into(),
            data: CONTAINER.as_bytes().to_vec(),
        },
        package::Entry {
            path: "EPUB/content.opf".into(),
            data: opf,
        },
        package::Entry {
            path: "EPUB/nav.xhtml".into(),
            data: nav,
        },
        package::Entry {
            path: "EPUB/toc.ncx".into(),
            data: ncx,
        },
    ];
    for (href, data) in style_entries {
        all.push(package::Entry {
            path: format!("EPUB/{href}"),
            data,
        });
    }
    if font_report.is_some() {
        all.push(package::Entry {
            path: "META-INF/com.apple.ibooks.display-options.xml".into(),
            data: APPLE_DISPLAY_OPTIONS.as_bytes().to_vec(),
        });
    }
    for (href, _, data) in font_entries {
        all.push(package::Entry {
            path: format!("EPUB/{href}"),
            data,
        });
    }
    all.extend(cover_entries);
    let images_at = all.len();
    for im in images.list {
        all.push(package::Entry {
            path: format!("EPUB/{}", im.href),
            data: im.data,
        });
    }
    let mut prepared: Vec<_> = all.par_iter().map(package::prepare).collect();
    let image_entries = prepared.split_off(images_at);
    let epub = package::package(
        prepared
            .iter()
            .chain(&chapter_entries)
            .chain(&image_entries),
    )?;
    let out = Output {
        epub,
        warnings,
        chapters: headings.into_iter().map(|c| c.title).collect(),
        identifier,
        font: font_report,
        cover: cover_report,
    };
    Ok(Some((out, cache)))
}

/// A chapter rendered and compressed, or taken from the memo (`part: None`: the kept one does
/// not fit any more).
struct RenderedChapter {
    warnings: Vec<Diagnostic>,
    svg: bool,
    part: Option<package::Prepared>,
    hash: u64,
    heading: Heading,
    key: Option<u64>,
}

/// What is left of a chapter once it is rendered.
struct Heading {
    id: String,
    title: String,
    opening: bool,
}

/// Every character the reader will see: text, titles, metadata, generated labels, ASCII.
fn book_chars(book: &Book) -> std::collections::BTreeSet<char> {
    let mut set: std::collections::BTreeSet<char> = (' '..='~').collect();
    set.extend(render::GENERATED_TEXT.chars());
    for c in &book.chapters {
        set.extend(c.title.chars());
        for s in &c.events {
            match &s.ev {
                Ev::Html { html, .. } => set.extend(html.chars()),
                Ev::TaskMarker(done) => {
                    set.insert(if *done { '☑' } else { '☐' });
                }
                ev => ev.each_text(|t| set.extend(t.chars())),
            }
        }
    }
    let m = &book.meta;
    for t in [Some(&m.title), m.subtitle.as_ref(), m.kicker.as_ref()]
        .into_iter()
        .flatten()
    {
        set.extend(t.chars());
    }
    set.retain(|c| !c.is_control());
    set
}

/// [`draw_cover`], or the cover an incremental build drew last from the same metadata and font
/// (drawing takes about 0.1 s).
fn draw_cover_kept(
    meta: &Metadata,
    font: &FontFile,
    vertical: bool,
    memo: Option<&mut memo::Memo>,
) -> Result<Vec<u8>, String> {
    let Some(m) = memo else {
        return draw_cover(meta, font, vertical);
    };
    let key = content_hash(
        format!(
            "{meta:?}\u{1f}{}\u{1f}{}\u{1f}{vertical}",
            font.name,
            font.data.len()
        )
        .as_bytes(),
    );
    match &m.cover {
        Some((k, png)) if *k == key => Ok(png.clone()),
        _ => {
            let png = draw_cover(meta, font, vertical)?;
            m.cover = Some((key, png.clone()));
            Ok(png)
        }
    }
}

/// Draw the cover from the (typeset, converted) metadata.
fn draw_cover(meta: &Metadata, font: &FontFile, vertical: bool) -> Result<Vec<u8>, String> {
    let index = cover::choose_face(&font.data, &meta.lang)
        .ok_or_else(|| format!("{} is not a font hanpub can draw Chinese with", font.name))?;
    let series = meta
        .series
        .as_ref()
        .map(|s| match (&s.position, meta.lang.starts_with("zh")) {
            (Some(p), true) => format!("{} · 第 {p} 集", s.name),
            (Some(p), false) => format!("{} · #{p}", s.name),
            (None, _) => s.name.clone(),
        });
    cover::draw(
        &cover::CoverText {
            title: &meta.title,
            subtitle: meta.subtitle.as_deref(),
            kicker: meta.kicker.as_deref(),
            series: series.as_deref(),
            authors: &meta.authors,
            lang: &meta.lang,
        },
        &cover::CoverFont {
            data: &font.data,
            index,
        },
        vertical,
    )
    .map_err(|e| e.to_string())
}

/// A file name for the embedded face: ASCII letters and digits.
fn font_stem(face: &str) -> String {
    let s: String = face
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "font".into() } else { s }
}

/// `@font-face` for the embedded font, put first in the body font stack.
fn font_css(family: &str, url: &str) -> String {
    let family = family.replace(['"', '\\'], "");
    format!(
        "\n/* embedded font (subset) */\n@font-face {{ font-family: \"{family}\"; src: url(\"{url}\"); font-weight: normal; font-style: normal; }}\nbody {{ font-family: \"{family}\", \"Songti TC\", \"Noto Serif CJK TC\", \"Noto Serif TC\", \"Source Han Serif TC\", PMingLiU, serif; }}\n"
    )
}

/// Point a diagnostic at the `"value"` in the config file, when it can be found.
fn point_at_key(d: Diagnostic, config: Option<&SourceFile>, value: &str) -> Diagnostic {
    match config.and_then(|cf| cf.text.find(&format!("\"{value}\"")).map(|off| (cf, off))) {
        Some((cf, off)) => d.at(cf, off..off + value.len() + 2),
        None => d,
    }
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// Every problem of a book at once: loading errors, build errors and warnings, and the
/// typesetting changes the build would make (as warnings), sorted by file and line.
pub fn check(project: &Project, files: &dyn Files, opts: &Options) -> Vec<Diagnostic> {
    let mut all = project.warnings.clone();
    all.extend(project.errors.iter().cloned());
    let unchecked = Project {
        errors: Vec::new(),
        warnings: Vec::new(),
        ..project.clone()
    };
    // the cover depends on installed fonts, not on the book: not a problem of the book
    let opts = &Options {
        no_cover: true,
        ..opts.clone()
    };
    match build(&unchecked, files, opts) {
        Ok(out) => all.extend(out.warnings),
        Err(Error::Book(d)) => all.extend(d.0),
        Err(e) => all.push(Diagnostic::error(e.to_string())),
    }
    all.extend(lint::structure(project));
    let ts = typeset::TypesetOptions {
        punctuation: opts.punctuation.unwrap_or(project.config.build.punctuation)
            && project.config.meta.lang.starts_with("zh"),
        vertical: false,
    };
    for (_, file, body) in &project.sources {
        let events = parse::parse(&file.text, *body);
        for fix in typeset::lint(&events, &ts) {
            let message = match fix.kind {
                "soft-break" => {
                    "line break between Chinese characters: joined without a space".to_string()
                }
                _ => format!(
                    "`{}` in Chinese text becomes `{}`",
                    fix.from.escape_debug(),
                    fix.to
                ),
            };
            all.push(
                Diagnostic::warning(message)
                    .at(file, fix.span.clone())
                    .with_hint(format!(
                        "typesetting ({}); `hanpub check --fix` rewrites the source",
                        fix.kind
                    )),
            );
        }
    }
    all.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.location
                .as_ref()
                .map(|l| (l.file.clone(), l.line, l.column))
        };
        key(a).cmp(&key(b))
    });
    all.dedup();
    all
}

/// Merge neighbouring text and convert it to Simplified Chinese (never code, code blocks or
/// raw HTML); quotes become mainland ones in horizontal text.
fn to_simplified(events: Vec<Spanned>, conv: &hans::Converter, vertical: bool) -> Vec<Spanned> {
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len());
    let mut in_code = 0usize;
    for s in events {
        match &s.ev {
            Ev::Start(Tag::CodeBlock { .. }) => in_code += 1,
            Ev::End(Tag::CodeBlock { .. }) => in_code = in_code.saturating_sub(1),
            _ => {}
        }
        if in_code == 0
            && let Ev::Text(t) = &s.ev
            && let Some(Spanned {
                ev: Ev::Text(prev),
                span,
            }) = out.last_mut()
        {
            prev.push_str(t);
            span.end = span.end.max(s.span.end);
            continue;
        }
        out.push(s);
    }
    let mut in_code = 0usize;
    for s in &mut out {
        match &mut s.ev {
            Ev::Start(Tag::CodeBlock { .. }) => in_code += 1,
            Ev::End(Tag::CodeBlock { .. }) => in_code = in_code.saturating_sub(1),
            Ev::Text(t) | Ev::NoBreak(t) | Ev::Tcy(t) | Ev::Ruby { base: t, .. }
                if in_code == 0 =>
            {
                let converted = simplify_line(t, conv, vertical);
                if converted != *t {
                    *t = converted;
                }
            }
            Ev::Start(Tag::Image { title, .. }) | Ev::Start(Tag::Link { title, .. })
                if !title.is_empty() =>
            {
                *title = conv.convert(title).into_owned();
            }
            _ => {}
        }
    }
    out
}

/// Corrections to OpenCC's Taiwan IT-vocabulary table where it is wrong in general prose
/// (e.g. 核心 → 内核, 行程式碼 → 进程式码): these phrases are converted as given here.
const HANS_OVERRIDES: &[(&str, &str)] = &[
    ("行程式碼", "行代码"),
    ("核心", "核心"),
    ("指標", "指标"),
    ("查詢", "查询"),
];

/// Convert with OpenCC, keeping the [`HANS_OVERRIDES`] phrases as given.
fn convert_with_overrides(text: &str, conv: &hans::Converter) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = HANS_OVERRIDES
            .iter()
            .filter_map(|(from, to)| rest.find(from).map(|i| (i, *from, *to)))
            .min_by_key(|&(i, from, _)| (i, std::cmp::Reverse(from.len())));
        match next {
            Some((i, from, to)) => {
                out.push_str(&conv.convert(&rest[..i]));
                out.push_str(to);
                rest = &rest[i + from.len()..];
            }
            None => {
                out.push_str(&conv.convert(rest));
                return out;
            }
        }
    }
}

/// OpenCC tw2sp, then mainland quotation marks in horizontal text (「」『』 → “”‘’).
fn simplify_line(text: &str, conv: &hans::Converter, vertical: bool) -> String {
    let s = convert_with_overrides(text, conv);
    if vertical || !s.contains(['「', '」', '『', '』']) {
        return s;
    }
    s.chars()
        .map(|c| match c {
            '「' => '“',
            '」' => '”',
            '『' => '‘',
            '』' => '’',
            c => c,
        })
        .collect()
}

/// The stylesheet's Traditional Chinese font families → their Simplified counterparts.
fn simplified_font_stacks(css: &str) -> String {
    css.replace(" TC\"", " SC\"")
        .replace("PMingLiU", "SimSun")
        .replace("\"Microsoft JhengHei\"", "\"Microsoft YaHei\"")
        .replace("BiauKai, DFKai-SB, \"TW-Kai\"", "STKaiti, KaiTi")
}

/// Typeset a line of metadata (title, description) as a paragraph of its own.
fn typeset_line(text: &str, ts: &typeset::TypesetOptions) -> String {
    let n = text.len();
    let events = vec![
        Spanned::new(Ev::Start(Tag::Paragraph), 0..0),
        Spanned::new(Ev::Text(text.to_string()), 0..n),
        Spanned::new(Ev::End(Tag::Paragraph), n..n),
    ];
    let mut out = String::with_capacity(n);
    for s in typeset::typeset(events, ts) {
        match s.ev {
            Ev::Text(t) | Ev::Tcy(t) | Ev::NoBreak(t) | Ev::Code(t) | Ev::Ruby { base: t, .. } => {
                out.push_str(&t)
            }
            _ => {}
        }
    }
    out
}

/// `urn:uuid:` + UUIDv5 of the metadata that names the book.
pub fn derive_identifier(meta: &Metadata) -> String {
    let key = format!(
        "hanpub:{}\u{1f}{}\u{1f}{}\u{1f}{}",
        meta.title,
        meta.authors.join("\u{1e}"),
        meta.lang,
        meta.date.as_deref().unwrap_or("")
    );
    format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, key.as_bytes())
    )
}

fn load_image(
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
    let Some((media_type, ext)) = resources::sniff_image(&data) else {
        return Err((
            format!("`{dest}` is not a JPEG, PNG, GIF, WebP or SVG image"),
            "check that the file is an image and not, say, an HTML page saved with an image name"
                .into(),
        ));
    };
    if let Some(claimed) = resources::media_type_of_extension(&path)
        && claimed != media_type
    {
        return Err((
            format!("`{dest}` says {claimed} by its name but is {media_type}"),
            "rename the file to match its content".into(),
        ));
    }
    Ok((data, media_type, ext))
}

/// The cover page: the image alone, as large as the screen allows.
const COVER_CSS: &str = "\n/* cover page: the image alone, whole, on one screen */\nbody.cover { margin: 0; padding: 0; text-align: center; }\nbody.cover section { margin: 0; padding: 0; text-indent: 0; }\nbody.cover img { display: block; margin: 0 auto; max-width: 100%; max-height: 95vh; width: auto; height: auto; }\n";

const APPLE_DISPLAY_OPTIONS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<display_options>
  <platform name="*">
    <option name="specified-fonts">true</option>
  </platform>
</display_options>
"#;

const CONTAINER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"#;

/// The stylesheets, embedded: base + one writing mode.
pub const STYLE_BASE: &str = include_str!("../styles/base.css");
pub const STYLE_HORIZONTAL: &str = include_str!("../styles/horizontal.css");
pub const STYLE_VERTICAL: &str = include_str!("../styles/vertical.css");

/// Rebuilds that reuse the work of earlier builds (for `watch` and `serve`): same output as
/// [`build`], faster after a small edit.
#[derive(Debug, Default)]
pub struct Incremental {
    /// The compressed chapters of the last good build, with the hashes of their XHTML.
    previous: Option<EntryCache>,
    /// Chapters of unchanged files, kept with what they were made from.
    memo: memo::Memo,
    /// The book as last loaded by [`Incremental::rebuild`].
    project: Option<Project>,
}

impl Incremental {
    pub fn new() -> Self {
        Self::default()
    }

    /// Build `project`; the result is byte-identical to [`build`]'s.
    pub fn build(
        &mut self,
        project: &Project,
        files: &dyn Files,
        opts: &Options,
    ) -> Result<Output, Error> {
        let previous = self.previous.as_ref();
        let (out, cache) =
            match build_with(project, files, opts, previous, Some((&mut self.memo, true)))? {
                Some(built) => built,
                None => build_with(
                    project,
                    files,
                    opts,
                    previous,
                    Some((&mut self.memo, false)),
                )?
                .expect("a build that reuses nothing never starts again"),
            };
        self.previous = Some(cache);
        Ok(out)
    }

    /// How many chapters the last build took as they were, without parsing their files.
    pub fn reused(&self) -> usize {
        self.memo.reused
    }

    /// Load the book and build it. With `changed` (paths relative to the book, `/`-separated,
    /// as a watcher reports them), only those Markdown files are read again when the last load
    /// is at hand and none of them is the configuration or a new file; `None` reads everything.
    /// The result is byte-identical to [`build`]'s after a fresh [`load`].
    pub fn rebuild(
        &mut self,
        files: &dyn Files,
        entry: &BookEntry,
        changed: Option<&[String]>,
        opts: &Options,
    ) -> Result<Output, Error> {
        let patched = match (self.project.take(), changed) {
            (Some(mut p), Some(changed)) => {
                reload_sources(&mut p, files, entry, changed).then_some(p)
            }
            _ => None,
        };
        let project = match patched {
            Some(p) => p,
            None => load(files, entry)?,
        };
        let out = self.build(&project, files, opts);
        self.project = Some(project);
        out
    }
}

/// Read the `changed` Markdown files of `project` again, in place. False when the change needs
/// a whole load: the configuration changed, a file is new or unreadable, or loading had errors.
fn reload_sources(
    project: &mut Project,
    files: &dyn Files,
    entry: &BookEntry,
    changed: &[String],
) -> bool {
    if !project.errors.is_empty() || matches!(entry, BookEntry::File(_)) {
        return false;
    }
    for path in changed {
        let path = path.strip_prefix("./").unwrap_or(path);
        if matches!(path, "book.toml" | "metadata.yaml" | "metadata.yml") {
            return false;
        }
        if !(path.ends_with(".md") || path.ends_with(".markdown")) {
            continue; // images, styles, fonts: every build reads them
        }
        let Some(i) = project.sources.iter().position(|(p, ..)| p == path) else {
            return false;
        };
        match read_text(files, path) {
            Ok(file) => {
                let body = body_start(&file);
                project.sources[i] = (path.to_string(), file, body);
            }
            Err(_) => return false,
        }
    }
    true
}

/// A text file of the book, decoded.
fn read_text(files: &dyn Files, path: &str) -> Result<SourceFile, Diagnostic> {
    let bytes = files
        .read(path)
        .map_err(|e| files::read_error(files, path, &e))?;
    files::decode(files.name(path), bytes)
}

/// Where a Markdown file's body starts: front matter of chapter files is metadata of the
/// single-file form, skipped.
fn body_start(file: &SourceFile) -> usize {
    config::split_front_matter(&file.text).map_or(0, |(_, _, body)| body)
}

/// A fast 64-bit hash of a chapter's bytes (FNV-1a over 8-byte words).
fn content_hash(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ data.len() as u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        h = (h ^ u64::from_le_bytes(c.try_into().expect("8 bytes")))
            .wrapping_mul(0x0000_0100_0000_01B3);
        h ^= h >> 29;
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}
