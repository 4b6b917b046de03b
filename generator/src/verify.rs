//! `vouch verify`: the viewer's check, natively, for folders and URLs.
//!
//! The manifest is untrusted: it is validated before use, and no URL in it
//! may leave the site (see `vouch_core::url`).

use std::{
    fs::File,
    io::Read,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use vouch_core::{Manifest, Sha256Hasher, Summary, Verdict};

/// Where a site's bytes come from.
trait Source: Sync {
    fn describe(&self) -> String;
    fn manifest(&self) -> Result<Vec<u8>>;
    /// Streams `url` (site-relative) through SHA-256: `Err` means missing.
    fn hash(&self, url: &str) -> std::result::Result<(String, u64), String>;
}

struct Dir {
    root: PathBuf,
}

impl Source for Dir {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn manifest(&self) -> Result<Vec<u8>> {
        let path = self.root.join("manifest.json");
        std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
    }

    fn hash(&self, url: &str) -> std::result::Result<(String, u64), String> {
        let mut path = self.root.clone();
        for seg in url.split('/') {
            let seg = percent_encoding::percent_decode_str(seg)
                .decode_utf8()
                .map_err(|_| "URL is not valid UTF-8".to_owned())?;
            path.push(seg.as_ref());
        }
        // Refuse symlinks that lead out of the site.
        let real = std::fs::canonicalize(&path).map_err(|e| e.to_string())?;
        if !real.starts_with(&self.root) {
            return Err("resolves outside the site folder".into());
        }
        let f = File::open(&real).map_err(|e| e.to_string())?;
        hash_reader(f).map_err(|e| e.to_string())
    }
}

struct Http {
    base: String,
    agent: ureq::Agent,
}

impl Source for Http {
    fn describe(&self) -> String {
        self.base.clone()
    }

    fn manifest(&self) -> Result<Vec<u8>> {
        let url = format!("{}manifest.json", self.base);
        let resp = self
            .agent
            .get(&url)
            .call()
            .with_context(|| format!("cannot fetch {url}"))?;
        if resp.status() != 200 {
            bail!("{url} answered HTTP {}", resp.status());
        }
        let mut bytes = Vec::new();
        resp.into_body()
            .into_with_config()
            .limit(64 << 20)
            .reader()
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {url}"))?;
        Ok(bytes)
    }

    fn hash(&self, url: &str) -> std::result::Result<(String, u64), String> {
        let url = format!("{}{url}", self.base);
        let resp = self.agent.get(&url).call().map_err(|e| e.to_string())?;
        if resp.status() != 200 {
            return Err(format!("HTTP {}", resp.status()));
        }
        let reader = resp.into_body().into_with_config().limit(u64::MAX).reader();
        hash_reader(reader).map_err(|e| e.to_string())
    }
}

fn hash_reader(mut r: impl Read) -> std::io::Result<(String, u64)> {
    let mut h = Sha256Hasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = h.len();
    Ok((h.finish_hex(), len))
}

fn open(site: &str) -> Result<Box<dyn Source>> {
    if site.starts_with("http://") || site.starts_with("https://") {
        let mut base = site.split(['?', '#']).next().unwrap_or(site).to_owned();
        if !base.ends_with('/') {
            // `https://o.github.io/repo` and `…/repo/index.html` name the same site.
            if base.ends_with(".html") {
                base.truncate(base.rfind('/').map_or(base.len(), |i| i + 1));
            } else {
                base.push('/');
            }
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .user_agent(concat!("vouch/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Box::new(Http { base, agent }))
    } else {
        let root = Path::new(site);
        let root =
            std::fs::canonicalize(root).with_context(|| format!("site folder {site} not found"))?;
        if !root.is_dir() {
            bail!("{site} is not a folder");
        }
        Ok(Box::new(Dir { root }))
    }
}

struct Check<'m> {
    label: &'static str,
    path: &'m str,
    url: &'m str,
    sha256: &'m str,
    size: u64,
}

/// Checks `site`; `Ok(true)` when everything matched.
pub fn run(site: &str, quiet: bool) -> Result<bool> {
    let source = open(site)?;
    let bytes = source.manifest()?;
    let manifest = match Manifest::parse(&bytes) {
        Ok(m) => m,
        Err(e) => {
            println!("invalid   manifest.json: {e}");
            println!(
                "vouch verify: FAILED: {}: manifest.json is not valid",
                source.describe()
            );
            return Ok(false);
        }
    };

    let checks: Vec<Check<'_>> = manifest
        .artifacts
        .iter()
        .map(|a| Check {
            label: "artifact",
            path: &a.path,
            url: &a.url,
            sha256: &a.sha256,
            size: a.size,
        })
        .chain(manifest.generated.iter().map(|g| Check {
            label: "generated",
            path: &g.path,
            url: &g.path,
            sha256: &g.sha256,
            size: g.size,
        }))
        .collect();

    let results: Vec<(Verdict, String)> = checks
        .par_iter()
        .map(|c| match source.hash(c.url) {
            Ok((sha, size)) => {
                let v = Verdict::judge(c.sha256, c.size, &sha, size);
                let detail = format!(
                    "expected sha256 {} ({} bytes), got {sha} ({size} bytes)",
                    c.sha256, c.size
                );
                (v, detail)
            }
            Err(why) => (Verdict::Missing, why),
        })
        .collect();

    let mut artifacts = Summary::new(manifest.artifacts.len());
    let mut generated = Summary::new(manifest.generated.len());
    for (c, (verdict, detail)) in checks.iter().zip(&results) {
        if c.label == "artifact" {
            artifacts.record(*verdict);
        } else {
            generated.record(*verdict);
        }
        if *verdict != Verdict::Verified {
            println!(
                "{:<9} {} {} ({}): {detail}",
                verdict.as_str(),
                c.label,
                c.path,
                c.url
            );
        }
    }
    let ok = artifacts.status() == "verified" && generated.status() == "verified";
    if ok {
        if !quiet {
            println!(
                "vouch verify: OK: all {} artifacts and {} generated files in {} match manifest.json (built {} by vouch {})",
                artifacts.total,
                generated.total,
                source.describe(),
                manifest.built_at,
                manifest.generator.version
            );
        }
    } else {
        println!(
            "vouch verify: FAILED: artifacts: {} verified, {} mismatched, {} missing of {}; generated files: {} verified, {} mismatched, {} missing of {}",
            artifacts.verified,
            artifacts.failed,
            artifacts.missing,
            artifacts.total,
            generated.verified,
            generated.failed,
            generated.missing,
            generated.total
        );
    }
    Ok(ok)
}
