//! t-SNE's repulsive forces by Barnes–Hut, as scikit-learn computes them (its default
//! `method="barnes_hut"`, the method the notebook runs): the map is put in a quadtree,
//! and a cell far enough from a point (its width over its distance below `angle`) acts on
//! it as one body at its centre of mass.
//!
//! The tree is built as `sklearn.neighbors._quad_tree._QuadTree` builds it: a root box a
//! little larger than the map, points inserted one by one, a leaf split when a second
//! point arrives, points within 1e-6 of each other counted as one body of size two.

use rayon::prelude::*;

use super::repulsion::Repulsion;

/// A point of the map.
type Point = [f64; 2];

/// Points closer than this in both coordinates are duplicates (scikit-learn's `EPSILON`).
const DUPLICATE: f64 = 1e-6;
const NO_CHILD: usize = usize::MAX;

struct Cell {
    min: [f64; 2],
    max: [f64; 2],
    centre: [f64; 2],
    /// Centre of mass of the points below; the point itself in a leaf.
    barycentre: [f64; 2],
    /// Points below (duplicates counted).
    size: usize,
    /// The larger side, squared.
    squared_width: f64,
    children: [usize; 4],
    is_leaf: bool,
}

impl Cell {
    fn new(min: [f64; 2], max: [f64; 2]) -> Self {
        let centre = [(min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0];
        let squared_width = (max[0] - min[0]).powi(2).max((max[1] - min[1]).powi(2));
        Cell {
            min,
            max,
            centre,
            barycentre: [0.0; 2],
            size: 0,
            squared_width,
            children: [NO_CHILD; 4],
            is_leaf: true,
        }
    }

    /// The quadrant of `point`: bit 1 for x ≥ centre, bit 0 for y ≥ centre.
    fn quadrant(&self, point: [f64; 2]) -> usize {
        (0..2).fold(0, |q, k| 2 * q + usize::from(point[k] >= self.centre[k]))
    }
}

struct QuadTree {
    cells: Vec<Cell>,
}

impl QuadTree {
    fn build(y: &[[f64; 2]]) -> Self {
        let mut min = [f64::INFINITY; 2];
        let mut max = [f64::NEG_INFINITY; 2];
        for p in y {
            for k in 0..2 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
        }
        // Every point strictly inside the root, for positive, negative and small maxima.
        let max = max.map(|m| (m * (1.0 + 1e-3 * m.signum())).max(m + 1e-3));
        let mut tree = QuadTree {
            cells: vec![Cell::new(min, max)],
        };
        for &p in y {
            tree.insert(p);
        }
        tree
    }

    fn insert(&mut self, point: [f64; 2]) {
        let mut id = 0;
        loop {
            let cell = &mut self.cells[id];
            if cell.size == 0 {
                cell.size = 1;
                cell.barycentre = point;
                return;
            }
            if !cell.is_leaf {
                let n = cell.size as f64;
                for k in 0..2 {
                    cell.barycentre[k] = (n * cell.barycentre[k] + point[k]) / (n + 1.0);
                }
                cell.size += 1;
                let quadrant = cell.quadrant(point);
                match cell.children[quadrant] {
                    NO_CHILD => {
                        self.new_child(id, point, 1);
                        return;
                    }
                    child => id = child,
                }
                continue;
            }
            let duplicate = (0..2).all(|k| (point[k] - cell.barycentre[k]).abs() <= DUPLICATE);
            if duplicate {
                cell.size += 1;
                return;
            }
            // A leaf holding one body: move it into a child, then insert into this cell,
            // now an inner one.
            let (body, size) = (cell.barycentre, cell.size);
            self.new_child(id, body, size);
        }
    }

    /// Adds a leaf under `parent` in the quadrant of `point`, holding `size` points there.
    fn new_child(&mut self, parent: usize, point: [f64; 2], size: usize) {
        let id = self.cells.len();
        let cell = &mut self.cells[parent];
        cell.is_leaf = false;
        let quadrant = cell.quadrant(point);
        let (mut min, mut max) = (cell.min, cell.max);
        for k in 0..2 {
            if point[k] >= cell.centre[k] {
                min[k] = cell.centre[k];
            } else {
                max[k] = cell.centre[k];
            }
        }
        cell.children[quadrant] = id;
        let mut child = Cell::new(min, max);
        child.barycentre = point;
        child.size = size;
        self.cells.push(child);
    }

    /// The repulsion on `point`: Σ size·w² (point − barycentre) over the cells that
    /// summarise the map for it, and Σ size·w, with w = 1 / (1 + distance²). The
    /// leaves coincident with it (its own among them) are left out, as scikit-learn
    /// leaves them out; their Σ size·w less the point itself is returned third.
    // ANCHOR: summarise
    fn repulsion_on(&self, point: Point, squared_angle: f64) -> (Point, f64, f64) {
        let (mut force, mut z) = ([0.0; 2], 0.0);
        // The leaves coincident with `point`, the point itself among them.
        let mut coincident = 0.0;
        let mut stack = vec![0usize];
        while let Some(id) = stack.pop() {
            let cell = &self.cells[id];
            let d = [point[0] - cell.barycentre[0], point[1] - cell.barycentre[1]];
            let distance2 = d[0] * d[0] + d[1] * d[1];
            if cell.is_leaf && d.iter().all(|v| v.abs() <= DUPLICATE) {
                coincident += cell.size as f64 / (1.0 + distance2);
                continue;
            }
            if cell.is_leaf || cell.squared_width / distance2 < squared_angle {
                let w = 1.0 / (1.0 + distance2);
                let size = cell.size as f64;
                z += size * w;
                force[0] += size * w * w * d[0];
                force[1] += size * w * w * d[1];
            } else {
                // Children pushed in reverse: visited in scikit-learn's order.
                let children = cell.children.iter().rev();
                stack.extend(children.filter(|&&c| c != NO_CHILD));
            }
        }
        // Less the point itself (w = 1): exactly 0 when no other point coincides.
        (force, z, coincident - 1.0)
    }
    // ANCHOR_END: summarise
}

/// The repulsive sums for the map `y` by Barnes–Hut with opening angle `angle`.
pub fn repulsion(y: &[[f64; 2]], angle: f64) -> Repulsion {
    let tree = QuadTree::build(y);
    let squared_angle = angle * angle;
    let per_point: Vec<([f64; 2], f64, f64)> = y
        .par_iter()
        .map(|&p| tree.repulsion_on(p, squared_angle))
        .collect();
    // Summed in point order: the same Z on every run, whatever the thread timing.
    let z = per_point.iter().map(|(_, z, _)| z).sum();
    let coincident = per_point.iter().map(|(_, _, c)| c).sum();
    Repulsion {
        forces: per_point.into_iter().map(|(f, _, _)| f).collect(),
        z,
        coincident,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    #[test]
    fn angle_zero_is_the_exact_sum_and_half_is_close() {
        let mut rng = SeededRng::new(9);
        let mut y: Vec<[f64; 2]> = (0..300)
            .map(|_| [5.0 * rng.normal(), 5.0 * rng.normal()])
            .collect();
        y.push(y[7]); // a duplicate: one body of size two
        let truth = Repulsion::exact(&y);
        let zero = repulsion(&y, 0.0);
        // Angle 0 opens every inner cell: only the duplicates' own leaf is left out of Z
        // (as scikit-learn leaves it out), and counted apart: w = 1, twice.
        assert_eq!(zero.coincident, 2.0);
        assert!(
            (zero.z + zero.coincident - truth.z).abs() < 1e-9 * truth.z,
            "{}",
            zero.z
        );
        let half = repulsion(&y, 0.5);
        assert!((half.z - truth.z).abs() < 0.01 * truth.z);
        let error: f64 = half
            .forces
            .iter()
            .zip(&truth.forces)
            .map(|(a, b)| (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2))
            .sum();
        let norm: f64 = truth.forces.iter().map(|f| f[0] * f[0] + f[1] * f[1]).sum();
        assert!((error / norm).sqrt() < 0.02, "{}", (error / norm).sqrt());
    }
}
