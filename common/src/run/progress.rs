//! Progress on the terminal for work whose time grows with a flag (shuffles, draws): what
//! is done, of how much, and the time left, so a long run shows it is running and how
//! long it will take. Drawn on stderr, and only when it is a terminal.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for `total` steps of `what` ("permutation test", "random draws"); advance it with
/// `set_position`, end it with `finish_and_clear`.
pub fn bar(total: u64, what: &str) -> ProgressBar {
    let template = format!("{what} {{bar:40}} {{pos}}/{{len}}, {{eta}} left");
    ProgressBar::new(total).with_style(
        ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    )
}

/// Runs `work` with a bar for `total` steps of `what`: `work` is given the function to call
/// with the steps done so far; the bar is cleared when it returns.
pub fn shown<T>(total: usize, what: &str, work: impl FnOnce(&dyn Fn(usize)) -> T) -> T {
    let bar = bar(total as u64, what);
    let result = work(&|done| bar.set_position(done as u64));
    bar.finish_and_clear();
    result
}
