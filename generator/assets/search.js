// vouch site search. A classic script, not a module, so it runs from
// file:// as well as on any static host, under the site's CSP. It loads
// only the index files a query needs (search/meta.js, then search/t-<n>.js
// for each term's shard, search/d-<n>.js for the results shown), each a
// script that hands its data to window.vouchSearch. Evidence text is only
// ever set as text, never as markup. It adds the search box to the page's
// header itself: without JavaScript a box could not search, and as markup
// on every page it was 0.5 MB of a real 850-file site.
(function () {
  "use strict";
  var header = document.querySelector("body > header.site-header");
  if (!header) return;
  var root = document.body.getAttribute("data-vouch-root") || "";
  var form = el("form", "search");
  form.setAttribute("role", "search");
  var label = el("label", "visually-hidden", "Search the evidence");
  label.htmlFor = "search";
  var input = el("input");
  input.id = "search";
  input.type = "search";
  input.placeholder = "Search titles, headings, text…";
  input.autocomplete = "off";
  input.spellcheck = false;
  form.appendChild(label);
  form.appendChild(input);
  header.appendChild(form);
  var box = el("div", "search-results");
  box.id = "search-results";
  box.hidden = true;
  header.parentNode.insertBefore(box, header.nextSibling);

  var shards = {}, chunks = {}, meta = null, waiting = {};
  function settle(name, ok) {
    var list = waiting[name] || [];
    delete waiting[name];
    list.forEach(function (f) { f(ok); });
  }
  window.vouchSearch = {
    terms: function (key, map) { shards[key] = map; settle("t-" + key, true); },
    docs: function (n, list) { chunks[n] = list; settle("d-" + n, true); },
    meta: function (m) { meta = m; settle("meta", true); }
  };
  function have(name) {
    if (name === "meta") return meta !== null;
    return name.charAt(0) === "t" ? name.slice(2) in shards : name.slice(2) in chunks;
  }
  function load(name) {
    return new Promise(function (resolve) {
      if (have(name)) return resolve(true);
      var first = !waiting[name];
      (waiting[name] = waiting[name] || []).push(resolve);
      if (!first) return;
      var s = document.createElement("script");
      s.src = root + "search/" + name + ".js";
      // A term no document has has no shard: that is an empty result.
      s.onerror = function () { settle(name, false); };
      document.head.appendChild(s);
    });
  }

  // The same split as the index builder (generator/src/search.rs): runs of
  // letters, or of digits and dots.
  var letter = /\p{L}/u;
  function terms(text) {
    var out = [], cur = "", digits = false;
    function flush() {
      var t = cur.replace(/^\.+|\.+$/g, "");
      if (t) out.push(t);
      cur = "";
    }
    for (var ch of text) {
      var c = ch.toLowerCase();
      var isDigit = (c >= "0" && c <= "9") || (c === "." && digits && cur !== "");
      if (letter.test(c)) {
        if (digits) flush();
        digits = false;
        cur += c;
      } else if (isDigit) {
        if (!digits) flush();
        digits = true;
        cur += c;
      } else {
        flush();
        digits = false;
      }
    }
    flush();
    return out;
  }
  // The shard of a term, of meta.shards (a power of two): the 32-bit FNV-1a
  // hash of the UTF-8 of its first two characters, as search.rs computes it.
  function shard(term) {
    var bytes = unescape(encodeURIComponent(Array.from(term).slice(0, 2).join("")));
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes.charCodeAt(i), 0x01000193);
    return (h >>> 0) & ((meta && meta.shards ? meta.shards : 1) - 1);
  }

  // A term's postings, as search.rs's `encode` writes them: numbers in
  // base-32 digits of DIGITS, least significant first, a digit from its
  // second half meaning more follow. Per document, by number: the gap from
  // the one before, its weight doubled (plus one when headings follow),
  // then, if so, the bit set of its first 16 headings that hold the word.
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var VALUE = {};
  for (var v = 0; v < 64; v++) VALUE[DIGITS.charAt(v)] = v;
  function postings(s, visit) {
    if (typeof s !== "string") return;
    var i = 0, doc = 0;
    function number() {
      var n = 0, scale = 1, d;
      do {
        d = VALUE[s.charAt(i++)];
        if (d === undefined) return NaN;
        n += (d & 31) * scale;
        scale *= 32;
      } while (d >= 32);
      return n;
    }
    while (i < s.length) {
      var gap = number(), w = number(), h = w % 2 === 1 ? number() : 0;
      if (isNaN(gap) || isNaN(w) || isNaN(h)) return;
      doc += gap;
      visit(doc, Math.floor(w / 2), h);
    }
  }

  var SHOWN = 20, generation = 0;
  function search(query) {
    var ts = terms(query);
    if (!ts.length) return Promise.resolve(null);
    return load("meta").then(function () {
      var keys = ts.map(shard).filter(function (k, i, a) { return a.indexOf(k) === i; });
      return Promise.all(keys.map(function (k) { return load("t-" + k); }));
    }).then(function () {
      var scores = null;
      ts.forEach(function (t, i) {
        var map = shards[shard(t)] || {}, found = {}, last = i === ts.length - 1;
        Object.keys(map).forEach(function (term) {
          // Whole words; the last word of the query may be unfinished.
          if (term !== t && !(last && term.indexOf(t) === 0)) return;
          var bonus = term === t ? 2 : 1;
          postings(map[term], function (doc, weight, headings) {
            var f = found[doc] || (found[doc] = { score: 0, masks: 0 });
            f.score += weight * bonus;
            f.masks |= headings;
          });
        });
        if (scores === null) {
          scores = {};
          for (var d0 in found) scores[d0] = { score: found[d0].score, masks: [found[d0].masks] };
          return;
        }
        var both = {};
        for (var d in scores) {
          if (!(d in found)) continue;
          both[d] = { score: scores[d].score + found[d].score, masks: scores[d].masks.concat([found[d].masks]) };
        }
        scores = both;
      });
      // The heading to link to (1-based; 0 for none): the first that holds
      // every word of the query, else the one that holds the most.
      function heading(s) {
        var best = 0, most = 0;
        for (var h = 0; h < 16; h++) {
          var n = 0;
          s.masks.forEach(function (m) { if (m & (1 << h)) n++; });
          if (n > most) { best = h + 1; most = n; }
        }
        return best;
      }
      scores = scores || {};
      var ranked = Object.keys(scores).map(Number).sort(function (a, b) {
        return scores[b].score - scores[a].score || a - b;
      });
      var size = meta ? meta.chunk : 100;
      var top = ranked.slice(0, SHOWN);
      var need = top.map(function (d) { return Math.floor(d / size); })
        .filter(function (n, i, a) { return a.indexOf(n) === i; });
      return Promise.all(need.map(function (n) { return load("d-" + n); })).then(function () {
        return {
          total: ranked.length,
          docs: top.map(function (d) {
            var doc = (chunks[Math.floor(d / size)] || [])[d % size];
            return doc && { doc: doc, heading: heading(scores[d]) };
          }).filter(Boolean)
        };
      });
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function show(query, result) {
    box.textContent = "";
    if (!result) { box.hidden = true; return; }
    box.hidden = false;
    var n = result.total;
    box.appendChild(el("p", "search-count",
      n === 0 ? "No results for “" + query + "”."
        : n + (n === 1 ? " result" : " results") + " for “" + query + "”" + (n > SHOWN ? "; the first " + SHOWN + ":" : ":")));
    var ul = el("ul", "search-list");
    result.docs.forEach(function (r) {
      // [title, path, page, stage, status, snippet, [heading ids]]; pages
      // are vouch's own, heading ids the renderer's (h-…).
      var d = r.doc;
      if (!/^pages\/[a-z0-9-]+\.html$/.test(d[2])) return;
      var li = el("li");
      var a = el("a", "search-title", d[0]);
      var anchor = r.heading && d[6] && d[6][r.heading - 1];
      a.href = root + d[2] + (anchor ? "#" + encodeURIComponent(anchor) : "");
      a.setAttribute("data-search-result", d[1]);
      li.appendChild(a);
      var facts = el("div", "search-facts");
      facts.appendChild(el("code", "path", d[1]));
      if (d[3]) facts.appendChild(el("span", "search-stage", "Stage " + d[3]));
      if (d[4]) facts.appendChild(el("span", "status status-" + d[4], d[4]));
      li.appendChild(facts);
      if (d[5]) li.appendChild(el("p", "search-snippet", d[5] + (d[5].length >= 180 ? "…" : "")));
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  var timer = 0;
  function run() {
    var query = input.value.trim(), mine = ++generation;
    return search(query).then(function (r) { if (mine === generation) show(query, r); });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { input.value = ""; run(); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(timer);
    run().then(function () {
      var first = box.querySelector("a[data-search-result]");
      if (first) first.focus();
    });
  });
})();
