use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    common::cli::finish(lesson03::run(&lesson03::Args::parse()).map(|_| ()))
}
