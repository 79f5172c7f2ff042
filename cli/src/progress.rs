//! Progress on stderr: an indicatif bar when stderr is a terminal (done,
//! rate, and the time left when the total is known), plain lines at most
//! every few seconds when it is not (a log, CI), and one summary line at
//! the end of every job.
//!
//! [`Progress`] is shared by the threads of a job (`&self` everywhere).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a plain progress line is written, at most.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// The progress of one job.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    done: AtomicU64,
    /// 0 while the total is unknown.
    total: AtomicU64,
    last_line: Mutex<Instant>,
    /// What the job is doing, as a progress line starts: `"exporting"`.
    doing: String,
}

impl Progress {
    /// Starts the progress of a job `doing` (`"exporting"`), with its total
    /// when known.
    pub fn start(doing: &str, total: Option<u64>) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            bar.set_style(style(total.is_some()));
            bar.set_prefix(doing.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let started = Instant::now();
        Progress {
            bar,
            started,
            done: AtomicU64::new(0),
            total: AtomicU64::new(total.unwrap_or(0)),
            last_line: Mutex::new(started),
            doing: doing.to_string(),
        }
    }

    /// Counts `n` more items done.
    pub fn inc(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None => self.line(done),
        }
    }

    /// Writes a line on stderr above the bar.
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// The time since the job started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Clears the bar and writes the job's one summary line.
    pub fn finish(&self, summary: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!("{summary}");
    }

    /// `in 0.40 s (7500/s)` for `count` items over the job's time so far.
    pub fn timing(&self, count: u64) -> String {
        let secs = self.elapsed().as_secs_f64().max(1e-6);
        format!("in {} s ({:.0}/s)", seconds(secs), count as f64 / secs)
    }

    /// A plain progress line, at most every [`LINE_EVERY`].
    fn line(&self, done: u64) {
        let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() < LINE_EVERY {
            return;
        }
        *last = Instant::now();
        let secs = self.elapsed().as_secs_f64().max(1e-6);
        let rate = done as f64 / secs;
        let total = self.total.load(Ordering::Relaxed);
        match total {
            0 => eprintln!("{}: {done} so far ({rate:.0}/s)", self.doing),
            total => {
                let left = total.saturating_sub(done) as f64 / rate.max(1e-6);
                eprintln!(
                    "{}: {done} of {total} ({rate:.0}/s, about {} s left)",
                    self.doing,
                    left.ceil()
                );
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar
            && !bar.is_finished()
        {
            bar.finish_and_clear();
        }
    }
}

/// The bar's look: with a total, a bar with the time left; without, a
/// spinner with the count and the rate.
fn style(with_total: bool) -> ProgressStyle {
    let template = match with_total {
        true => {
            "{spinner} {prefix} [{bar:30}] {human_pos}/{human_len} ({per_sec}, {eta} left, {elapsed})"
        }
        false => "{spinner} {prefix} {human_pos} ({per_sec}, {elapsed})",
    };
    ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// Seconds as a summary shows them: `0.42`, `12.3`, `125`.
pub fn seconds(secs: f64) -> String {
    match secs {
        s if s < 10.0 => format!("{s:.2}"),
        s if s < 100.0 => format!("{s:.1}"),
        s => format!("{s:.0}"),
    }
}
