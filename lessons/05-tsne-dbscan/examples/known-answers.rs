//! Point sets whose structure is known, mapped by lesson 5's t-SNE at distill's
//! perplexities (`lesson05::known_answers`): `cargo run -p lesson05 --example known-answers`.
fn main() -> std::process::ExitCode {
    common::run::cli::main(lesson05::known_answers::run)
}
