//! The parallel draw loop: chunks of draws computed in parallel with rayon, handed to a sink in
//! draw order.
//!
//! Determinism: draw `k`'s scores come from the sampler as a pure function of (seed, k); each
//! solve starts from the baseline; per-thread scratch (elasticities, solver workspaces) is fully
//! overwritten by every draw. Results land in a chunk buffer at the draw's own row, and the sink
//! consumes rows sequentially, so every reduction happens in draw order whatever the thread
//! count or shard split.

use crate::error::RunnerError;
use crate::sampler::Sampler;
use rayon::prelude::*;

/// What is computed for one draw: recorded parameters and outputs from the draw's scores.
pub trait Evaluator: Sync {
    /// Per-thread scratch, reused across draws (elasticities, solver workspaces).
    type Scratch: Send;
    /// A fresh scratch.
    fn scratch(&self) -> Self::Scratch;
    /// Number of recorded parameters per draw.
    fn n_params(&self) -> usize;
    /// Number of outputs per draw.
    fn n_outputs(&self) -> usize;
    /// Computes one draw from its standard-normal scores `z`: fills `params` (always, even when
    /// the draw then fails) and `out`; `Err(reason)` marks the draw failed.
    fn evaluate(
        &self,
        z: &[f64],
        scratch: &mut Self::Scratch,
        params: &mut [f64],
        out: &mut [f64],
    ) -> Result<(), String>;
}

/// The draws `first..end` of a run and how to compute them.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    /// Sampler (knows the seed and total draws).
    pub sampler: &'a Sampler,
    /// First draw index (inclusive).
    pub first: u64,
    /// Last draw index (exclusive).
    pub end: u64,
    /// Worker threads (≥ 1).
    pub threads: usize,
    /// Draws per chunk (memory bound: chunk × row width f64 values).
    pub chunk: usize,
}

/// A block of consecutive draws, in draw order.
#[derive(Debug)]
pub struct Chunk<'a> {
    /// Index of the first draw.
    pub first: u64,
    /// Row width: recorded parameters, then outputs.
    pub width: usize,
    /// Number of recorded parameters at the start of each row.
    pub n_params: usize,
    /// `len × width` values.
    pub rows: &'a [f64],
    /// `None` = ok; `Some(reason)` = failed (its outputs are meaningless).
    pub status: &'a [Option<String>],
}

impl Chunk<'_> {
    /// Number of draws in the chunk.
    #[must_use]
    pub fn len(&self) -> usize {
        self.status.len()
    }

    /// True for an empty chunk.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
    }

    /// Row of draw `first + i`.
    #[must_use]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.rows[i * self.width..(i + 1) * self.width]
    }
}

struct Thread<S> {
    z: Vec<f64>,
    scratch: S,
}

/// Runs the plan, calling `sink` with each chunk in draw order.
pub fn run<E: Evaluator>(
    plan: &Plan<'_>,
    evaluator: &E,
    mut sink: impl FnMut(&Chunk<'_>) -> Result<(), RunnerError>,
) -> Result<(), RunnerError> {
    if plan.first >= plan.end {
        return Ok(());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads.max(1))
        .build()
        .map_err(|e| RunnerError::Setting(format!("cannot start {} threads: {e}", plan.threads)))?;
    let n_params = evaluator.n_params();
    let width = n_params + evaluator.n_outputs();
    let chunk = plan.chunk.max(1);
    let mut rows = vec![0.0; chunk * width];
    let mut status: Vec<Option<String>> = vec![None; chunk];
    let mut start = plan.first;
    while start < plan.end {
        let len = usize::try_from((plan.end - start).min(chunk as u64)).unwrap_or(chunk);
        pool.install(|| {
            rows[..len * width]
                .par_chunks_mut(width)
                .zip(status[..len].par_iter_mut())
                .enumerate()
                .for_each_init(
                    || Thread {
                        z: vec![0.0; plan.sampler.dimension()],
                        scratch: evaluator.scratch(),
                    },
                    |t, (i, (row, st))| {
                        let k = start + i as u64;
                        plan.sampler.scores(k, &mut t.z);
                        let (params, outputs) = row.split_at_mut(n_params);
                        *st = match evaluator.evaluate(&t.z, &mut t.scratch, params, outputs) {
                            Err(reason) => Some(reason),
                            Ok(()) if outputs.iter().all(|x| x.is_finite()) => None,
                            Ok(()) => Some("non-finite output".into()),
                        };
                    },
                );
        });
        sink(&Chunk {
            first: start,
            width,
            n_params,
            rows: &rows[..len * width],
            status: &status[..len],
        })?;
        start += len as u64;
    }
    Ok(())
}
