//! How the commands that run for a while show their progress: on a terminal, a bar with the
//! rate and an estimate of the time left (indicatif); otherwise (a log, a pipe, cron) a plain
//! line every few seconds with the same figures.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often a plain line is written when the output is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// One command's progress, step by step (a step has its own total).
pub struct Progress {
    bar: Option<ProgressBar>,
    /// What is counted: "clients", "services", "accounts".
    unit: &'static str,
    step: String,
    step_started: Instant,
    last_line: Option<Instant>,
}

impl Progress {
    /// A bar on standard error when it is a terminal, else plain lines there.
    pub fn new(unit: &'static str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{msg} [{bar:30}] {human_pos}/{human_len} {per_sec} · {eta} left",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Progress {
            bar,
            unit,
            step: String::new(),
            step_started: Instant::now(),
            last_line: None,
        }
    }

    /// `done` of `total` are done in `step`.
    pub fn update(&mut self, step: &str, done: u64, total: u64) {
        if step != self.step {
            self.step = step.to_owned();
            self.step_started = Instant::now();
            self.last_line = None;
            if let Some(bar) = &self.bar {
                bar.reset();
                bar.set_message(step.to_owned());
            }
        }
        match &self.bar {
            Some(bar) => {
                bar.set_length(total);
                bar.set_position(done);
            }
            None => {
                let due = self.last_line.is_none_or(|at| at.elapsed() >= LOG_EVERY);
                if due || done == total {
                    self.last_line = Some(Instant::now());
                    eprintln!(
                        "{}",
                        line(step, self.unit, done, total, self.step_started.elapsed())
                    );
                }
            }
        }
    }

    /// Clears the bar; the command then prints its summary.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A plain progress line: "billing: 12,000 of 100,000 services, 4,000 a second, about
/// 22 s left".
fn line(step: &str, unit: &str, done: u64, total: u64, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        done as f64 / seconds
    } else {
        0.0
    };
    let mut text = format!("{step}: {done} of {total} {unit}");
    if rate >= 1.0 {
        text.push_str(&format!(", {} a second", rate.round() as u64));
        if done < total {
            let left = (total - done) as f64 / rate;
            text.push_str(&format!(", about {} s left", left.ceil() as u64));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_line_has_the_rate_and_the_time_left() {
        assert_eq!(
            line("seeding", "clients", 500, 2000, Duration::from_secs(5)),
            "seeding: 500 of 2000 clients, 100 a second, about 15 s left"
        );
        assert_eq!(
            line("seeding", "clients", 2000, 2000, Duration::from_secs(20)),
            "seeding: 2000 of 2000 clients, 100 a second"
        );
        assert_eq!(
            line("billing", "services", 0, 10, Duration::ZERO),
            "billing: 0 of 10 services"
        );
    }
}
