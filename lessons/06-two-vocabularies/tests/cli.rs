//! Lesson 6 on inputs that are not two ordinary models: each a correct result or a
//! one-line error.

mod synthetic;

use std::path::Path;
use std::process::Output;

use course_tests::{one_line_error, out_dir, run_binary};
use synthetic::{words, write_model};

fn lesson(args: &[&str]) -> Output {
    run_binary(env!("CARGO_BIN_EXE_lesson06"), args)
}

fn with_out(out: &Path, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--out", out.to_str().unwrap()]);
    lesson(&all)
}

/// Lesson 6 on the models in folders `a` and `b`, into `out`.
fn compare(a: &Path, b: &Path, out: &Path) -> Output {
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    with_out(out, &["--a", a, "--b", b])
}

#[test]
fn a_model_given_twice_is_a_usage_error() {
    let out = lesson(&["--a", "gpt2", "--b", "gpt2"]);
    assert_eq!(out.status.code(), Some(2));
    let error = one_line_error(&out);
    assert!(error.contains("--a and --b both name gpt2"), "{error}");
}

#[test]
fn two_models_with_no_shared_token_are_one_line() {
    let (a, b, out) = (out_dir(), out_dir(), out_dir());
    write_model(a.path(), &words("alpha", 150), 8, 1);
    write_model(b.path(), &words("beta", 150), 6, 2);
    let output = compare(a.path(), b.path(), out.path());
    assert_eq!(output.status.code(), Some(1));
    let error = one_line_error(&output);
    assert!(error.contains("share no token"), "{error}");
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn two_models_sharing_one_token_are_one_line_naming_it() {
    let (a, b, out) = (out_dir(), out_dir(), out_dir());
    let mut theirs = words("beta", 150);
    theirs.push("alpha007".into());
    write_model(a.path(), &words("alpha", 150), 8, 1);
    write_model(b.path(), &theirs, 6, 2);
    let output = compare(a.path(), b.path(), out.path());
    assert_eq!(output.status.code(), Some(1));
    let error = one_line_error(&output);
    assert!(
        error.contains("share 1 token (`alpha007`)")
            && error.contains("at least 100 shared tokens"),
        "{error}"
    );
}

#[test]
fn flags_out_of_range_are_usage_errors() {
    for args in [
        &["--k", "0"][..],
        &["--rsa-tokens", "2"],
        &["--iterations", "100"],
        &["--map-tokens", "50"],
        &["--map-tokens", "200", "--perplexity", "300"],
        // Unbounded, this ran with no end: each shuffle recomputes CKA over every shared
        // token, and compares every pair of the RSA sample.
        &["--permutations", "18446744073709551615"],
        &["--permutations", "10001"],
    ] {
        let out = lesson(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        one_line_error(&out);
    }
}

#[test]
fn the_permutation_tests_are_bounded_before_any_work() {
    // What is checked: shuffles × pairs of the RSA sample past about a minute's work is
    // refused before a model loads, naming the largest --permutations that fits (10^10
    // pairs over 2,000 tokens' 1,999,000 pairs: 5,002).
    let out = lesson(&["--permutations", "10000"]);
    assert_eq!(out.status.code(), Some(2));
    let error = one_line_error(&out);
    assert!(
        error.contains("--permutations 10000 with 2000 RSA tokens")
            && error.contains("the largest --permutations for 2000 RSA tokens is 5002"),
        "{error}"
    );
}
