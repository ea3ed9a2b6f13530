use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    common::cli::finish(lesson02::run(&lesson02::Args::parse()).map(|_| ()))
}
