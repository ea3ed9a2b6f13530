use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    common::cli::finish(lesson01::run(&lesson01::Args::parse()).map(|_| ()))
}
