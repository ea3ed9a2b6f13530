fn main() -> std::process::ExitCode {
    common::run::cli::main(lesson06::run)
}
