//! Text in and out: free text read from forms (trimmed, bounded, required or not, with no
//! control characters), dates typed into forms, and times written for pages and files.
//!
//! Every text a person types is read here. Control characters other than a tab (and a
//! line break in fields of several lines) are refused: a NUL is stored as it is by SQLite
//! and refused by PostgreSQL, so the engines would disagree, and none of them belongs in a
//! name, an address or a subject.

/// The message at a field holding a control character.
pub const CONTROL_CHARACTERS: &str =
    "Remove the control characters (such as NUL) from this text; they cannot be stored.";

/// A required text on one line: trimmed, not empty, at most `max` characters.
pub fn required(raw: &str, max: usize, missing: &str) -> Result<String, String> {
    let text = line(raw)?;
    if text.is_empty() {
        return Err(missing.to_owned());
    }
    bounded(text, max)
}

/// An optional text on one line: trimmed, at most `max` characters, "" when left empty.
pub fn optional(raw: &str, max: usize) -> Result<String, String> {
    bounded(line(raw)?, max)
}

/// A required text of several lines (an address, a message): trimmed, line breaks kept
/// as `\n` (a browser sends `\r\n`), not empty, at most `max` characters.
pub fn required_lines(raw: &str, max: usize, missing: &str) -> Result<String, String> {
    let text = lines(raw)?;
    if text.is_empty() {
        return Err(missing.to_owned());
    }
    bounded(&text, max)
}

/// An optional text of several lines; "" when left empty.
pub fn optional_lines(raw: &str, max: usize) -> Result<String, String> {
    bounded(&lines(raw)?, max)
}

/// One line: trimmed; refused if it holds a control character other than a tab.
pub fn line(raw: &str) -> Result<&str, String> {
    let text = raw.trim();
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(CONTROL_CHARACTERS.into());
    }
    Ok(text)
}

/// Several lines: trimmed, `\r\n` and `\r` made `\n`; refused if it holds another control
/// character than a tab or a line break.
pub fn lines(raw: &str) -> Result<String, String> {
    let text = raw.trim().replace("\r\n", "\n").replace('\r', "\n");
    if text
        .chars()
        .any(|c| c.is_control() && c != '\t' && c != '\n')
    {
        return Err(CONTROL_CHARACTERS.into());
    }
    Ok(text)
}

fn bounded(text: &str, max: usize) -> Result<String, String> {
    if text.chars().count() > max {
        Err(format!("Use at most {max} characters."))
    } else {
        Ok(text.to_owned())
    }
}

/// An optional web address: empty, or starting with http:// or https://.
pub fn optional_url(raw: &str) -> Result<String, String> {
    let url = optional(raw, 500)?;
    let valid = url.is_empty()
        || ((url.starts_with("https://") || url.starts_with("http://"))
            && url.len() > "https://".len()
            && !url.contains(char::is_whitespace));
    if valid {
        Ok(url)
    } else {
        Err("Enter an address starting with https:// or http://.".into())
    }
}

/// The years a date typed into a form may have. Others are typing mistakes, and beyond
/// them the engines disagree: SQLite compares stored times as text, and a five-digit year
/// sorts before a four-digit one.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A calendar day typed as `YYYY-MM-DD` (what a date field sends), within [`YEARS`].
pub fn date(raw: &str) -> Result<chrono::NaiveDate, String> {
    use chrono::Datelike;
    let raw = raw.trim();
    // Exactly ten characters: chrono alone would also read `+262143-12-31`.
    let shaped = raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let day = shaped
        .then(|| chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| "Enter the date as YYYY-MM-DD.".to_owned())?;
    if YEARS.contains(&day.year()) {
        Ok(day)
    } else {
        Err(format!(
            "Enter a date between {} and {}.",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

/// An optional date of a list's filter: `None` when left empty.
pub fn optional_date(raw: &str) -> Result<Option<chrono::NaiveDate>, String> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        date(raw).map(Some)
    }
}

/// A UTC time as `<time datetime>` wants it: `2026-11-29T16:10:00Z`. Written digit by digit,
/// not through chrono's format strings, which are parsed again on every call (a list of
/// 50 clients spent a twentieth of its time there).
pub fn iso_time(t: &chrono::NaiveDateTime) -> TimeText {
    TimeText::Iso(*t)
}

/// A UTC time as people read it: `2026-11-29 16:10 UTC`.
pub fn shown_time(t: &chrono::NaiveDateTime) -> TimeText {
    TimeText::Shown(*t)
}

/// A time written by `iso_time` or `shown_time`.
pub enum TimeText {
    Iso(chrono::NaiveDateTime),
    Shown(chrono::NaiveDateTime),
}

/// Implements `Display` and askama's `FastWritable` for a type with
/// `fn write(&self, &mut dyn std::fmt::Write) -> std::fmt::Result`: pages then write it
/// straight into the page, not through `fmt`'s machinery (a list page writes a few per row).
macro_rules! written_by_write {
    ($type:ty) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.write(f)
            }
        }

        impl askama::FastWritable for $type {
            fn write_into(
                &self,
                dest: &mut dyn std::fmt::Write,
                _: &dyn askama::Values,
            ) -> askama::Result<()> {
                Ok(self.write(dest)?)
            }
        }
    };
}
pub(crate) use written_by_write;

written_by_write!(TimeText);

impl TimeText {
    fn write(&self, f: &mut dyn std::fmt::Write) -> std::fmt::Result {
        use chrono::{Datelike, Timelike};
        let (t, iso) = match self {
            TimeText::Iso(t) => (t, true),
            TimeText::Shown(t) => (t, false),
        };
        // `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DD HH:MM UTC`, built in place and written once:
        // a list page writes two per row, and `write!` with padded fields cost several
        // times the text itself. Years outside 0..=9999 and a leap second (`:60`) go
        // through chrono.
        let year = t.year();
        if !(0..=9999).contains(&year) || t.nanosecond() >= 1_000_000_000 {
            return if iso {
                write!(f, "{}Z", t.format("%Y-%m-%dT%H:%M:%S"))
            } else {
                write!(f, "{} UTC", t.format("%Y-%m-%d %H:%M"))
            };
        }
        fn two(out: &mut [u8], at: usize, n: u32) {
            out[at] = b'0' + (n / 10) as u8;
            out[at + 1] = b'0' + (n % 10) as u8;
        }
        let mut out = *b"0000-00-00T00:00:00Z";
        two(&mut out, 0, year as u32 / 100);
        two(&mut out, 2, year as u32 % 100);
        two(&mut out, 5, t.month());
        two(&mut out, 8, t.day());
        two(&mut out, 11, t.hour());
        two(&mut out, 14, t.minute());
        let text = if iso {
            two(&mut out, 17, t.second());
            &out[..]
        } else {
            out[10] = b' ';
            out[16..20].copy_from_slice(b" UTC");
            &out[..]
        };
        f.write_str(std::str::from_utf8(text).map_err(|_| std::fmt::Error)?)
    }
}

/// Digits, dashes, colons and letters only: nothing to escape in HTML.
impl askama::filters::HtmlSafe for TimeText {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(required("  Acme  ", 10, "x").unwrap(), "Acme");
        assert_eq!(required("   ", 10, "Enter it.").unwrap_err(), "Enter it.");
        assert!(required("abcdefghijk", 10, "x").is_err());
        assert_eq!(optional("  ", 10).unwrap(), "");
        assert_eq!(optional_url("").unwrap(), "");
        assert_eq!(
            optional_url(" https://example.com ").unwrap(),
            "https://example.com"
        );
        assert!(optional_url("example.com").is_err());
        assert!(optional_url("javascript:alert(1)").is_err());
        assert!(optional_url("https://").is_err());
    }

    #[test]
    fn control_characters_are_refused_but_tabs_and_line_breaks_where_they_belong() {
        for bad in ["a\0b", "a\u{7}b", "a\u{1b}[31mb", "a\u{7f}", "a\u{85}b"] {
            assert_eq!(required(bad, 100, "x").unwrap_err(), CONTROL_CHARACTERS);
            assert_eq!(optional_lines(bad, 100).unwrap_err(), CONTROL_CHARACTERS);
        }
        assert_eq!(required("a\tb", 10, "x").unwrap(), "a\tb");
        assert!(optional("first\nsecond", 100).is_err());
        assert_eq!(
            required_lines(" first\r\nsecond\rthird ", 100, "x").unwrap(),
            "first\nsecond\nthird"
        );
        assert_eq!(optional_lines("  ", 10).unwrap(), "");
        assert_eq!(
            required_lines(" \r\n ", 10, "Write it.").unwrap_err(),
            "Write it."
        );
    }

    #[test]
    fn dates_are_shaped_and_within_the_years() {
        assert_eq!(
            date(" 2026-12-07 ").unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        for bad in ["+262143-12-31", "2026-2-7", "07.12.2026", "2026-02-30", ""] {
            assert!(date(bad).unwrap_err().contains("YYYY-MM-DD"), "{bad}");
        }
        for far in ["1899-12-31", "2201-01-01", "9999-12-31", "0001-01-01"] {
            assert!(date(far).unwrap_err().contains("between 1900"), "{far}");
        }
        assert!(date("1900-01-01").is_ok() && date("2200-12-31").is_ok());
        assert_eq!(optional_date("  ").unwrap(), None);
    }

    #[test]
    fn times_read_as_chrono_would_write_them() {
        for text in [
            "2026-11-29 16:10:07",
            "0999-01-02 03:04:05",
            "2024-02-29 23:59:59",
        ] {
            let t = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap();
            check(t);
        }
        // Years of five digits, years before 0 and a leap second take the slow path.
        check(
            chrono::NaiveDate::from_ymd_opt(-5, 1, 2)
                .unwrap()
                .and_hms_opt(3, 4, 5)
                .unwrap(),
        );
        check(
            chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
                .unwrap()
                .and_hms_milli_opt(23, 59, 59, 1_500)
                .unwrap(),
        );
        check(
            chrono::NaiveDate::from_ymd_opt(10000, 1, 2)
                .unwrap()
                .and_hms_opt(3, 4, 5)
                .unwrap(),
        );
        fn check(t: chrono::NaiveDateTime) {
            assert_eq!(
                iso_time(&t).to_string(),
                t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
            assert_eq!(
                shown_time(&t).to_string(),
                t.format("%Y-%m-%d %H:%M UTC").to_string()
            );
        }
    }
}
