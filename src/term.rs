//! Terminal manners: `-v` (verbose), and colour for `error:`/`warning:` only when stderr is a
//! terminal (and `NO_COLOR` is unset), so tests and pipes see plain text.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);

pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

/// `-v` was given: print each chapter written and the time of each stage.
pub fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// Print a verbose line to stderr.
pub fn note(msg: impl std::fmt::Display) {
    if verbose() {
        eprintln!("{msg}");
    }
}

fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Colour the `error:` and `warning:` labels of diagnostic text when stderr is a terminal.
pub fn paint(text: &str) -> String {
    if !colour() {
        return text.to_string();
    }
    paint_always(text)
}

fn paint_always(text: &str) -> String {
    const RED: &str = "\x1b[1;31m";
    const YELLOW: &str = "\x1b[1;33m";
    const CYAN: &str = "\x1b[1;36m";
    const RESET: &str = "\x1b[0m";
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (label, colour) = if line.starts_with("error:") {
            ("error:", RED)
        } else if line.starts_with("warning:") {
            ("warning:", YELLOW)
        } else if let Some(i) = line
            .find("= hint:")
            .filter(|&i| line[..i].trim().is_empty())
        {
            out.push_str(&line[..i]);
            out.push_str(CYAN);
            out.push_str("= hint:");
            out.push_str(RESET);
            out.push_str(&line[i + "= hint:".len()..]);
            continue;
        } else {
            out.push_str(line);
            continue;
        };
        out.push_str(colour);
        out.push_str(label);
        out.push_str(RESET);
        out.push_str(&line[label.len()..]);
    }
    out
}

/// Print a diagnostic (or any `error:`/`warning:` text) to stderr, followed by a blank line.
pub fn eprint_diag(d: &impl std::fmt::Display) {
    eprintln!("{}\n", paint(&d.to_string()));
}

/// Print diagnostics to stderr, at most [`hanpub::diagnostics::SHOWN_PER_KIND`] of a kind, each
/// kind's last one followed by `and 7,999 more like this`: stderr stays proportional to the
/// kinds of problems, not their number.
pub fn eprint_diags(diags: &[hanpub::Diagnostic]) {
    let mut err = std::io::stderr().lock();
    for s in hanpub::diagnostics::collapse(diags, hanpub::diagnostics::SHOWN_PER_KIND) {
        let _ = if s.more > 0 {
            writeln!(
                err,
                "{}\n{}\n",
                paint(&s.diagnostic.to_string()),
                hanpub::diagnostics::more_like_this(s.more)
            )
        } else {
            writeln!(err, "{}\n", paint(&s.diagnostic.to_string()))
        };
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_are_coloured() {
        assert_eq!(
            super::paint_always("error: x\n --> a:1:1\n = hint: h\nwarning: y"),
            "\x1b[1;31merror:\x1b[0m x\n --> a:1:1\n \x1b[1;36m= hint:\x1b[0m h\n\x1b[1;33mwarning:\x1b[0m y"
        );
    }
}
