use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    common::cli::finish(lesson05::run(&lesson05::Args::parse()).map(|_| ()))
}
