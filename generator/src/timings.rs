//! `vouch build --timings`: how long each stage of a build took, and the
//! most memory the build held, so a slow or large build shows where its
//! time and memory went.

use std::{
    fmt::Write as _,
    sync::Mutex,
    time::{Duration, Instant},
};

/// The stages of one build, each timed from where the one before it ended.
pub struct Timings {
    started: Instant,
    stages: Mutex<(Instant, Vec<Stage>)>,
}

/// One stage: its name, how long it took, and the peak memory of the
/// process when it ended (where the system tells it). The peak is never
/// reset (that would also hide it from `getrusage` and `time -v`, which
/// benchmarks read), so the stage where it rises is the one that held more.
type Stage = (&'static str, Duration, Option<u64>);

impl Default for Timings {
    fn default() -> Self {
        Self::new()
    }
}

impl Timings {
    pub fn new() -> Self {
        let now = Instant::now();
        Self {
            started: now,
            stages: Mutex::new((now, Vec::new())),
        }
    }

    /// Ends the stage `name`, begun where the last one ended (or at
    /// [`Timings::new`]).
    pub fn end(&self, name: &'static str) {
        let mut s = self.stages.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let took = now - s.0;
        s.0 = now;
        s.1.push((name, took, peak_memory()));
    }

    /// The time since [`Timings::new`].
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The stages in the order they ran, with their durations and the
    /// peak memory by the end of each.
    pub fn stages(&self) -> Vec<Stage> {
        self.stages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }

    /// The block `--timings` prints: a line per stage with the peak memory
    /// by its end, the total, and the peak memory, where the system tells
    /// them.
    pub fn report(&self) -> String {
        let stages = self.stages();
        let total = self.elapsed();
        let width = stages
            .iter()
            .map(|(n, _, _)| n.len())
            .max()
            .unwrap_or(0)
            .max(5);
        let mut out = String::from("timings:\n");
        for (name, took, peak) in &stages {
            let share = 100.0 * took.as_secs_f64() / total.as_secs_f64().max(f64::EPSILON);
            let _ = write!(
                out,
                "  {name:<width$}  {:>8.2} s  {share:>3.0}%",
                took.as_secs_f64()
            );
            if let Some(peak) = peak {
                let _ = write!(out, "  peak {:>10} by then", vouch_core::human_bytes(*peak));
            }
            out.push('\n');
        }
        let _ = write!(out, "  {:<width$}  {:>8.2} s", "total", total.as_secs_f64());
        if let Some(peak) = peak_memory() {
            let _ = write!(out, "\n  peak memory {}", vouch_core::human_bytes(peak));
        }
        out
    }
}

/// The most memory this process has held resident so far (Linux's
/// `VmHWM`); `None` where the system does not say.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_timed_in_order_and_add_up_to_at_most_the_total() {
        let t = Timings::new();
        std::thread::sleep(Duration::from_millis(20));
        t.end("load");
        t.end("audit");
        std::thread::sleep(Duration::from_millis(10));
        t.end("pages");
        let stages = t.stages();
        let names: Vec<_> = stages.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(names, ["load", "audit", "pages"]);
        assert!(stages[0].1 >= Duration::from_millis(20), "{stages:?}");
        assert!(stages[1].1 < Duration::from_millis(20), "{stages:?}");
        assert!(stages[2].1 >= Duration::from_millis(10), "{stages:?}");
        let report = t.report();
        let lines: Vec<_> = report.lines().collect();
        assert_eq!(lines[0], "timings:");
        assert!(lines[1].trim_start().starts_with("load "), "{report}");
        assert!(lines[4].trim_start().starts_with("total "), "{report}");
        let sum: f64 = stages.iter().map(|(_, d, _)| d.as_secs_f64()).sum();
        assert!(sum <= t.started.elapsed().as_secs_f64());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn peak_memory_is_read_on_linux() {
        // Other tests in this process raise the peak too, at any time:
        // what holds whatever they do is that 64 MiB written is resident.
        let held = vec![1u8; 64 << 20];
        std::hint::black_box(&held);
        let after = peak_memory().expect("VmHWM");
        assert!(after >= 64 << 20, "{after}");
    }

    /// Each stage's line tells the peak by its end, which a stage that
    /// held more raises, and which later stages never lower. (Absolute:
    /// other tests in this process raise the peak too.)
    #[cfg(target_os = "linux")]
    #[test]
    fn each_stage_tells_the_peak_memory_by_its_end() {
        let t = Timings::new();
        t.end("small");
        let held = vec![1u8; 96 << 20];
        std::hint::black_box(&held);
        drop(held);
        t.end("big");
        t.end("after");
        let peaks: Vec<u64> = t.stages().iter().map(|s| s.2.expect("peak")).collect();
        assert!(peaks[1] >= 96 << 20 && peaks[1] >= peaks[0], "{peaks:?}");
        assert!(peaks[2] >= peaks[1], "{peaks:?}");
        let report = t.report();
        let line = report.lines().nth(2).expect("the big stage's line");
        assert!(
            line.trim_start().starts_with("big ") && line.ends_with(" by then"),
            "{report}"
        );
    }
}
