//! Lesson 6 end to end: on the offline stand-ins against its reviewed snapshot, on two
//! copies of one model (where every measure must say "the same"), and its page in a real
//! browser.
//!
//! The snapshot was accepted after `lessons/06-two-vocabularies/crosscheck.py` recomputed
//! the same run from the stand-in files with numpy and scipy and agreed on every number it
//! holds: the shared tokens' ids and the counts and examples by kind (its own matching,
//! with Unicode properties from the `regex` package); CKA and its 100-shuffle null, shuffle
//! for shuffle (SplitMix64 rewritten in Python); RSA over all 149,757,471 pairs and over
//! every random subset by brute force, the 2,000-token sample's Pearson and Spearman with
//! np.corrcoef and scipy and its permutation p; precision@1 to @10 after scipy's
//! `orthogonal_procrustes`, plain and CSLS, by brute-force search, for the rotation fitted
//! on half the shared tokens and again on all of them (exercise 5); every token's neighbour
//! overlap by brute-force k-NN; each map's KL divergence recomputed exactly (within 1%);
//! the models' names, shapes and what each stands in for, the page's data and regions.
//! Every field of the report is compared there (scripts/crosscheck/check.py fails on one
//! that is not); tolerances are stated at the top of the script.

mod synthetic;

use course_tests::{
    assert_figures, assert_snapshot, chromium_or_skip, out_dir, page_dom, standin_args,
};
use lesson06::{Args, run};
use synthetic::{words, write_model};

#[test]
fn lesson06_report_on_the_standins() {
    let out = out_dir();
    let report = run(&standin_args::<Args>("lesson06", out.path(), &[])).unwrap();
    let r = &report.results;
    // Uncased BERT and cased GPT share most of BERT's lower-case words.
    assert!(r.shared.tokens > 15_000 && r.shared.word_initial > r.shared.continuation);
    // Both similarities are far above every shuffle of the tokens: p at its floor, 1/101.
    let cka = &r.similarity.cka;
    let test = cka.test.as_ref().unwrap();
    assert!(
        cka.value > 10.0 * test.null_max && test.p_value == 1.0 / 101.0,
        "{cka:?}"
    );
    assert_eq!(r.similarity.rsa_sample.score.p_value, Some(1.0 / 101.0));
    // The 2,000-token sample is large enough: its RSA is within 0.01 of all pairs'.
    assert!((r.similarity.rsa_sample.score.pearson - r.similarity.rsa_all).abs() < 0.01);
    // Small subsets scatter far more than large ones.
    let spread = |v: &[f64]| {
        v.iter().copied().fold(f64::MIN, f64::max) - v.iter().copied().fold(f64::MAX, f64::min)
    };
    let sizes = &r.similarity.by_size;
    assert!(spread(&sizes[0].rsa) > 3.0 * spread(&sizes[2].rsa));
    // A rotation finds most counterparts, and CSLS finds more.
    assert!(r.alignment.plain.at_1() > 0.5 && r.alignment.csls.at_1() > r.alignment.plain.at_1());
    // Fitted on the very tokens it is asked about, the rotation finds more of them.
    let all = &r.fitted_on_all;
    assert!(
        all.plain.at_1() > r.alignment.plain.at_1() && all.csls.at_1() > r.alignment.csls.at_1()
    );
    assert!(r.agreement.mean > 100.0 * r.agreement.chance);
    assert_figures(
        out.path(),
        &[
            "shared_tokens",
            "similarity_by_size",
            "alignment",
            "agreement",
        ],
    );
    assert!(
        out.path().join("compare.html").is_file() && out.path().join("compare-data.js").is_file()
    );
    let mut compact = report.to_json();
    // Long lists the cross-check compares one by one; the page's size in bytes.
    for (group, field) in [
        ("shared", "ids"),
        ("alignment", "test_tokens"),
        ("agreement", "overlaps"),
        ("compare", "data_bytes"),
    ] {
        compact[group].as_object_mut().unwrap().remove(field);
    }
    assert_snapshot("lesson06_report", &compact);
}

/// Two models in `a` and `b`: 150 shared words, 10 pieces and 3 words whose text is markup, `b` a copy
/// of `a` when `copy`, else its own vectors at another width.
fn pair(copy: bool) -> (tempfile::TempDir, tempfile::TempDir) {
    let (a, b) = (out_dir(), out_dir());
    let mut shared = words("w", 150);
    shared.extend(["<b>bold</b>", "</script><i>x", "&amp;"].map(String::from));
    write_model(a.path(), &shared, 8, 1);
    if copy {
        for file in ["vocab.txt", "model.safetensors"] {
            std::fs::copy(a.path().join(file), b.path().join(file)).unwrap();
        }
    } else {
        write_model(b.path(), &shared, 6, 2);
    }
    (a, b)
}

fn small_run(
    a: &tempfile::TempDir,
    b: &tempfile::TempDir,
    out: &std::path::Path,
) -> lesson06::Results {
    let args = [
        "--a",
        a.path().to_str().unwrap(),
        "--b",
        b.path().to_str().unwrap(),
        "--permutations",
        "19",
        "--rsa-tokens",
        "100",
        "--perplexity",
        "10",
    ];
    run(&standin_args::<Args>("lesson06", out, &args))
        .unwrap()
        .results
}

#[test]
fn two_copies_of_one_model_agree_everywhere() {
    let (a, b) = pair(true);
    let out = out_dir();
    let r = small_run(&a, &b, out.path());
    assert_eq!(r.shared.tokens, 163);
    assert!((r.similarity.cka.value - 1.0).abs() < 1e-9);
    assert!((r.similarity.rsa_all - 1.0).abs() < 1e-9);
    assert!((r.similarity.rsa_sample.score.pearson - 1.0).abs() < 1e-9);
    assert_eq!(r.similarity.cka.test.as_ref().unwrap().p_value, 0.05);
    assert_eq!(
        (r.alignment.plain.at_1(), r.alignment.csls.at_1()),
        (1.0, 1.0)
    );
    assert_eq!(
        r.agreement.distribution.last(),
        Some(&163),
        "every token keeps all its neighbours"
    );
}

#[test]
fn compare_html_opens_on_a_deep_link_and_links_both_maps() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let (a, b) = pair(false);
    let out = out_dir();
    let r = small_run(&a, &b, out.path());
    let page = out.path().join("compare.html");
    let dom = |fragment: &str| -> String { page_dom(&browser, &page, fragment, (1400, 820)) };
    let status = |dom: &str| -> String {
        let start = dom
            .find("<div id=\"status\"")
            .expect("the page has a status");
        dom[start..start + dom[start..].find('>').unwrap()].to_string()
    };
    // The markup token, linked: selected, found under the pointer in the left map and
    // marked in both, its ten neighbours listed in each model, as text.
    let linked = dom("token=%3Cb%3Ebold%3C%2Fb%3E&selftest");
    let s = status(&linked);
    assert!(
        s.contains("data-errors=\"\"") && s.contains("data-done=\"yes\""),
        "{s}"
    );
    assert!(
        s.contains("data-selected=\"&lt;b&gt;bold&lt;/b&gt;\""),
        "{s}"
    );
    assert!(
        s.contains("data-hovered=\"&lt;b&gt;bold&lt;/b&gt;\""),
        "{s}"
    );
    assert!(
        s.contains("data-list0=\"10\"") && s.contains("data-list1=\"10\""),
        "{s}"
    );
    let i = 160; // the markup token, after the 150 words and 10 pieces
    assert!(
        s.contains(&format!("data-both=\"{}\"", r.agreement.overlaps[i])),
        "{s}"
    );
    assert!(s.contains("data-legend-totals=\"163 163 163 163\""), "{s}");
    assert!(
        !linked.contains("<b>bold") && !linked.contains("<i>x"),
        "token text became markup"
    );
    // A link to a token not on the maps says so.
    let missing = dom("token=nowhere");
    assert!(missing.contains("not on these maps: nowhere"));
    assert!(status(&missing).contains("data-errors=\"\""));
}
