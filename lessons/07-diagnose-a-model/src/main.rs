fn main() -> std::process::ExitCode {
    common::run::cli::main(lesson07::run)
}
