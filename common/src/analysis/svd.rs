//! Singular value decomposition, as numpy's `np.linalg.svd` computes it, computed in f64 by
//! faer, with a fixed sign for every singular vector; only the singular vectors that have
//! a singular value are kept.

use anyhow::{Result, anyhow, ensure};
use faer::Mat;

use crate::tensor::matrix::Matrix;

/// `a = U · diag(s) · Vt` with `k = min(m, n)`: `U` m×k, `s` k values in descending order,
/// `Vt` k×n (numpy's `full_matrices=False`).
///
/// Why thin: numpy's default (the notebooks' call) also returns the n − k rows of `Vt`
/// (or m − k columns of `U`) that span a null space, with no singular value. Nothing
/// reads them, and for 26 tokens of a 4,096-wide model they are 4,070 rows of 4,096:
/// 67 MB in f32 per decomposition, twice that in the f64 faer computes in.
/// [`Svd::full_shapes`] gives the shapes numpy prints.
#[derive(Clone, Debug)]
pub struct Svd {
    pub u: Matrix,
    pub s: Vec<f32>,
    pub vt: Matrix,
}

impl Svd {
    /// The shapes of `U` and `Vt` in numpy's full SVD of the same m×n matrix: m×m and n×n.
    pub fn full_shapes(&self) -> [[usize; 2]; 2] {
        let (m, n) = (self.u.rows(), self.vt.cols());
        [[m, m], [n, n]]
    }
}

// ANCHOR: svd
/// The SVD of `a`.
///
/// Sign convention: singular vectors are only defined up to sign, so each pair
/// (`U[:, k]`, `Vt[k]`) is flipped, if needed, to make the entry of `Vt[k]`
/// with the largest magnitude positive (scikit-learn's `svd_flip` on `V`).
/// Projections onto `Vt[0]` then have the same sign on every machine and in
/// every snapshot.
pub fn svd(a: &Matrix) -> Result<Svd> {
    ensure!(
        a.rows() > 0 && a.cols() > 0,
        "cannot decompose an empty matrix"
    );
    let (m, n) = (a.rows(), a.cols());
    let mat = Mat::<f64>::from_fn(m, n, |i, j| a.row(i)[j] as f64);
    let decomposition = mat
        .thin_svd()
        .map_err(|e| anyhow!("the SVD did not converge ({e:?})"))?;
    let (u, v, s) = (
        decomposition.U(),
        decomposition.V(),
        decomposition.S().column_vector(),
    );
    // ANCHOR_END: svd
    let k = m.min(n);
    let mut u_out = vec![0f32; m * k];
    let mut vt_out = vec![0f32; k * n];
    for c in 0..k {
        // Row c of Vt is column c of V.
        let (mut best, mut flip) = (0.0f64, 1.0f64);
        for r in 0..n {
            let x = v[(r, c)];
            if x.abs() > best {
                best = x.abs();
                flip = x.signum();
            }
        }
        for r in 0..n {
            vt_out[c * n + r] = (flip * v[(r, c)]) as f32;
        }
        for r in 0..m {
            u_out[r * k + c] = (flip * u[(r, c)]) as f32;
        }
    }
    Ok(Svd {
        u: Matrix::new(m, k, u_out)?,
        s: (0..k).map(|i| s[i] as f32).collect(),
        vt: Matrix::new(k, n, vt_out)?,
    })
}

/// Spectra of many same-sized sets of rows, each centred first, in one reused workspace:
/// a random-baseline loop draws thousands of token sets.
///
/// Why reused: a fresh matrix and SVD scratch per draw, freed at once, left glibc's heap
/// fragmented: 10,000 draws of 26 of the BERT stand-in's tokens held 1.07 GB resident
/// while their live data peaked at 52 MB (heaptrack; 117 MB with jemalloc preloaded).
/// With one workspace a draw allocates only its spectrum.
pub struct CentredSpectra {
    rows: Mat<f64>,
    s: faer::diag::Diag<f64>,
    scratch: faer::dyn_stack::MemBuffer,
}

impl CentredSpectra {
    /// A workspace for sets of `count` rows, `width` wide.
    pub fn new(count: usize, width: usize) -> Self {
        let scratch = faer::linalg::svd::svd_scratch::<f64>(
            count,
            width,
            faer::linalg::svd::ComputeSvdVectors::No,
            faer::linalg::svd::ComputeSvdVectors::No,
            faer::get_global_parallelism(),
            Default::default(),
        );
        Self {
            rows: Mat::zeros(count, width),
            s: faer::diag::Diag::zeros(count.min(width)),
            scratch: faer::dyn_stack::MemBuffer::new(scratch),
        }
    }

    /// The singular values of `matrix`'s rows `ids` minus their mean, largest first
    /// (`np.linalg.svd(X - X.mean(axis=0), compute_uv=False)`), centred in f64.
    pub fn of(&mut self, matrix: &Matrix, ids: &[usize]) -> Result<Vec<f32>> {
        let (count, width) = (self.rows.nrows(), self.rows.ncols());
        ensure!(
            ids.len() == count && matrix.cols() == width,
            "a workspace for {count}×{width} sets was given {} rows {} wide",
            ids.len(),
            matrix.cols()
        );
        for (i, &id) in ids.iter().enumerate() {
            for (j, &x) in matrix.row(id).iter().enumerate() {
                self.rows[(i, j)] = x as f64;
            }
        }
        for j in 0..width {
            let mean = (0..count).map(|i| self.rows[(i, j)]).sum::<f64>() / count as f64;
            for i in 0..count {
                self.rows[(i, j)] -= mean;
            }
        }
        faer::linalg::svd::svd(
            self.rows.as_ref(),
            self.s.as_mut(),
            None,
            None,
            faer::get_global_parallelism(),
            faer::dyn_stack::MemStack::new(&mut self.scratch),
            Default::default(),
        )
        .map_err(|e| anyhow!("the SVD did not converge ({e:?})"))?;
        Ok(self.s.column_vector().iter().map(|&v| v as f32).collect())
    }
}

/// The top `k` right singular vectors of `a − centre` (each row minus `centre`, or `a`
/// itself; the first rows of `Vt`, signed as in [`svd`]) in memory that does not grow with
/// the row count: for a tall matrix they are the top eigenvectors of the n×n matrix `aᵀa`
/// (whose eigenvalues are the squares of `a`'s singular values), summed one block of rows
/// at a time, so a whole vocabulary is neither copied nor centred as a whole and never
/// forms an m×m `U`.
pub fn top_right_singular_vectors(a: &Matrix, centre: Option<&[f32]>, k: usize) -> Result<Matrix> {
    let (m, n) = (a.rows(), a.cols());
    ensure!(
        k <= m.min(n),
        "asked for {k} singular vectors of a {m}×{n} matrix"
    );
    ensure!(
        centre.is_none_or(|c| c.len() == n),
        "the centre must be as wide as the rows"
    );
    let centred = |i: usize, j: usize| a.row(i)[j] - centre.map_or(0.0, |c| c[j]);
    if m <= n {
        let rows = Matrix::new(m, n, (0..m * n).map(|i| centred(i / n, i % n)).collect())?;
        let vt = svd(&rows)?.vt;
        return Matrix::new(k, n, vt.data()[..k * n].to_vec());
    }
    // aᵀa's eigenvectors, largest eigenvalue first, are a's right singular vectors.
    let gram = gram_by_blocks(m, n, centred);
    let vectors = top_eigenvectors(&gram, n, k)?;
    let mut top = Vec::with_capacity(k * n);
    for v in vectors {
        // Signed as `svd` signs them: the entry of largest magnitude positive.
        let sign = v
            .iter()
            .fold((0.0f64, 1.0f64), |(best, sign), &x| {
                if x.abs() > best {
                    (x.abs(), x.signum())
                } else {
                    (best, sign)
                }
            })
            .1;
        top.extend(v.iter().map(|&x| (sign * x) as f32));
    }
    Matrix::new(k, n, top)
}

/// Vectors iterated together to find the top `k` eigenvectors: `k` and a few more, so that
/// the `k`-th converges at the rate set by the eigenvalue past them, not the next one.
const OVERSAMPLING: usize = 8;

/// The `k` eigenvectors of largest eigenvalue of the symmetric positive semi-definite
/// n×n matrix `g` (column-major), largest first, to about 1e-12: subspace iteration
/// (`g` times a block of vectors, orthonormalised, until the block's Rayleigh–Ritz
/// vectors stop moving). It holds a few vectors beside `g`, where a full eigen- or
/// singular-value decomposition holds several n×n workspaces (300 MB at n = 2,304).
fn top_eigenvectors(g: &[f64], n: usize, k: usize) -> Result<Vec<Vec<f64>>> {
    use faer::{Accum, Mat, MatRef, Par};
    let b = (k + OVERSAMPLING).min(n);
    let g = MatRef::from_column_major_slice(g, n, n);
    let mut rng = crate::rng::SeededRng::new(0x7063_615f_696e_6974); // "pca_init"
    let mut q = Mat::<f64>::from_fn(n, b, |_, _| rng.normal());
    orthonormalise(&mut q);
    for _ in 0..2000 {
        let mut z = Mat::<f64>::zeros(n, b);
        faer::linalg::matmul::matmul(z.as_mut(), Accum::Replace, g, q.as_ref(), 1.0, Par::Seq);
        // Rayleigh–Ritz in the block: T = QᵀGQ, its eigenvectors rotate Q onto the
        // block's best approximations of g's.
        let t = q.transpose() * &z;
        let small = t
            .self_adjoint_eigen(faer::Side::Lower)
            .map_err(|e| anyhow!("the eigendecomposition did not converge ({e:?})"))?;
        let rotation = small.U();
        let (ritz, image) = (&q * rotation, &z * rotation);
        // Converged when each of the top k is an eigenvector to 1e-12 of the largest
        // eigenvalue: ‖g v − λ v‖ for its Ritz value λ.
        let largest = small.S()[b - 1].abs().max(f64::MIN_POSITIVE);
        let converged = (b - k..b).all(|c| {
            let lambda = small.S()[c];
            let residual: f64 = (0..n)
                .map(|r| (image[(r, c)] - lambda * ritz[(r, c)]).powi(2))
                .sum::<f64>()
                .sqrt();
            residual <= 1e-12 * largest
        });
        if converged {
            return Ok((0..k)
                .map(|c| (0..n).map(|r| ritz[(r, b - 1 - c)]).collect())
                .collect());
        }
        q = z;
        orthonormalise(&mut q);
    }
    Err(anyhow!("the principal axes did not converge"))
}

/// Modified Gram–Schmidt, twice, on the columns of `q`.
fn orthonormalise(q: &mut faer::Mat<f64>) {
    let (n, b) = (q.nrows(), q.ncols());
    for _ in 0..2 {
        for c in 0..b {
            for p in 0..c {
                let dot: f64 = (0..n).map(|r| q[(r, c)] * q[(r, p)]).sum();
                for r in 0..n {
                    let v = q[(r, p)];
                    q[(r, c)] -= dot * v;
                }
            }
            let norm = (0..n)
                .map(|r| q[(r, c)] * q[(r, c)])
                .sum::<f64>()
                .sqrt()
                .max(f64::MIN_POSITIVE);
            for r in 0..n {
                q[(r, c)] /= norm;
            }
        }
    }
}

/// Rows of `a` summed into its Gram matrix `aᵀa` at a time: the block is copied in f64
/// beside the n×n result, so it is kept small (4.7 MB at 2,304 wide; at 1,024 rows it was
/// the largest thing beside the matrix at the peak of lesson 5 on 20,000 × 2,304). The
/// size is part of the summation order: another one rounds the Gram matrix's last bits
/// differently (the change from 1,024 left lesson 5's maps the same, their axes rounded
/// to f32).
pub(crate) const GRAM_BLOCK_ROWS: usize = 256;
/// Columns of the Gram matrix each core sums at a time.
const GRAM_STRIP: usize = 64;

/// `aᵀa` in f64, column-major, for the `m × n` matrix whose entries are `at(i, j)`, one block of rows at
/// a time (a block in f64 beside the n×n result), each strip of the result's columns on
/// its own core: every entry is summed in the same order however many cores there are.
fn gram_by_blocks(m: usize, n: usize, at: impl Fn(usize, usize) -> f32 + Sync) -> Vec<f64> {
    use faer::mat::{MatMut, MatRef};
    use faer::{Accum, Par};
    use rayon::prelude::*;
    let mut gram = vec![0.0f64; n * n]; // column-major
    let mut block = vec![0.0f64; GRAM_BLOCK_ROWS * n]; // column-major
    for start in (0..m).step_by(GRAM_BLOCK_ROWS) {
        let rows = GRAM_BLOCK_ROWS.min(m - start);
        block[..rows * n]
            .par_chunks_mut(rows)
            .enumerate()
            .for_each(|(j, column)| {
                for (i, v) in column.iter_mut().enumerate() {
                    *v = at(start + i, j) as f64;
                }
            });
        let lhs = MatRef::from_column_major_slice(&block[..rows * n], rows, n);
        gram.par_chunks_mut(n * GRAM_STRIP)
            .enumerate()
            .for_each(|(s, out)| {
                let width = out.len() / n;
                let out = MatMut::from_column_major_slice_mut(out, n, width);
                faer::linalg::matmul::matmul(
                    out,
                    if start == 0 {
                        Accum::Replace
                    } else {
                        Accum::Add
                    },
                    lhs.transpose(),
                    lhs.subcols(s * GRAM_STRIP, width),
                    1.0,
                    Par::Seq,
                );
            });
    }
    gram
}

/// Fraction of the total variance in the first 1, 2, … components: cumsum(s²) / Σs².
pub fn explained_variance(s: &[f32]) -> Vec<f64> {
    let total: f64 = s.iter().map(|&v| (v as f64).powi(2)).sum();
    s.iter()
        .scan(0.0, |acc, &v| {
            *acc += (v as f64).powi(2);
            Some(if total > 0.0 { *acc / total } else { 0.0 })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_values_by_hand() {
        // diag(3, 4) has singular values 4, 3; the all-ones 2×2 has 2 and 0.
        let d = svd(&Matrix::new(2, 2, vec![3., 0., 0., 4.]).unwrap()).unwrap();
        assert_eq!(d.s, vec![4.0, 3.0]);
        let ones = svd(&Matrix::new(2, 2, vec![1.; 4]).unwrap()).unwrap();
        assert!((ones.s[0] - 2.0).abs() < 1e-6 && ones.s[1].abs() < 1e-6);
        // thin shapes: U m×k, s k, Vt k×n with k = min(m, n); numpy's full shapes named
        let wide = svd(&Matrix::new(2, 3, vec![1., 2., 3., 4., 5., 6.]).unwrap()).unwrap();
        assert_eq!(
            (wide.u.shape(), wide.s.len(), wide.vt.shape()),
            ([2, 2], 2, [2, 3])
        );
        assert_eq!(wide.full_shapes(), [[2, 2], [3, 3]]);
        let tall = svd(&Matrix::new(3, 2, vec![1., 2., 3., 4., 5., 6.]).unwrap()).unwrap();
        assert_eq!((tall.u.shape(), tall.vt.shape()), ([3, 2], [2, 2]));
        assert_eq!(tall.full_shapes(), [[3, 3], [2, 2]]);
    }

    #[test]
    fn a_reused_workspace_gives_each_sets_centred_spectrum() {
        let mut rng = crate::rng::SeededRng::new(5);
        let matrix = Matrix::new(40, 7, (0..280).map(|_| rng.normal() as f32).collect()).unwrap();
        let mut workspace = CentredSpectra::new(5, 7);
        for ids in [[0, 3, 9, 12, 39], [5, 5, 1, 2, 30], [39, 38, 0, 1, 2]] {
            // The lessons' own centring (burn, f32), then the full SVD.
            let (centred, _) =
                crate::ops::centre_rows(&matrix.select_rows(&ids), &crate::Device::flex()).unwrap();
            let full = svd(&centred).unwrap().s;
            let reused = workspace.of(&matrix, &ids).unwrap();
            assert_eq!(reused.len(), 5);
            for (x, y) in reused.iter().zip(&full) {
                assert!((x - y).abs() <= 1e-5 * y.max(1.0), "{ids:?}: {x} vs {y}");
            }
        }
        assert!(workspace.of(&matrix, &[1, 2]).is_err());
    }

    #[test]
    fn explained_variance_accumulates_to_one() {
        // s = [3, 1]: 9/10, then 10/10
        assert_eq!(explained_variance(&[3.0, 1.0]), vec![0.9, 1.0]);
    }
}
