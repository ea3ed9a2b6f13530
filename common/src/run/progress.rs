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
