fn main() -> std::process::ExitCode {
    common::run::cli::main(lesson01::run)
}
