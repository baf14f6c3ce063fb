//! A friendship graph in compressed sparse row (CSR) form, the substrate of
//! [`crate::simulate::simulate_on_graph`].
//!
//! CSR keeps a million-member graph in two flat `u32` arrays (about 44 MB at
//! mean degree 10): cache-friendly to scan, and cheap to share read-only
//! across rayon threads.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{GrowthError, check_range};

/// A directed graph in CSR form: the out-neighbours of node `v` are
/// `targets[offsets[v]..offsets[v + 1]]`.
///
/// The fields are private so every `Graph` is known valid (monotone offsets,
/// targets in range); simulations index it without checks and cannot panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Graph {
    /// Adopts ready-made CSR arrays after validating them.
    ///
    /// # Errors
    /// [`GrowthError::InvalidParameter`] naming `offsets` when it is empty,
    /// does not start at 0, decreases, or does not end at `targets.len()`;
    /// naming `targets` when a target is not a node. Self-loops and repeated
    /// targets are accepted here (they are the caller's data), although the
    /// edge-list constructors drop them.
    pub fn from_csr(offsets: Vec<u32>, targets: Vec<u32>) -> Result<Self, GrowthError> {
        let Some((&first, _)) = offsets.split_first() else {
            return Err(GrowthError::invalid(
                "offsets",
                "must hold node_count + 1 entries, got none",
            ));
        };
        if first != 0 {
            return Err(GrowthError::invalid("offsets", "must start at 0"));
        }
        if offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err(GrowthError::invalid("offsets", "must be non-decreasing"));
        }
        if offsets.last().map(|&l| l as usize) != Some(targets.len()) {
            return Err(GrowthError::invalid(
                "offsets",
                "last entry must equal targets.len()",
            ));
        }
        let nodes = offsets.len() - 1;
        if nodes >= u32::MAX as usize {
            return Err(GrowthError::invalid(
                "offsets",
                "more than u32::MAX - 1 nodes",
            ));
        }
        if let Some(bad) = targets.iter().find(|&&t| t as usize >= nodes) {
            return Err(GrowthError::invalid(
                "targets",
                format!("target {bad} is not a node (graph has {nodes} nodes)"),
            ));
        }
        Ok(Self { offsets, targets })
    }

    /// Builds a directed graph: each `(from, to)` is one arc, i.e. `from`
    /// may ask `to`. Self-loops and repeated arcs are dropped, because
    /// asking yourself or asking the same friend twice is not a second
    /// chance to convert.
    ///
    /// # Errors
    /// [`GrowthError::InvalidParameter`] naming `nodes` when it is
    /// `u32::MAX` (offsets would overflow), `edges` when an endpoint is not
    /// below `nodes` or there are more than `u32::MAX` arcs.
    pub fn from_directed_edges(nodes: u32, edges: &[(u32, u32)]) -> Result<Self, GrowthError> {
        Self::check_edges(nodes, edges, 1)?;
        Ok(Self::build(nodes, |visit: &mut dyn FnMut(u32, u32)| {
            edges.iter().for_each(|&(a, b)| visit(a, b));
        }))
    }

    /// Builds an undirected (friendship) graph: each `{a, b}` becomes the two
    /// arcs `a → b` and `b → a`, since either friend may ask the other.
    /// Self-loops and repeated edges are dropped.
    ///
    /// # Errors
    /// As [`Graph::from_directed_edges`], with the arc limit counting both
    /// directions.
    pub fn from_undirected_edges(nodes: u32, edges: &[(u32, u32)]) -> Result<Self, GrowthError> {
        Self::check_edges(nodes, edges, 2)?;
        Ok(Self::build(nodes, |visit: &mut dyn FnMut(u32, u32)| {
            for &(a, b) in edges {
                visit(a, b);
                visit(b, a);
            }
        }))
    }

    /// A random undirected graph with `nodes` members and mean degree close
    /// to `mean_degree` (Erdős–Rényi style: `round(nodes · mean_degree / 2)`
    /// uniformly random pairs, self-loops redrawn, duplicates dropped, so the
    /// realised mean degree is a hair lower for dense graphs).
    ///
    /// Real friendship graphs have heavier-tailed degrees; this one is for
    /// benchmarks and tests where only size and density matter. Same
    /// `(nodes, mean_degree, seed)` → same graph on every platform.
    ///
    /// # Errors
    /// [`GrowthError::InvalidParameter`] naming `nodes` (`u32::MAX`, or
    /// fewer than 2 with a positive degree) or `mean_degree` (negative, not
    /// finite, at least `nodes`, or implying more than `u32::MAX` arcs).
    pub fn synthetic(nodes: u32, mean_degree: f64, seed: u64) -> Result<Self, GrowthError> {
        if nodes == u32::MAX {
            return Err(GrowthError::invalid("nodes", "must be below u32::MAX"));
        }
        check_range("mean_degree", mean_degree, 0.0, f64::MAX)?;
        if mean_degree > 0.0 && nodes < 2 {
            return Err(GrowthError::invalid(
                "nodes",
                "need at least 2 nodes for any edge",
            ));
        }
        if mean_degree >= f64::from(nodes.max(1)) {
            return Err(GrowthError::invalid(
                "mean_degree",
                "must be below the node count",
            ));
        }
        let pairs = (f64::from(nodes) * mean_degree / 2.0).round();
        if pairs * 2.0 > f64::from(u32::MAX) {
            return Err(GrowthError::invalid(
                "mean_degree",
                "implies more than u32::MAX arcs",
            ));
        }
        let pairs = pairs as u64;
        // The pairs are generated twice from the same seed (once to count
        // degrees, once to fill), which avoids holding a 40 MB edge list.
        let arcs = |visit: &mut dyn FnMut(u32, u32)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for _ in 0..pairs {
                let a = rng.random_range(0..nodes);
                let mut b = rng.random_range(0..nodes);
                while b == a {
                    b = rng.random_range(0..nodes);
                }
                visit(a, b);
                visit(b, a);
            }
        };
        Ok(Self::build(nodes, arcs))
    }

    fn check_edges(
        nodes: u32,
        edges: &[(u32, u32)],
        arcs_per_edge: u64,
    ) -> Result<(), GrowthError> {
        if nodes == u32::MAX {
            return Err(GrowthError::invalid("nodes", "must be below u32::MAX"));
        }
        if edges.len() as u64 * arcs_per_edge > u64::from(u32::MAX) {
            return Err(GrowthError::invalid("edges", "more than u32::MAX arcs"));
        }
        if let Some(&(a, b)) = edges.iter().find(|&&(a, b)| a >= nodes || b >= nodes) {
            return Err(GrowthError::invalid(
                "edges",
                format!("edge ({a}, {b}) names a node not below {nodes}"),
            ));
        }
        Ok(())
    }

    /// Counting-sort construction from a replayable arc source (called twice,
    /// once to count and once to fill, so no edge list is materialised);
    /// callers have checked endpoints and the arc count. The `dyn` visitor
    /// costs one indirect call per arc, small next to the random writes.
    fn build(nodes: u32, arcs: impl Fn(&mut dyn FnMut(u32, u32))) -> Self {
        let n = nodes as usize;
        let mut offsets = vec![0_u32; n + 1];
        arcs(&mut |from, _| offsets[from as usize + 1] += 1);
        for v in 0..n {
            offsets[v + 1] += offsets[v];
        }
        let mut cursor = offsets.clone();
        let mut targets = vec![0_u32; offsets[n] as usize];
        arcs(&mut |from, to| {
            let slot = &mut cursor[from as usize];
            targets[*slot as usize] = to;
            *slot += 1;
        });
        // Sort each row, drop self-loops and repeats, and compact in place:
        // the write position never passes the row being read.
        let mut write = 0_usize;
        let mut row_start = 0_usize;
        for v in 0..n {
            let row_end = offsets[v + 1] as usize;
            targets[row_start..row_end].sort_unstable();
            let new_start = write;
            for i in row_start..row_end {
                let t = targets[i];
                let repeat = write > new_start && targets[write - 1] == t;
                if t as usize != v && !repeat {
                    targets[write] = t;
                    write += 1;
                }
            }
            offsets[v] = new_start as u32;
            row_start = row_end;
        }
        offsets[n] = write as u32;
        targets.truncate(write);
        targets.shrink_to_fit();
        Self { offsets, targets }
    }

    /// Number of nodes (members).
    pub fn node_count(&self) -> u32 {
        (self.offsets.len() - 1) as u32
    }

    /// Number of arcs (an undirected edge counts twice).
    pub fn arc_count(&self) -> u64 {
        self.targets.len() as u64
    }

    /// Mean out-degree, 0 for an empty graph.
    pub fn mean_out_degree(&self) -> f64 {
        let nodes = self.node_count();
        if nodes == 0 {
            0.0
        } else {
            self.arc_count() as f64 / f64::from(nodes)
        }
    }

    /// Out-neighbours of `node`; empty when `node` is not in the graph.
    pub fn neighbors(&self, node: u32) -> &[u32] {
        let v = node as usize;
        match (self.offsets.get(v), self.offsets.get(v + 1)) {
            (Some(&a), Some(&b)) => &self.targets[a as usize..b as usize],
            _ => &[],
        }
    }

    /// The CSR offsets array (`node_count() + 1` entries).
    pub fn offsets(&self) -> &[u32] {
        &self.offsets
    }

    /// The CSR targets array (`arc_count()` entries).
    pub fn targets(&self) -> &[u32] {
        &self.targets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undirected_edges_become_sorted_deduplicated_rows() {
        let g = Graph::from_undirected_edges(4, &[(0, 1), (1, 0), (2, 1), (3, 3), (0, 2)]).unwrap();
        assert_eq!(g.node_count(), 4);
        assert_eq!(g.neighbors(0), &[1, 2]);
        assert_eq!(g.neighbors(1), &[0, 2]);
        assert_eq!(g.neighbors(2), &[0, 1]);
        assert!(g.neighbors(3).is_empty());
        assert!(g.neighbors(99).is_empty());
        assert_eq!(g.arc_count(), 6);
    }

    #[test]
    fn directed_edges_keep_direction() {
        let g = Graph::from_directed_edges(3, &[(0, 1), (1, 2)]).unwrap();
        assert_eq!(g.neighbors(0), &[1]);
        assert!(g.neighbors(2).is_empty());
    }

    #[test]
    fn bad_edges_are_rejected() {
        assert!(matches!(
            Graph::from_undirected_edges(2, &[(0, 2)]),
            Err(GrowthError::InvalidParameter { field: "edges", .. })
        ));
        assert!(Graph::from_csr(vec![], vec![]).is_err());
        assert!(Graph::from_csr(vec![0, 2, 1], vec![0, 1]).is_err());
        assert!(Graph::from_csr(vec![0, 1], vec![5]).is_err());
        assert!(Graph::from_csr(vec![0, 1, 2], vec![1, 0]).is_ok());
    }

    #[test]
    fn synthetic_graph_has_requested_density_and_is_reproducible() {
        let g = Graph::synthetic(10_000, 10.0, 7).unwrap();
        let d = g.mean_out_degree();
        assert!((d - 10.0).abs() < 0.05, "{d}");
        assert_eq!(g, Graph::synthetic(10_000, 10.0, 7).unwrap());
        assert_ne!(g, Graph::synthetic(10_000, 10.0, 8).unwrap());
        for v in 0..100 {
            assert!(g.neighbors(v).windows(2).all(|w| w[0] < w[1]));
            assert!(!g.neighbors(v).contains(&v));
        }
        assert!(Graph::synthetic(1, 1.0, 0).is_err());
        assert_eq!(Graph::synthetic(0, 0.0, 0).unwrap().node_count(), 0);
    }
}
