//! Dates as hanpub, Hugo, Hexo, Jekyll, Zola and Astro write them → the forms an EPUB states:
//! `dc:date` in W3CDTF (a date, or a date-time with its zone) and `dcterms:modified` in UTC.

/// A date or date-time, read leniently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct When {
    y: i64,
    m: Option<u32>,
    d: Option<u32>,
    /// Hours, minutes, seconds.
    time: Option<(u32, u32, u32)>,
    /// Offset from UTC in minutes, when the text gives a zone.
    zone: Option<i64>,
}

/// The date in a form `dc:date` takes: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or
/// `YYYY-MM-DDThh:mm:ss` with its zone (`Z`, `+08:00`). A time without a zone (Hexo's
/// `2021-02-19 00:16:13`) gives the date alone: W3CDTF has no local times. `YYYY/MM/DD`,
/// one-digit months and days, `+0800` and a space before the zone are read too. `None`: not a
/// date in any of these forms.
pub fn normalize(s: &str) -> Option<String> {
    let w = read(s)?;
    let mut out = format!("{:04}", w.y);
    if let Some(m) = w.m {
        out.push_str(&format!("-{m:02}"));
    }
    if let Some(d) = w.d {
        out.push_str(&format!("-{d:02}"));
    }
    if let (Some((h, mi, se)), Some(z)) = (w.time, w.zone) {
        out.push_str(&format!("T{h:02}:{mi:02}:{se:02}"));
        if z == 0 {
            out.push('Z');
        } else {
            let sign = if z < 0 { '-' } else { '+' };
            out.push_str(&format!("{sign}{:02}:{:02}", z.abs() / 60, z.abs() % 60));
        }
    }
    Some(out)
}

/// The date as `YYYY-MM-DDThh:mm:ssZ`: a zone is taken into account, a time without one is
/// taken as UTC, a date alone is midnight.
pub fn to_utc(s: &str) -> Option<String> {
    let w = read(s)?;
    let (h, mi, se) = w.time.unwrap_or((0, 0, 0));
    let days = days_from_civil(w.y, w.m.unwrap_or(1), w.d.unwrap_or(1));
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + se) - w.zone.unwrap_or(0) * 60;
    Some(crate::config::epoch_to_rfc3339(secs))
}

fn read(s: &str) -> Option<When> {
    let s = s.trim();
    if s.bytes()
        .take(12)
        .any(|b| b.is_ascii_alphabetic() && b != b'T' && b != b't')
    {
        return read(&english(s)?);
    }
    let (day, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim_start())),
        None => (s, None),
    };
    let parts: Vec<&str> = day.split(['-', '/']).collect();
    let num = |p: &str, max: usize| -> Option<u32> {
        (!p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let (y, m, d) = match parts.as_slice() {
        [y] => (num(y, 4)?, None, None),
        [y, m] => (num(y, 4)?, Some(num(m, 2)?), None),
        [y, m, d] => (num(y, 4)?, Some(num(m, 2)?), Some(num(d, 2)?)),
        _ => return None,
    };
    if parts[0].len() != 4 || m.is_some_and(|m| !(1..=12).contains(&m)) {
        return None;
    }
    if let (Some(m), Some(d)) = (m, d)
        && !(1..=days_in_month(y, m)).contains(&d)
    {
        return None;
    }
    let (time, zone) = match rest {
        None | Some("") => (None, None),
        Some(_) if d.is_none() => return None,
        Some(t) => read_time(t)?,
    };
    Some(When {
        y: i64::from(y),
        m,
        d,
        time,
        zone,
    })
}

/// An English date as Hexo and Jekyll accept it (`May 20, 2023`, `20 May 2023`, `Sat, 20 May
/// 2023 10:00:00 +0800`) as `YYYY-MM-DD` and what follows it.
fn english(s: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let words: Vec<&str> = s.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let month_of = |w: &str| {
        let w = w.to_ascii_lowercase();
        MONTHS
            .iter()
            .position(|m| *m == w || w.len() >= 3 && w.len() <= 4 && m.starts_with(&w))
            .map(|i| i as u32 + 1)
    };
    let at = words.iter().position(|w| month_of(w).is_some())?;
    let m = month_of(words[at])?;
    let number = |w: Option<&&str>| w.and_then(|w| w.parse::<u32>().ok());
    // `May 20, 2023` or `20 May 2023`
    let (d, y, next) = match (number(words.get(at + 1)), number(words.get(at + 2))) {
        (Some(d), Some(y)) if d <= 31 && y >= 1000 => (d, y, at + 3),
        _ => (
            number(at.checked_sub(1).and_then(|i| words.get(i)))?,
            number(words.get(at + 1))?,
            at + 2,
        ),
    };
    let rest = words[next.min(words.len())..].join(" ");
    Some(
        format!("{y:04}-{m:02}-{d:02} {rest}")
            .trim_end()
            .to_string(),
    )
}

/// A time of day (hours, minutes, seconds) and its zone's offset in minutes, each if given.
type TimeAndZone = (Option<(u32, u32, u32)>, Option<i64>);

/// `hh:mm[:ss][.frac][zone]`, the zone `Z`, `±hh:mm`, `±hhmm` or `±hh`, maybe after a space.
fn read_time(t: &str) -> Option<TimeAndZone> {
    let zone_at = t
        .find(['Z', 'z', '+'])
        .or_else(|| t.get(1..).and_then(|r| r.find('-')).map(|i| i + 1));
    let (clock, zone) = match zone_at {
        Some(i) => (t[..i].trim_end(), Some(&t[i..])),
        None => (t.trim_end(), None),
    };
    let clock = clock.split('.').next()?;
    let p: Vec<u32> = clock
        .split(':')
        .enumerate()
        .map(|(i, x)| {
            // `9:05` as Hexo writes it: an hour of one digit
            ((x.len() == 2 || i == 0 && x.len() == 1) && x.bytes().all(|b| b.is_ascii_digit()))
                .then(|| x.parse().ok())
                .flatten()
        })
        .collect::<Option<_>>()?;
    let (h, mi, se) = match p.as_slice() {
        [h, m] => (*h, *m, 0),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let zone = match zone {
        None => None,
        Some("Z" | "z") => Some(0),
        Some(z) => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let (hh, mm) = match digits.len() {
                2 => (digits.parse::<i64>().ok()?, 0),
                4 => (
                    digits[..2].parse::<i64>().ok()?,
                    digits[2..].parse::<i64>().ok()?,
                ),
                _ => return None,
            };
            if hh > 23 || mm > 59 {
                return None;
            }
            Some(sign * (hh * 60 + mm))
        }
    };
    Some((Some((h, mi, se)), zone))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's days-from-civil).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_other_tools() {
        for (given, date, utc) in [
            ("2021-02-19 00:16:13", "2021-02-19", "2021-02-19T00:16:13Z"),
            (
                "2024-05-01 10:00:00 +0800",
                "2024-05-01T10:00:00+08:00",
                "2024-05-01T02:00:00Z",
            ),
            (
                "2024-05-01T10:00:00+08:00",
                "2024-05-01T10:00:00+08:00",
                "2024-05-01T02:00:00Z",
            ),
            (
                "2024-01-01T01:00:00-05:00",
                "2024-01-01T01:00:00-05:00",
                "2024-01-01T06:00:00Z",
            ),
            ("2024-05-01", "2024-05-01", "2024-05-01T00:00:00Z"),
            ("2024/5/1", "2024-05-01", "2024-05-01T00:00:00Z"),
            (
                "2024-05-01T00:30:00Z",
                "2024-05-01T00:30:00Z",
                "2024-05-01T00:30:00Z",
            ),
            (
                "2024-03-01 00:30 +0100",
                "2024-03-01T00:30:00+01:00",
                "2024-02-29T23:30:00Z",
            ),
            ("2024", "2024", "2024-01-01T00:00:00Z"),
            ("2023-5-9 9:05:00", "2023-05-09", "2023-05-09T09:05:00Z"),
            ("May 20, 2023", "2023-05-20", "2023-05-20T00:00:00Z"),
            ("20 December 2023", "2023-12-20", "2023-12-20T00:00:00Z"),
            (
                "Sat, 20 May 2023 10:00:00 +0800",
                "2023-05-20T10:00:00+08:00",
                "2023-05-20T02:00:00Z",
            ),
        ] {
            assert_eq!(normalize(given).as_deref(), Some(date), "{given}");
            assert_eq!(to_utc(given).as_deref(), Some(utc), "{given}");
        }
        for bad in [
            "yesterday",
            "2023-02-29",
            "2024-13-01",
            "24-01-01",
            "2024-01-01 25:00",
            "May 2023",
            "Mayday 20, 2023",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }
}
