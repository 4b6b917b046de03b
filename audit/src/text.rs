//! Small scanners for the shapes of text reports are written in: fields
//! (`**Date**: …`), gate and phase labels, stage ids, CI runs, pull
//! requests, commits, and path-like words.

use std::{borrow::Cow, sync::LazyLock};

use memchr::memmem::Finder;

/// Where a reference in a report points.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// A URL with a scheme (`https:`, `mailto:`), or an in-page `#anchor`.
    External,
    /// An evidence path, resolved against the document's folder (or the
    /// evidence root for `/`-rooted paths), and its `#fragment`.
    Local(String, String),
    /// Leaves the evidence folder: climbs above it, or is a `file:` URL.
    Outside,
}

/// Resolves a link target written in the document at `doc_path`.
pub fn classify(dest: &str, doc_path: &str) -> Target {
    if dest
        .as_bytes()
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"file:"))
    {
        return Target::Outside;
    }
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with("//") || has_scheme(dest) {
        return Target::External;
    }
    let (path, fragment) = match dest.find(['#', '?']) {
        Some(i) => (&dest[..i], &dest[i..]),
        None => (dest, ""),
    };
    let fragment = if fragment.starts_with('#') {
        fragment
    } else {
        ""
    };
    let decoded: Cow<'_, str> = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut parts: Vec<&str> = if decoded.starts_with('/') || decoded.starts_with('\\') {
        Vec::new() // repository-rooted
    } else {
        let mut p: Vec<&str> = doc_path.split('/').collect();
        p.pop(); // the document's own name
        p
    };
    for seg in decoded.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Target::Outside;
                }
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return Target::External;
    }
    Target::Local(parts.join("/"), fragment.to_owned())
}

pub fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => {
            let scheme = &s[..i];
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// `**Date**: 2026-01-04`, `**Date:** …`, `- **Status**: ✅`, `Date: …`
/// (plain keys only when they are one of `plain_keys`). Returns the key,
/// lowercased and trimmed, and the value.
pub fn field<'a>(line: &'a str, plain_keys: &[&str]) -> Option<(String, &'a str)> {
    let mut l = line.trim_start();
    for marker in ["- ", "* ", "+ ", "> "] {
        if let Some(rest) = l.strip_prefix(marker) {
            l = rest.trim_start();
        }
    }
    for strong in ["**", "__"] {
        if let Some(rest) = l.strip_prefix(strong) {
            let end = rest.find(strong)?;
            let inner = &rest[..end];
            let after = &rest[end + strong.len()..];
            let (key, value) = if let Some(k) = inner.strip_suffix(':') {
                (k, after) // **Date:** value
            } else {
                (inner, after.trim_start().strip_prefix(':')?) // **Date**: value
            };
            let key = clean_key(key);
            if key.is_empty() || key.len() > 40 {
                return None;
            }
            return Some((key, value.trim()));
        }
    }
    let (key, value) = l.split_once(':')?;
    let key = clean_key(key);
    plain_keys
        .contains(&key.as_str())
        .then(|| (key, value.trim()))
}

fn clean_key(k: &str) -> String {
    k.trim_matches(|c: char| !c.is_alphanumeric())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether a label names a gate or a phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    Gate,
    Phase,
}

/// `Gate 0: Drift Prevention`, `✅ Gate 2 - Runbooks`, `Phase 1b`, `GATE A`,
/// `G3`, `Gate #4`: the label kind and its normalised id ([`gate_id`]).
/// Words after "Gate" that are not ids ("Gate Verification") don't count.
pub fn claim_label(text: &str) -> Option<(Label, String)> {
    let t = text.trim_start_matches(|c: char| !c.is_alphanumeric());
    let (kind, rest) = if let Some(r) = strip_word(t, "gate") {
        (Label::Gate, r)
    } else if let Some(r) = strip_word(t, "phase") {
        (Label::Phase, r)
    } else if let Some(r) = short_gate(t) {
        (Label::Gate, r)
    } else {
        return None;
    };
    let rest = rest.trim_start_matches([' ', '#', '\u{a0}', '-', '_']);
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let id = id.trim_end_matches('.');
    let ok = !id.is_empty()
        && id.len() <= 6
        && (id.starts_with(|c: char| c.is_ascii_digit())
            || (id.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && id.chars().skip(1).all(|c| c.is_ascii_digit())));
    ok.then(|| (kind, gate_id(id)))
}

/// `G3`, `G3a`, `G12` (a capital G directly before a one- or two-digit id)
/// as a gate label. `G-001` is a numbered item of some other series.
fn short_gate(t: &str) -> Option<&str> {
    let rest = t.strip_prefix('G')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let ok = (1..=2).contains(&digits)
        && !rest.starts_with('0')
        && !rest[digits..].starts_with(|c: char| c.is_ascii_digit() || c == '-');
    ok.then_some(rest)
}

/// A gate id as the matrix keys it: case folded ("1a" = "1A"), the words
/// "Gate", "G" and "#" dropped, leading zeros of numbers dropped ("01" = "1").
pub fn gate_id(raw: &str) -> String {
    let t = raw
        .trim()
        .trim_start_matches(|c: char| !c.is_alphanumeric());
    let t = strip_word(t, "gate")
        .map(|r| r.trim_start_matches([' ', '#', '-', '_', ':']))
        .or_else(|| short_gate(t))
        .unwrap_or(t);
    let t = t.trim_start_matches('#').trim();
    let upper = t.to_uppercase();
    let digits = upper.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 1 && upper.starts_with('0') {
        let trimmed = upper[..digits].trim_start_matches('0');
        let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
        return format!("{trimmed}{}", &upper[digits..]);
    }
    upper
}

fn strip_word<'a>(t: &'a str, word: &str) -> Option<&'a str> {
    let head = t.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let rest = &t[word.len()..];
    rest.starts_with([' ', '#', '\u{a0}']).then_some(rest)
}

/// A stage id after the word "Stage": `1.0`, `4.0.1`, `D1`, `2`.
pub fn stage_after_word(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("stage") {
        let at = from + i + 5;
        from = at;
        // Not inside a word ("backstage", "staged").
        if lower[..at - 5].ends_with(|c: char| c.is_ascii_alphanumeric()) {
            continue;
        }
        let rest = text[at..].trim_start_matches([' ', '_', '-', ':']);
        if let Some(id) = stage_id(rest) {
            return Some(id);
        }
    }
    None
}

/// A stage id at the start of `s`: `1.0`, `4.0.1`, `10`, `D1`, `D1.1`
/// (`2.1.md` gives `2.1`). What follows must not continue a word.
pub fn stage_id(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first().is_some_and(u8::is_ascii_uppercase) {
        i = 1;
    }
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let n = digits(i);
    if n == 0 || n > 4 {
        return None;
    }
    i += n;
    let mut parts = 1;
    while parts < 4 && b.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 || n > 4 {
            break;
        }
        i += 1 + n;
        parts += 1;
    }
    if b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some(s[..i].to_owned())
}

/// `https://github.com/<owner>/<repo>` for the first GitHub URL in `text`.
pub fn github_repo(text: &str) -> Option<String> {
    let i = text.find("https://github.com/")?;
    let rest = &text[i + "https://github.com/".len()..];
    let mut parts = rest.split('/');
    let owner = parts.next()?;
    let repo: String = parts
        .next()?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    (ok(owner) && ok(&repo)).then(|| format!("https://github.com/{owner}/{repo}"))
}

/// What one line mentions: CI runs, pull requests and commits.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Mentions {
    /// `(run id, job id, url)`.
    pub runs: Vec<(String, Option<String>, Option<String>)>,
    /// `(number, url)`.
    pub pulls: Vec<(u64, Option<String>)>,
    /// `(sha, url)`.
    pub commits: Vec<(String, Option<String>)>,
}

fn digits_at(s: &str) -> &str {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    &s[..n]
}

fn hex_at(s: &str) -> &str {
    let n = s.bytes().take_while(u8::is_ascii_hexdigit).count();
    &s[..n]
}

/// The URL that contains byte `at` of `line`, up to whitespace or `)`.
fn url_around(line: &str, at: usize) -> Option<&str> {
    let start = line[..at].rfind("https://")?;
    if line[start..at].contains(char::is_whitespace) {
        return None;
    }
    Some(&line[start..])
}

/// Scans one line. `repo` (`https://github.com/o/r`) completes bare run ids
/// and `PR #N` mentions into URLs.
pub fn mentions(line: &str, repo: Option<&str>) -> Mentions {
    // Most lines mention nothing, and this runs on every line of every
    // report: a line that cannot match is passed over without a copy.
    match may_mention(line) {
        Some(hex40) => scan(line, repo, hex40),
        None => Mentions::default(),
    }
}

/// The patterns [`scan`] looks for, each with a substring finder built
/// once: `str::match_indices` builds its searcher anew on every call, and
/// `scan` runs on every line that may mention something.
static RUN_URL: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("/actions/runs/"));
/// "CI run 20696326646", "run #12345678", "Run ID: 20696326646".
static RUN_WORDS: LazyLock<[Finder<'static>; 5]> =
    LazyLock::new(|| ["ci run", "run id", "run #", "workflow run", "run:"].map(Finder::new));
static PULL_URL: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("/pull/"));
/// "PR #4", "PR#4", "pull request #4", "**PR**: #4".
static PULL_WORDS: LazyLock<[Finder<'static>; 6]> = LazyLock::new(|| {
    [
        "pr #",
        "pr#",
        "pull request #",
        "pr: #",
        "pr**: #",
        "pr**:#",
    ]
    .map(Finder::new)
});
static COMMIT_URL: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("/commit/"));
/// "commit abc1234", "SHA: `abc1234…`".
static COMMIT_WORDS: LazyLock<[Finder<'static>; 2]> =
    LazyLock::new(|| ["commit", "sha"].map(Finder::new));

/// [`mentions`], for a line [`may_mention`] let through.
fn scan(line: &str, repo: Option<&str>, hex40: bool) -> Mentions {
    let mut m = Mentions::default();
    let lower = line.to_ascii_lowercase();
    // …/actions/runs/N[/job/M]
    for i in RUN_URL.find_iter(lower.as_bytes()) {
        let after = &line[i + "/actions/runs/".len()..];
        let run = digits_at(after);
        if run.is_empty() {
            continue;
        }
        let rest = &after[run.len()..];
        let job = ["/job/", "/jobs/"]
            .iter()
            .find_map(|p| rest.strip_prefix(p))
            .map(digits_at)
            .filter(|j| !j.is_empty());
        let url = url_around(line, i).map(|u| {
            let end = i - (line.len() - u.len()) + "/actions/runs/".len() + run.len();
            let base = &u[..end];
            match job {
                Some(j) => format!("{base}/job/{j}"),
                None => base.to_owned(),
            }
        });
        m.runs.push((run.to_owned(), job.map(str::to_owned), url));
    }
    // "CI run 20696326646", "run #12345678", "Run ID: 20696326646"
    for pat in RUN_WORDS.iter() {
        for i in pat.find_iter(lower.as_bytes()) {
            let rest = line[i + pat.needle().len()..].trim_start_matches([' ', '#', ':', '`']);
            let run = digits_at(rest);
            if run.len() >= 6 && !m.runs.iter().any(|r| r.0 == run) {
                let url = repo.map(|r| format!("{r}/actions/runs/{run}"));
                m.runs.push((run.to_owned(), None, url));
            }
        }
    }
    // …/pull/N
    for i in PULL_URL.find_iter(lower.as_bytes()) {
        let n = digits_at(&line[i + 6..]);
        if let Ok(num) = n.parse::<u64>()
            && lower[..i].contains("github.com/")
        {
            let url = url_around(line, i).map(|u| {
                let end = i - (line.len() - u.len()) + 6 + n.len();
                u[..end].to_owned()
            });
            if !m.pulls.iter().any(|p| p.0 == num) {
                m.pulls.push((num, url));
            }
        }
    }
    // "PR #4", "PR#4", "pull request #4", "**PR**: #4"
    for pat in PULL_WORDS.iter() {
        for i in pat.find_iter(lower.as_bytes()) {
            if lower[..i].ends_with(|c: char| c.is_ascii_alphanumeric()) {
                continue;
            }
            let n = digits_at(&line[i + pat.needle().len()..]);
            if let Ok(num) = n.parse::<u64>()
                && !m.pulls.iter().any(|p| p.0 == num)
            {
                m.pulls.push((num, repo.map(|r| format!("{r}/pull/{num}"))));
            }
        }
    }
    // …/commit/<sha>
    for i in COMMIT_URL.find_iter(lower.as_bytes()) {
        let sha = hex_at(&lower[i + 8..]);
        if (7..=40).contains(&sha.len()) {
            let url = url_around(line, i).map(|u| {
                let end = i - (line.len() - u.len()) + 8 + sha.len();
                u[..end].to_owned()
            });
            m.commits.push((sha.to_owned(), url));
        }
    }
    // "commit abc1234", "SHA: `abc1234…`", and bare 40-hex words.
    for pat in COMMIT_WORDS.iter() {
        for i in pat.find_iter(lower.as_bytes()) {
            if lower[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '/') {
                continue;
            }
            let rest = lower[i + pat.needle().len()..].trim_start_matches(|c: char| {
                c.is_ascii_alphabetic() && c != 'a' || " :`*=".contains(c)
            });
            let sha = hex_at(rest);
            let bounded = !rest[sha.len()..].starts_with(|c: char| c.is_ascii_alphanumeric());
            if (7..=40).contains(&sha.len())
                && bounded
                && sha.bytes().any(|b| b.is_ascii_digit())
                && !m.commits.iter().any(|c| c.0 == sha)
            {
                let url = repo.map(|r| format!("{r}/commit/{sha}"));
                m.commits.push((sha.to_owned(), url));
            }
        }
    }
    for word in lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|_| hex40)
    {
        if word.len() == 40
            && word.bytes().all(|b| b.is_ascii_hexdigit())
            && !m.commits.iter().any(|c| c.0 == word)
        {
            let url = repo.map(|r| format!("{r}/commit/{word}"));
            m.commits.push((word.to_owned(), url));
        }
    }
    m
}

/// True if `line` holds `n` hex digits in a row.
#[cfg(test)]
fn has_hex_run(line: &str, n: usize) -> bool {
    let mut run = 0;
    for b in line.bytes() {
        if b.is_ascii_hexdigit() {
            run += 1;
            if run >= n {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// `None` if [`mentions`] can find nothing in `line`, else whether it holds
/// 40 hex digits in a row (a bare commit hash). Each pattern there needs
/// one of these, so a line with none is passed over:
/// - a run id: six digits in a row;
/// - "PR #4" and the like: `#` and a digit;
/// - a hash after "commit" or "sha": seven hex digits in a row, one a digit;
/// - a bare hash: forty hex digits;
/// - `/actions/runs/`, `/pull/` or `/commit/`, in any case.
fn may_mention(line: &str) -> Option<bool> {
    let (mut digits, mut hex, mut hex_digit) = (0, 0, false);
    let (mut long_hex, mut hex40, mut any) = (false, false, false);
    let mut prev = 0u8;
    for b in line.bytes() {
        if b.is_ascii_digit() {
            digits += 1;
            any |= digits >= 6 || prev == b'#';
        } else {
            digits = 0;
        }
        if b.is_ascii_hexdigit() {
            hex += 1;
            hex_digit |= b.is_ascii_digit();
            long_hex |= hex >= 7 && hex_digit;
            hex40 |= hex >= 40;
        } else {
            (hex, hex_digit) = (0, false);
        }
        prev = b;
    }
    any |= long_hex || hex40;
    if !any {
        let lower = |i: usize, pat: &str| {
            line.as_bytes()
                .get(i..i + pat.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(pat.as_bytes()))
        };
        any = line.match_indices('/').any(|(i, _)| {
            ["/actions/runs/", "/pull/", "/commit/"]
                .iter()
                .any(|p| lower(i, p))
        });
    }
    any.then_some(hex40)
}

/// The line of the first occurrence of `needle` in `text` (1 if absent).
pub fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map_or(1, |i| text[..i].matches('\n').count() + 1)
}

/// File extensions that make a bare word a file reference.
const EXTENSIONS: &[&str] = &[
    "md", "markdown", "json", "yml", "yaml", "toml", "txt", "log", "csv", "xml", "html", "py",
    "sh", "rs", "js", "ts", "tsx", "jsx", "sql", "ini", "cfg", "conf", "pdf", "png", "jpg", "svg",
    "mdc", "lock", "go", "java", "rb", "ps1", "tf", "env", "xlsx", "docx", "sarif", "lcov",
    "sha256", "gz", "tgz", "zip", "har", "junit", "info",
];

/// `text` split where [`str::split`] would split it at whitespace, `,`,
/// `;`, `(` and `)`, empty pieces included: every word of prose is split
/// here.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    split_table(text, &WORD_CUT)
}

/// `text.split(char::is_whitespace)`, a byte at a time where it can be.
pub fn split_whitespace_each(text: &str) -> impl Iterator<Item = &str> {
    split_table(text, &WHITESPACE_CUT)
}

/// ASCII whitespace, and with `punctuation` also `,`, `;`, `(` and `)`,
/// as a table.
const fn ascii_table(punctuation: bool) -> [bool; 128] {
    let mut t = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = (c as char).is_whitespace() || punctuation && matches!(c, b',' | b';' | b'(' | b')');
        b += 1;
    }
    t
}

const WHITESPACE_CUT: [bool; 128] = ascii_table(false);
const WORD_CUT: [bool; 128] = ascii_table(true);

/// `text` split as [`str::split`] splits it at each character that is
/// whitespace or, if ASCII, marked in `ascii`: ASCII is judged by the
/// table, byte by byte, and only other characters are decoded (a few are
/// whitespace: U+00A0, U+2003…).
fn split_table<'t>(text: &'t str, ascii: &'static [bool; 128]) -> impl Iterator<Item = &'t str> {
    let bytes = text.as_bytes();
    let (mut start, mut done) = (0, false);
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut i = start;
        while i < bytes.len() {
            let b = bytes[i];
            let width = if b < 0x80 {
                if ascii[usize::from(b)] {
                    let piece = &text[start..i];
                    start = i + 1;
                    return Some(piece);
                }
                1
            } else {
                // `i` is a character's first byte: the scan moves by whole
                // characters.
                let c = text[i..].chars().next().unwrap_or_default();
                if c.is_whitespace() {
                    let piece = &text[start..i];
                    start = i + c.len_utf8();
                    return Some(piece);
                }
                c.len_utf8()
            };
            i += width;
        }
        done = true;
        Some(&text[start..])
    })
}

/// Names without an extension that are files all the same, as machine
/// output writes them.
const BARE_NAMES: &[&str] = &["SHA256SUMS", "SHA512SUMS", "CHECKSUMS", "CODEOWNERS"];

/// A word that reads as a repository path: `docs/evidence/X.md`,
/// `scripts/check.py:42`, `.github/workflows/ci.yml`, `docs/runbooks/`.
/// Returns the path and a `:line` suffix. URL paths (`/api/v1/health`),
/// globs and placeholders are not paths.
pub fn path_like(word: &str) -> Option<(&str, Option<&str>)> {
    // Every word of prose comes here. A path has an extension (a dot) or
    // a folder (a slash), or is one of the bare names.
    // Every bare name has an `S` and at least 9 bytes (`bare_names_all_have_an_s`).
    let (mut sep, mut s) = (false, false);
    for b in word.bytes() {
        sep |= b == b'.' || b == b'/';
        s |= b == b'S';
    }
    if !(sep || s && word.len() >= 9 && BARE_NAMES.iter().any(|n| word.contains(n))) {
        return None;
    }
    path_like_full(word)
}

/// [`path_like`], for a word its quick test let through.
fn path_like_full(word: &str) -> Option<(&str, Option<&str>)> {
    if word.contains(['*', '?', '<', '>', '{', '}', '$']) {
        return None; // globs and placeholders
    }
    let w = word.trim_matches(|c: char| "\"'()[]{}<>,;*`".contains(c));
    let w = w.trim_end_matches(['.', ':']);
    if w.is_empty() || w.len() > 300 || w.contains(char::is_whitespace) || has_scheme_url(w) {
        return None;
    }
    if w.contains([
        '*', '?', '<', '>', '{', '}', '|', '$', '=', '@', '~', '\\', '"', '\'',
    ]) {
        return None;
    }
    // A `:12` or `:12-20` suffix.
    let (path, lines) = match w.rsplit_once(':') {
        Some((p, l)) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
            (p, Some(l))
        }
        Some(_) => return None,
        None => (w, None),
    };
    if path.starts_with('-')
        || path.starts_with("//")
        || path.contains("..") && !path.starts_with("..")
    {
        return None;
    }
    let name = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    let ext = name
        .rsplit_once('.')
        .map(|(stem, e)| (stem, e.to_ascii_lowercase()));
    // `.env` is a file; `.png` alone is an extension being talked about.
    let has_ext = matches!(&ext, Some((stem, e)) if (!stem.is_empty() || name.starts_with('.') && e == "env") && EXTENSIONS.contains(&e.as_str()));
    let segments = path.trim_matches('/').split('/').count();
    // A dotted version ("v0.4.0") or a domain ("example.com") is not a file.
    if has_ext || BARE_NAMES.contains(&name) {
        return Some((path, lines));
    }
    // Folders: relative, at least two segments, ending in `/`
    // (`docs/runbooks/`), or dot-directories (`.github/workflows/`).
    if !path.starts_with('/')
        && path.ends_with('/')
        && segments >= 2
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b))
    {
        return Some((path, lines));
    }
    None
}

fn has_scheme_url(w: &str) -> bool {
    w.contains("://") || w.starts_with("mailto:") || w.starts_with("www.")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// `path_like`'s quick test skips words without an `S` or shorter
    /// than 9 bytes.
    #[test]
    fn bare_names_all_have_an_s() {
        assert!(
            super::BARE_NAMES
                .iter()
                .all(|n| n.contains('S') && n.len() >= 9)
        );
    }

    proptest! {
        /// The quick test passes over no word that is a path.
        #[test]
        fn path_like_passes_over_only_words_that_are_not_paths(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "docs", "/", ".", "md", "env", "`", "\"", "(", ")", ":", "12", "-", "..",
                "SHA256SUMS", "CODEOWNERS", "CHECKSUMS", "SHA512SUMS", "x", "*", "https://", ",",
            ]), 0..8),
        ) {
            let word: String = parts.concat();
            prop_assert_eq!(super::path_like(&word), super::path_like_full(&word), "{}", word);
        }

        /// Words are cut where `str::split` cuts them, whatever the text.
        #[test]
        fn words_split_as_str_split_does(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "gate", " ", "  ", "\t", "\n", ",", ";", "(", ")", "é", "\u{a0}", "\u{2003}",
                "\u{3000}", "\u{85}", "✅", "x.md", "", "\u{b}", "\u{c}", "\r", "\u{1f}",
            ]), 0..12),
            any_text in "\\PC{0,24}",
        ) {
            let cut = |c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')';
            for text in [parts.concat(), any_text] {
                let ours: Vec<&str> = super::words(&text).collect();
                let std: Vec<&str> = text.split(cut).collect();
                prop_assert_eq!(ours, std, "{:?}", text);
                let ours: Vec<&str> = super::split_whitespace_each(&text).collect();
                let std: Vec<&str> = text.split(char::is_whitespace).collect();
                prop_assert_eq!(ours, std, "{:?}", text);
            }
        }

        /// Each prebuilt finder reports what `str::match_indices` reports
        /// for its pattern (non-overlapping, leftmost first), including
        /// where occurrences abut or overlap ("/pull/pull/", "pr #pr #").
        #[test]
        fn finders_find_what_match_indices_finds(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "/actions/runs/", "/actions", "/runs/", "ci run", "run", " id", " #", "workflow ",
                ":", "/pull/", "pull", "pr", "pr #", "#", "pull request #", "**", "/commit/",
                "commit", "sha", "s", "/", " ", "1", "é",
            ]), 0..12),
        ) {
            let lower = parts.concat().to_ascii_lowercase();
            let finders = [&*super::RUN_URL, &*super::PULL_URL, &*super::COMMIT_URL]
                .into_iter()
                .chain(super::RUN_WORDS.iter())
                .chain(super::PULL_WORDS.iter())
                .chain(super::COMMIT_WORDS.iter());
            for f in finders {
                let Ok(pat) = std::str::from_utf8(f.needle()) else {
                    return Err(proptest::test_runner::TestCaseError::fail("pattern not UTF-8"));
                };
                let want: Vec<usize> = lower.match_indices(pat).map(|(i, _)| i).collect();
                let got: Vec<usize> = f.find_iter(lower.as_bytes()).collect();
                prop_assert_eq!(got, want, "{:?} in {:?}", pat, lower);
            }
        }

        /// The quick test passes over no line the full scan finds
        /// something in: lines made of the patterns' own pieces.
        #[test]
        fn may_mention_passes_over_only_lines_without_mentions(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "run", "Run ID: ", "CI run ", "run #", "workflow run", "run:", "PR", "pr #",
                "PR#", "pull request #", "**PR**: #", "commit ", "SHA: `", "sha", "/actions/runs/",
                "/Actions/Runs/", "/job/", "/pull/", "/commit/", "https://github.com/o/r",
                "github.com/", "#", " ", "`", "1", "12", "123456", "1234567", "abc", "deadbee",
                "f00d", "a1b2c3d", "0123456789abcdef0123456789abcdef01234567",
                "abcdefabcdefabcdefabcdefabcdefabcdefabcd", "x", ":", "*", "-", "é",
            ]), 0..12),
        ) {
            let line: String = parts.concat();
            for repo in [None, Some("https://github.com/o/r")] {
                let full = super::scan(&line, repo, super::has_hex_run(&line, 40));
                match super::may_mention(&line) {
                    None => prop_assert_eq!(&full, &super::Mentions::default(), "{}", line),
                    Some(hex40) => {
                        prop_assert_eq!(hex40, super::has_hex_run(&line, 40));
                        prop_assert_eq!(super::mentions(&line, repo), full);
                    }
                }
            }
        }
    }

    use super::*;

    #[test]
    fn fields_in_both_spellings() {
        assert_eq!(
            field("**Date**: 2026-01-04  ", &[]),
            Some(("date".into(), "2026-01-04"))
        );
        assert_eq!(
            field("**Date:** 2026-01-04", &[]),
            Some(("date".into(), "2026-01-04"))
        );
        assert_eq!(
            field("- **Status**: ✅ PASSED", &[]),
            Some(("status".into(), "✅ PASSED"))
        );
        assert_eq!(
            field("**Gate 2**: ✅ MET", &[]),
            Some(("gate 2".into(), "✅ MET"))
        );
        assert_eq!(
            field("Date: January 2, 2026", &["date"]),
            Some(("date".into(), "January 2, 2026"))
        );
        assert_eq!(field("Note: something", &["date"]), None);
        assert_eq!(field("**Bold** text: here", &[]), None);
    }

    #[test]
    fn labels() {
        assert_eq!(
            claim_label("Gate 0: Drift Prevention in CI"),
            Some((Label::Gate, "0".into()))
        );
        assert_eq!(
            claim_label("✅ Gate 2 - Runbooks"),
            Some((Label::Gate, "2".into()))
        );
        assert_eq!(claim_label("GATE A"), Some((Label::Gate, "A".into())));
        assert_eq!(
            claim_label("Phase 1b: Scope"),
            Some((Label::Phase, "1B".into()))
        );
        assert_eq!(claim_label("Gate 1a"), Some((Label::Gate, "1A".into())));
        assert_eq!(
            claim_label("Gate #4: Sign-off"),
            Some((Label::Gate, "4".into()))
        );
        assert_eq!(claim_label("G3 Security"), Some((Label::Gate, "3".into())));
        assert_eq!(claim_label("G-001"), None);
        assert_eq!(claim_label("G001"), None);
        assert_eq!(claim_label("Gate Verification"), None);
        assert_eq!(claim_label("Go live"), None);
        assert_eq!(claim_label("Gateway 2"), None);
        assert_eq!(claim_label("Phase Execution"), None);
    }

    #[test]
    fn gate_ids_fold() {
        for (raw, want) in [
            ("1a", "1A"),
            ("1A", "1A"),
            ("Gate 1a", "1A"),
            ("GATE #2", "2"),
            ("G2", "2"),
            ("#2", "2"),
            ("02", "2"),
            ("0", "0"),
            ("smoke", "SMOKE"),
        ] {
            assert_eq!(gate_id(raw), want, "{raw}");
        }
    }

    #[test]
    fn stages() {
        assert_eq!(
            stage_after_word("Stage 1.0: Production Hardening").as_deref(),
            Some("1.0")
        );
        assert_eq!(
            stage_after_word("STAGE4.0.1_ACCEPTANCE_PACK.md").as_deref(),
            Some("4.0.1")
        );
        assert_eq!(
            stage_after_word("Stage D1 readiness").as_deref(),
            Some("D1")
        );
        assert_eq!(stage_after_word("Stage 4 â€“ Gate").as_deref(), Some("4"));
        assert_eq!(stage_after_word("Stage D1.1 pack").as_deref(), Some("D1.1"));
        assert_eq!(stage_after_word("STAGE12_CLOSEOUT").as_deref(), Some("12"));
        assert_eq!(
            stage_after_word("stage-3.0.1-report").as_deref(),
            Some("3.0.1")
        );
        assert_eq!(stage_after_word("STAGE_2.1.md").as_deref(), Some("2.1"));
        assert_eq!(stage_id("v1"), None);
        assert_eq!(stage_id("12345"), None);
        assert_eq!(stage_after_word("backstage 3"), None);
        assert_eq!(stage_after_word("Stage Planning"), None);
    }

    #[test]
    fn ci_runs_prs_and_commits() {
        let repo = Some("https://github.com/o/r");
        let m = mentions(
            "**Latest CI Run**: https://github.com/o/r/actions/runs/20696090612/job/123 and CI run 20696326646",
            repo,
        );
        assert_eq!(
            m.runs,
            vec![
                (
                    "20696090612".into(),
                    Some("123".into()),
                    Some("https://github.com/o/r/actions/runs/20696090612/job/123".into())
                ),
                (
                    "20696326646".into(),
                    None,
                    Some("https://github.com/o/r/actions/runs/20696326646".into())
                ),
            ]
        );
        let m = mentions("**PR**: #4 - https://github.com/o/r/pull/4", repo);
        assert_eq!(
            m.pulls,
            vec![(4, Some("https://github.com/o/r/pull/4".into()))]
        );
        let m = mentions("Merge PR #3 to main; see pull request #12", None);
        assert_eq!(m.pulls, vec![(3, None), (12, None)]);
        let m = mentions(
            "Commit: `a45d0909`, https://github.com/o/r/commit/0123456789abcdef0123456789abcdef01234567",
            None,
        );
        assert_eq!(m.commits.len(), 2, "{m:?}");
        assert!(
            mentions("Our approach commits to nothing", None)
                .commits
                .is_empty()
        );
        // A bare 40-hex word is a commit even with no trigger word near it;
        // 39 hex digits are not.
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let m = mentions(&format!("Built from {sha} today"), None);
        assert_eq!(m.commits, vec![(sha.to_owned(), None)]);
        assert!(
            mentions(&format!("Built from {} today", &sha[..39]), None)
                .commits
                .is_empty()
        );
        let m = mentions("Nothing to see in this line of prose.", None);
        assert!(m.runs.is_empty() && m.pulls.is_empty() && m.commits.is_empty());
    }

    /// Each phrasing `scan` knows, alone on a line, is found (a pattern
    /// dropped from its list fails here).
    #[test]
    fn every_phrasing_of_a_run_a_pull_request_and_a_commit() {
        let runs = [
            "CI run 20696326646",
            "Run ID: 20696326646",
            "run #20696326646",
            "Workflow run 20696326646",
            "Run: 20696326646",
            "see https://github.com/o/r/actions/runs/20696326646",
        ];
        let pulls = [
            "PR #4",
            "PR#4",
            "pull request #4",
            "PR: #4",
            "**PR**: #4",
            "**PR**:#4",
            "https://github.com/o/r/pull/4",
        ];
        let commits = [
            "commit a45d0909",
            "SHA: `a45d0909`",
            "https://github.com/o/r/commit/a45d0909",
        ];
        for (kind, lines, want) in [
            ("run", &runs[..], "20696326646"),
            ("pull", &pulls[..], "4"),
            ("commit", &commits[..], "a45d0909"),
        ] {
            for line in lines {
                let m = mentions(line, None);
                let found: Vec<String> = match kind {
                    "run" => m.runs.iter().map(|r| r.0.clone()).collect(),
                    "pull" => m.pulls.iter().map(|p| p.0.to_string()).collect(),
                    _ => m.commits.iter().map(|c| c.0.clone()).collect(),
                };
                assert_eq!(found, [want], "{line}: {m:?}");
            }
        }
    }

    #[test]
    fn path_like_words() {
        assert_eq!(
            path_like("docs/evidence/X.md"),
            Some(("docs/evidence/X.md", None))
        );
        assert_eq!(
            path_like("`scripts/check.py:42`"),
            Some(("scripts/check.py", Some("42")))
        );
        assert_eq!(
            path_like(".github/workflows/ci.yml"),
            Some((".github/workflows/ci.yml", None))
        );
        assert_eq!(path_like("docs/runbooks/"), Some(("docs/runbooks/", None)));
        assert_eq!(
            path_like("STAGE1.1_PHASE0_REPORT.md,"),
            Some(("STAGE1.1_PHASE0_REPORT.md", None))
        );
        for no in [
            "/healthz",
            "/api/v1",
            "v0.4.0",
            "e.g.",
            "X-Request-ID",
            "https://x.io/a.md",
            "*.md",
            "<file>.md",
            "1.5",
            "and/or",
            "$HOME/x.md",
            "python",
            ".png",
            ".pdf",
        ] {
            assert_eq!(path_like(no), None, "{no}");
        }
    }
}
