use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    common::cli::finish(lesson04::run(&lesson04::Args::parse()).map(|_| ()))
}
