//! Ruby syntax in text: `{base|reading}` (one reading for the whole base, as Vivliostyle's
//! VFM writes it) and `{漢字|ㄏㄢˋ|ㄗˋ}` (one reading per character) become [`Ev::Ruby`].
//!
//! A ruby lies inside one text event, so it never reaches into code, raw HTML or link
//! destinations; an escaped `\{` is its own text event (see `parse`) and starts nothing. The
//! base and each reading are non-empty, hold no `{`, `|`, `}` or line break, and neither
//! starts nor ends with a space (`{x | x > 0}` stays text). A `{` inside a URL is left alone.

use crate::model::{Ev, Spanned};

/// Whether any text event may hold a ruby (a `{` and a `|`).
pub(super) fn any(events: &[Spanned]) -> bool {
    events.iter().any(|s| {
        matches!(&s.ev, Ev::Text(t) if memchr::memchr(b'{', t.as_bytes()).is_some() && t.contains('|'))
    })
}

/// Split the rubies out of every text event.
pub(super) fn split(events: Vec<Spanned>) -> Vec<Spanned> {
    if !any(&events) {
        return events;
    }
    let mut out = Vec::with_capacity(events.len() + 8);
    for s in events {
        let found = match &s.ev {
            Ev::Text(t) => find_all(t),
            _ => Vec::new(),
        };
        if found.is_empty() {
            out.push(s);
            continue;
        }
        let Ev::Text(t) = &s.ev else { unreachable!() };
        let exact = s.span.len() == t.len();
        let sub = |a: usize, b: usize| {
            if exact {
                s.span.start + a..s.span.start + b
            } else {
                s.span.clone()
            }
        };
        let mut pos = 0;
        for (range, base, readings) in found {
            if range.start > pos {
                out.push(Spanned::new(
                    Ev::Text(t[pos..range.start].to_string()),
                    sub(pos, range.start),
                ));
            }
            out.push(Spanned::new(
                Ev::Ruby { base, readings },
                sub(range.start, range.end),
            ));
            pos = range.end;
        }
        if pos < t.len() {
            out.push(Spanned::new(
                Ev::Text(t[pos..].to_string()),
                sub(pos, t.len()),
            ));
        }
    }
    out
}

type Found = (std::ops::Range<usize>, String, Vec<String>);

/// Every ruby in `t`: its byte range, base and readings.
fn find_all(t: &str) -> Vec<Found> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = memchr::memchr(b'{', &b[from..]) {
        let open = from + k;
        from = open + 1;
        let Some(len) = memchr::memchr(b'}', &b[open + 1..]) else {
            break;
        };
        let close = open + 1 + len;
        if in_url(b, open) {
            continue;
        }
        if let Some((base, readings)) = parse(&t[open + 1..close]) {
            out.push((open..close + 1, base, readings));
            from = close + 1;
        }
    }
    out
}

/// `base|r1|r2…` → base and readings, or `None` if it is not a ruby.
fn parse(inner: &str) -> Option<(String, Vec<String>)> {
    let mut parts = inner.split('|');
    let base = parts.next()?;
    let readings: Vec<&str> = parts.collect();
    let ok = |p: &str| {
        !p.is_empty()
            && !p.contains(['{', '\n', '\r'])
            && !p.starts_with(char::is_whitespace)
            && !p.ends_with(char::is_whitespace)
    };
    if readings.is_empty() || !ok(base) || !readings.iter().all(|r| ok(r)) {
        return None;
    }
    Some((
        base.to_string(),
        readings.iter().map(|r| normalize_tone(r)).collect(),
    ))
}

/// Whether the `{` at `b[p]` continues a URL token (`https://x/{a|b}`).
fn in_url(b: &[u8], p: usize) -> bool {
    let mut s = p;
    while s > 0 && b[s - 1].is_ascii() && !b[s - 1].is_ascii_whitespace() {
        s -= 1;
    }
    let tok = &b[s..p];
    tok.windows(3).any(|w| w == b"://") || tok.len() >= 4 && tok[..4].eq_ignore_ascii_case(b"www.")
}

/// Bopomofo letters and tone marks.
fn is_bopomofo_char(c: char) -> bool {
    matches!(c as u32, 0x3105..=0x312F | 0x31A0..=0x31BF | 0x02C7 | 0x02CA | 0x02CB | 0x02D9 | 0x02EA | 0x02EB)
}

/// A reading in 注音 (bopomofo), with or without tone marks.
pub fn is_bopomofo(reading: &str) -> bool {
    !reading.is_empty() && reading.chars().all(is_bopomofo_char)
}

/// The light-tone dot `˙` goes before the syllable, where clreq places it (above the
/// column); authors also write it last.
fn normalize_tone(r: &str) -> String {
    match r.strip_suffix('˙') {
        Some(rest) if is_bopomofo(r) && !rest.is_empty() && !rest.contains('˙') => {
            format!("˙{rest}")
        }
        _ => r.to_string(),
    }
}

/// The readings of a ruby as written: one per character when their number matches the base's
/// characters, else one over the whole base. `Err` holds the counts when they differ.
pub fn pairs<'a>(
    base: &'a str,
    readings: &'a [String],
) -> Result<Vec<(&'a str, &'a str)>, (usize, usize)> {
    let n = base.chars().count();
    if readings.len() == 1 {
        return Ok(vec![(base, readings[0].as_str())]);
    }
    if readings.len() != n {
        return Err((readings.len(), n));
    }
    Ok(base
        .char_indices()
        .zip(readings)
        .map(|((i, c), r)| (&base[i..i + c.len_utf8()], r.as_str()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rubies(t: &str) -> Vec<(String, Vec<String>)> {
        find_all(t).into_iter().map(|(_, b, r)| (b, r)).collect()
    }

    #[test]
    fn syntax() {
        assert_eq!(
            rubies("讀{漢字|かんじ}。"),
            vec![("漢字".into(), vec!["かんじ".into()])]
        );
        assert_eq!(
            rubies("{注音|ㄓㄨˋ|ㄧㄣ}與{的|ㄉㄜ˙}"),
            vec![
                ("注音".into(), vec!["ㄓㄨˋ".into(), "ㄧㄣ".into()]),
                ("的".into(), vec!["˙ㄉㄜ".into()])
            ]
        );
        for not in [
            "{x | x > 0}",
            "{a|}",
            "{|b}",
            "{a}",
            "{a|b",
            "見 https://x.org/{a|b} 處",
            "{{a|b}",
        ] {
            assert!(
                rubies(not).is_empty() || not == "{{a|b}",
                "{not}: {:?}",
                rubies(not)
            );
        }
        // the inner brace pair of `{{a|b}` is a ruby; the outer `{` stays text
        assert_eq!(rubies("{{a|b}"), vec![("a".into(), vec!["b".into()])]);
    }

    #[test]
    fn pairs_per_character_or_whole() {
        let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            pairs("注音", &r(&["ㄓㄨˋ", "ㄧㄣ"])),
            Ok(vec![("注", "ㄓㄨˋ"), ("音", "ㄧㄣ")])
        );
        assert_eq!(pairs("漢字", &r(&["かんじ"])), Ok(vec![("漢字", "かんじ")]));
        assert_eq!(pairs("漢字", &r(&["a", "b", "c"])), Err((3, 2)));
        assert!(is_bopomofo("ㄓㄨˋ") && is_bopomofo("˙ㄇㄣ") && !is_bopomofo("かん"));
    }
}
