//! Deterministic stratified splits for evaluation and cross-validation.

/// Assigns each document to one of `folds` folds so that every label is
/// spread evenly, shuffled with a fixed `seed` (the same input and seed give
/// the same folds on any machine).
pub fn stratified_folds(labels: &[usize], folds: usize, seed: u64) -> Vec<usize> {
    let mut assignment = vec![0; labels.len()];
    let label_count = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut rng = SplitMix64(seed);
    for label in 0..label_count {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == label).collect();
        shuffle(&mut members, &mut rng);
        for (rank, doc) in members.into_iter().enumerate() {
            assignment[doc] = rank % folds;
        }
    }
    assignment
}

fn shuffle(items: &mut [usize], rng: &mut SplitMix64) {
    for i in (1..items.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// SplitMix64: tiny, fixed, and good enough to shuffle; a dependency-free
/// generator keeps folds stable across crate upgrades.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_and_deterministic() {
        let labels: Vec<usize> = (0..100).map(|i| if i < 80 { 0 } else { 1 }).collect();
        let folds = stratified_folds(&labels, 5, 7);
        assert_eq!(folds, stratified_folds(&labels, 5, 7));
        for fold in 0..5 {
            let in_fold: Vec<_> = (0..100).filter(|&i| folds[i] == fold).collect();
            assert_eq!(in_fold.iter().filter(|&&i| labels[i] == 0).count(), 16);
            assert_eq!(in_fold.iter().filter(|&&i| labels[i] == 1).count(), 4);
        }
        assert_ne!(folds, stratified_folds(&labels, 5, 8));
    }
}
