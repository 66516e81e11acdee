//! `hanpub check`: every problem of a book at once (human or JSON), `--fix` for the
//! typesetting changes, and verification of a built EPUB.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use hanpub::{Diagnostic, Error, Options};

use crate::cli::{CheckArgs, FormatArg};
use crate::cmd::build::{locate, source_date_epoch};
use crate::{EXIT_BOOK, Failure, term};

/// `hanpub check`.
pub fn run(args: &CheckArgs, quiet: bool) -> Result<(), Failure> {
    let started = Instant::now();
    let is_epub = !args.book.is_dir()
        && args
            .book
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("epub"));
    let diags = if is_epub {
        if args.fix {
            let d =
                Diagnostic::error("--fix rewrites Markdown sources; it cannot fix a built EPUB")
                    .with_hint(
                        "run `hanpub check --fix BOOK` on the book folder, then build again",
                    );
            return report(&[d], args.format, quiet, &args.book);
        }
        check_epub(&args.book)?
    } else {
        check_book(args, quiet)?
    };
    term::note(format_args!(
        "checked in {} ms",
        started.elapsed().as_millis()
    ));
    report(&diags, args.format, quiet, &args.book)
}

/// Print the diagnostics; exit 1 when there are errors.
fn report(
    diags: &[Diagnostic],
    format: FormatArg,
    quiet: bool,
    book: &Path,
) -> Result<(), Failure> {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    match format {
        FormatArg::Json => {
            let json = to_json(diags);
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{json}");
        }
        FormatArg::Human => {
            if quiet {
                let errors: Vec<Diagnostic> =
                    diags.iter().filter(|d| d.is_error()).cloned().collect();
                term::eprint_diags(&errors);
            } else {
                term::eprint_diags(diags);
            }
            let shown = book.display();
            let plural = |n: usize, what: &str| {
                let count = hanpub::diagnostics::thousands(n);
                format!("{count} {what}{}", if n == 1 { "" } else { "s" })
            };
            if errors > 0 {
                eprintln!(
                    "{}",
                    term::paint(&format!(
                        "error: `{shown}` has {} and {}",
                        plural(errors, "error"),
                        plural(warnings, "warning")
                    ))
                );
            } else if !quiet {
                if warnings > 0 {
                    eprintln!("`{shown}` has {} (no errors)", plural(warnings, "warning"));
                } else {
                    eprintln!("`{shown}`: no problems found");
                }
            }
        }
    }
    if errors > 0 {
        Err(Failure::Exit(EXIT_BOOK))
    } else {
        Ok(())
    }
}

/// One diagnostic in `--format json`, fields in this order; `omitted` only on the note that
/// follows the last listed diagnostic of a kind with more than
/// [`hanpub::diagnostics::LISTED_PER_KIND`].
#[derive(serde::Serialize)]
struct JsonDiagnostic<'a> {
    severity: &'static str,
    message: std::borrow::Cow<'a, str>,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    hint: Option<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    omitted: Option<usize>,
}

/// The diagnostics as a JSON array of `{severity, message, file, line, column, hint}`, at most
/// [`hanpub::diagnostics::LISTED_PER_KIND`] of a kind; the last of a kind with more is followed
/// by `{…, "message": "and 7,999 more like this", "omitted": 7999}` (same severity and file,
/// no line), so the output stays proportional to the kinds of problems.
pub fn to_json(diags: &[Diagnostic]) -> String {
    use hanpub::diagnostics::{LISTED_PER_KIND, collapse, more_like_this};
    let mut items: Vec<JsonDiagnostic> = Vec::new();
    for shown in collapse(diags, LISTED_PER_KIND) {
        let d = shown.diagnostic;
        let loc = d.location.as_ref();
        let known = |n: usize| (n > 0).then_some(n);
        let severity = if d.is_error() { "error" } else { "warning" };
        let file = loc.map(|l| l.file.as_str());
        items.push(JsonDiagnostic {
            severity,
            message: d.message.as_str().into(),
            file,
            line: loc.and_then(|l| known(l.line)),
            column: loc.and_then(|l| known(l.column)),
            hint: d.hint.as_deref().map(Into::into),
            omitted: None,
        });
        if shown.more > 0 {
            items.push(JsonDiagnostic {
                severity,
                message: more_like_this(shown.more).into(),
                file,
                line: None,
                column: None,
                hint: Some(
                    format!("`hanpub check --format json` lists at most {LISTED_PER_KIND} problems of a kind").into(),
                ),
                omitted: Some(shown.more),
            });
        }
    }
    serde_json::to_string_pretty(&items).expect("JSON of plain values")
}

fn check_book(args: &CheckArgs, quiet: bool) -> Result<Vec<Diagnostic>, Failure> {
    let located = match locate(&args.book) {
        Ok(l) => l,
        Err(Failure::Book(d)) => return Ok(d),
        Err(e) => return Err(e),
    };
    let opts = Options {
        source_date_epoch: source_date_epoch()?,
        punctuation: args.no_punctuation.then_some(false),
        ..Options::default()
    };
    let t = Instant::now();
    let mut project = match hanpub::load(&located.files, &located.entry) {
        Ok(p) => p,
        Err(Error::Book(d)) => return Ok(d.0),
        Err(e) => return Err(e.into()),
    };
    term::note(format_args!("loaded in {} ms", t.elapsed().as_millis()));
    if args.fix {
        let changed = fix(&project, &opts, located.files.root(), quiet)?;
        if changed {
            project = match hanpub::load(&located.files, &located.entry) {
                Ok(p) => p,
                Err(Error::Book(d)) => return Ok(d.0),
                Err(e) => return Err(e.into()),
            };
        }
    }
    let t = Instant::now();
    let diags = hanpub::check(&project, &located.files, &opts);
    term::note(format_args!(
        "checked the sources in {} ms",
        t.elapsed().as_millis()
    ));
    Ok(diags)
}

/// Apply the typesetting fixes to every Markdown file; report them on stderr. True if any file
/// changed.
fn fix(
    project: &hanpub::Project,
    opts: &Options,
    root: &Path,
    quiet: bool,
) -> Result<bool, Failure> {
    let ts = hanpub::options::typesetting(&project.config, opts, false);
    let mut changed = false;
    let mut total = 0;
    for hanpub::project::Source {
        path, file, body, ..
    } in &project.sources
    {
        // the file on disk, not its text with mdBook's includes expanded
        let file = file.on_disk();
        if file.stored.mixed_lines {
            if !quiet {
                eprintln!(
                    "not fixed {}: it mixes old Mac (CR) line breaks with others, which a rewrite would change: save it with one kind of line break",
                    file.name
                );
            }
            continue;
        }
        let docsify = project.form == hanpub::sources::Form::Docsify;
        let tags = hanpub::sources::tags::protected(&file.text, docsify);
        let fixed = hanpub::lint::fix_source(&file.text, *body, &ts, &tags);
        if !quiet {
            let mut shown = Capped::default();
            for f in &fixed.skipped {
                let (line, col) = file.line_col(f.span.start);
                let what = describe(f);
                shown.line(format!("not fixed {what}"), || {
                    format!(
                        "not fixed {}:{line}:{col}: {what} (inside a block quote or next to an escape): edit it by hand",
                        file.name
                    )
                });
            }
            for f in &fixed.applied {
                let (line, col) = file.line_col(f.span.start);
                let what = describe(f);
                shown.line(format!("fixed {what}"), || {
                    format!("fixed {}:{line}:{col}: {what}", file.name)
                });
            }
            shown.finish(&file.name);
        }
        if fixed.applied.is_empty() {
            continue;
        }
        total += fixed.applied.len();
        write_source(&root.join(path), file.stored_text(&fixed.text).as_bytes())?;
        changed = true;
    }
    if !quiet {
        if total == 0 {
            eprintln!("nothing to fix");
        } else {
            eprintln!(
                "fixed {} place{} (typesetting)\n",
                hanpub::diagnostics::thousands(total),
                if total == 1 { "" } else { "s" }
            );
        }
    }
    Ok(changed)
}

/// Lines of one file's fixes, at most [`hanpub::diagnostics::SHOWN_PER_KIND`] of a kind (`fixed
/// `,` → `，``); then how many more of each kind there were.
#[derive(Default)]
struct Capped {
    /// Kind → how many seen, in the order the kinds first came.
    seen: Vec<(String, usize)>,
}

impl Capped {
    fn line(&mut self, kind: String, text: impl FnOnce() -> String) {
        let n = match self.seen.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => n,
            None => {
                self.seen.push((kind, 0));
                &mut self.seen.last_mut().expect("just pushed").1
            }
        };
        *n += 1;
        if *n <= hanpub::diagnostics::SHOWN_PER_KIND {
            eprintln!("{}", text());
        }
    }

    fn finish(self, file: &str) {
        for (kind, n) in self.seen {
            if let Some(more) = n.checked_sub(hanpub::diagnostics::SHOWN_PER_KIND)
                && more > 0
            {
                let more = hanpub::diagnostics::more_like_this(more);
                eprintln!("{more} in {file} ({kind})");
            }
        }
    }
}

fn describe(f: &hanpub::typeset::Fix) -> String {
    if f.kind == "soft-break" {
        "line break → joined".to_string()
    } else {
        format!("`{}` → `{}`", f.from.escape_debug(), f.to)
    }
}

/// Replace a source file atomically (temp file beside it, then rename), keeping its
/// permissions, and writing through a symbolic link to the real file.
fn write_source(path: &Path, data: &[u8]) -> Result<(), Failure> {
    let ctx = || format!("cannot write `{}`", path.display());
    let io = |e: std::io::Error| Failure::Io(anyhow::Error::new(e).context(ctx()));
    let real = path.canonicalize().map_err(io)?;
    let perms = std::fs::metadata(&real).map_err(io)?.permissions();
    let dir = real.parent().unwrap_or(Path::new("."));
    crate::cmd::output::clean_stale_temps(dir);
    let mut tmp = crate::cmd::output::temp_file(dir).map_err(io)?;
    tmp.write_all(data)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(io)?;
    tmp.as_file().set_permissions(perms).map_err(io)?;
    tmp.persist(&real).map_err(|e| io(e.error))?;
    Ok(())
}

fn check_epub(path: &Path) -> Result<Vec<Diagnostic>, Failure> {
    let shown = path.display().to_string();
    let bytes = match hanpub::files::read_regular(path) {
        Ok(b) => b,
        Err(e) => {
            return Ok(vec![Diagnostic::error(format!(
                "cannot read `{shown}`: {}",
                hanpub::files::io_reason(&e)
            ))]);
        }
    };
    Ok(hanpub::verify::verify(&bytes, &shown))
}
