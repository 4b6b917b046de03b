//! The JSON layout of the files vouch writes for people and tools to read
//! (`manifest.json`, `history.json`, the in-toto statement): the top-level
//! fields and each list's entries one to a line, each entry compact. A
//! diff or `grep` shows one file per line, and the indentation of a fully
//! pretty-printed manifest (a fifth of its bytes, fetched and parsed by
//! every reader's viewer) is gone.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

/// Containers this deep or shallower put each member on its own line: the
/// document (1) and its lists and objects (2).
const OPEN: usize = 2;

#[derive(Default)]
struct Lines {
    depth: usize,
    has_value: bool,
}

impl Lines {
    fn line<W: ?Sized + Write>(&self, w: &mut W, depth: usize) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        if self.depth <= OPEN && self.has_value {
            self.line(w, self.depth - 1)?;
        }
        self.depth -= 1;
        w.write_all(bracket)
    }

    fn member<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.depth <= OPEN {
            self.line(w, self.depth)?;
        }
        Ok(())
    }
}

impl Formatter for Lines {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.depth <= OPEN {
            w.write_all(b": ")
        } else {
            CompactFormatter.begin_object_value(w)
        }
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `value` as JSON in this layout, with a final newline.
pub fn to_json_lines<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Lines::default());
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    out.push(b'\n');
    // serde_json writes UTF-8 only.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Entry {
        path: &'static str,
        size: u64,
        tags: Vec<&'static str>,
    }

    #[derive(Serialize)]
    struct Name {
        name: &'static str,
    }

    #[derive(Serialize)]
    struct Doc {
        schema_version: u32,
        generator: Name,
        artifacts: Vec<Entry>,
        empty: Vec<Entry>,
    }

    #[test]
    fn one_entry_a_line() {
        let doc = Doc {
            schema_version: 1,
            generator: Name { name: "vouch" },
            artifacts: vec![
                Entry {
                    path: "a.md",
                    size: 1,
                    tags: vec!["x", "y"],
                },
                Entry {
                    path: "b.md",
                    size: 2,
                    tags: vec![],
                },
            ],
            empty: vec![],
        };
        let text = to_json_lines(&doc);
        assert_eq!(
            text,
            "{\n  \"schema_version\": 1,\n  \"generator\": {\n    \"name\": \"vouch\"\n  },\n  \
             \"artifacts\": [\n    {\"path\":\"a.md\",\"size\":1,\"tags\":[\"x\",\"y\"]},\n    \
             {\"path\":\"b.md\",\"size\":2,\"tags\":[]}\n  ],\n  \"empty\": []\n}\n"
        );
        let back: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(back, serde_json::to_value(&doc).expect("value"));
    }
}
