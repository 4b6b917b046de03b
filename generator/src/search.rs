//! The site's search index: every artifact by its title, path and headings,
//! and the start of its text, split so that a query loads a small part.
//!
//! Written as classic scripts (`search/t-<n>.js`, `search/d-<n>.js`) that
//! hand their data to `assets/search-*.js`, so the search works from
//! `file://` (where browsers refuse `fetch` and module scripts) as well as on
//! any static host, under the site's CSP (`script-src 'self'`).
//!
//! - Terms are lowercase runs of letters, or of digits and dots (`2.1`), so
//!   `STAGE2.1_ACCEPTANCE_PACK.md` yields `stage`, `2.1`, `acceptance`,
//!   `pack`, `md`.
//! - A term's postings sit in the shard its first two characters hash to
//!   ([`shard`]); the number of shards, a power of two written in
//!   `search/meta.js`, is chosen so that each holds about [`SHARD_BYTES`],
//!   so a site has a few shard files per [`SHARD_BYTES`] of index, not one
//!   per pair of letters (2,320 for 13 MB of real docs). Each term keeps
//!   the [`POSTINGS`] heaviest documents (title 8, path 4, headings 3,
//!   text 1 per mention, at most [`TEXT_INDEXED`] of text).
//! - A term's postings are a string ([`encode`]): per document, by number,
//!   the gap from the one before, its weight, and `headings`, a bit set of
//!   the document's first 16 headings that hold the term; a result links to
//!   the heading that holds all (else most) of the query's words. As text
//!   of base-32 digits it is about a third the size of the same numbers as
//!   a JSON array (1.29 MB of real docs' shards were numbers and commas).
//! - Documents' titles, paths, stages, statuses, snippets and heading ids
//!   sit in chunks
//!   of [`CHUNK`], loaded only for the results shown.

use rustc_hash::FxHashMap;

/// Documents per metadata chunk.
pub const CHUNK: usize = 50;
/// Headings per document a result can link to.
const ANCHORS: usize = 16;
/// Postings kept per term: the heaviest documents.
pub const POSTINGS: usize = 200;
/// Text indexed per document, after its title, path and headings.
pub const TEXT_INDEXED: usize = 8 * 1024;
/// Snippet length, in characters.
const SNIPPET: usize = 180;
/// The postings a shard holds, about, in bytes of its file.
pub const SHARD_BYTES: usize = 16 * 1024;
/// The most shards an index is split into.
const MAX_SHARDS: u32 = 4096;

/// The terms of `text`, as the search script splits a query.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_term(text, |t| out.push(t.to_owned()));
    out
}

/// Calls `f` with each of [`terms`]' terms in turn, allocating nothing per
/// term (a 4 KB report has hundreds). Every word of every page comes here:
/// runs of ASCII letters or digits are taken a slice at a time, and only
/// other characters are decoded one by one.
pub fn for_each_term(text: &str, mut f: impl FnMut(&str)) {
    // Letters gathered where a word needs lower-casing or goes on past
    // ASCII; numbers never wait here.
    let mut cur = String::new();
    let flush = |cur: &mut String, f: &mut dyn FnMut(&str)| {
        if !cur.is_empty() {
            f(cur);
        }
        cur.clear();
    };
    let f = &mut f;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if b.is_ascii_alphabetic() {
            let mut upper = false;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                upper |= bytes[i].is_ascii_uppercase();
                i += 1;
            }
            // A lower-case word that nothing comes before (no letters
            // waiting) and nothing continues (ASCII follows, or nothing) is
            // the term itself: passed on, not copied.
            let whole = cur.is_empty() && bytes.get(i).is_none_or(u8::is_ascii);
            if whole && !upper {
                f(&text[start..i]);
            } else {
                let from = cur.len();
                cur.push_str(&text[start..i]);
                cur[from..].make_ascii_lowercase();
            }
        } else if b.is_ascii_digit() {
            // A number: digits, and `.`s between them (`2.1`, `1.0.2`).
            // Nothing continues it once its run ends, and it starts a
            // term: the run, less any `.` it ends with, is the term.
            flush(&mut cur, f);
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            f(text[start..i].trim_end_matches('.'));
        } else if b.is_ascii() {
            flush(&mut cur, f);
            i += 1;
        } else {
            // `i` is a character's first byte: the scan moves by whole
            // characters.
            let c = text[i..].chars().next().unwrap_or_default();
            if c.is_alphabetic() {
                cur.extend(c.to_lowercase());
            } else {
                flush(&mut cur, f);
            }
            i += c.len_utf8();
        }
    }
    flush(&mut cur, f);
}

/// `s` cut to its first `n` characters.
fn first_chars(s: &str, n: usize) -> &str {
    // `n` characters take at least `n` bytes.
    if s.len() <= n {
        return s;
    }
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// The shard, of `shards` (a power of two), that a term's postings are in:
/// the 32-bit FNV-1a hash of the UTF-8 of its first two characters, masked.
/// `assets/search.js` computes the same, so any change here is a change
/// there.
pub fn shard(term: &str, shards: u32) -> u32 {
    let end = term.char_indices().nth(2).map_or(term.len(), |(i, _)| i);
    let hash = term.as_bytes()[..end]
        .iter()
        .fold(0x811c_9dc5_u32, |h, &b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
    hash & (shards - 1)
}

/// How many shards an index of about `bytes` of postings is split into:
/// the power of two that puts about [`SHARD_BYTES`] in each.
fn shard_count(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(SHARD_BYTES))
        .unwrap_or(MAX_SHARDS)
        .clamp(1, MAX_SHARDS)
        .next_power_of_two()
}

/// One searchable document, as the index builder gets it.
pub struct Doc<'a> {
    pub title: &'a str,
    pub path: &'a str,
    pub page: &'a str,
    pub stage: Option<&'a str>,
    pub status: Option<&'a str>,
    /// Its headings: text and id (`h-gates`), in order.
    pub headings: Vec<(String, String)>,
    /// The start of its text (plain, whitespace collapsed).
    pub text: String,
}

/// A term's documents, `(id, weight, headings)`. Most terms are in one
/// document (run ids, dates, file names: 140,000 of 140,300 at 50,000
/// reports), and their one posting is held inline, not in a list of its
/// own (48 bytes each).
type List = smallvec::SmallVec<[(u32, u32, u32); 1]>;

/// A document's weighted terms (each with the set of its first
/// [`ANCHORS`] headings that hold it, as bits) and its metadata, ready to
/// insert.
pub struct Weighed {
    terms: Vec<(String, (u32, u32))>,
    /// Its metadata as JSON text: a few hundred bytes held per document,
    /// where a `serde_json::Value` tree was a kilobyte (50 MB at 50k).
    meta: String,
}

/// Weighs `d`'s terms (done in parallel, outside any lock).
pub fn weigh(d: Doc<'_>) -> Weighed {
    // Fx, not SipHash: every word of every document is hashed here, and
    // nothing here comes from an adversary who could exploit collisions
    // beyond slowing their own build.
    let mut weights: FxHashMap<String, (u32, u32)> = FxHashMap::default();
    let mut count = |text: &str, w: u32, heading: u32| {
        for_each_term(text, |t| match weights.get_mut(t) {
            Some(e) => {
                e.0 += w;
                e.1 |= heading;
            }
            None => {
                weights.insert(t.to_owned(), (w, heading));
            }
        });
    };
    count(d.title, 8, 0);
    count(d.path, 4, 0);
    for (k, (h, _)) in d.headings.iter().enumerate().take(ANCHORS) {
        count(h, 3, 1 << k);
    }
    count(first_chars(&d.text, TEXT_INDEXED), 1, 0);
    let snippet = first_chars(&d.text, SNIPPET);
    let anchors: Vec<&str> = d
        .headings
        .iter()
        .take(ANCHORS)
        .map(|(_, id)| id.as_str())
        .collect();
    Weighed {
        terms: weights.into_iter().collect(),
        meta: serde_json::to_string(&(
            d.title,
            d.path,
            d.page,
            d.stage.unwrap_or_default(),
            d.status.unwrap_or_default(),
            snippet,
            anchors,
        ))
        .unwrap_or_default(),
    }
}

pub struct Builder {
    /// `[title, path, page, stage, status, snippet, [heading ids]]` per
    /// document, as JSON text (empty: not inserted, written `null`).
    docs: Vec<String>,
    /// Documents inserted so far, per chunk of [`CHUNK`].
    filled: Vec<usize>,
    /// Chunks [`Builder::insert`] already handed out.
    taken: Vec<bool>,
    /// Documents inserted: a repeat replaces, and is not counted twice.
    inserted: Vec<bool>,
    postings: Terms,
}

/// Each term's postings, by term. The terms' texts sit end to end in one
/// string, and the table that finds a term holds only its number: as a map
/// from boxed text to list, 140,300 terms (50,000 reports) took 16 MB, most
/// of the pages stage's rise towards a build's peak: 40-byte entries in a
/// table with room for up to twice as many, and a box per term.
#[derive(Default)]
struct Terms {
    /// The terms' texts, one after another.
    text: String,
    /// Per term, in the order first met: where its text ends in `text`
    /// (it starts where the term before ends), and its postings.
    terms: Vec<(usize, List)>,
    /// Terms by text: their numbers in `terms`.
    table: hashbrown::HashTable<u32>,
}

impl Terms {
    fn hash(term: &str) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(term)
    }

    /// The text of term `i`.
    fn text(&self, i: usize) -> &str {
        term_text(&self.text, &self.terms, i)
    }

    /// Term `term`'s number, if it has one; `hash` is its [`Terms::hash`].
    fn find(&self, term: &str, hash: u64) -> Option<usize> {
        let &i = self.table.find(hash, |&i| self.text(i as usize) == term)?;
        Some(i as usize)
    }

    /// Term `term`'s list, made empty the first time it is met.
    fn list(&mut self, term: &str) -> Option<&mut List> {
        let hash = Self::hash(term);
        if let Some(i) = self.find(term, hash) {
            return Some(&mut self.terms[i].1);
        }
        let Self { text, terms, table } = self;
        // Four billion terms (a corpus of dozens of gigabytes of distinct
        // words) are indexed; any more are not.
        let i = u32::try_from(terms.len()).ok()?;
        text.push_str(term);
        terms.push((text.len(), List::new()));
        table.insert_unique(hash, i, |&j| Self::hash(term_text(text, terms, j as usize)));
        terms.last_mut().map(|(_, list)| list)
    }

    /// Term `term`'s list, if it has one.
    #[cfg(test)]
    fn get(&self, term: &str) -> Option<&List> {
        let i = self.find(term, Self::hash(term))?;
        Some(&self.terms[i].1)
    }
}

/// The text of term `i` of `terms`, whose texts end to end are `text`.
fn term_text<'t>(text: &'t str, terms: &[(usize, List)], i: usize) -> &'t str {
    let start = i.checked_sub(1).map_or(0, |j| terms[j].0);
    &text[start..terms[i].0]
}

impl Builder {
    /// An index of `n` documents, numbered `0..n`.
    pub fn new(n: usize) -> Self {
        let chunks = n.div_ceil(CHUNK);
        Self {
            docs: vec![String::new(); n],
            filled: vec![0; chunks],
            taken: vec![false; chunks],
            inserted: vec![false; n],
            postings: Terms::default(),
        }
    }

    /// Inserts document `id` (once). A term's list is cut back to its
    /// [`POSTINGS`] heaviest whenever it doubles, so the index holds at
    /// most twice what it writes, however many documents share a word.
    /// Returns the file of `id`'s chunk of document metadata once that
    /// chunk is complete, so the metadata is written as it fills rather
    /// than held to the end (30 MB at 50,000 documents).
    pub fn insert(&mut self, id: usize, w: Weighed) -> Option<(String, Vec<u8>)> {
        for (t, (weight, heading)) in w.terms {
            let Some(list) = self.postings.list(&t) else {
                continue;
            };
            list.push((id as u32, weight, heading));
            if list.len() >= 2 * POSTINGS {
                heaviest(list);
            }
        }
        self.docs[id] = w.meta;
        let n = id / CHUNK;
        if std::mem::replace(&mut self.inserted[id], true) {
            return None;
        }
        self.filled[n] += 1;
        let size = CHUNK.min(self.docs.len() - n * CHUNK);
        (self.filled[n] == size && !self.taken[n]).then(|| {
            self.taken[n] = true;
            doc_file(n, &mut self.docs)
        })
    }

    /// The index's files, `(path, bytes)`, under `search/` (but the chunks
    /// [`Builder::insert`] handed out), each made as it is taken, so they
    /// are written one at a time, never held together.
    pub fn files(mut self) -> impl Iterator<Item = (String, Vec<u8>)> {
        let mut docs = std::mem::take(&mut self.docs);
        let n_docs = docs.len();
        let pending: Vec<usize> = (0..self.taken.len()).filter(|&n| !self.taken[n]).collect();
        let doc_files = pending.into_iter().map(move |n| doc_file(n, &mut docs));
        // The terms are written shard by shard, each shard's in order, from
        // a list of their shards and numbers sorted so (8 bytes a term):
        // moved into lists per shard, they were held twice over at the end
        // of the pages stage. The table that found them goes first.
        let mut terms = std::mem::take(&mut self.postings);
        terms.table = hashbrown::HashTable::new();
        let n = terms.terms.len();
        // About a term's bytes in its shard: `"term":"",` and, per
        // posting, three digits or so (of the lists as cut).
        let bytes: usize = (0..n)
            .map(|i| terms.text(i).len() + 6 + 3 * terms.terms[i].1.len().min(POSTINGS))
            .sum();
        let count = shard_count(bytes);
        let mut order: Vec<(u32, u32)> = (0..n)
            .map(|i| (shard(terms.text(i), count), i as u32))
            .collect();
        order.sort_unstable_by(|a, b| {
            (a.0, terms.text(a.1 as usize)).cmp(&(b.0, terms.text(b.1 as usize)))
        });
        let mut order = order.into_iter().peekable();
        let term_files = std::iter::from_fn(move || {
            let &(key, _) = order.peek()?;
            let mut map = serde_json::Map::new();
            while let Some((_, i)) = order.next_if(|&(k, _)| k == key) {
                let i = i as usize;
                let mut list = std::mem::take(&mut terms.terms[i].1);
                heaviest(&mut list);
                map.insert(terms.text(i).to_owned(), encode(&mut list).into());
            }
            Some((
                format!("search/t-{key}.js"),
                format!(
                    "vouchSearch.terms({key},{});\n",
                    serde_json::Value::Object(map)
                )
                .into_bytes(),
            ))
        });
        let meta = (
            "search/meta.js".to_owned(),
            format!(
                "vouchSearch.meta({{\"docs\":{n_docs},\"chunk\":{CHUNK},\"shards\":{count}}});\n"
            )
            .into_bytes(),
        );
        doc_files.chain(term_files).chain(std::iter::once(meta))
    }
}

/// The file of chunk `n` of the documents' metadata, which it takes from
/// `docs`.
fn doc_file(n: usize, docs: &mut [String]) -> (String, Vec<u8>) {
    let end = ((n + 1) * CHUNK).min(docs.len());
    let mut json = String::from("[");
    for (k, meta) in docs[n * CHUNK..end].iter_mut().enumerate() {
        if k > 0 {
            json.push(',');
        }
        let meta = std::mem::take(meta);
        json.push_str(if meta.is_empty() { "null" } else { &meta });
    }
    json.push(']');
    (
        format!("search/d-{n}.js"),
        format!("vouchSearch.docs({n},{json});\n").into_bytes(),
    )
}

/// The order of the index's files in its listing: metadata chunks by
/// number, then the rest as [`Builder::files`] yields them.
pub fn listing_order(path: &str) -> (bool, usize) {
    match path
        .strip_prefix("search/d-")
        .and_then(|p| p.strip_suffix(".js"))
        .and_then(|n| n.parse().ok())
    {
        Some(n) => (false, n),
        None => (true, 0),
    }
}

/// The digits of [`encode`]'s numbers: the first 32 end a number, the
/// last 32 say another digit follows. None needs escaping in JSON.
const DIGITS: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/// Appends `v` in base-32 [`DIGITS`], least significant first.
fn push_number(out: &mut String, mut v: u32) {
    loop {
        let digit = v & 31;
        v >>= 5;
        let more = if v > 0 { 32 } else { 0 };
        out.push(char::from(DIGITS[(digit | more) as usize]));
        if v == 0 {
            return;
        }
    }
}

/// A term's postings as `assets/search.js` reads them, sorted by document
/// number: per document, the gap from the one before (the first from 0),
/// then its weight doubled, plus one when a heading holds the term, then,
/// only if so, its headings' bit set. Most postings are a near neighbour
/// of weight 1 in no heading: two digits, where `[912,1,0]` took eight
/// bytes.
fn encode(list: &mut List) -> String {
    list.sort_unstable_by_key(|p| p.0);
    let mut out = String::with_capacity(3 * list.len());
    let mut last = 0;
    for &(doc, weight, headings) in list.iter() {
        push_number(&mut out, doc - last);
        last = doc;
        // A weight is 8 KiB of text, a title, a path and 16 headings' worth
        // of mentions: a long title or heading can reach the millions, never
        // the top bit; a weight there is kept at the most it can be.
        push_number(
            &mut out,
            (weight.min(u32::MAX >> 1) << 1) | u32::from(headings != 0),
        );
        if headings != 0 {
            push_number(&mut out, headings);
        }
    }
    out
}

/// Cuts a term's list to its [`POSTINGS`] heaviest documents (ties: the
/// lower id), heaviest first. A total order, so cutting early and cutting
/// once at the end keep the same documents.
fn heaviest(list: &mut List) {
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list.truncate(POSTINGS);
}

/// Plain text from rendered HTML: tags dropped, entities for `<>&"'`
/// decoded, whitespace collapsed; at most `limit` characters.
///
/// It copies each word at once, not each character (it runs over every
/// page's text), and stops once it holds `2 * limit` bytes.
pub fn plain_text(html: &str, limit: usize) -> String {
    let cap = limit * 2;
    let mut out = String::with_capacity(html.len().min(cap) + 4);
    let mut last_space = true;
    let mut rest = html;
    'all: while out.len() < cap {
        // Text up to the next tag: each whitespace character is a space,
        // unless one was just written.
        let end = rest.find('<').unwrap_or(rest.len());
        for (i, word) in vouch_audit::text::split_whitespace_each(&rest[..end]).enumerate() {
            if i > 0 && !last_space {
                out.push(' ');
                last_space = true;
                if out.len() >= cap {
                    break 'all;
                }
            }
            if !word.is_empty() {
                last_space = false;
                if !push_until(&mut out, word, cap) {
                    break 'all;
                }
            }
        }
        // The tag, to its `>` (a `<` inside it starts nothing), is a space.
        let Some(close) = rest
            .get(end + 1..)
            .and_then(|t| t.find('>').map(|j| end + 1 + j))
        else {
            break;
        };
        rest = &rest[close + 1..];
        if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    let out = if out.contains('&') {
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    } else {
        out
    };
    first_chars(out.trim(), limit).to_owned()
}

/// Appends `word` to `out`, or as much of it as brings `out` to `cap` bytes
/// (whole characters): false when it did.
fn push_until(out: &mut String, word: &str, cap: usize) -> bool {
    let room = cap.saturating_sub(out.len());
    if word.len() < room {
        out.push_str(word);
        return true;
    }
    let mut end = room;
    while !word.is_char_boundary(end) {
        end += 1;
    }
    out.push_str(&word[..end]);
    false
}

/// The headings of rendered HTML (`<h1 id="…">`…`<h6>`): their plain text
/// and id (headings without one are left out).
pub fn headings(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<h") {
        let after = &rest[i + 2..];
        if !after.starts_with(|c: char| ('1'..='6').contains(&c)) {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        let tag = &after[..gt];
        let body = &after[gt + 1..];
        let Some(end) = body.find("</h") else { break };
        if let Some(id) = tag.split("id=\"").nth(1).and_then(|s| s.split('"').next()) {
            out.push((plain_text(&body[..end], 200), id.to_owned()));
        }
        rest = &body[end..];
        if out.len() >= 64 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_split_words_and_numbers() {
        assert_eq!(
            terms("STAGE2.1_ACCEPTANCE_PACK.md"),
            ["stage", "2.1", "acceptance", "pack", "md"]
        );
        assert_eq!(
            terms("Stage 2.1 acceptance."),
            ["stage", "2.1", "acceptance"]
        );
        assert_eq!(terms("v1.0.2, gate #3"), ["v", "1.0.2", "gate", "3"]);
        // FNV-1a of "st", "2.", "a" and "é" (two UTF-8 bytes), as
        // assets/search.js computes them.
        assert_eq!(shard("stage", 1 << 31), 0x4B52_2242);
        assert_eq!(shard("stage", 256), 0x42);
        assert_eq!(shard("2.1", 256), shard("2.", 256));
        assert_eq!(shard("a", 1 << 31), 0x640C_292C);
        assert_eq!(shard("é", 1 << 31), 0x1E9D_E8C1);
        assert_eq!(shard("été", 1 << 31), shard("ét", 1 << 31));
        assert_eq!(shard("anything", 1), 0);
        assert_eq!(shard_count(0), 1);
        assert_eq!(shard_count(SHARD_BYTES), 1);
        assert_eq!(shard_count(SHARD_BYTES + 1), 2);
        assert_eq!(shard_count(100 * SHARD_BYTES), 128);
        assert_eq!(shard_count(usize::MAX), MAX_SHARDS);
    }

    #[test]
    fn text_and_headings_from_html() {
        let html = "<h1 id=\"h-s\">Stage 2 &amp; more</h1>\n<p>Some <strong>bold</strong>   text</p><h2 id=\"h-gates\">Gates</h2><h3>No id</h3>";
        assert_eq!(
            plain_text(html, 100),
            "Stage 2 & more Some bold text Gates No id"
        );
        assert_eq!(
            headings(html),
            [
                ("Stage 2 & more".to_owned(), "h-s".to_owned()),
                ("Gates".to_owned(), "h-gates".to_owned())
            ]
        );
    }

    /// The character-at-a-time version [`plain_text`] replaced.
    fn plain_text_by_chars(html: &str, limit: usize) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        let mut last_space = true;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => {
                    in_tag = false;
                    if !last_space {
                        out.push(' ');
                        last_space = true;
                    }
                }
                _ if in_tag => {}
                c if c.is_whitespace() => {
                    if !last_space {
                        out.push(' ');
                        last_space = true;
                    }
                }
                c => {
                    out.push(c);
                    last_space = false;
                }
            }
            if out.len() >= limit * 2 {
                break;
            }
        }
        let out = out
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        first_chars(out.trim(), limit).to_owned()
    }

    /// The terms as first split, a character at a time.
    fn terms_by_chars(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut f = |t: &str| out.push(t.to_owned());
        let mut cur = String::new();
        let mut digits = false;
        let mut flush = |cur: &mut String| {
            let t = cur.trim_matches('.');
            if !t.is_empty() {
                f(t);
            }
            cur.clear();
        };
        for c in text.chars() {
            let c = c.to_ascii_lowercase();
            let is_digit = c.is_ascii_digit() || (c == '.' && digits && !cur.is_empty());
            if c.is_alphabetic() && !c.is_ascii_digit() {
                if digits {
                    flush(&mut cur);
                }
                digits = false;
                if c.is_ascii() {
                    cur.push(c);
                } else {
                    cur.extend(c.to_lowercase());
                }
            } else if is_digit {
                if !digits {
                    flush(&mut cur);
                }
                digits = true;
                cur.push(c);
            } else {
                flush(&mut cur);
                digits = false;
            }
        }
        flush(&mut cur);
        out
    }

    proptest::proptest! {
        /// A slice at a time or a character at a time, the same terms:
        /// case, digits and dots, Unicode letters (some lower-case to two
        /// characters) and other characters included.
        #[test]
        fn terms_are_the_character_at_a_time_terms(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "Gate", "STAGE", "2", "1.0", ".", "..", " ", "_", "-", "é", "É", "İ",
                    "ǅ", "中文", "٣", "x2", "v1.", "#", "\u{a0}", "ß",
                ]),
                0..16,
            ),
            any_text in "\\PC{0,24}",
        ) {
            for text in [parts.concat(), any_text] {
                proptest::prop_assert_eq!(terms(&text), terms_by_chars(&text), "{:?}", text);
            }
        }
    }

    proptest::proptest! {
        /// Word at a time or character at a time, the same text, cut at
        /// the same place: tags, stray `<` and `>`, Unicode whitespace and
        /// wide characters included.
        #[test]
        fn plain_text_is_the_character_at_a_time_text(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "<", ">", "<p>", "</p>", " ", "\n", "\u{a0}", "\u{3000}", "a", "word",
                    "é", "中文", "&amp;", "&lt;b&gt;", "<a href=\"x>y\">", "<<", ">>", "\t\t",
                ]),
                0..60,
            ),
            limit in 0usize..40,
        ) {
            let html = parts.concat();
            proptest::prop_assert_eq!(plain_text(&html, limit), plain_text_by_chars(&html, limit));
        }
    }

    #[test]
    fn first_chars_counts_characters() {
        assert_eq!(first_chars("abc", 3), "abc");
        assert_eq!(first_chars("abc", 2), "ab");
        assert_eq!(first_chars("ééé", 2), "éé");
        assert_eq!(first_chars("ééé", 4), "ééé");
        assert_eq!(first_chars("", 0), "");
    }

    /// The number of shards `search/meta.js` among `files` gives.
    fn shard_count_of(files: &[(String, Vec<u8>)]) -> u32 {
        let meta = files
            .iter()
            .find(|(p, _)| p == "search/meta.js")
            .expect("meta");
        String::from_utf8_lossy(&meta.1)
            .split("\"shards\":")
            .nth(1)
            .and_then(|t| t.split('}').next()?.parse::<u32>().ok())
            .expect("shard count")
    }

    /// The terms and postings of shard `key`'s file, `bytes`.
    fn shard_terms(key: u32, bytes: &[u8]) -> serde_json::Map<String, serde_json::Value> {
        let text = String::from_utf8_lossy(bytes);
        let json = text
            .trim_start_matches(&format!("vouchSearch.terms({key},"))
            .trim_end_matches(");\n");
        serde_json::from_str(json).expect("json")
    }

    /// Thousands of terms (the table grows many times over): each is
    /// written once, in the shard [`shard`] names, with the documents that
    /// hold it; each shard's terms in order, the shards in order.
    #[test]
    fn every_term_is_written_once_in_its_shard() {
        // A word of letters for each number (terms are runs of letters or
        // of digits).
        let word = |mut i: usize| {
            let mut w = String::from("x");
            loop {
                w.push(char::from(b'a' + (i % 26) as u8));
                i /= 26;
                if i == 0 {
                    return w;
                }
            }
        };
        let n = 3000;
        let mut b = Builder::new(n);
        let mut files = Vec::new();
        for i in 0..n {
            // `word(i)` is in document `i` alone, `common` in every third.
            let text = if i % 3 == 0 {
                format!("{} common", word(i))
            } else {
                word(i)
            };
            files.extend(b.insert(
                i,
                weigh(Doc {
                    title: "",
                    path: "",
                    page: "pages/r.html",
                    stage: None,
                    status: None,
                    headings: Vec::new(),
                    text,
                }),
            ));
        }
        assert_eq!(b.postings.terms.len(), n + 1, "each term held once");
        files.extend(b.files());
        let count = shard_count_of(&files);
        assert!(count > 1, "{count} shards");
        let mut seen = std::collections::BTreeMap::new();
        let mut keys = Vec::new();
        for (path, bytes) in &files {
            let Some(key) = path
                .strip_prefix("search/t-")
                .and_then(|k| k.strip_suffix(".js"))
                .and_then(|k| k.parse::<u32>().ok())
            else {
                continue;
            };
            keys.push(key);
            let map = shard_terms(key, bytes);
            let terms: Vec<&String> = map.keys().collect();
            assert!(terms.is_sorted(), "shard {key} out of order");
            for (term, postings) in &map {
                assert_eq!(shard(term, count), key, "{term}");
                let docs: Vec<u32> = decode(postings.as_str().expect("postings"))
                    .iter()
                    .map(|p| p.0)
                    .collect();
                assert!(seen.insert(term.clone(), docs).is_none(), "{term} twice");
            }
        }
        assert!(keys.is_sorted() && !keys.is_empty());
        assert_eq!(seen.len(), n + 1);
        for i in 0..n {
            assert_eq!(seen[&word(i)], [i as u32]);
        }
        let common: Vec<u32> = (0..n as u32).step_by(3).take(POSTINGS).collect();
        assert_eq!(seen["common"], common);
    }

    #[test]
    fn postings_keep_the_heaviest_in_document_order() {
        let mut b = Builder::new(300);
        let mut files = Vec::new();
        for i in 0..300 {
            let title = format!("Report {i}");
            let text = "evidence ".repeat(i % 7);
            files.extend(b.insert(
                i,
                weigh(Doc {
                    title: &title,
                    path: "r.md",
                    page: "pages/r.html",
                    stage: Some("1"),
                    status: None,
                    headings: Vec::new(),
                    text,
                }),
            ));
        }
        files.extend(b.files());
        assert_eq!(
            files
                .iter()
                .filter(|(p, _)| p.starts_with("search/d-"))
                .count(),
            6
        );
        let count = shard_count_of(&files);
        let key = shard("evidence", count);
        let shard = files
            .iter()
            .find(|(p, _)| p == &format!("search/t-{key}.js"))
            .expect("shard");
        let map = shard_terms(key, &shard.1);
        let list = decode(map["evidence"].as_str().expect("postings"));
        // 257 documents have the word (i % 7 times); the 200 kept are the
        // heaviest: every one of weight 3 to 6 (171), then the first 29 of
        // weight 2. They are written by document number.
        assert_eq!(list.len(), POSTINGS.min(300 - 300 / 7 - 1));
        let mut want: Vec<(u32, u32, u32)> = (0..300u32)
            .filter(|i| i % 7 >= 3)
            .map(|i| (i, i % 7, 0))
            .chain(
                (0..300u32)
                    .filter(|i| i % 7 == 2)
                    .take(29)
                    .map(|i| (i, 2, 0)),
            )
            .collect();
        want.sort_unstable();
        assert_eq!(list, want);
    }

    /// [`encode`]'s inverse, as `assets/search.js` reads a term's postings.
    fn decode(s: &str) -> Vec<(u32, u32, u32)> {
        let mut digits = s
            .bytes()
            .map(|b| DIGITS.iter().position(|&d| d == b).expect("a digit") as u32);
        let mut number = || -> Option<u32> {
            let (mut v, mut shift) = (0, 0);
            loop {
                let d = digits.next()?;
                v |= (d & 31) << shift;
                shift += 5;
                if d < 32 {
                    return Some(v);
                }
            }
        };
        let mut out = Vec::new();
        let mut doc = 0;
        while let Some(gap) = number() {
            doc += gap;
            let w = number().expect("a weight");
            let h = if w & 1 == 1 {
                number().expect("headings")
            } else {
                0
            };
            out.push((doc, w >> 1, h));
        }
        out
    }

    proptest::proptest! {
        /// Postings decode to what was encoded, by document number, whatever
        /// the numbers' sizes: a document twice (inserted again: a gap of
        /// 0), and a weight past the top bit kept at the most there is room
        /// for.
        #[test]
        fn postings_decode_to_what_was_encoded(
            postings in proptest::collection::vec(
                (
                    proptest::prop_oneof![0u32..40, 0u32..=u32::MAX],
                    proptest::prop_oneof![1u32..4, 1u32..=u32::MAX],
                    proptest::prop_oneof![proptest::strategy::Just(0u32), 0u32..=0xffff],
                ),
                0..60,
            )
        ) {
            let mut list: List = postings.iter().copied().collect();
            let text = encode(&mut list);
            proptest::prop_assert!(text.bytes().all(|b| DIGITS.contains(&b)));
            let mut want: Vec<_> = postings
                .into_iter()
                .map(|(d, w, h)| (d, w.min(u32::MAX >> 1), h))
                .collect();
            want.sort_unstable();
            let mut got = decode(&text);
            proptest::prop_assert!(got.windows(2).all(|p| p[0].0 <= p[1].0));
            got.sort_unstable();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn postings_are_a_few_digits_each() {
        let mut list: List = [(912, 1, 0), (913, 3, 0b100), (5000, 40, 0)]
            .into_iter()
            .collect();
        // 912 = 16 + 28*32: "m" (16, more follows) then "S" (28); a
        // weight of 1 in no heading, 2: "2". A gap of 1: "1"; a weight of
        // 3 with headings, 7: "7"; headings 4: "4". A gap of 4087 = 23 +
        // 31*32 + 3*1024: "t_3"; a weight of 40, 80 = 16 + 2*32: "m2".
        assert_eq!(encode(&mut list), "mS2174t_3m2");
    }

    /// A chunk of documents is the JSON array of their metadata, `null`
    /// where none was inserted, as the search page reads it.
    #[test]
    fn document_chunks_are_json_arrays_of_metadata() {
        let mut b = Builder::new(3);
        for i in [0, 2] {
            b.insert(
                i,
                weigh(Doc {
                    title: "A \"quoted\" title",
                    path: "a/r.md",
                    page: "a/r.html",
                    stage: (i == 2).then_some("2.1"),
                    status: Some("pass"),
                    headings: vec![("Gates".into(), "gates".into())],
                    text: "some text".into(),
                }),
            );
        }
        let files: Vec<_> = b.files().collect();
        let (_, d0) = files
            .iter()
            .find(|(p, _)| p == "search/d-0.js")
            .expect("chunk");
        let text = String::from_utf8_lossy(d0);
        let json = text
            .strip_prefix("vouchSearch.docs(0,")
            .and_then(|t| t.strip_suffix(");\n"))
            .expect("wrapped");
        let docs: serde_json::Value = serde_json::from_str(json).expect("json");
        let row = |stage: &str| {
            serde_json::json!([
                "A \"quoted\" title",
                "a/r.md",
                "a/r.html",
                stage,
                "pass",
                "some text",
                ["gates"]
            ])
        };
        assert_eq!(docs, serde_json::json!([row(""), null, row("2.1")]));
    }

    /// Each chunk of metadata is handed out once, as soon as its last
    /// document is inserted (in any order), holding its documents in id
    /// order; `files` then adds only the chunks never completed.
    #[test]
    fn chunks_are_handed_out_as_they_fill() {
        let n = 3 * CHUNK + 7;
        let mut b = Builder::new(n + 2);
        let mut seen = std::collections::BTreeMap::new();
        let mut inserted = std::collections::BTreeSet::new();
        for k in 0..n {
            let id = (k * 97) % n; // scrambled: 97 is prime to n
            inserted.insert(id);
            let meta = serde_json::to_string(&id).expect("json");
            if let Some((path, bytes)) = b.insert(
                id,
                Weighed {
                    terms: Vec::new(),
                    meta,
                },
            ) {
                let chunk = id / CHUNK;
                let end = ((chunk + 1) * CHUNK).min(n + 2);
                assert!(
                    (chunk * CHUNK..end).all(|i| inserted.contains(&i)),
                    "{path} handed out early"
                );
                assert!(seen.insert(path, bytes).is_none(), "handed out twice");
            }
        }
        // The last chunk (two documents never inserted) comes from `files`.
        assert_eq!(seen.len(), 3);
        let rest: Vec<_> = b
            .files()
            .filter(|(p, _)| p.starts_with("search/d-"))
            .collect();
        assert_eq!(rest.len(), 1);
        seen.extend(rest);
        for (path, bytes) in &seen {
            let c = listing_order(path).1;
            let text = String::from_utf8_lossy(bytes);
            let json = text
                .strip_prefix(&format!("vouchSearch.docs({c},"))
                .and_then(|t| t.strip_suffix(");\n"))
                .expect("wrapped");
            let want: Vec<serde_json::Value> = (c * CHUNK..((c + 1) * CHUNK).min(n + 2))
                .map(|i| {
                    if i < n {
                        i.into()
                    } else {
                        serde_json::Value::Null
                    }
                })
                .collect();
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(json).expect("json"),
                serde_json::Value::from(want)
            );
        }
        let mut names: Vec<&str> = vec![
            "search/t-6.js",
            "search/d-10.js",
            "search/meta.js",
            "search/d-2.js",
        ];
        names.sort_by_key(|p| listing_order(p));
        assert_eq!(
            names,
            [
                "search/d-2.js",
                "search/d-10.js",
                "search/t-6.js",
                "search/meta.js"
            ]
        );
    }

    /// A document inserted again replaces its metadata and is not counted
    /// twice: its chunk is still handed out only once all are in.
    #[test]
    fn a_repeat_insert_does_not_complete_a_chunk() {
        let mut b = Builder::new(2);
        let w = |m: &str| Weighed {
            terms: Vec::new(),
            meta: m.into(),
        };
        assert!(b.insert(0, w("1")).is_none());
        assert!(b.insert(0, w("2")).is_none());
        let (_, bytes) = b.insert(1, w("3")).expect("complete");
        assert_eq!(bytes, b"vouchSearch.docs(0,[2,3]);\n");
        assert!(b.files().all(|(p, _)| !p.starts_with("search/d-")));
    }

    /// Cutting a term's list while inserting (in any order, as the render
    /// threads do) keeps the same documents as cutting once at the end.
    #[test]
    fn early_cuts_keep_the_heaviest() {
        let n = 5 * POSTINGS;
        let weight = |id: usize| ((id * 7919) % 13) as u32;
        let mut b = Builder::new(n);
        for k in 0..n {
            let id = (k * 389) % n; // a scrambled order: 389 is prime to n
            b.insert(
                id,
                Weighed {
                    terms: vec![("word".into(), (weight(id), 0))],
                    meta: String::new(),
                },
            );
            assert!(b.postings.get("word").expect("postings").len() < 2 * POSTINGS);
        }
        let mut want: Vec<(u32, u32, u32)> = (0..n).map(|id| (id as u32, weight(id), 0)).collect();
        want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        want.truncate(POSTINGS);
        let mut got = b.postings.get("word").expect("postings").clone();
        heaviest(&mut got);
        assert_eq!(got.as_slice(), want.as_slice());
    }
}
