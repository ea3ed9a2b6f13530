fn main() -> std::process::ExitCode {
    common::run::cli::main(lesson05::run)
}
