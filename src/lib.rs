//! hanpub: Markdown → EPUB 3 for Chinese (Traditional first).
//!
//! The pipeline ([`build`]), each stage a function of data in the module of its noun:
//!
//! 1. load ([`project`]): book.toml / front matter → [`Config`], Markdown → [`project::Source`]s
//!    (through the [`Files`] trait: the only way the library sees files);
//! 2. parse ([`parse`]): Markdown → events with spans, cut into chapter-sized chunks;
//! 3. split ([`chapters`]): chapters, unique heading ids, footnotes, internal links;
//! 4. transform ([`transform`]): CJK typesetting ([`typeset`]) and the edition ([`hans`]);
//! 5. assets ([`assets`]): images ([`resources`]), cover, font, stylesheets ([`style`]);
//! 6. render ([`render`]): XHTML per chapter, compressed; navigation, cover page, OPF;
//! 7. package ([`package`]): a deterministic zip. [`Incremental`] runs the same stages
//!    through a memo ([`memo`]) that keeps per-chapter work by key, for `watch` and `serve`.
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

pub mod assets;
pub mod chapters;
pub mod config;
pub mod cover;
pub mod dates;
pub mod diagnostics;
pub mod files;
pub mod font;
pub mod hans;
pub mod image;
pub mod incremental;
pub mod lint;
mod memo;
pub mod model;
pub mod options;
pub mod package;
pub mod parse;
pub mod preview;
pub mod project;
pub mod render;
pub mod resources;
pub mod source;
pub mod sources;
pub mod stream;
pub mod style;
pub mod stylesheet;
pub mod svg;
pub mod transform;
pub mod tree;
pub mod typeset;
pub mod url;
pub mod verify;

pub use config::{Config, Layout, Metadata, derive_identifier};
pub use diagnostics::{Diagnostic, Diagnostics, Error, Severity};
pub use files::{BookEntry, Files, MemFiles};
pub use font::FontReport;
pub use incremental::Incremental;
pub use model::{Output, Streamed};
pub use options::{Edition, FontFile, Options};
pub use project::{Project, load};
pub use style::{STYLE_BASE, STYLE_HORIZONTAL, STYLE_VERTICAL};

use memo::Memo;
use options::Inputs;
use transform::Transform;

/// Build the EPUB of a loaded book, in memory. Fails with every error of the book (and the
/// warnings met so far) when there are any.
pub fn build(project: &Project, files: &dyn Files, opts: &Options) -> Result<Output, Error> {
    buffered(&Inputs::new(project, files, opts), &mut Memo::off())
}

/// Build the EPUB of a loaded book as a stream: each chapter's zip entry is written to
/// `spool` as soon as it is ready, and none is kept, so a build takes about the memory of its
/// largest chapters, not of the book. The EPUB is [`Streamed::head`], the bytes written to
/// `spool`, then [`Streamed::tail`] (the entries that describe the chapters are made last, and
/// come first): the same bytes as [`build`]'s.
pub fn build_to(
    project: &Project,
    files: &dyn Files,
    opts: &Options,
    spool: &mut dyn std::io::Write,
) -> Result<Streamed, Error> {
    run(&Inputs::new(project, files, opts), &mut Memo::off(), spool)
}

/// The pipeline, into memory.
fn buffered(input: &Inputs, memo: &mut Memo) -> Result<Output, Error> {
    let mut spool = Vec::new();
    let streamed = run(input, memo, &mut spool)?;
    let mut output = streamed.output;
    output.epub = [streamed.head, spool, streamed.tail].concat();
    Ok(output)
}

/// The pipeline: a first pass that outlines every file, split, a second pass that renders the
/// chapters into `spool` in bounded windows ([`stream`]), then what describes them. Through
/// the memo of an [`Incremental`], a piece of text unchanged since the last build stands in by
/// its outline and its chapters are taken as they were.
fn run(input: &Inputs, memo: &mut Memo, spool: &mut dyn std::io::Write) -> Result<Streamed, Error> {
    let (project, cfg, settings) = (input.project, &input.project.config, &input.settings);
    let mut warnings = project.ready()?;
    let transform = Transform::new(settings, &cfg.meta.lang)?;
    // parse, first pass: every piece of every file into its outline
    let split = stream::for_split(project, memo.outline(project));
    // split, and the images each chapter shows
    let chapters = chapters::split(split.parsed, cfg, &project.sources, &mut warnings);
    let images = resources::of_book(&chapters, project, input.files, settings, &mut warnings)?;
    let meta = transform.metadata(&cfg.meta);
    let articles = project.articles(|a| transform.metadata(a));
    let css = style::links(&cfg.build.css);
    let macros = formula_macros(project);
    let cx = render::BookContext::new(&meta, settings.vertical, &css)
        .with_articles(&articles)
        .with_macros(&macros);
    // the chapters an incremental build takes as they were, by key
    let context = format!("{cx:?}\u{1f}{settings:?}");
    let (origins, maps) = (&split.origins, &images.maps);
    let all_new = settings.font_wanted;
    let kept = memo.kept(project, &chapters, origins, maps, &context, all_new);
    // second pass: each chapter parsed again, typeset, rendered, compressed and written
    let mut out = package::Stream::new(spool);
    let compress = |name: &str, xhtml: &[u8]| memo.compress(name, xhtml);
    let second = stream::Second {
        project,
        pieces: &split.pieces,
        transform: &transform,
        maps,
        cx: &cx,
        compress: &compress,
        chars: settings.font_wanted,
        keep_entries: memo.on(),
        window: input.window,
    };
    let (rendered, chars) = stream::chapters(&second, chapters, split.origins, kept, &mut out)?;
    memo.keep(project, &rendered);
    // assets: the images, the cover, the font, the stylesheets
    let chars = font::with_book_chars(chars, &meta);
    let kept_cover = input.opts.kept_cover.as_ref();
    let draw = |f: &FontFile| memo.cover(&meta, f, settings.vertical, kept_cover);
    let assets = assets::gather(&meta, &chars, images.images, input, draw, &mut warnings)?;
    // render: the documents that describe the book
    let identity = transform.identity(&cfg.meta, input.opts.source_date_epoch);
    let docs = render::documents(&meta, &identity, settings.layout, &rendered, &assets);
    let ((cover, font), drawn_cover) = (assets.reports(), assets.drawn_cover());
    // package: what comes before and after the chapters
    let (_, ends) = out.finish(docs, assets, &|path| input.files.read_shared(path))?;
    let notes = rendered
        .iter()
        .flat_map(|c| c.diagnostics(&project.sources));
    warnings.extend(notes);
    let output = Output {
        epub: Vec::new(),
        warnings,
        chapters: rendered.into_iter().map(|c| c.title).collect(),
        identifier: identity.identifier,
        font,
        cover,
        drawn_cover,
    };
    Ok(ends.with(output))
}

/// The formula macros of the book and of each file, each file read block by block (a mapped
/// file's pages given back as it goes).
fn formula_macros(project: &Project) -> render::macros::BookMacros {
    use rayon::prelude::*;
    let files: Vec<(usize, render::macros::Macros)> = project
        .sources
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let text = &s.file.text;
            let mut found = render::macros::Macros::default();
            text.in_blocks(0..text.len(), |r| {
                render::macros::of_text(text, r, &mut found)
            });
            (i, found)
        })
        .collect();
    let book = project.config.build.formula_macros.clone();
    render::macros::BookMacros::new(book, files.into_iter())
}

impl Incremental {
    /// Build `project`, reusing what the last builds made; the result is byte-identical to
    /// [`build`]'s.
    pub fn build(
        &mut self,
        project: &Project,
        files: &dyn Files,
        opts: &Options,
    ) -> Result<Output, Error> {
        buffered(&Inputs::new(project, files, opts), self.memo())
    }
}

/// Every problem of a book at once: loading errors, build errors and warnings, and the
/// typesetting changes the build would make (as warnings), sorted by file and line.
pub fn check(project: &Project, files: &dyn Files, opts: &Options) -> Vec<Diagnostic> {
    // the cover depends on installed fonts, not on the book: not a problem of the book
    let opts = &Options {
        no_cover: true,
        ..opts.clone()
    };
    lint::everything(project, build(&project.unchecked(), files, opts), opts)
}

#[cfg(test)]
mod tests;
