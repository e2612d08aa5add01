//! Independent jobs on all cores, results in job order: training runs its
//! calibration folds side by side, and because every job is computed exactly
//! as it would be alone and collected by index, the model is bit-identical
//! whatever the core count.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `job(0), …, job(jobs − 1)`, computed on up to as many threads as there
/// are cores, returned in that order.
pub(crate) fn map_in_order<T: Send>(jobs: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs);
    if threads <= 1 {
        return (0..jobs).map(job).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<T>> = (0..jobs).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= jobs {
                            break done;
                        }
                        done.push((index, job(index)));
                    }
                })
            })
            .collect();
        for worker in workers {
            for (index, result) in worker.join().expect("a training job panicked") {
                results[index] = Some(result);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_job_order() {
        let squares = map_in_order(37, |i| i * i);
        assert_eq!(squares, (0..37).map(|i| i * i).collect::<Vec<_>>());
        assert!(map_in_order(0, |i| i).is_empty());
    }
}
