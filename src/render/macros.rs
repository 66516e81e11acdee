//! Formula macros: `\newcommand`, `\renewcommand`, `\providecommand`, `\def`, `\gdef` and
//! `\DeclareMathOperator`. MathJax keeps a macro that one formula defines for every formula of
//! the page after it, and the KaTeX set-ups of mdBook, Hexo and Hugo do the same; pulldown-latex
//! knows it only inside the formula that defines it. So a build finds the definitions of each
//! file ([`of_text`]), converts a formula with the definitions of the macros it uses
//! ([`BookMacros::prelude`]), and leaves a formula's own definitions out of what it shows
//! ([`without_definitions`]): a formula of definitions alone shows nothing, as on the web.
//!
//! The book's own macros (mdbook-katex's `macros` file, [`from_katex_file`]) serve every file.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

/// The definitions of one file (or of the book), by the macro's name (without its `\`).
#[derive(Clone, PartialEq, Default)]
pub struct Macros {
    /// Each definition of a name, in the file's order: where it is (a byte offset; 0 for the
    /// book's), and the definition as pulldown-latex reads it.
    defs: BTreeMap<String, Vec<(usize, String)>>,
}

/// What the formulas of a build depend on (an incremental build's chapters are keyed on it):
/// where a definition is matters only for a name defined more than once, so an edit that moves
/// the text does not make every chapter new.
impl std::fmt::Debug for Macros {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for (name, defs) in &self.defs {
            match defs.as_slice() {
                [(_, one)] => m.entry(name, one),
                _ => m.entry(name, defs),
            };
        }
        m.finish()
    }
}

impl Macros {
    fn add(&mut self, name: &str, at: usize, def: String) {
        self.defs
            .entry(name.to_string())
            .or_default()
            .push((at, def));
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// The definition of `name` that holds at `at`: the last one before it; else the first
    /// one after it (MathJax would show an error there; the author's meaning is clear).
    fn at(&self, name: &str, at: usize) -> Option<&str> {
        let defs = self.defs.get(name)?;
        let before = defs.iter().rev().find(|(p, _)| *p <= at);
        Some(&before.or(defs.first())?.1)
    }
}

/// The macros of a book: its own, and those each file defines (by the file's index among the
/// book's sources; a file that defines none has no entry).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BookMacros {
    pub book: Macros,
    pub files: BTreeMap<usize, Macros>,
}

impl BookMacros {
    /// No macros at all.
    pub const fn none() -> Self {
        BookMacros {
            book: Macros {
                defs: BTreeMap::new(),
            },
            files: BTreeMap::new(),
        }
    }

    /// The book's macros (`book`, from [`from_katex_file`]) and those each file defines (by
    /// its index; [`of_text`]).
    pub fn new(book: Macros, files: impl Iterator<Item = (usize, Macros)>) -> Self {
        let files = files.filter(|(_, m)| !m.is_empty()).collect();
        BookMacros { book, files }
    }

    /// The definitions a formula of file `source` ending at `at` needs (the macros it uses,
    /// and the macros those use), to be written before it; empty when it uses none.
    pub fn prelude(&self, source: usize, at: usize, tex: &str) -> String {
        let file = self.files.get(&source);
        if !tex.contains('\\') || (self.book.is_empty() && file.is_none()) {
            return String::new();
        }
        let mut out = String::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut todo: Vec<&str> = commands(tex).collect();
        todo.reverse();
        while let Some(name) = todo.pop() {
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            let def = file
                .and_then(|f| f.at(name, at))
                .or_else(|| self.book.at(name, at));
            if let Some(def) = def {
                out.push_str(def);
                out.push(' ');
                let mut more: Vec<&str> = commands(def).collect();
                more.reverse();
                todo.extend(more);
            }
        }
        out
    }
}

/// The names of the commands in `tex` (`\frac` → `frac`), in order.
fn commands(tex: &str) -> impl Iterator<Item = &str> {
    let b = tex.as_bytes();
    memchr::memchr_iter(b'\\', b).filter_map(move |i| {
        let n = b[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        (n > 0).then(|| &tex[i + 1..i + 1 + n])
    })
}

/// The definitions that start in `range` of a file's text, wherever they are (a formula, an
/// HTML block, a page's script), added to `macros`: each one checked to be one pulldown-latex
/// reads.
pub fn of_text(text: &str, range: Range<usize>, macros: &mut Macros) {
    let bytes = &text.as_bytes()[range.clone()];
    for at in memchr::memchr_iter(b'\\', bytes).map(|k| range.start + k) {
        if let Some(d) = definition(text, at)
            && super::math::parses(&d.def)
        {
            macros.add(&d.name, at, d.def);
        }
    }
}

/// mdbook-katex's macros file: a macro a line, `\name:body` (`#1`, `#2` for arguments). A line
/// that is not one is returned with its number (from 1), for a warning.
pub fn from_katex_file(text: &str) -> (Macros, Vec<usize>) {
    let mut macros = Macros::default();
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('%') {
            continue;
        }
        let parsed = line.strip_prefix('\\').and_then(|l| l.split_once(':'));
        let def = parsed.and_then(|(name, body)| {
            let name = name.trim();
            let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic());
            let body = body.trim();
            let whole =
                body.starts_with('{') && super::math::group_end(body, 0) == Some(body.len());
            let body = if whole {
                &body[1..body.len() - 1]
            } else {
                body
            };
            let def = format!("\\def\\{name}{}{{{}}}", params(body), ends(body));
            (ok && super::math::parses(&def)).then(|| (name.to_string(), def))
        });
        match def {
            Some((name, def)) => macros.add(&name, 0, def),
            None => bad.push(n + 1),
        }
    }
    (macros, bad)
}

/// A macro's body as pulldown-latex expands it right: one that ends with a command
/// (`\nabla`) ends with a space too, else the command runs into what follows the macro
/// (`\grad f` → `\nablaf`).
fn ends(body: &str) -> Cow<'_, str> {
    let word = body.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    if word.len() < body.len() && word.ends_with('\\') && !word.ends_with("\\\\") {
        format!("{body} ").into()
    } else {
        body.into()
    }
}

/// `#1#2…` for as many arguments as `body` uses.
fn params(body: &str) -> String {
    let most = body
        .as_bytes()
        .windows(2)
        .filter(|w| w[0] == b'#' && w[1].is_ascii_digit())
        .map(|w| w[1] - b'0')
        .max()
        .unwrap_or(0);
    (1..=most).map(|k| format!("#{k}")).collect()
}

/// A formula without the definitions it makes (they are in every prelude that needs them).
pub fn without_definitions(tex: &str) -> Cow<'_, str> {
    let mut cuts: Vec<Range<usize>> = Vec::new();
    for at in memchr::memchr_iter(b'\\', tex.as_bytes()) {
        if cuts.last().is_some_and(|c| at < c.end) {
            continue;
        }
        if let Some(d) = definition(tex, at) {
            cuts.push(d.extent);
        }
    }
    if cuts.is_empty() {
        return tex.into();
    }
    let mut out = String::with_capacity(tex.len());
    let mut pos = 0;
    for c in cuts {
        out.push_str(&tex[pos..c.start]);
        pos = c.end;
    }
    out.push_str(&tex[pos..]);
    out.into()
}

/// One definition found in a text.
#[derive(Debug, PartialEq)]
struct Definition {
    /// Where it is written.
    extent: Range<usize>,
    name: String,
    /// As pulldown-latex reads it: `\def\name#1{body}`, or `\newcommand` for a macro with a
    /// default argument.
    def: String,
}

const NEWCOMMAND: &[&str] = &["newcommand", "renewcommand", "providecommand"];
const DEF: &[&str] = &["def", "gdef", "edef", "xdef"];
const OPERATOR: &str = "DeclareMathOperator";

/// The three forms a definition takes.
#[derive(Clone, Copy, PartialEq)]
enum Command {
    /// `\newcommand{\name}[n][default]{body}` (also `\renewcommand`, `\providecommand`)
    New,
    /// `\def\name#1#2{body}` (also `\gdef`, `\edef`, `\xdef`)
    Def,
    /// `\DeclareMathOperator{\name}{text}`
    Operator,
}

/// The definition starting at `at` (a `\`), if one does.
fn definition(t: &str, at: usize) -> Option<Definition> {
    let word_end = at
        + 1
        + t.as_bytes()[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
    let word = &t[at + 1..word_end];
    let kind = if NEWCOMMAND.contains(&word) {
        Command::New
    } else if DEF.contains(&word) {
        Command::Def
    } else if word == OPERATOR {
        Command::Operator
    } else {
        return None;
    };
    if t[..at].ends_with('\\') {
        return None;
    }
    let mut pos = word_end;
    let star = t[pos..].starts_with('*');
    pos += usize::from(star);
    let (name, after) = name_at(t, pos, kind != Command::Def)?;
    pos = after;
    let (def, end) = match kind {
        Command::New => {
            let (n, after) = match bracket(t, pos) {
                Some((n, after)) => (n.trim().parse::<u8>().ok().filter(|n| *n <= 9)?, after),
                None => (0, pos),
            };
            pos = after;
            let default = bracket(t, pos);
            if let Some((_, after)) = default {
                pos = after;
            }
            let (body, end) = group(t, pos)?;
            let def = match default {
                Some((d, _)) => format!("\\newcommand{{\\{name}}}[{n}][{d}]{{{}}}", ends(body)),
                None => {
                    let params: String = (1..=n).map(|k| format!("#{k}")).collect();
                    format!("\\def\\{name}{params}{{{}}}", ends(body))
                }
            };
            (def, end)
        }
        Command::Def => {
            let open = pos + t[pos..].find('{')?;
            let params = t[pos..open].trim();
            let plain = params.len().is_multiple_of(2)
                && params
                    .as_bytes()
                    .chunks(2)
                    .enumerate()
                    .all(|(k, c)| c[0] == b'#' && c[1] == b'1' + k as u8);
            if !plain {
                return None;
            }
            let (body, end) = group(t, open)?;
            (format!("\\def\\{name}{params}{{{}}}", ends(body)), end)
        }
        Command::Operator => {
            let (text, end) = group(t, pos)?;
            (format!("\\def\\{name}{{\\operatorname{{{text}}}}}"), end)
        }
    };
    Some(Definition {
        extent: at..end,
        name: name.to_string(),
        def,
    })
}

/// The macro's name at `pos` (after spaces): `\name`, or `{\name}` where `braced` is allowed;
/// and where it ends.
fn name_at(t: &str, pos: usize, braced: bool) -> Option<(&str, usize)> {
    let pos = skip_spaces(t, pos);
    if braced && t[pos..].starts_with('{') {
        let (inner, end) = group(t, pos)?;
        let inner = inner.trim();
        let name = inner.strip_prefix('\\')?;
        return (!name.is_empty() && name.bytes().all(|c| c.is_ascii_alphabetic()))
            .then_some((name, end));
    }
    let rest = t[pos..].strip_prefix('\\')?;
    let n = rest.bytes().take_while(|c| c.is_ascii_alphabetic()).count();
    (n > 0).then(|| (&rest[..n], pos + 1 + n))
}

/// The `[…]` at `pos` (after spaces), and where it ends.
fn bracket(t: &str, pos: usize) -> Option<(&str, usize)> {
    let pos = skip_spaces(t, pos);
    let rest = t[pos..].strip_prefix('[')?;
    let close = rest.find(']')?;
    Some((&rest[..close], pos + close + 2))
}

/// The inside of the brace group at `pos` (after spaces), and where it ends.
fn group(t: &str, pos: usize) -> Option<(&str, usize)> {
    let pos = skip_spaces(t, pos);
    if !t[pos..].starts_with('{') {
        return None;
    }
    let end = super::math::group_end(t, pos)?;
    Some((&t[pos + 1..end - 1], end))
}

fn skip_spaces(t: &str, pos: usize) -> usize {
    pos + (t[pos..].len() - t[pos..].trim_start().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Macros {
        let mut m = Macros::default();
        of_text(text, 0..text.len(), &mut m);
        m
    }

    fn defs(text: &str) -> Vec<(String, String)> {
        let m = found(text);
        let mut all: Vec<(usize, String, String)> = m
            .defs
            .into_iter()
            .flat_map(|(n, d)| d.into_iter().map(move |(at, d)| (at, n.clone(), d)))
            .collect();
        all.sort();
        all.into_iter().map(|(_, n, d)| (n, d)).collect()
    }

    #[test]
    fn definitions_in_their_forms() {
        let text = r"$$
\newcommand{\R}{\mathbb{R}}
\newcommand\norm[1]{\left\lVert #1 \right\rVert}
\renewcommand{\f}[2][x]{#1^#2}
\DeclareMathOperator*{\argmax}{arg\,max}
\def\E{\mathbb{E}} \gdef\P#1#2{P(#1 \mid #2)}
$$
Not these: \\newcommand{\no}{x}, \define, \def\bad#2{x}, \newcommand{\broken}{\frac{}.";
        let want = [
            ("R", r"\def\R{\mathbb{R}}"),
            ("norm", r"\def\norm#1{\left\lVert #1 \right\rVert }"),
            ("f", r"\newcommand{\f}[2][x]{#1^#2}"),
            ("argmax", r"\def\argmax{\operatorname{arg\,max}}"),
            ("E", r"\def\E{\mathbb{E}}"),
            ("P", r"\def\P#1#2{P(#1 \mid #2)}"),
        ];
        let got = defs(text);
        let got: Vec<(&str, &str)> = got.iter().map(|(n, d)| (&n[..], &d[..])).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_formula_without_its_definitions() {
        assert_eq!(
            without_definitions(r"\newcommand{\R}{\mathbb{R}} \def\E{X} x \in \R"),
            "  x \\in \\R"
        );
        assert_eq!(
            without_definitions(r"\newcommand{\R}{\mathbb{R}}").trim(),
            ""
        );
        assert!(matches!(without_definitions(r"x^2"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_prelude_a_formula_needs() {
        let text = r"$\def\R{\mathbb{R}}\def\Rn{\R^n}$ … $\Rn$ … $\def\R{\mathbb{Z}}$ … $\R$";
        let book = BookMacros::new(Macros::default(), [(3, found(text))].into_iter());
        let late = text.len();
        // what \Rn uses comes with it; the later \R holds after its definition
        assert_eq!(
            book.prelude(3, 30, r"\Rn + 1"),
            r"\def\Rn{\R^n} \def\R{\mathbb{R}} "
        );
        assert_eq!(book.prelude(3, late, r"\R"), r"\def\R{\mathbb{Z}} ");
        // another file, and a formula without commands, need none
        assert_eq!(book.prelude(4, late, r"\R"), "");
        assert_eq!(book.prelude(3, late, "x"), "");
        // used before its definition: the first one
        assert_eq!(book.prelude(3, 0, r"\R"), r"\def\R{\mathbb{R}} ");
    }

    #[test]
    fn what_an_incremental_build_keys_on() {
        let once = format!("{:?}", found(r"x $\def\R{\mathbb{R}}$"));
        assert_eq!(
            once,
            format!("{:?}", found(r"more text $\def\R{\mathbb{R}}$"))
        );
        let twice = |t: &str| format!("{:?}", found(t));
        assert_ne!(
            twice(r"$\def\R{A}$ $\def\R{B}$"),
            twice(r"$\def\R{A}$ text $\def\R{B}$")
        );
    }

    #[test]
    fn a_body_that_ends_with_a_command() {
        let book = BookMacros::new(found(r"$\def\grad{\nabla}$"), std::iter::empty());
        let defs = book.prelude(0, 99, r"\grad f");
        assert_eq!(defs, r"\def\grad{\nabla } ");
        assert!(super::super::math::parses(&format!("{defs}\\grad f")));
    }

    #[test]
    fn the_book_macros_of_mdbook_katex() {
        let (m, bad) = from_katex_file(
            "\\grad:{\\nabla}\n\\Rn:\\mathbb{R}^{#1 \\times #2}\n\n% a comment\nnot a macro\n\\x:\\frac{\n",
        );
        assert_eq!(bad, [5, 6]);
        let book = BookMacros::new(m, std::iter::empty());
        assert_eq!(
            book.prelude(0, 9, r"\grad f \in \Rn{n}{p}"),
            r"\def\grad{\nabla } \def\Rn#1#2{\mathbb{R}^{#1 \times #2}} "
        );
        // a file's own definition wins after it
        let file = BookMacros::new(
            book.book.clone(),
            [(0, found(r"$\def\grad{G}$"))].into_iter(),
        );
        assert_eq!(file.prelude(0, 20, r"\grad"), r"\def\grad{G} ");
    }
}
