//! CLI entry: parse arguments, do the I/O (files, environment, clock), print diagnostics, exit code.

mod cli;
mod cmd;
mod term;

use std::process::ExitCode;

use clap::Parser;
use hanpub::{Diagnostic, Error};

use cli::{Cli, Command};

/// The CLI allocates with jemalloc, which gives freed pages back to the system 100 ms after
/// they were last used (`dirty_decay_ms`; at once for the pages it has already purged lazily,
/// `muzzy_decay_ms`): a build keeps small records of every chapter to the end while its
/// windows come and go, and glibc's malloc held the pages between them (the 200 MB book:
/// 53 → 42 MiB, 20000 files: 78 → 62 MiB; the large book 5 % faster, the shipped article
/// 0.4 ms slower). `_RJEM_MALLOC_CONF` overrides it. The library leaves the allocator to its
/// users.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read by it through this symbol (its name carries the prefix
/// tikv-jemalloc-sys builds jemalloc with; a plain `malloc_conf` would be silently ignored).
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8; 36] = b"dirty_decay_ms:100,muzzy_decay_ms:0\0";

/// `watch` and `serve` build again and again: the pages one build frees, the next takes
/// back, so jemalloc keeps them (the one-file large book rebuilt in 60 ms instead of 37 when
/// they were given back between edits): in the arenas made so far and in those to come.
fn keep_freed_pages() {
    #[cfg(not(target_env = "msvc"))]
    {
        use tikv_jemalloc_ctl::raw;
        // SAFETY: `arenas.narenas` is an `unsigned`
        let arenas = unsafe { raw::read::<u32>(b"arenas.narenas\0") }.unwrap_or(0);
        let names = (0..arenas)
            .flat_map(|i| ["dirty", "muzzy"].map(|k| format!("arena.{i}.{k}_decay_ms\0")))
            .chain([
                "arenas.dirty_decay_ms\0".into(),
                "arenas.muzzy_decay_ms\0".into(),
            ]);
        for name in names {
            // SAFETY: these options are `ssize_t`; -1 never gives pages back. An arena not
            // made yet refuses it (and takes `arenas.*` when it is made).
            let _ = unsafe { raw::write(name.as_bytes(), -1isize) };
        }
    }
}

/// Exit codes (documented in README).
const EXIT_BOOK: u8 = 1;
const EXIT_IO: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    term::set_verbose(cli.verbose);
    let result = match &cli.command {
        Command::Build(args) => cmd::build::run(args, cli.quiet),
        Command::Check(args) => cmd::check::run(args, cli.quiet),
        Command::Init(args) => cmd::init::run(args, cli.quiet),
        Command::Completions(args) => cmd::completions::run(args),
        Command::Watch(args) => {
            keep_freed_pages();
            cmd::watch::run(args, cli.quiet)
        }
        Command::Serve(args) => {
            keep_freed_pages();
            cmd::serve::run(args, cli.quiet)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Exit(code)) => ExitCode::from(code),
        Err(Failure::Book(diags)) => {
            let n = diags.iter().filter(|d| d.is_error()).count();
            term::eprint_diags(&diags);
            eprintln!(
                "{}",
                term::paint(&format!(
                    "error: could not build the book ({} error{})",
                    hanpub::diagnostics::thousands(n),
                    if n == 1 { "" } else { "s" }
                ))
            );
            ExitCode::from(EXIT_BOOK)
        }
        Err(Failure::Io(e)) => {
            eprint!("{}", term::paint(&format!("error: {e}")));
            let mut source = e.source();
            while let Some(s) = source {
                eprint!(": {s}");
                source = s.source();
            }
            eprintln!();
            ExitCode::from(EXIT_IO)
        }
    }
}

pub enum Failure {
    /// Problems in the book, with locations.
    Book(Vec<Diagnostic>),
    /// Anything else (writing the output, …).
    Io(anyhow::Error),
    /// Already reported (e.g. by `check`): exit with this code.
    Exit(u8),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Book(d) => Failure::Book(d.0),
            other => Failure::Io(other.into()),
        }
    }
}

#[cfg(all(test, not(target_env = "msvc")))]
mod tests {
    /// One-shot builds give freed pages back after 100 ms; `watch` and `serve` keep them, in
    /// the arenas made so far and in those to come.
    #[test]
    fn rebuilding_commands_keep_freed_pages() {
        // SAFETY: `ssize_t` options, read as such
        let read = |name: &[u8]| unsafe { tikv_jemalloc_ctl::raw::read::<isize>(name) }.unwrap();
        assert_eq!(
            read(b"opt.dirty_decay_ms\0"),
            100,
            "the build's option is taken"
        );
        assert_eq!(read(b"opt.muzzy_decay_ms\0"), 0);
        super::keep_freed_pages();
        assert_eq!(read(b"arenas.dirty_decay_ms\0"), -1);
        assert_eq!(read(b"arenas.muzzy_decay_ms\0"), -1);
        assert_eq!(read(b"arena.0.dirty_decay_ms\0"), -1);
        assert_eq!(read(b"arena.0.muzzy_decay_ms\0"), -1);
    }
}
