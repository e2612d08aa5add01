//! A fixed pool of threads, one per core, for the CPU-bound core work
//! (normalise, segment, score), so the async reactor threads only do I/O.
//!
//! Why not `tokio::task::spawn_blocking`: its pool grows to hundreds of
//! threads, one per waiting request, so at 64 concurrent streams 64 threads
//! fight over 2 cores and every request's latency stretches. Here at most
//! one job per core runs at a time and the rest wait in a FIFO queue, which
//! keeps both cores busy and the tail short.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Threads that run closures handed in from async code. Dropping the last
/// handle closes the queue; the threads finish queued jobs and exit.
pub struct WorkPool {
    queue: mpsc::Sender<Job>,
}

/// The job could not finish: it panicked, or the pool shut down first.
#[derive(Debug, thiserror::Error)]
#[error("the worker running this request failed")]
pub struct JobFailed;

impl WorkPool {
    /// A pool with one thread per core the process may use.
    pub fn sized_to_cores() -> Self {
        Self::new(thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// Starts `threads` workers (at least one).
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads {
            let receiver = receiver.clone();
            thread::Builder::new()
                .name(format!("classify-{index}"))
                .spawn(move || work(&receiver))
                .expect("spawn a worker thread");
        }
        Self { queue: sender }
    }

    /// Runs `job` on a worker and waits for its result without blocking the
    /// reactor. A job whose caller has gone away (the request was cancelled)
    /// by the time a worker picks it up is skipped.
    pub async fn run<T, F>(&self, job: F) -> Result<T, JobFailed>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            if done.is_closed() {
                return;
            }
            if let Ok(value) = catch_unwind(AssertUnwindSafe(job)) {
                let _ = done.send(value);
            }
        });
        self.queue.send(job).map_err(|_| JobFailed)?;
        result.await.map_err(|_| JobFailed)
    }
}

/// A worker's loop: take the next job, run it, until the queue closes.
fn work(receiver: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // The lock is held only while waiting for a job, not while running
        // it, so the other workers take the next ones meanwhile.
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(mpsc::RecvError) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_returns_their_results() {
        let pool = WorkPool::new(2);
        for i in 0..16u64 {
            assert_eq!(pool.run(move || i * i).await.unwrap(), i * i);
        }
    }

    #[tokio::test]
    async fn jobs_run_off_the_calling_thread_on_named_workers() {
        let pool = WorkPool::new(1);
        let name = pool
            .run(|| thread::current().name().map(str::to_owned))
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("classify-0"));
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_the_pool_keeps_working() {
        let pool = WorkPool::new(1);
        let failed = pool.run(|| -> u32 { panic!("boom") }).await;
        assert!(failed.is_err());
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn all_workers_run_at_once() {
        // Two jobs that each wait for the other can only finish if two
        // workers run them side by side.
        let pool = WorkPool::new(2);
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let (a, b) = (barrier.clone(), barrier);
        let (x, y) = tokio::join!(pool.run(move || a.wait()), pool.run(move || b.wait()));
        assert!(x.is_ok() && y.is_ok());
    }
}
