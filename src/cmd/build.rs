//! `hanpub build`, and the disk-side helpers other commands share: locating a book, the
//! environment, the output path.

use std::io::{IsTerminal, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use hanpub::files::FsFiles;
use hanpub::{BookEntry, Diagnostic, Options};

use crate::cli::BuildArgs;
use crate::cmd::output::{self, Recording, write_atomically_with};
use crate::{Failure, term};

/// Where a book lives on disk and how to read it.
pub struct Located {
    pub files: FsFiles,
    pub entry: BookEntry,
    /// Default output name (without `.epub`).
    pub name: String,
    /// Said to the user: the book was found in a folder of the one named (`docs/`).
    pub note: Option<String>,
}

/// The folders a repository keeps its book in, looked in when the folder named has no book of
/// a form of its own: docsify's and GitHub Pages' `docs/`.
const BOOK_FOLDERS: &[&str] = &["docs"];

pub fn locate(book: &Path) -> Result<Located, Failure> {
    let shown = book.display().to_string();
    let meta = std::fs::metadata(book).map_err(|_| {
        Failure::Book(vec![Diagnostic::error(format!("no book at `{shown}`")).with_hint(
            "give a folder with book.toml, or a Markdown file with front matter (run `hanpub build --help`)",
        )])
    })?;
    let io = |e: std::io::Error| {
        Failure::Io(anyhow::Error::new(e).context(format!("cannot open `{shown}`")))
    };
    // a configuration file stands for its folder: `hanpub build book.toml`
    let config_file = book.file_name().is_some_and(|n| {
        matches!(
            n.to_str(),
            Some(
                "book.toml"
                    | "book.json"
                    | "SUMMARY.md"
                    | "_sidebar.md"
                    | "metadata.yaml"
                    | "metadata.yml"
                    | "_config.yml"
                    | "hugo.toml"
            )
        )
    });
    if config_file {
        let folder = book
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        return locate(folder);
    }
    if meta.is_dir() {
        let name = book
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "book".into());
        let files = FsFiles::new(book, &shown).map_err(io)?;
        if !hanpub::sources::has_form(&files) {
            for sub in BOOK_FOLDERS {
                let inner = book.join(sub);
                let inner_shown = inner.display().to_string();
                let Ok(found) = FsFiles::new(&inner, &inner_shown) else {
                    continue;
                };
                if inner.is_dir() && hanpub::sources::has_form(&found) {
                    return Ok(Located {
                        files: found,
                        entry: BookEntry::Dir,
                        name,
                        note: Some(format!("the book is in `{inner_shown}`")),
                    });
                }
            }
        }
        Ok(Located {
            files,
            entry: BookEntry::Dir,
            name,
            note: None,
        })
    } else {
        let parent = book
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file = book
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let shown_parent = parent.display().to_string();
        let name = file
            .rsplit_once('.')
            .map_or(file.as_str(), |(s, _)| s)
            .to_string();
        Ok(Located {
            files: FsFiles::new(parent, &shown_parent).map_err(io)?,
            entry: BookEntry::File(file),
            name,
            note: None,
        })
    }
}

pub fn source_date_epoch() -> Result<Option<i64>, Failure> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => v.trim().parse::<i64>().map(Some).map_err(|_| {
            Failure::Book(vec![
                Diagnostic::error(format!(
                    "SOURCE_DATE_EPOCH=`{v}` is not a number of seconds"
                ))
                .with_hint("set it to a Unix time such as 1700000000, or unset it"),
            ])
        }),
        _ => Ok(None),
    }
}

/// Markdown files and images at least this large are mapped by `hanpub build`, and any file
/// once this many bytes of smaller ones were read.
const MAP_FROM: u64 = 1 << 20;
const READ_BUDGET: u64 = 8 << 20;

/// `hanpub build`.
pub fn run(args: &BuildArgs, quiet: bool) -> Result<(), Failure> {
    let started = Instant::now();
    let located = locate(&args.book)?;
    if let (Some(note), false) = (&located.note, quiet) {
        eprintln!("note: {note}");
    }
    let output = output_path(args, &located)?;
    let mut opts = options(args)?;
    opts.kept_cover = kept_cover(&opts, &output);
    let t = Instant::now();
    // a one-shot build maps large Markdown files and images rather than reading them: it takes
    // of a 200 MB book only the parts it is working on (watch reads: it keeps the text)
    let mapping = located.files.clone().mapping_from(MAP_FROM, READ_BUDGET);
    let files = Recording::new(&mapping);
    let project = hanpub::load(&files, &located.entry)?;
    term::note(format_args!("loaded in {} ms", t.elapsed().as_millis()));
    print_notes(&project, quiet);
    let t = Instant::now();
    let progress = Progress::after(progress_after(), !quiet && std::io::stderr().is_terminal());
    // the chapters go to a spool file beside the output as they are ready
    let mut spool = output::spool_beside(&output)?;
    let streamed = {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut spool);
        let streamed = hanpub::build_to(&project, &files, &opts, &mut w);
        w.flush().map_err(|e| output::write_error(&output, e))?;
        streamed
    };
    progress.finish();
    let streamed = streamed?;
    let out = &streamed.output;
    output::refuse_inputs(&output, files.inputs())?;
    term::note(format_args!("built in {} ms", t.elapsed().as_millis()));
    if !quiet {
        term::eprint_diags(&out.warnings);
    }
    let t = Instant::now();
    write_atomically_with(&output, |file| {
        file.write_all(&streamed.head)?;
        spool.seek(std::io::SeekFrom::Start(0))?;
        // a copy between files: the kernel's (copy_file_range), never through this process
        std::io::copy(&mut spool, file)?;
        file.write_all(&streamed.tail)
    })?;
    if term::verbose() {
        for (i, title) in out.chapters.iter().enumerate() {
            eprintln!("chapter {}: {title}", i + 1);
        }
    }
    term::note(format_args!("wrote in {} ms", t.elapsed().as_millis()));
    keep_cover(&output, opts.kept_cover.as_ref(), out.drawn_cover.as_ref());
    if !quiet {
        if let Some(c) = &out.cover {
            eprintln!("cover: {c}");
        }
        if let Some(f) = &out.font {
            eprintln!(
                "embedded font {}: {} glyphs, {} (subset)",
                f.face,
                f.glyphs,
                human_size(f.bytes)
            );
        }
        let n = out.chapters.len();
        eprintln!(
            "built {} ({} chapter{}, {}) in {} ms",
            output.display(),
            n,
            if n == 1 { "" } else { "s" },
            human_size(streamed.len() as usize),
            started.elapsed().as_millis()
        );
    }
    Ok(())
}

/// What loading did that a user may want to know (`note:` lines, not with `-q`), and under
/// `-v` the form the book was found in and the other tools' keys it ignored.
pub fn print_notes(project: &hanpub::Project, quiet: bool) {
    for d in &project.details {
        term::note(d);
    }
    if !quiet {
        for n in &project.notes {
            eprintln!("note: {n}");
        }
    }
}

/// `-o FILE`, or `out/<book>.epub` (`out/<book>.zh-Hans.epub` for the Simplified edition);
/// refused when it is unsafe ([`output::refuse_unsafe_output`]). Stale temp files of killed
/// runs in its folder are cleaned up.
pub fn output_path(args: &BuildArgs, located: &Located) -> Result<PathBuf, Failure> {
    let output = args.output.clone().unwrap_or_else(|| {
        let suffix = match args.edition {
            crate::cli::EditionArg::ZhHant => "",
            crate::cli::EditionArg::ZhHans => ".zh-Hans",
        };
        PathBuf::from("out").join(format!("{}{suffix}.epub", located.name))
    });
    output::refuse_unsafe_output(
        &output,
        located.files.root(),
        &located.entry,
        &cli_inputs(args),
    )?;
    let cleaned = output::clean_stale_temps(output::folder_of(&output));
    if cleaned > 0 {
        term::note(format_args!(
            "removed {cleaned} temp file{} left by a killed run",
            if cleaned == 1 { "" } else { "s" }
        ));
    }
    Ok(output)
}

/// The files the command line makes the book read besides its own: `--font`, and the system
/// font a cover is drawn with.
pub fn cli_inputs(args: &BuildArgs) -> Vec<PathBuf> {
    let mut inputs: Vec<PathBuf> = args.font.iter().cloned().collect();
    if args.font.is_none() && !args.no_cover {
        inputs.extend(hanpub::cover::FONT_CANDIDATES.iter().map(PathBuf::from));
    }
    inputs
}

/// The build options of the command line (shared by build, watch and serve).
pub fn options(args: &BuildArgs) -> Result<Options, Failure> {
    let font = match &args.font {
        Some(path) => Some(hanpub::FontFile {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            data: hanpub::files::map(path).map_err(|e| {
                Failure::Book(vec![Diagnostic::error(format!(
                    "cannot read the font `{}`: {}",
                    path.display(),
                    hanpub::files::io_reason(&e)
                ))])
            })?,
        }),
        None => None,
    };
    let cover_font = if args.no_cover {
        None
    } else {
        cover_font(font.as_ref())
    };
    Ok(Options {
        layout: args.layout.map(Into::into),
        source_date_epoch: source_date_epoch()?,
        punctuation: args.no_punctuation.then_some(false),
        font,
        edition: args.edition.into(),
        cover_font,
        no_cover: args.no_cover,
        remote_images: args.remote_images.map(Into::into),
        kept_cover: None,
    })
}

/// The cover kept beside `output` by an earlier build, when a cover may be drawn.
pub fn kept_cover(opts: &Options, output: &Path) -> Option<hanpub::cover::Drawn> {
    opts.cover_font.as_ref()?;
    super::cache::read(output)
}

/// Keep the cover this build drew for the next (or say that it was kept already).
pub fn keep_cover(
    output: &Path,
    kept: Option<&hanpub::cover::Drawn>,
    drawn: Option<&hanpub::cover::Drawn>,
) {
    if drawn.is_some() && drawn == kept {
        term::note(format_args!(
            "cover: the one kept in {}",
            super::cache::path(output).display()
        ));
    }
    super::cache::update(output, kept, drawn);
}

/// The font a generated cover is drawn with: `--font` if given, else the first CJK font of
/// the system's usual places (Debian's fonts-noto-cjk).
pub fn cover_font(given: Option<&hanpub::FontFile>) -> Option<hanpub::FontFile> {
    if let Some(f) = given {
        return Some(f.clone());
    }
    hanpub::cover::FONT_CANDIDATES.iter().find_map(|path| {
        let data = hanpub::files::map(Path::new(path)).ok()?;
        let name = Path::new(path).file_name()?.to_string_lossy().into_owned();
        Some(hanpub::FontFile { name, data })
    })
}

/// Builds that take longer than this show a spinner (on a terminal); the tests shorten it with
/// `HANPUB_PROGRESS_AFTER_MS`.
fn progress_after() -> std::time::Duration {
    let ms = std::env::var("HANPUB_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    std::time::Duration::from_millis(ms)
}

/// A spinner with the elapsed time on stderr, shown only once a build has taken `after`.
pub struct Progress {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Start timing; `show`: whether a spinner may be drawn at all (a terminal, not `-q`).
    pub fn after(after: std::time::Duration, show: bool) -> Self {
        if !show {
            return Progress {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if !matches!(
                stopped.recv_timeout(after),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout)
            ) {
                return; // done in time: nothing drawn
            }
            let bar = indicatif::ProgressBar::new_spinner().with_message("building the EPUB");
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("a valid template"),
            );
            bar.tick();
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            let _ = stopped.recv();
            bar.finish_and_clear();
        });
        Progress {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Stop, clearing the spinner if it was drawn.
    pub fn finish(mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn human_size(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KB", n as f64 / 1024.0)
    }
}
