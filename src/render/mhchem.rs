//! mhchem's `\ce{…}` (chemical formulas and equations) and `\pu{…}` (physical units), which
//! MathJax and KaTeX read with their mhchem extension, written as the TeX pulldown-latex
//! reads: `\ce{2H2 + O2 -> 2H2O}` → `2\,\mathrm{H}_{2} + \mathrm{O}_{2} \rightarrow …`.
//!
//! What school and lab notes write is covered: coefficients, elements and their counts,
//! groups `(OH)2`, charges (`SO4^2-`, `Na+`, `^{3+}`), states (`(aq)`), bonds (`-`, `=`, `#`),
//! adducts (`.` or `*`), the arrows with text above and below (`->[\Delta]`), gas `^` and
//! precipitate `v`, and `$…$` math inside. Anything else is written upright as it is.

/// `\ce{…}`'s argument as TeX.
pub fn ce(arg: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for token in tokens(arg) {
        out.push(match token {
            Token::Math(m) => m.to_string(),
            Token::Word(w) => word(w),
        });
    }
    format!("{{{}}}", out.join(" "))
}

/// `\pu{…}`'s argument as TeX: the number as it is, the units upright with their powers
/// (`kJ/mol`, `m.s-1` → m·s⁻¹, `cm3`).
pub fn pu(arg: &str) -> String {
    let arg = arg.trim();
    let n = arg
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(arg.len());
    let (num, unit) = arg.split_at(n);
    let unit = unit.trim();
    if unit.is_empty() {
        return num.to_string();
    }
    let mut out = String::new();
    for (k, part) in unit
        .split([' ', '.', '*'])
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        if k > 0 {
            out.push_str("\\cdot ");
        }
        let power = part
            .find(|c: char| c.is_ascii_digit() || c == '-')
            .filter(|&p| {
                p > 0
                    && part[p..]
                        .trim_start_matches('-')
                        .bytes()
                        .all(|b| b.is_ascii_digit())
            });
        match power {
            Some(p) => out.push_str(&format!("\\mathrm{{{}}}^{{{}}}", &part[..p], &part[p..])),
            None => out.push_str(&format!("\\mathrm{{{part}}}")),
        }
    }
    format!("{}\\ {out}", num.trim())
}

enum Token<'a> {
    Word(&'a str),
    /// `$…$` inside: math as it is.
    Math(&'a str),
}

/// The argument's words (split at spaces, arrows' `[…]` kept with them) and `$…$` parts.
fn tokens(arg: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = arg.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('$')
            && let Some(end) = r.find('$')
        {
            out.push(Token::Math(&r[..end]));
            rest = r[end + 1..].trim_start();
            continue;
        }
        let mut depth = 0i32;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '[' | '{' => depth += 1,
                    ']' | '}' => depth -= 1,
                    _ => {}
                }
                depth <= 0 && (c.is_whitespace() || c == '$')
            })
            .map_or(rest.len(), |(i, _)| i);
        let end = end.max(rest.chars().next().map_or(1, char::len_utf8));
        out.push(Token::Word(&rest[..end]));
        rest = rest[end..].trim_start();
    }
    out
}

/// The arrows, longest first, and their commands.
const ARROWS: &[(&str, &str)] = &[
    ("<=>>", "\\rightleftharpoons"),
    ("<<=>", "\\rightleftharpoons"),
    ("<-->", "\\leftrightarrows"),
    ("<=>", "\\rightleftharpoons"),
    ("<->", "\\leftrightarrow"),
    ("->", "\\rightarrow"),
    ("<-", "\\leftarrow"),
];

/// One word: an operator, an arrow, a state, or a formula.
fn word(w: &str) -> String {
    match w {
        "+" => return "+".into(),
        "^" => return "\\uparrow".into(),
        "v" => return "\\downarrow".into(),
        "=" => return "=".into(),
        "" => return String::new(),
        _ => {}
    }
    for (arrow, cmd) in ARROWS {
        if let Some(rest) = w.strip_prefix(arrow) {
            return arrow_with(cmd, rest);
        }
    }
    formula(w)
}

/// An arrow with the texts of `[above][below]` after it.
fn arrow_with(cmd: &str, rest: &str) -> String {
    let mut texts = Vec::new();
    let mut r = rest;
    while let Some(inner) = r.strip_prefix('[') {
        let Some(end) = inner.find(']') else { break };
        texts.push(ce_text(&inner[..end]));
        r = &inner[end + 1..];
    }
    match texts.as_slice() {
        [] => cmd.to_string(),
        [above] => format!("\\overset{{{above}}}{{{cmd}}}"),
        [above, below, ..] => format!("\\underset{{{below}}}{{\\overset{{{above}}}{{{cmd}}}}}"),
    }
}

/// The text over an arrow: math where it is `$…$` or a command, a formula otherwise.
fn ce_text(t: &str) -> String {
    let t = t.trim();
    if let Some(m) = t.strip_prefix('$').and_then(|m| m.strip_suffix('$')) {
        return m.to_string();
    }
    if t.starts_with('\\') {
        return t.to_string();
    }
    formula(t)
}

/// A formula: its coefficient, elements with their counts, groups, charge and state.
fn formula(w: &str) -> String {
    let c: Vec<char> = w.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    // the coefficient: digits (or a fraction) before a letter or a group
    let coef = c
        .iter()
        .take_while(|ch| ch.is_ascii_digit() || **ch == '/')
        .count();
    if coef > 0 && coef < c.len() && (c[coef].is_ascii_alphabetic() || c[coef] == '(') {
        let n: String = c[..coef].iter().collect();
        match n.split_once('/') {
            Some((a, b)) => out.push_str(&format!("\\frac{{{a}}}{{{b}}}\\,")),
            None => out.push_str(&format!("{n}\\,")),
        }
        i = coef;
    }
    // a state: (s), (l), (g), (aq)
    if let Some(state) = state(&c[i..]) {
        return format!("{out}{state}");
    }
    while i < c.len() {
        let ch = c[i];
        if let Some(state) = state(&c[i..]) {
            out.push_str(&state);
            break;
        }
        if ch.is_ascii_uppercase() {
            let n = 1 + c[i + 1..]
                .iter()
                .take_while(|x| x.is_ascii_lowercase())
                .count();
            let name: String = c[i..i + n].iter().collect();
            out.push_str(&format!("\\mathrm{{{name}}}"));
            i += n;
        } else if ch.is_ascii_digit() && i > 0 {
            let n = c[i..].iter().take_while(|x| x.is_ascii_digit()).count();
            let digits: String = c[i..i + n].iter().collect();
            out.push_str(&format!("_{{{digits}}}"));
            i += n;
        } else if ch == '^' {
            let (charge, n) = charge(&c[i + 1..]);
            out.push_str(&format!("^{{{charge}}}"));
            i += 1 + n;
        } else if ch == '_' && c.get(i + 1) == Some(&'{') {
            let n = c[i + 1..].iter().position(|x| *x == '}').unwrap_or(0);
            let sub: String = c[i + 2..i + 1 + n].iter().collect();
            out.push_str(&format!("_{{{sub}}}"));
            i += n + 2;
        } else if matches!(ch, '+' | '-') && i + 1 == c.len() && i > 0 {
            out.push_str(&format!("^{{{ch}}}"));
            i += 1;
        } else if matches!(ch, '.' | '*') && i > 0 {
            // an adduct, and its own coefficient
            out.push_str("\\cdot ");
            i += 1;
            let n = c[i..].iter().take_while(|x| x.is_ascii_digit()).count();
            out.extend(&c[i..i + n]);
            i += n;
        } else if ch == '-' {
            out.push_str("{-}");
            i += 1;
        } else if ch == '=' {
            out.push_str("{=}");
            i += 1;
        } else if ch == '#' {
            out.push_str("{\\equiv}");
            i += 1;
        } else if matches!(ch, '(' | ')' | '[' | ']') {
            out.push(ch);
            i += 1;
        } else if ch == '\\' {
            // a command (a Greek letter): as it is, with what follows it
            let n = 1 + c[i + 1..]
                .iter()
                .take_while(|x| x.is_ascii_alphabetic())
                .count();
            out.extend(&c[i..i + n]);
            out.push(' ');
            i += n;
        } else {
            // lower-case words and anything else: upright, as written
            let n = c[i..]
                .iter()
                .take_while(|x| {
                    !x.is_ascii_uppercase() && !x.is_ascii_digit() && !"^_()[].*\\".contains(**x)
                })
                .count()
                .max(1);
            let text: String = c[i..i + n].iter().collect();
            out.push_str(&format!(
                "\\mathrm{{{}}}",
                text.replace('{', "\\{").replace('}', "\\}")
            ));
            i += n;
        }
    }
    out
}

/// A state at the start of `c` when it is all that is left: `(s)`, `(l)`, `(g)`, `(aq)`.
fn state(c: &[char]) -> Option<String> {
    let s: String = c.iter().collect();
    ["(s)", "(l)", "(g)", "(aq)"]
        .contains(&s.as_str())
        .then(|| format!("(\\mathrm{{{}}})", &s[1..s.len() - 1]))
}

/// A charge after `^`: `{2+}`, `2-`, `+`, `-`, and how many characters it takes.
fn charge(c: &[char]) -> (String, usize) {
    if c.first() == Some(&'{') {
        let n = c.iter().position(|x| *x == '}').unwrap_or(c.len() - 1);
        return (c[1..n].iter().collect(), n + 1);
    }
    let digits = c.iter().take_while(|x| x.is_ascii_digit()).count();
    let sign = usize::from(matches!(c.get(digits), Some('+' | '-')));
    let n = (digits + sign).max(usize::from(!c.is_empty()));
    (c[..n].iter().collect(), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_and_equations() {
        let cases = [
            ("H2O", r"{\mathrm{H}_{2}\mathrm{O}}"),
            (
                "2H2 + O2 -> 2H2O",
                r"{2\,\mathrm{H}_{2} + \mathrm{O}_{2} \rightarrow 2\,\mathrm{H}_{2}\mathrm{O}}",
            ),
            ("SO4^2-", r"{\mathrm{S}\mathrm{O}_{4}^{2-}}"),
            ("Na+ + Cl-", r"{\mathrm{Na}^{+} + \mathrm{Cl}^{-}}"),
            ("Fe^{3+}", r"{\mathrm{Fe}^{3+}}"),
            ("Ca(OH)2", r"{\mathrm{Ca}(\mathrm{O}\mathrm{H})_{2}}"),
            ("NaCl(aq)", r"{\mathrm{Na}\mathrm{Cl}(\mathrm{aq})}"),
            (
                "CaCO3 ->[\\Delta] CaO + CO2 ^",
                r"{\mathrm{Ca}\mathrm{C}\mathrm{O}_{3} \overset{\Delta}{\rightarrow} \mathrm{Ca}\mathrm{O} + \mathrm{C}\mathrm{O}_{2} \uparrow}",
            ),
            (
                "N2 + 3H2 <=>[高溫][催化劑] 2NH3",
                r"{\mathrm{N}_{2} + 3\,\mathrm{H}_{2} \underset{\mathrm{催化劑}}{\overset{\mathrm{高溫}}{\rightleftharpoons}} 2\,\mathrm{N}\mathrm{H}_{3}}",
            ),
            (
                "CuSO4.5H2O",
                r"{\mathrm{Cu}\mathrm{S}\mathrm{O}_{4}\cdot 5\mathrm{H}_{2}\mathrm{O}}",
            ),
            (
                "CH2=CH2",
                r"{\mathrm{C}\mathrm{H}_{2}{=}\mathrm{C}\mathrm{H}_{2}}",
            ),
            (
                "Ag+ + Cl- -> AgCl v",
                r"{\mathrm{Ag}^{+} + \mathrm{Cl}^{-} \rightarrow \mathrm{Ag}\mathrm{Cl} \downarrow}",
            ),
            ("$x$ A", r"{x \mathrm{A}}"),
        ];
        for (arg, want) in cases {
            assert_eq!(ce(arg), want, "{arg}");
            assert!(super::super::math::parses(&ce(arg)), "{arg}");
        }
        assert_eq!(pu("123 kJ/mol"), r"123\ \mathrm{kJ/mol}");
        assert_eq!(pu("1.5 m.s-1"), r"1.5\ \mathrm{m}\cdot \mathrm{s}^{-1}");
        assert_eq!(pu("2 cm3"), r"2\ \mathrm{cm}^{3}");
        assert!(super::super::math::parses(&pu("1.5 m.s-1")));
    }
}
