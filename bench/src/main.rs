//! The whole-vocabulary workloads of the benchmark, one process each, printing their stage
//! times as JSON on stdout; `bench/python/workload.py` is the Python side of each.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use common::Backend;
use common::analysis::tsne::{Method, TsneOptions, tsne};
use common::model::{ModelRequest, load_for_lesson};

#[derive(Parser)]
#[command(name = "workload")]
struct Args {
    /// Stand-in model to load (the same files the Python side reads).
    #[arg(long, default_value = "bert-base-uncased", global = true)]
    model: String,
    #[arg(long, value_enum, default_value_t = Backend::Flex, global = true)]
    backend: Backend,
    #[command(subcommand)]
    workload: Workload,
}

#[derive(Subcommand)]
enum Workload {
    /// The exact k-nearest-neighbour graph of every token (squared Euclidean distance).
    KnnGraph {
        #[arg(long, default_value_t = 15)]
        k: usize,
        /// Write the neighbour ids here (u32 little-endian, rows × k).
        #[arg(long)]
        graph_out: Option<PathBuf>,
        /// Compute the cosine graph too, from the same matrix products, and keep both
        /// where the lessons read them back (`neighbours::cached_knn_graphs`).
        #[arg(long)]
        keep: bool,
    },
    /// t-SNE of every token.
    Tsne {
        #[arg(long, default_value_t = 30.0)]
        perplexity: f64,
        #[arg(long, default_value_t = 1000)]
        iterations: usize,
        /// Write the map here (f64 little-endian, rows × 2).
        #[arg(long)]
        map_out: PathBuf,
    },
    /// The interactive map (`map.html`, `map-data.js`) of a **generated** vocabulary of
    /// `tokens` points: clustered random positions, random neighbour lists under both
    /// metrics, named regions, and among the token texts a few written to look like markup.
    /// For timing the page at a size no stand-in has; nothing in it is a real embedding.
    MapPage {
        #[arg(long, default_value_t = 150_000)]
        tokens: usize,
        #[arg(long, default_value_t = 15)]
        k: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes a generated model of `rows` tokens and `cols` dimensions (GGUF, Q8_0, a
    /// byte-level BPE vocabulary: see `bench::generate`) into the folder `out`.
    Generate {
        #[arg(long)]
        rows: usize,
        #[arg(long)]
        cols: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// DBSCAN of a map written by `tsne`.
    Dbscan {
        #[arg(long)]
        map: PathBuf,
        #[arg(long)]
        eps: f64,
        #[arg(long, default_value_t = 5)]
        min_samples: usize,
    },
}

fn main() -> ExitCode {
    common::finish(run(&Args::parse()))
}

fn seconds(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}

fn run(args: &Args) -> Result<()> {
    let start = Instant::now();
    let device = args.backend.device()?;
    let result = match &args.workload {
        Workload::KnnGraph { k, graph_out, keep } => {
            use common::analysis::neighbours::{Metric, keep_knn_graphs, knn_graphs};
            let [model] = load(&args.model)?;
            let load_s = seconds(start);
            let metrics: &[Metric] = if *keep {
                &[Metric::Euclidean, Metric::Cosine]
            } else {
                &[Metric::Euclidean]
            };
            let t = Instant::now();
            let graphs = knn_graphs(&model.embeddings, *k, metrics, &device)?;
            let graph_s = seconds(t);
            if *keep {
                keep_knn_graphs(&model.embeddings, metrics, &graphs);
            }
            let graph = &graphs[0];
            if let Some(path) = graph_out {
                let bytes: Vec<u8> = graph
                    .iter()
                    .flatten()
                    .flat_map(|&(j, _)| (j as u32).to_le_bytes())
                    .collect();
                write(path, &bytes)?;
            }
            serde_json::json!({ "load_s": load_s, "graph_s": graph_s, "rows": graph.len() })
        }
        Workload::Tsne {
            perplexity,
            iterations,
            map_out,
        } => {
            let [model] = load(&args.model)?;
            let load_s = seconds(start);
            // A large vocabulary's neighbours first, timed on their own and kept for t-SNE
            // to read back (`neighbours::cached_knn_graphs`); a smaller one's are t-SNE's
            // own first step, in its time.
            use common::analysis::neighbours::{CACHED_FROM_ROWS, Metric, cached_knn_graphs};
            let t = Instant::now();
            let rows = model.embeddings.rows();
            let neighbours_s = if rows >= CACHED_FROM_ROWS {
                let k = ((3.0 * perplexity + 1.0) as usize).min(rows - 1);
                cached_knn_graphs(&model.embeddings, k, &[Metric::Euclidean], &device)?;
                Some(seconds(t))
            } else {
                None
            };
            let t = Instant::now();
            let options = TsneOptions {
                perplexity: *perplexity,
                iterations: *iterations,
                method: Method::Fft,
                ..TsneOptions::scikit_learn(*perplexity)
            };
            // Progress on stderr (the harness keeps stdout for the JSON result). The first
            // iteration's end marks where the descent took over from what comes before it
            // (neighbours when no kept graph has them, affinities, the PCA start): the
            // descent's time grows with the vocabulary on its own, as (S.3) says.
            let mut before_descent = None;
            let map = tsne(&model.embeddings, &options, &device, |iteration, kl| {
                before_descent.get_or_insert_with(|| seconds(t));
                if (iteration + 1) % 50 == 0 {
                    eprintln!(
                        "iteration {}: KL {kl:.4} after {:.1} s",
                        iteration + 1,
                        seconds(t)
                    );
                }
            })?;
            let tsne_s = seconds(t);
            let bytes: Vec<u8> = map
                .points
                .iter()
                .flatten()
                .flat_map(|v| v.to_le_bytes())
                .collect();
            write(map_out, &bytes)?;
            let before_descent_s = before_descent.unwrap_or(tsne_s);
            serde_json::json!({
                "load_s": load_s,
                "neighbours_s": neighbours_s,
                "tsne_s": tsne_s,
                "before_descent_s": before_descent_s,
                "descent_s": tsne_s - before_descent_s,
                "kl": map.kl_divergence
            })
        }
        Workload::Generate {
            rows,
            cols,
            seed,
            out,
        } => {
            let spec = bench::generate::ModelSpec {
                rows: *rows,
                cols: *cols,
                seed: *seed,
            };
            let path = bench::generate::generate_model(out, spec)?;
            serde_json::json!({ "file": path, "generate_s": seconds(start) })
        }
        Workload::MapPage { tokens, k, out } => {
            let written = generated_map(*tokens, *k, out)?;
            serde_json::json!({ "write_s": seconds(start), "data_bytes": written.data_bytes })
        }
        Workload::Dbscan {
            map,
            eps,
            min_samples,
        } => {
            let bytes =
                std::fs::read(map).with_context(|| format!("cannot read {}", map.display()))?;
            let points: Vec<[f64; 2]> = bytes
                .chunks_exact(16)
                .map(|c| {
                    let v = |b: &[u8]| f64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
                    [v(&c[..8]), v(&c[8..])]
                })
                .collect();
            let t = Instant::now();
            let labels = common::analysis::dbscan::dbscan(&points, *eps, *min_samples)?;
            let dbscan_s = seconds(t);
            let clusters = labels.iter().max().map_or(0, |&m| m + 1);
            let noise = labels.iter().filter(|&&l| l == -1).count();
            serde_json::json!({ "dbscan_s": dbscan_s, "clusters": clusters, "noise": noise })
        }
    };
    println!("{result}");
    Ok(())
}

fn load(model: &str) -> Result<[common::Model; 1]> {
    let models = load_for_lesson(&[ModelRequest {
        name: model,
        is_course_default: true,
        force_standin: true,
        gguf_file: None,
    }])?;
    models
        .try_into()
        .map_err(|_| anyhow::anyhow!("expected one model"))
}

fn write(path: &PathBuf, bytes: &[u8]) -> Result<()> {
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(bytes))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Token texts the generated map hides among its tokens: markup, entities, quotes.
pub const HOSTILE_TOKENS: [&str; 4] = [
    "<img src=x onerror=\"window.pwned=1\">",
    "</script><script>window.pwned=1</script>",
    "&lt;b&gt; & \"quoted\" 'single'",
    "<b>bold</b>",
];

/// Writes the map page of a generated vocabulary of `n` tokens (see `Workload::MapPage`).
fn generated_map(n: usize, k: usize, out: &PathBuf) -> Result<common::plot::explorer::Explorer> {
    use common::analysis::communities::Regions;
    use common::analysis::token_map::MetricNeighbours;
    use common::plot::explorer::{VocabularyMap, write_explorer};
    let mut rng = common::rng::SeededRng::new(0);
    const BLOBS: usize = 40;
    let centres: Vec<[f64; 2]> = (0..BLOBS)
        .map(|_| [rng.normal() * 60.0, rng.normal() * 60.0])
        .collect();
    let blob: Vec<usize> = (0..n).map(|_| rng.below(0, BLOBS)).collect();
    let points: Vec<[f64; 2]> = blob
        .iter()
        .map(|&b| {
            [
                centres[b][0] + rng.normal() * 8.0,
                centres[b][1] + rng.normal() * 8.0,
            ]
        })
        .collect();
    let tokens: Vec<String> = (0..n)
        .map(|i| match HOSTILE_TOKENS.get(i % 1000) {
            Some(text) if i / 1000 == 0 => text.to_string(),
            _ => format!("Ġtoken{i}"),
        })
        .collect();
    let ids: Vec<usize> = (0..n).collect();
    let mut lists = |scale: f64| -> Vec<Vec<(usize, f32)>> {
        (0..n)
            .map(|_| {
                let mut d = 0.0;
                (0..k)
                    .map(|_| {
                        d += rng.next_f64() * scale;
                        (rng.below(0, n), d as f32)
                    })
                    .collect()
            })
            .collect()
    };
    let metrics = [
        MetricNeighbours {
            name: "euclidean",
            description: "Euclidean distance (generated)".into(),
            lists: lists(0.2),
        },
        MetricNeighbours {
            name: "cosine",
            description: "unit-length vectors (generated)".into(),
            lists: lists(0.05),
        },
    ];
    let kinds: Vec<String> = blob.iter().map(|b| format!("kind {}", b % 12)).collect();
    let lengths: Vec<f32> = (0..n).map(|_| 1.0 + rng.next_f64() as f32).collect();
    let regions = Regions {
        labels: blob
            .iter()
            .map(|&b| if b < 30 { b as i64 } else { -1 })
            .collect(),
        names: (0..30)
            .map(|r| format!("token{r} token{} token{}", r + 1, r + 2))
            .collect(),
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    write_explorer(
        out,
        &VocabularyMap {
            title: format!("Generated map of {n} tokens (random data, for timing)"),
            tokens: &tokens,
            ids: &ids,
            points: &points,
            clusters: &blob.iter().map(|&b| b as i64).collect::<Vec<_>>(),
            kinds: &kinds,
            vector_lengths: &lengths,
            regions: &regions,
            metrics: &metrics,
            off_map: &Default::default(),
            diagnosis: None,
        },
    )
}
