//! Progress: an indicatif bar on a terminal; otherwise a log line every ~5% with draws/s and ETA
//! (indicatif draws nothing when stderr is not a terminal, and CI and cluster logs need a trace);
//! nothing at all with `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// Progress reporting for `total` draws.
pub struct Progress {
    bar: Option<ProgressBar>,
    log: bool,
    total: u64,
    done: u64,
    next_log: u64,
    start: Instant,
}

impl Progress {
    /// A bar (terminal), log lines (not a terminal) or nothing (`quiet`).
    #[must_use]
    pub fn new(total: u64, quiet: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} draws ({per_sec}, ETA {eta})",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            log: !quiet && !terminal,
            total,
            done: 0,
            next_log: total.div_ceil(20).max(1),
            start: Instant::now(),
        }
    }

    /// `n` more draws are done.
    pub fn advance(&mut self, n: u64) {
        self.done += n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
        if self.log && self.done >= self.next_log {
            let secs = self.start.elapsed().as_secs_f64().max(1e-9);
            let rate = self.done as f64 / secs;
            let eta = (self.total - self.done.min(self.total)) as f64 / rate.max(1e-9);
            eprintln!(
                "progress: {}/{} draws ({:.0}%), {:.0} draws/s, ETA {:.0} s",
                self.done,
                self.total,
                100.0 * self.done as f64 / self.total.max(1) as f64,
                rate,
                eta
            );
            let step = self.total.div_ceil(20).max(1);
            while self.next_log <= self.done {
                self.next_log += step;
            }
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
