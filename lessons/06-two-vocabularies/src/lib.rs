//! Lesson 6 — two models, one vocabulary (beyond the course's notebooks): lessons 2 and 3
//! compare BERT and GPT on one word and on 18; this lesson compares any two models over
//! every token they share — how alike their geometries are (CKA, RSA), whether one space
//! can be rotated onto the other (Procrustes), and, token by token, whether the two models
//! give it the same neighbours — and draws both maps side by side in `compare.html`.

mod args;
mod figures;
mod results;

use std::collections::HashMap;

use anyhow::{Result, bail};
use common::analysis::cka::{centred, cka_test};
use common::analysis::communities::named_regions;
use common::analysis::csls::{CounterpartRanks, counterpart_ranks, precision_at};
use common::analysis::mutual_knn::{chance_overlap, neighbour_overlap};
use common::analysis::neighbours::{Neighbours, knn_graph, unit_length_rows};
use common::analysis::permutation::shuffled_correspondences;
use common::analysis::procrustes::orthogonal_procrustes;
use common::analysis::rsa::{cosine_similarity_matrix, pearson_rsa_of_rows, permutation_test, rsa};
use common::analysis::shared_tokens::{SharedTokens, TokenKey, entries, match_vocabularies};
use common::analysis::tsne::{Init, Method, TsneOptions, TsneResult, tsne};
use common::model::{display_text, token_text};
use common::plot::compare::{CompareMaps, write_compare};
use common::plot::own_label;
use common::rng::SeededRng;
use common::tensor::products::mapped_rows;
use common::text::terminal;
use common::{Device, Matrix, Model, Report, Session};

pub use args::{Args, DEFAULT_A, DEFAULT_B, LESSON3_WORDS};
pub use results::*;

pub const LESSON: &str = "06-two-vocabularies";

/// The fewest shared tokens worth comparing: the maps' t-SNE (perplexity 30 keeps 91
/// neighbours of each token) and precision@10 among the candidates need a hundred.
pub const MIN_SHARED: usize = 100;
/// Sizes of the random subsets each similarity is also measured on.
pub const SUBSET_SIZES: [usize; 3] = [100, 1_000, 10_000];
/// The largest k of precision@k: a counterpart among the ten nearest candidates.
pub const TOP_K: usize = 10;

/// Each random choice draws from its own stream of `--seed`, so changing one step (more
/// draws, say) leaves the others' choices as they were.
#[derive(Clone, Copy)]
enum Stream {
    RsaSample = 1,
    Subsets = 2,
    Split = 3,
    CkaNull = 4,
    RsaNull = 5,
    MapSample = 6,
    Regions = 7,
    WordsCka = 8,
    WordsRsa = 9,
}

/// `--seed`, from which each [`Stream`] is drawn.
#[derive(Clone, Copy)]
struct Seeds(u64);

impl Seeds {
    fn of(self, stream: Stream) -> u64 {
        self.0.wrapping_add(stream as u64)
    }
}

pub fn run(args: &Args) -> Result<Report<Results>> {
    let session = Session::start(LESSON, &args.common, args.budget())?;
    let seeds = Seeds(session.seed());
    let models: [Model; 2] = session
        .load(&[(&args.a, DEFAULT_A), (&args.b, DEFAULT_B)])?
        .try_into()
        .map_err(|_| anyhow::anyhow!("expected two models"))?;
    let labels = models.each_ref().map(own_label);
    let k = args.k as usize;

    // 1. Shared tokens: the same text in the same place in a word, in both vocabularies
    // ANCHOR: shared
    session.section("1. Shared tokens");
    let vocabularies = [entries(&models[0])?, entries(&models[1])?];
    let [a, b] = &vocabularies;
    let shared = match_vocabularies(a, b, args.fold_case);
    ensure_enough(&shared, &labels, args)?;
    let n = shared.tokens.len();
    let vectors = [0, 1].map(|side| {
        let ids: Vec<usize> = shared.tokens.iter().map(|t| t.ids[side]).collect();
        models[side].embeddings.select_rows(&ids)
    });
    let shared_summary = session.show(SharedSummary::new(&shared, &labels));
    session.figure(figures::shared_tokens(&shared_summary), "shared_tokens")?;
    // ANCHOR_END: shared

    // 2. Similarity of the two geometries over every shared token, on a sample, and on
    // random subsets of 100, 1,000 and 10,000 tokens
    // ANCHOR: similarity
    session.section("2. Similarity of the two geometries");
    let [a, b] = &vectors;
    let cka = cka_test(a, b, args.permutations, seeds.of(Stream::CkaNull))?;
    let rsa_all = pearson_rsa_of_rows(a, b)?;
    let rsa_sample = rsa_on_sample(&vectors, args, &session)?;
    let draws = args.draws as usize;
    let by_size = subsets(&vectors, draws, seeds.of(Stream::Subsets))?;
    let words = words_subset(
        &args.words(),
        &shared,
        &vectors,
        args.permutations,
        &session,
    )?;
    let similarity = session.show(Similarity {
        tokens: n,
        labels: labels.clone(),
        cka,
        rsa_all,
        rsa_sample,
        by_size,
        words,
    });
    session.figure(
        figures::similarity_by_size(&similarity),
        "similarity_by_size",
    )?;
    // ANCHOR_END: similarity

    // 3. Alignment: a rotation fitted on half the shared tokens, tested on the other half
    // ANCHOR: alignment
    session.section("3. Alignment");
    let split = seeds.of(Stream::Split);
    let alignment = session.show(align(&vectors, &labels, k, split)?);
    session.figure(figures::alignment(&alignment), "alignment")?;
    // ANCHOR_END: alignment

    // 4. Agreement per token: how many of a token's k nearest shared tokens are the same
    // in both models; the two t-SNE maps, whose neighbour graphs these are
    // ANCHOR: agreement
    session.section("4. Agreement per token");
    let unit = [
        unit_length_rows(&vectors[0])?,
        unit_length_rows(&vectors[1])?,
    ];
    let on_map = map_tokens(n, args.map_tokens, seeds.of(Stream::MapSample));
    let device = session.device();
    let draw = |s: usize| draw_map(&unit[s], &on_map, &labels[s], args, device);
    let maps = [draw(0)?, draw(1)?];
    let list = |s: usize| neighbour_lists(&unit[s], &maps[s], &on_map, k, device);
    let lists = [list(0)?, list(1)?];
    let overlaps = neighbour_overlap(&indices(&lists[0]), &indices(&lists[1]), k)?;
    let chance = chance_overlap(n, k);
    let agreement = session.show(Agreement::new(&shared, &overlaps, k, chance));
    session.figure(figures::agreement(&agreement, &shared_summary), "agreement")?;
    // ANCHOR_END: agreement

    // The two maps side by side, linked, with every shared token's neighbours in both
    session.section("The two maps, linked");
    let compare = compare_page(
        &models, &shared, &on_map, &maps, &lists, &overlaps, &labels, args, &session,
    )?;
    session.show(&compare);

    // Exercise 5's rerun: W fitted on every shared token, step 3's held-out half among
    // them, and the same held-out tokens asked again (the centred spaces made again:
    // kept from step 3 through step 4's maps, they would double the matrices' memory)
    // ANCHOR: fitted_on_all
    session.section("Exercise 5: W fitted on every shared token");
    let all: Vec<usize> = (0..n).collect();
    let asked = &alignment.test_tokens;
    let ranks = counterparts(&Spaces::of(&vectors)?, &all, asked, k)?;
    let fitted_on_all = FittedOnAll {
        train: all.len(),
        test: asked.len(),
        plain: at_k(&ranks.plain),
        csls: at_k(&ranks.csls),
    };
    session.show(fitted_on_all.beside(&alignment));
    // ANCHOR_END: fitted_on_all
    session.finish(Results {
        models: [0, 1].map(|side| ModelInfo::new(&models[side], &labels[side])),
        shared: shared_summary,
        similarity,
        alignment,
        agreement,
        compare,
        fitted_on_all,
    })
}

/// Fewer shared tokens than [`MIN_SHARED`] is a one-line error naming them.
fn ensure_enough(shared: &SharedTokens, labels: &[String; 2], args: &Args) -> Result<()> {
    let n = shared.tokens.len();
    if n >= MIN_SHARED && (args.k as usize) < n && args.perplexity < n as f64 {
        return Ok(());
    }
    let fold = if args.fold_case {
        ""
    } else {
        " (if one of them is uncased, --fold-case may find more)"
    };
    let which: Vec<String> = shared
        .tokens
        .iter()
        .take(5)
        .map(|t| format!("`{}`", terminal(&t.key.label())))
        .collect();
    match n {
        0 => bail!(
            "{} and {} share no token: no token of one is written the same way, in the same place in a word, in the other{fold}; compare two models whose vocabularies overlap",
            labels[0],
            labels[1]
        ),
        n if n < MIN_SHARED => bail!(
            "{} and {} share {n} token{} ({}{}); comparing two geometries needs at least {MIN_SHARED} shared tokens{fold}",
            labels[0],
            labels[1],
            if n == 1 { "" } else { "s" },
            which.join(", "),
            if n > 5 { ", …" } else { "" }
        ),
        n => bail!(
            "{n} shared tokens are too few for --k {} and --perplexity {}: both must be below the number of shared tokens",
            args.k,
            args.perplexity
        ),
    }
}

/// `count` of `0..n`, drawn without replacement from `rng`, in increasing order.
fn sample(n: usize, count: usize, rng: &mut SeededRng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    order.truncate(count);
    order.sort_unstable();
    order
}

/// RSA as lesson 3 computes it — every pair of a sample of the shared tokens, Pearson and
/// Spearman, with its permutation test — on `--rsa-tokens` tokens.
fn rsa_on_sample(vectors: &[Matrix; 2], args: &Args, session: &Session) -> Result<RsaSample> {
    let seeds = Seeds(session.seed());
    let n = vectors[0].rows();
    let tokens = sample(
        n,
        (args.rsa_tokens as usize).min(n),
        &mut SeededRng::new(seeds.of(Stream::RsaSample)),
    );
    let similarity = [0, 1].map(|side| {
        cosine_similarity_matrix(&vectors[side].select_rows(&tokens), session.device())
    });
    let [a, b] = similarity;
    let (a, b) = (a?, b?);
    let score = rsa(&a, &b)?;
    let score = permutation_test(
        &a,
        &b,
        score,
        args.permutations,
        seeds.of(Stream::RsaNull),
        |_| {},
    );
    Ok(RsaSample {
        tokens: tokens.len(),
        score,
    })
}

/// CKA and Pearson RSA on `draws` random subsets of each size in [`SUBSET_SIZES`] below
/// the number of shared tokens (subsets of one size from one shuffle each).
fn subsets(vectors: &[Matrix; 2], draws: usize, seed: u64) -> Result<Vec<SubsetScores>> {
    let n = vectors[0].rows();
    let mut rng = SeededRng::new(seed);
    SUBSET_SIZES
        .iter()
        .filter(|&&size| size < n)
        .map(|&size| {
            let mut scores = SubsetScores {
                tokens: size,
                cka: Vec::new(),
                cka_chance: Vec::new(),
                rsa: Vec::new(),
            };
            for _ in 0..draws {
                let ids = sample(n, size, &mut rng);
                let [a, b] = [0, 1].map(|side| vectors[side].select_rows(&ids));
                let cka = cka_test(&a, &b, 0, 0)?;
                scores.cka.push(cka.value);
                scores.cka_chance.push(cka.chance);
                scores.rsa.push(pearson_rsa_of_rows(&a, &b)?);
            }
            Ok(scores)
        })
        .collect()
}

/// CKA and RSA over `words` taken as word-initial shared tokens (lesson 3's 18 words by
/// default), each with its permutation test; words that are not shared tokens are listed.
fn words_subset(
    words: &[String],
    shared: &SharedTokens,
    vectors: &[Matrix; 2],
    permutations: usize,
    session: &Session,
) -> Result<WordsSubset> {
    let seeds = Seeds(session.seed());
    let position = |word: &str| {
        let key = TokenKey {
            text: if shared.fold_case {
                word.to_lowercase()
            } else {
                word.to_string()
            },
            word_initial: true,
        };
        shared.tokens.iter().position(|t| t.key == key)
    };
    let (mut found, mut missing, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for word in words {
        match position(word) {
            Some(i) if !rows.contains(&i) => {
                found.push(word.clone());
                rows.push(i);
            }
            _ => missing.push(word.clone()),
        }
    }
    if rows.len() < 3 {
        return Ok(WordsSubset {
            shared: found,
            missing,
            cka: None,
            rsa: None,
        });
    }
    let [a, b] = [0, 1].map(|side| vectors[side].select_rows(&rows));
    let cka = cka_test(&a, &b, permutations, seeds.of(Stream::WordsCka))?;
    let rsa = pearson_rsa_of_rows(&a, &b)?;
    let test = shuffled_correspondences(
        rows.len(),
        permutations,
        seeds.of(Stream::WordsRsa),
        rsa,
        |order| pearson_rsa_of_rows(&a, &b.select_rows(order)),
    )?;
    Ok(WordsSubset {
        shared: found,
        missing,
        cka: Some(cka),
        rsa: Some(RsaOfRows { value: rsa, test }),
    })
}

/// The two spaces as Procrustes takes them: the narrower (`from`; the first when equally
/// wide) is mapped into the wider (`to`), both centred and every row at unit length.
struct Spaces {
    from: usize,
    to: usize,
    source: Matrix,
    target: Matrix,
}

impl Spaces {
    fn of(vectors: &[Matrix; 2]) -> Result<Spaces> {
        let from = usize::from(vectors[0].cols() > vectors[1].cols());
        let to = 1 - from;
        let prepared = |side: usize| unit_length_rows(&centred(&vectors[side])?);
        Ok(Spaces {
            from,
            to,
            source: prepared(from)?,
            target: prepared(to)?,
        })
    }
}

/// Orthogonal Procrustes (6.5) fitted on the shared tokens `fit`; each of `queries`, mapped,
/// then ranks its counterpart among all shared tokens of the target space, by cosine and
/// by CSLS (6.6) with neighbourhoods of `k`.
fn counterparts(
    spaces: &Spaces,
    fit: &[usize],
    queries: &[usize],
    k: usize,
) -> Result<CounterpartRanks> {
    let (source, target) = (&spaces.source, &spaces.target);
    // ANCHOR: fit
    let fit_from = source.select_rows(fit);
    let fit_to = target.select_rows(fit);
    let w = orthogonal_procrustes(&fit_from, &fit_to)?;
    let mapped = mapped_rows(source, &w)?;
    let asked = mapped.select_rows(queries);
    counterpart_ranks(&asked, &mapped, target, queries, k)
    // ANCHOR_END: fit
}

/// Precision@1 to @[`TOP_K`] from each query's rank of its counterpart.
fn at_k(ranks: &[usize]) -> AtK {
    AtK {
        by_k: (1..=TOP_K).map(|top| precision_at(ranks, top)).collect(),
    }
}

/// Step 3: the map fitted on a seeded half of the shared tokens; each token of the other
/// half looks for its counterpart among all shared tokens.
fn align(vectors: &[Matrix; 2], labels: &[String; 2], k: usize, seed: u64) -> Result<Alignment> {
    let n = vectors[0].rows();
    let spaces = Spaces::of(vectors)?;
    let mut order: Vec<usize> = (0..n).collect();
    SeededRng::new(seed).shuffle(&mut order);
    let (train, test) = order.split_at(n / 2);
    let (mut train, mut test) = (train.to_vec(), test.to_vec());
    train.sort_unstable();
    test.sort_unstable();
    let ranks = counterparts(&spaces, &train, &test, k)?;
    let (from, to) = (spaces.from, spaces.to);
    Ok(Alignment {
        from: labels[from].clone(),
        to: labels[to].clone(),
        widths: [vectors[from].cols(), vectors[to].cols()],
        train: train.len(),
        test: test.len(),
        candidates: n,
        k,
        plain: at_k(&ranks.plain),
        csls: at_k(&ranks.csls),
        chance_at_1: 1.0 / n as f64,
        test_tokens: test,
    })
}

/// The shared tokens on the maps (indices into the shared tokens): all, or a seeded
/// sample of `--map-tokens`.
fn map_tokens(n: usize, requested: Option<u64>, seed: u64) -> Vec<usize> {
    match requested {
        Some(count) if (count as usize) < n => sample(n, count as usize, &mut SeededRng::new(seed)),
        _ => (0..n).collect(),
    }
}

/// One model's t-SNE map of the shared tokens `on_map` (lesson 5's t-SNE, FFT-accelerated,
/// on unit-length vectors so that the map keeps the cosine neighbourhoods the agreement
/// counts), with a progress bar.
fn draw_map(
    unit: &Matrix,
    on_map: &[usize],
    label: &str,
    args: &Args,
    device: &Device,
) -> Result<TsneResult> {
    let options = TsneOptions {
        perplexity: args.perplexity,
        iterations: args.iterations as usize,
        method: Method::Fft,
        angle: 0.5,
        init: Init::Pca,
    };
    let bar = indicatif::ProgressBar::new(options.iterations as u64).with_style(
        indicatif::ProgressStyle::with_template(&format!(
            "t-SNE of {} {{bar:30}} {{pos}}/{{len}}, KL {{msg}}",
            terminal(label)
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let map = tsne(
        &unit.select_rows(on_map),
        &options,
        device,
        |iteration, kl| {
            bar.set_position(iteration as u64 + 1);
            bar.set_message(format!("{kl:.4}"));
        },
    )?;
    bar.finish_and_clear();
    Ok(map)
}

/// Each shared token's `k` nearest shared tokens by cosine: the map's own neighbour
/// graph when the map holds every shared token (t-SNE kept more than `k` of each),
/// otherwise computed over all shared tokens.
fn neighbour_lists(
    unit: &Matrix,
    map: &TsneResult,
    on_map: &[usize],
    k: usize,
    device: &Device,
) -> Result<Vec<Neighbours>> {
    match &map.neighbourhoods {
        Some(graph) if on_map.len() == unit.rows() && graph.iter().all(|row| row.len() >= k) => {
            Ok(graph.iter().map(|row| row[..k].to_vec()).collect())
        }
        _ => knn_graph(unit, k, device),
    }
}

/// The neighbours' indices alone.
fn indices(lists: &[Neighbours]) -> Vec<Vec<usize>> {
    lists
        .iter()
        .map(|row| row.iter().map(|&(j, _)| j).collect())
        .collect()
}

/// `compare.html` and its data: both maps (the second turned to match the first), each
/// shared token's kind, agreement and regions, and its neighbours in both models.
#[allow(clippy::too_many_arguments)]
fn compare_page(
    models: &[Model; 2],
    shared: &SharedTokens,
    on_map: &[usize],
    maps: &[TsneResult; 2],
    lists: &[Vec<Neighbours>; 2],
    overlaps: &[usize],
    labels: &[String; 2],
    args: &Args,
    session: &Session,
) -> Result<ComparePage> {
    let seeds = Seeds(session.seed());
    // The page's tokens: the map's, then the shared tokens off the map that a list names.
    let mut tokens = on_map.to_vec();
    let mut row_of: HashMap<usize, usize> =
        tokens.iter().enumerate().map(|(r, &i)| (i, r)).collect();
    for &(j, _) in on_map
        .iter()
        .flat_map(|&i| lists[0][i].iter().chain(&lists[1][i]))
    {
        row_of.entry(j).or_insert_with(|| {
            tokens.push(j);
            tokens.len() - 1
        });
    }
    let texts = [0, 1].map(|side| {
        token_texts(
            &models[side],
            tokens.iter().map(|&i| shared.tokens[i].ids[side]),
        )
    });
    let [texts_a, texts_b] = texts;
    let neighbours = [0, 1].map(|side| -> Vec<Vec<(usize, f32)>> {
        on_map
            .iter()
            .map(|&i| {
                lists[side][i]
                    .iter()
                    .map(|&(j, d2)| (row_of[&j], 1.0 - d2 / 2.0))
                    .collect()
            })
            .collect()
    });
    // Regions of each model's neighbour graph, over the map's tokens.
    let regions = [0, 1].map(|side| {
        let graph: Vec<Vec<usize>> = neighbours[side]
            .iter()
            .map(|row| {
                row.iter()
                    .map(|&(r, _)| if r < on_map.len() { r } else { usize::MAX })
                    .collect()
            })
            .collect();
        let names: Vec<String> = on_map
            .iter()
            .map(|&i| shared.tokens[i].key.label())
            .collect();
        named_regions(&graph, &names, seeds.of(Stream::Regions))
    });
    let page = CompareMaps {
        title: format!(
            "{} and {}: {} shared tokens",
            labels[0],
            labels[1],
            shared.tokens.len()
        ),
        models: labels.clone(),
        count: on_map.len(),
        labels: tokens
            .iter()
            .map(|&i| shared.tokens[i].key.label())
            .collect(),
        texts: [texts_a?, texts_b?],
        ids: tokens.iter().map(|&i| shared.tokens[i].ids).collect(),
        kinds: on_map.iter().map(|&i| shared.tokens[i].kind).collect(),
        agreement: on_map.iter().map(|&i| overlaps[i]).collect(),
        points: [
            maps[0].points.clone(),
            turned_onto(&maps[1].points, &maps[0].points)?,
        ],
        neighbours,
        regions,
    };
    let written = session.write_files(|dir| write_compare(dir, &page))?;
    Ok(ComparePage {
        file: "compare.html".into(),
        tokens: on_map.len(),
        perplexity: args.perplexity,
        iterations: maps[0].iterations,
        kl_divergence: [maps[0].kl_divergence, maps[1].kl_divergence],
        regions: page.regions.each_ref().map(|r| r.names.clone()),
        data_bytes: written.data_bytes,
    })
}

/// Each token of `ids` as `model` writes it, for a student to read (`display_text`).
fn token_texts(model: &Model, ids: impl Iterator<Item = usize>) -> Result<Vec<String>> {
    let vocabulary = model.tokenizer.vocab_strings();
    ids.map(|id| {
        Ok(display_text(
            &token_text(model, id)?,
            vocabulary.get(id).map(String::as_str),
        ))
    })
    .collect()
}

/// `points` turned (rotated, and reflected if that fits better) about its centre to lie
/// as close as it can to `onto`, point by point: t-SNE's axes mean nothing, so the second
/// map is shown in the orientation of the first (a 2-D orthogonal Procrustes).
fn turned_onto(points: &[[f64; 2]], onto: &[[f64; 2]]) -> Result<Vec<[f64; 2]>> {
    let centred = |p: &[[f64; 2]]| -> Result<Matrix> {
        let n = p.len().max(1) as f64;
        let mean = [0, 1].map(|c| p.iter().map(|q| q[c]).sum::<f64>() / n);
        Matrix::new(
            p.len(),
            2,
            p.iter()
                .flat_map(|q| [(q[0] - mean[0]) as f32, (q[1] - mean[1]) as f32])
                .collect(),
        )
    };
    let from = centred(points)?;
    let w = orthogonal_procrustes(&from, &centred(onto)?)?;
    let turned = mapped_rows(&from, &w)?;
    Ok((0..turned.rows())
        .map(|i| [turned.row(i)[0] as f64, turned.row(i)[1] as f64])
        .collect())
}
