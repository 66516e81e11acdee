//! `hanpub watch`: rebuild the EPUB on every save in the book folder, keeping the last good
//! EPUB in place until a new one is whole; also the build loop `hanpub serve` runs.

use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hanpub::{Diagnostic, Incremental, Options, Output};
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use crate::cli::{BuildArgs, WatchArgs};
use crate::cmd::build::{Located, cli_inputs, human_size, locate};
use crate::cmd::output::{self, Recording, write_atomically};
use crate::{Failure, term};

/// How long a path must be quiet before its changes are acted on: long enough for an editor's
/// save (write, rename, attributes) to arrive as one change.
const DEBOUNCE: Duration = Duration::from_millis(30);

/// Extensions of the files a book is made of; saves of anything else are ignored.
const BOOK_EXTENSIONS: &[&str] = &[
    "toml", "md", "markdown", "yaml", "yml", "css", "ttf", "otf", "ttc", "otc", "woff", "woff2",
    "jpg", "jpeg", "png", "gif", "webp", "svg",
];

/// The result of one build, as the watch loop hands it on.
pub type BuildResult = Result<Output, Vec<Diagnostic>>;

/// A book being rebuilt: where it is, where it goes, and the incremental state.
pub struct Session {
    located: Located,
    /// The folder watched (the book folder, or the folder of a single Markdown file).
    root: PathBuf,
    output: PathBuf,
    /// Files the command line names (`--font`, the cover's system font): never the output.
    cli_inputs: Vec<PathBuf>,
    opts: Options,
    incremental: Incremental,
    quiet: bool,
}

impl Session {
    pub fn new(args: &BuildArgs, quiet: bool) -> Result<Self, Failure> {
        let located = locate(&args.book)?;
        let output = super::build::output_path(args, &located)?;
        let root = located.files.root().to_path_buf();
        let mut opts = super::build::options(args)?;
        opts.kept_cover = super::build::kept_cover(&opts, &output);
        Ok(Session {
            located,
            root,
            output,
            cli_inputs: cli_inputs(args),
            opts,
            incremental: Incremental::new(),
            quiet,
        })
    }

    /// Reload the book (only the `changed` files, when known), build it, write the EPUB
    /// atomically, and print one line about it. Never stops the caller: failures are printed
    /// and returned.
    pub fn rebuild(&mut self, first: bool, changed: Option<&[String]>) -> BuildResult {
        let started = Instant::now();
        let mut built_at = Duration::ZERO;
        let files = Recording::new(&self.located.files);
        let result = self
            .incremental
            .rebuild(&files, &self.located.entry, changed, &self.opts)
            .map_err(|e| diagnostics(e.into()))
            .and_then(|out| {
                built_at = started.elapsed();
                let cli = self.cli_inputs.iter();
                let inputs = files
                    .inputs()
                    .into_iter()
                    .chain(cli.map(|p| (p.display().to_string(), p.clone())));
                output::refuse_inputs(&self.output, inputs)
                    .and_then(|()| write_atomically(&self.output, &out.epub))
                    .map(|()| out)
                    .map_err(diagnostics)
            });
        let done = started.elapsed();
        let ms = done.as_millis();
        if term::verbose() {
            eprintln!(
                "timings: load and build {} ms ({} chapters reused), write {} ms",
                built_at.as_millis(),
                self.incremental.reused(),
                done.saturating_sub(built_at).as_millis()
            );
        }
        match &result {
            Ok(out) => {
                super::cache::update(
                    &self.output,
                    self.opts.kept_cover.as_ref(),
                    out.drawn_cover.as_ref(),
                );
                self.opts.kept_cover = out.drawn_cover.clone();
                if !self.quiet {
                    term::eprint_diags(&out.warnings);
                    let n = out.chapters.len();
                    eprintln!(
                        "{} {} in {ms} ms ({n} chapter{}, {})",
                        if first { "built" } else { "rebuilt" },
                        self.output.display(),
                        if n == 1 { "" } else { "s" },
                        human_size(out.epub.len()),
                    );
                }
            }
            Err(diags) => {
                term::eprint_diags(diags);
                let n = diags.iter().filter(|d| d.is_error()).count();
                let kept = if self.output.exists() {
                    format!("; {} is unchanged", self.output.display())
                } else {
                    String::new()
                };
                eprintln!(
                    "{}",
                    term::paint(&format!(
                        "error: could not build the book ({n} error{}) in {ms} ms{kept}; watching for changes",
                        if n == 1 { "" } else { "s" }
                    ))
                );
            }
        }
        result
    }

    /// Build once, then rebuild after every relevant change, calling `after` with each result.
    /// Returns only if the watcher cannot be set up or stops.
    pub fn watch(&mut self, mut after: impl FnMut(&BuildResult)) -> Result<(), Failure> {
        let (tx, rx) = mpsc::channel::<DebounceEventResult>();
        let mut debouncer = new_debouncer(DEBOUNCE, None, tx).map_err(watch_error)?;
        // watch the folder, not single files: editors that save by rename replace the file
        debouncer
            .watch(&self.root, RecursiveMode::Recursive)
            .map_err(watch_error)?;
        let first = self.rebuild(true, None);
        after(&first);
        if !self.quiet {
            eprintln!(
                "watching {} for changes (Ctrl-C to stop)",
                self.root.display()
            );
        }
        let output = absolute(&self.output);
        let root = absolute(&self.root);
        let mut folder = FolderId::of(&self.root);
        loop {
            let batch = match rx.recv_timeout(FOLDER_CHECK) {
                Ok(batch) => Some(batch),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            // the book folder moved away, came back, or another took its place: the events
            // no longer say what changed; watch what is there now and build it from scratch
            let now = FolderId::of(&self.root);
            if now != folder {
                while rx.try_recv().is_ok() {}
                self.folder_changed(&mut debouncer, folder.is_some(), now.is_some());
                if now.is_some() {
                    let r = self.rebuild(false, None);
                    after(&r);
                }
                folder = now;
                continue;
            }
            let Some(batch) = batch else { continue };
            if folder.is_none() {
                continue; // nothing to build until the folder is back
            }
            let mut changes = Changes::default();
            changes.add(&batch, &root, &output);
            // coalesce whatever else is already queued
            while let Ok(more) = rx.try_recv() {
                changes.add(&more, &root, &output);
            }
            if changes.any {
                let r = self.rebuild(false, changes.paths.as_deref());
                after(&r);
            }
        }
        Ok(())
    }

    /// Say what happened to the book folder, and watch the folder now at its path.
    fn folder_changed(
        &self,
        debouncer: &mut notify_debouncer_full::Debouncer<
            notify_debouncer_full::notify::RecommendedWatcher,
            notify_debouncer_full::RecommendedCache,
        >,
        was: bool,
        is: bool,
    ) {
        let shown = self.root.display();
        if was {
            let _ = debouncer.unwatch(&self.root);
        }
        if !is {
            eprintln!(
                "{}",
                term::paint(&format!(
                    "warning: the book folder `{shown}` is gone (moved or deleted); {} stays as it was until it is back",
                    self.output.display()
                ))
            );
            return;
        }
        match debouncer.watch(&self.root, RecursiveMode::Recursive) {
            Ok(()) => eprintln!(
                "the book folder `{shown}` {}: building it again from scratch",
                if was { "was replaced" } else { "is back" }
            ),
            Err(e) => eprintln!(
                "{}",
                term::paint(&format!("warning: cannot watch `{shown}` again: {e}"))
            ),
        }
    }
}

/// How often the watch loop checks that the book folder is still the one it watches.
const FOLDER_CHECK: Duration = Duration::from_millis(250);

/// Which folder is at a path (device and inode), or `None` when nothing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FolderId(u64, u64);

impl FolderId {
    #[cfg(unix)]
    fn of(path: &Path) -> Option<FolderId> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok().filter(|m| m.is_dir())?;
        Some(FolderId(m.dev(), m.ino()))
    }

    #[cfg(not(unix))]
    fn of(path: &Path) -> Option<FolderId> {
        std::fs::metadata(path).ok().filter(|m| m.is_dir())?;
        Some(FolderId(0, 0))
    }
}

/// What a batch of file events changed in the book.
#[derive(Debug)]
struct Changes {
    /// Anything that can change the book.
    any: bool,
    /// The files, relative to the book folder; `None` once not known (a rescan, a folder).
    paths: Option<Vec<String>>,
}

impl Default for Changes {
    fn default() -> Self {
        Changes {
            any: false,
            paths: Some(Vec::new()),
        }
    }
}

impl Changes {
    fn add(&mut self, batch: &DebounceEventResult, root: &Path, output: &Path) {
        let events = match batch {
            Ok(events) => events,
            Err(errors) => {
                for e in errors {
                    eprintln!("warning: watching: {e}");
                }
                return;
            }
        };
        for e in events {
            if e.need_rescan() {
                self.any = true;
                self.paths = None;
                continue;
            }
            if matches!(e.kind, EventKind::Access(_)) {
                continue;
            }
            for p in &e.paths {
                let p = absolute(p);
                if !relevant(&p, root, output, matches!(e.kind, EventKind::Remove(_))) {
                    continue;
                }
                self.any = true;
                match (relative(&p, root), &mut self.paths) {
                    (Some(rel), Some(paths)) => {
                        if !paths.contains(&rel) {
                            paths.push(rel);
                        }
                    }
                    _ => self.paths = None,
                }
            }
        }
    }
}

/// `path` relative to `root`, `/`-separated, when it is a file inside it.
fn relative(path: &Path, root: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel
        .components()
        .map(|c| match c {
            Component::Normal(n) => n.to_str(),
            _ => None,
        })
        .collect();
    let parts = parts?;
    (!parts.is_empty() && !path.is_dir()).then(|| parts.join("/"))
}

/// `hanpub watch`.
pub fn run(args: &WatchArgs, quiet: bool) -> Result<(), Failure> {
    Session::new(&args.build, quiet)?.watch(|_| {})
}

/// A failure as diagnostics, to print and to hand on.
fn diagnostics(f: Failure) -> Vec<Diagnostic> {
    match f {
        Failure::Book(d) => d,
        Failure::Io(e) => vec![Diagnostic::error(format!("{e:#}"))],
        Failure::Exit(code) => vec![Diagnostic::error(format!("failed (exit code {code})"))],
    }
}

fn watch_error(e: notify_debouncer_full::notify::Error) -> Failure {
    Failure::Io(anyhow::Error::new(e).context("cannot watch the book folder"))
}

/// `path` made absolute against the current folder, without touching the disk.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Whether a change at `path` (absolute) can change the book: a file of a kind books are made
/// of, not hidden, not an editor's temporary or backup file, not our own output (nor its
/// folder). A folder that appears or goes away counts too (images may move with it).
pub fn relevant(path: &Path, root: &Path, output: &Path, removed: bool) -> bool {
    if path == output || Some(path) == output.parent() {
        return false;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    let hidden = rel.components().any(|c| match c {
        Component::Normal(n) => {
            let n = n.to_string_lossy();
            // `.x.swp`, emacs's `.#x` and `#x#` — but `#1 序.md` is a chapter
            n.starts_with('.')
                || (n.len() > 1 && n.starts_with('#') && n.ends_with('#'))
                || n == "target"
                || n == "node_modules"
        }
        _ => false,
    });
    if hidden {
        return false;
    }
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with('~') || name == "4913" {
        return false;
    }
    match name.rsplit_once('.') {
        Some((_, ext)) => BOOK_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()),
        None => removed || path.is_dir(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_changes_rebuild() {
        let root = Path::new("/b");
        let out = Path::new("/out/book.epub");
        let cases = [
            ("/b/article.md", true),
            ("/b/book.toml", true),
            ("/b/metadata.yaml", true),
            ("/b/extra.css", true),
            ("/b/img/圖.PNG", true),
            ("/b/fonts/a.otf", true),
            ("/b/gone", true),
            ("/b/.article.md.swp", false),
            ("/b/article.md~", false),
            ("/b/#article.md#", false),
            ("/b/#1 序.md", true),
            ("/b/#notes/a.md", true),
            ("/b/.#article.md", false),
            ("/b/4913", false),
            ("/b/.hanpub-abc.tmp", false),
            ("/b/.git/index", false),
            ("/b/article.md___jb_tmp___", false),
            ("/b/notes.txt", false),
            ("/b/book.epub", false),
            ("/out/book.epub", false),
            ("/out", false),
        ];
        for (p, want) in cases {
            assert_eq!(relevant(Path::new(p), root, out, true), want, "{p}");
        }
        assert!(!relevant(Path::new("/b/README"), root, out, false));
    }
}
