//! Text bound for the terminal. File names and manifest fields are untrusted:
//! an escape sequence in them must never reach the terminal raw.

use std::borrow::Cow;

/// How much a command prints on stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Only errors and the final result.
    Quiet,
    /// A summary.
    #[default]
    Normal,
    /// Every line.
    Verbose,
}

/// `s` with every control character (C0, DEL, C1 such as U+0085) and every
/// bidirectional-override character written as a visible escape (`\n`,
/// `\t`, `\u{1b}`), and a backslash doubled when anything was escaped, so
/// the result is unambiguous. Plain text is returned as it is.
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`safe`], line by line: a message's own line breaks stay, and every
/// line is escaped.
pub fn safe_lines(s: &str) -> String {
    s.split('\n').map(safe).collect::<Vec<_>>().join("\n")
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::safe;

    #[test]
    fn escapes_controls_and_keeps_plain_text() {
        assert_eq!(safe("plain ✅ name.md"), "plain ✅ name.md");
        assert_eq!(safe("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(safe("two\nlines\\x"), "two\\nlines\\\\x");
        assert_eq!(safe("nel\u{85}del\u{7f}"), "nel\\u{85}del\\u{7f}");
        assert_eq!(safe("back\\slash"), "back\\slash");
    }
}
