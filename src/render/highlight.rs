//! Fenced code with a language, highlighted at build time (EPUBs run no scripts): syntect's
//! grammars mark tokens, written as `<span class="hl-…">` with a handful of classes that
//! `styles/content.css` colours for light and dark pages and e-ink. The grammars run on
//! Oniguruma, the regex engine they are written for (with fancy-regex, compiling their
//! patterns took most of a code-heavy book's build; the tokens are the same).
//!
//! The grammars load on first use only, so a book without such code never pays for them.

use std::sync::LazyLock;

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

use super::xml::Xml;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

/// Code longer than this is written plain: highlighting it would take long for little.
const MAX_LEN: usize = 256 * 1024;

/// Scope prefixes → class, tried from the innermost scope outwards; the first match wins.
static CLASSES: LazyLock<Vec<(Scope, &'static str)>> = LazyLock::new(|| {
    [
        ("comment", "hl-c"),
        ("constant.character.escape", "hl-l"),
        ("string", "hl-s"),
        ("constant.numeric", "hl-n"),
        ("constant", "hl-l"),
        ("keyword.operator", ""),
        ("keyword", "hl-k"),
        ("storage.type.function", "hl-k"),
        ("storage.modifier", "hl-k"),
        ("storage.type", "hl-t"),
        ("storage", "hl-k"),
        ("entity.name.function", "hl-f"),
        ("support.function", "hl-f"),
        ("variable.function", "hl-f"),
        ("entity.name.tag", "hl-k"),
        ("entity.other.attribute-name", "hl-f"),
        ("entity.name", "hl-t"),
        ("support.type", "hl-t"),
        ("support.class", "hl-t"),
        ("entity.other.inherited-class", "hl-t"),
        ("variable.language", "hl-l"),
        ("markup.heading", "hl-k"),
        // a diff's lines: added as strings are coloured, removed as numbers, its ranges and
        // file names as comments
        ("markup.inserted", "hl-s"),
        ("markup.deleted", "hl-n"),
        ("meta.diff.range", "hl-c"),
        ("meta.diff.header", "hl-c"),
        ("punctuation.definition.range.diff", "hl-c"),
        ("punctuation.definition.comment", "hl-c"),
    ]
    .into_iter()
    .map(|(s, c)| (Scope::new(s).expect("a valid scope"), c))
    .collect()
});

/// The class of the innermost scope that has one, for the token `text`.
fn class_of(stack: &ScopeStack, text: &str) -> &'static str {
    for scope in stack.as_slice().iter().rev() {
        if let Some((_, c)) = CLASSES.iter().find(|(p, _)| p.is_prefix_of(*scope)) {
            // the grammars give declaring keywords the scope of types (`let`, `struct`, `var`,
            // `class` as `storage.type`, beside `u32` and `int`): coloured as keywords
            if *c == "hl-t" && DECLARING.contains(&text.trim()) && STORAGE_TYPE.is_prefix_of(*scope)
            {
                return "hl-k";
            }
            return c;
        }
    }
    ""
}

static STORAGE_TYPE: LazyLock<Scope> =
    LazyLock::new(|| Scope::new("storage.type").expect("a valid scope"));

/// Keywords that declare, which grammars scope as types.
const DECLARING: &[&str] = &[
    "let",
    "var",
    "const",
    "struct",
    "enum",
    "union",
    "impl",
    "trait",
    "type",
    "mod",
    "class",
    "interface",
    "typedef",
    "func",
    "fn",
    "def",
    "static",
    "extern",
    "namespace",
    "package",
];

/// The grammar for a fence's language, if syntect has one.
fn syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = lang.to_ascii_lowercase();
    let token = match lang.as_str() {
        "console" | "shell" | "shell-session" | "zsh" => "bash",
        "js" | "mjs" | "jsx" | "ts" | "typescript" | "tsx" => "js",
        "py" | "python3" => "python",
        "golang" => "go",
        "c++" => "cpp",
        "yml" => "yaml",
        "text" | "txt" | "plain" | "plaintext" => return None,
        l => l,
    };
    SYNTAXES.find_syntax_by_token(token)
}

/// Whether `lang` has a grammar (loads the grammars).
pub fn known(lang: &str) -> bool {
    syntax(lang).is_some()
}

/// Write `code` highlighted as `lang`; false (nothing written) when there is no grammar for it.
pub fn write(x: &mut Xml, code: &str, lang: &str) -> bool {
    if code.len() > MAX_LEN {
        return false;
    }
    let Some(syntax) = syntax(lang) else {
        return false;
    };
    let Some(runs) = runs(code, syntax) else {
        return false;
    };
    for (class, text) in runs {
        if class.is_empty() {
            x.text(text);
        } else {
            x.element("span", &[("class", class)], text);
        }
    }
    true
}

/// `code` cut into runs of one class (`""`: plain), neighbours of one class merged.
fn runs<'c>(code: &'c str, syntax: &SyntaxReference) -> Option<Vec<(&'static str, &'c str)>> {
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out: Vec<(&'static str, std::ops::Range<usize>)> = Vec::new();
    let mut push = |class: &'static str, r: std::ops::Range<usize>| {
        if r.is_empty() {
            return;
        }
        match out.last_mut() {
            Some((c, last)) if *c == class && last.end == r.start => last.end = r.end,
            _ => out.push((class, r)),
        }
    };
    let mut at = 0;
    for line in code.split_inclusive('\n') {
        let ops = state.parse_line(line, &SYNTAXES).ok()?;
        let mut pos = 0;
        for (i, op) in ops {
            let i = i.min(line.len());
            if i > pos {
                push(class_of(&stack, &line[pos..i]), at + pos..at + i);
                pos = i;
            }
            stack.apply(&op).ok()?;
        }
        push(class_of(&stack, &line[pos..]), at + pos..at + line.len());
        at += line.len();
    }
    Some(out.into_iter().map(|(c, r)| (c, &code[r])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(code: &str, lang: &str) -> Option<String> {
        let mut x = Xml::fragment();
        write(&mut x, code, lang).then(|| String::from_utf8(x.finish()).unwrap())
    }

    #[test]
    fn rust_python_and_unknown() {
        let h = html("fn main() {\n    // 註解\n    let s = \"字\";\n}\n", "rust").unwrap();
        assert!(h.contains("<span class=\"hl-k\">fn</span>"), "{h}");
        assert!(h.contains("// 註解"), "{h}");
        // declaring keywords as keywords, types as types
        let h = html("let x: u32 = 1;\nstruct A;\n", "rust").unwrap();
        assert!(h.contains("<span class=\"hl-k\">let</span>"), "{h}");
        assert!(h.contains("<span class=\"hl-t\">u32</span>"), "{h}");
        assert!(h.contains("<span class=\"hl-k\">struct</span>"), "{h}");
        let h = html("int x; struct s;\n", "c").unwrap();
        assert!(
            h.contains("<span class=\"hl-t\">int</span>")
                && h.contains("<span class=\"hl-k\">struct</span>"),
            "{h}"
        );
        assert!(html("x = 1 # c\n", "py").is_some());
        assert!(html("a", "no-such-language").is_none());
        assert!(html("a", "text").is_none());
    }

    /// A diff: added lines as strings are coloured, removed ones as numbers, ranges grey.
    #[test]
    fn diffs() {
        let h = html("@@ -1,2 +1,2 @@\n-let a = 1;\n+let a = 2;\n 不變\n", "diff").unwrap();
        assert!(h.contains("<span class=\"hl-c\">@@ -1,2 +1,2 @@"), "{h}");
        assert!(h.contains("<span class=\"hl-n\">-let a = 1;"), "{h}");
        assert!(h.contains("<span class=\"hl-s\">+let a = 2;"), "{h}");
    }

    #[test]
    fn heredocs_end_at_their_word_and_lifetimes_are_not_chars() {
        // a heredoc ends at the word it opened with (a backreference): the body is a string,
        // the line after it is code again
        let h = html("cat <<END\nif x\nEND\nif true; then :; fi\n", "bash").unwrap();
        let body = "<span class=\"hl-s\">\nif x\n</span><span class=\"hl-k\">END</span>\n";
        assert!(
            h.contains(&format!("{body}<span class=\"hl-k\">if</span>")),
            "{h}"
        );
        // a Rust lifetime is not a character literal
        let h = html("fn f<'a>(x: &'a str) -> char { 'c' }\n", "rust").unwrap();
        assert!(h.contains("<span class=\"hl-s\">'c'</span>"), "{h}");
        assert!(h.contains("<span class=\"hl-k\">'a</span>"), "{h}");
    }
}
