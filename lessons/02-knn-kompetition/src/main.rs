fn main() -> std::process::ExitCode {
    common::run::cli::main(lesson02::run)
}
