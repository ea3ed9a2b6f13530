fn main() -> std::process::ExitCode {
    common::run::cli::main(lesson03::run)
}
