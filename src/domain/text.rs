//! Reading free text from forms: trimmed, bounded, required or not.

/// A required text: trimmed, not empty, at most `max` characters.
pub fn required(raw: &str, max: usize, missing: &str) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(missing.to_owned());
    }
    bounded(text, max)
}

/// An optional text: trimmed, at most `max` characters, "" when left empty.
pub fn optional(raw: &str, max: usize) -> Result<String, String> {
    bounded(raw.trim(), max)
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
}
