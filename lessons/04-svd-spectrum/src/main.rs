fn main() -> std::process::ExitCode {
    common::run::cli::main(lesson04::run)
}
