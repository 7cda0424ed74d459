//! Test baselines shared by the models' unit tests.

use crate::{Baseline, Provenance, RegionSet, SectorSet};

/// `n` regions, `n_sectors` sectors: uneven flows (every cell traded), domestic sales on the
/// diagonal, tariffs of 0–10% off it.
pub(crate) fn world(n: usize, n_sectors: usize) -> Baseline {
    let mut flows = vec![0.0; n * n * n_sectors];
    let mut tariffs = vec![0.0; n * n * n_sectors];
    for s in 0..n_sectors {
        for i in 0..n {
            for j in 0..n {
                let k = (s * n + i) * n + j;
                let h = ((i * 7 + j * 3 + s * 5) % 11) as f64;
                flows[k] = if i == j { 50.0 + h } else { 1.0 + h };
                tariffs[k] = if i == j { 0.0 } else { 0.01 * h };
            }
        }
    }
    let codes: Vec<String> = (0..n).map(|i| format!("R{i}")).collect();
    let sectors: Vec<String> = (0..n_sectors).map(|s| format!("S{s}")).collect();
    Baseline::new(
        RegionSet::from_codes(&codes).unwrap(),
        SectorSet::from_codes(&sectors).unwrap(),
        flows,
        tariffs,
        true,
        Provenance::default(),
    )
    .unwrap()
}

/// Region `i` of a test layout.
pub(crate) fn r(i: usize) -> crate::RegionId {
    crate::RegionId::from_index(i)
}

/// Sector `s` of a test layout.
pub(crate) fn sec(s: usize) -> crate::SectorId {
    crate::SectorId::from_index(s)
}

/// The same `sigma`, `eta` and `eps` everywhere (panics on an invalid value).
pub(crate) fn uniform(
    n: usize,
    n_sectors: usize,
    sigma: f64,
    eta: f64,
    eps: f64,
) -> crate::Elasticities {
    crate::Elasticities::uniform(
        n,
        n_sectors,
        crate::Sigma::new(sigma).unwrap(),
        crate::Eta::new(eta).unwrap(),
        crate::Eps::new(eps).unwrap(),
    )
    .unwrap()
}

/// `len` copies of `sigma_d` (panics on an invalid value).
pub(crate) fn sigma_d(x: f64, len: usize) -> Vec<crate::SigmaD> {
    vec![crate::SigmaD::new(x).unwrap(); len]
}
