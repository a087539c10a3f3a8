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
    /// How many were done when the step was first reported: the rate counts from there.
    step_done: u64,
    last_line: Option<Instant>,
}

impl Progress {
    /// A bar on standard error when it is a terminal, else plain lines there.
    pub fn new(unit: &'static str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{msg} [{bar:30}] {human_pos}/{human_len} {rate} · {eta} left",
            ) {
                let style = style.with_key(
                    "rate",
                    |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                        let _ = write!(out, "{:.0}/s", state.per_sec());
                    },
                );
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Progress {
            bar,
            unit,
            step: String::new(),
            step_started: Instant::now(),
            step_done: 0,
            last_line: None,
        }
    }

    /// `done` of `total` are done in `step`.
    pub fn update(&mut self, step: &str, done: u64, total: u64) {
        if step != self.step {
            self.step = step.to_owned();
            self.step_started = Instant::now();
            self.step_done = done;
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
                    let counted = done.saturating_sub(self.step_done);
                    eprintln!(
                        "{}",
                        line(
                            step,
                            self.unit,
                            done,
                            total,
                            counted,
                            self.step_started.elapsed()
                        )
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

/// A plain progress line: "billing: 12000 of 100000 services, 4000 a second, about 22 s
/// left". The rate is of the `counted` done in `elapsed`, shown after a second's work.
fn line(step: &str, unit: &str, done: u64, total: u64, counted: u64, elapsed: Duration) -> String {
    let mut text = format!("{step}: {done} of {total} {unit}");
    let seconds = elapsed.as_secs_f64();
    if seconds >= 1.0 && counted > 0 {
        let rate = counted as f64 / seconds;
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
            line("seeding", "clients", 500, 2000, 500, Duration::from_secs(5)),
            "seeding: 500 of 2000 clients, 100 a second, about 15 s left"
        );
        assert_eq!(
            line(
                "seeding",
                "clients",
                2000,
                2000,
                2000,
                Duration::from_secs(20)
            ),
            "seeding: 2000 of 2000 clients, 100 a second"
        );
        // The first report, before a second of work: no rate to speak of yet.
        assert_eq!(
            line(
                "seeding",
                "clients",
                1000,
                3000,
                0,
                Duration::from_millis(2)
            ),
            "seeding: 1000 of 3000 clients"
        );
    }
}
