//! Where tool calls run: on a fixed set of `workers` threads of their own,
//! so the async workers that serve static files are never busy with a
//! search, and a search's memory stays with those few threads (on Tokio's
//! blocking threads, each of dozens of threads kept its own freed memory). A call waits for a slot within its time budget; a call whose
//! client went away (or that ran out of budget) is marked cancelled: if it
//! has not started it never does, and a running one stops at its next check
//! of [`cancelled`] (between searches and before building results).

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Longest a tool call may take, waiting for a slot included.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(10);

/// A bounded set of slots for tool calls.
#[derive(Debug)]
pub struct Pool {
    slots: Arc<Semaphore>,
    budget: Duration,
    stats: Arc<Stats>,
    /// Jobs for the worker threads; a job is sent only with a slot held,
    /// so it never waits for a thread.
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

/// What happened to the calls so far.
#[derive(Debug, Default)]
pub struct Stats {
    /// Calls that started running.
    pub started: AtomicU64,
    /// Calls that ran to the end.
    pub finished: AtomicU64,
    /// Calls cancelled by their client (queued or running).
    pub cancelled: AtomicU64,
    /// Calls that ran out of budget.
    pub over_budget: AtomicU64,
}

/// Why a call gave no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The client went away or cancelled the request.
    Cancelled,
    /// The budget ran out (waiting or running).
    OverBudget(Duration),
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Whether the call running on this thread has been cancelled; tools check
/// it between steps. Always false outside the pool.
pub fn cancelled() -> bool {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
    })
}

/// Cancels the call when dropped unless disarmed: a request future that is
/// dropped (the connection closed) cancels its call.
struct CancelOnDrop<'a> {
    flag: &'a AtomicBool,
    stats: &'a Stats,
    armed: bool,
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.flag.store(true, Ordering::Relaxed);
            self.stats.cancelled.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Pool {
    /// `workers` calls at once (at least one), each within `budget`.
    pub fn new(workers: usize, budget: Duration) -> Pool {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..workers.max(1) {
            let rx = rx.clone();
            // The threads end when the pool (its sender) is dropped.
            let spawned = std::thread::Builder::new()
                .name(format!("mcdewey-tool-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start a tool thread: {e}");
            }
        }
        Pool {
            slots: Arc::new(Semaphore::new(workers.max(1))),
            budget,
            stats: Arc::default(),
            jobs: std::sync::Mutex::new(tx),
        }
    }

    /// One slot per core, the default budget.
    pub fn for_this_machine() -> Pool {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Pool::new(cores, DEFAULT_BUDGET)
    }

    pub fn budget(&self) -> Duration {
        self.budget
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Takes a slot, for tests that need the pool busy.
    pub async fn hold(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.slots
            .clone()
            .acquire_owned()
            .await
            .expect("the pool's semaphore is never closed")
    }

    /// Runs `f` on a blocking thread once a slot is free; `cancel` (the
    /// request's token) or dropping the returned future cancels it.
    pub async fn run<T: Send + 'static>(
        &self,
        cancel: &CancellationToken,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Refused> {
        let flag = Arc::new(AtomicBool::new(false));
        let mut guard = CancelOnDrop {
            flag: &flag,
            stats: &self.stats,
            armed: true,
        };
        let work = async {
            let permit = self.hold().await;
            let flag = flag.clone();
            let stats = self.stats.clone();
            let (tx, rx) = tokio::sync::oneshot::channel();
            let job: Job = Box::new(move || {
                let _permit = permit;
                if flag.load(Ordering::Relaxed) {
                    let _ = tx.send(None);
                    return;
                }
                stats.started.fetch_add(1, Ordering::Relaxed);
                CURRENT.with(|c| *c.borrow_mut() = Some(flag.clone()));
                // A panicking tool loses its answer (the caller sees a
                // cancelled call), not the thread.
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
                CURRENT.with(|c| *c.borrow_mut() = None);
                let _ = tx.send(out.ok());
            });
            let sent = self
                .jobs
                .lock()
                .map(|j| j.send(job).is_ok())
                .unwrap_or(false);
            if !sent {
                return None;
            }
            rx.await.ok().flatten()
        };
        let outcome = tokio::select! {
            r = tokio::time::timeout(self.budget, work) => match r {
                Ok(Some(out)) if !flag.load(Ordering::Relaxed) => Ok(out),
                // Cancelled before or while running; or the call panicked.
                Ok(_) => Err(Refused::Cancelled),
                Err(_) => {
                    flag.store(true, Ordering::Relaxed);
                    self.stats.over_budget.fetch_add(1, Ordering::Relaxed);
                    Err(Refused::OverBudget(self.budget))
                }
            },
            _ = cancel.cancelled() => {
                flag.store(true, Ordering::Relaxed);
                self.stats.cancelled.fetch_add(1, Ordering::Relaxed);
                Err(Refused::Cancelled)
            }
        };
        if outcome.is_ok() {
            self.stats.finished.fetch_add(1, Ordering::Relaxed);
        }
        guard.armed = false;
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_call_cancelled_while_queued_never_runs() {
        rt().block_on(async {
            let pool = Arc::new(Pool::new(1, Duration::from_secs(30)));
            let busy = pool.hold().await;
            let ran = Arc::new(AtomicUsize::new(0));
            let ct = CancellationToken::new();
            let (p, r, c) = (pool.clone(), ran.clone(), ct.clone());
            let call =
                tokio::spawn(
                    async move { p.run(&c, move || r.fetch_add(1, Ordering::SeqCst)).await },
                );
            tokio::time::sleep(Duration::from_millis(100)).await;
            ct.cancel();
            assert_eq!(call.await.unwrap(), Err(Refused::Cancelled));
            drop(busy);
            // The slot is free again and the cancelled call left no work.
            let ok = pool.run(&CancellationToken::new(), || 7).await;
            assert_eq!(ok, Ok(7));
            assert_eq!(ran.load(Ordering::SeqCst), 0);
            assert_eq!(pool.stats().cancelled.load(Ordering::SeqCst), 1);
            assert_eq!(pool.stats().started.load(Ordering::SeqCst), 1);
        });
    }

    #[test]
    fn a_dropped_call_is_cancelled() {
        rt().block_on(async {
            let pool = Arc::new(Pool::new(1, Duration::from_secs(30)));
            let busy = pool.hold().await;
            let ran = Arc::new(AtomicUsize::new(0));
            let r = ran.clone();
            let p = pool.clone();
            let call = tokio::spawn(async move {
                p.run(&CancellationToken::new(), move || {
                    r.fetch_add(1, Ordering::SeqCst)
                })
                .await
            });
            // Let the call reach the queue (it waits for the busy slot).
            tokio::time::sleep(Duration::from_millis(100)).await;
            call.abort();
            let _ = call.await;
            drop(busy);
            assert_eq!(pool.run(&CancellationToken::new(), || 1).await, Ok(1));
            assert_eq!(ran.load(Ordering::SeqCst), 0);
            assert_eq!(pool.stats().cancelled.load(Ordering::SeqCst), 1);
        });
    }

    #[test]
    fn a_running_call_sees_the_budget_run_out() {
        rt().block_on(async {
            let pool = Pool::new(1, Duration::from_millis(50));
            let saw = Arc::new(AtomicBool::new(false));
            let s = saw.clone();
            let r = pool
                .run(&CancellationToken::new(), move || {
                    // Work that checks for cancellation between steps.
                    for _ in 0..2000 {
                        if cancelled() {
                            s.store(true, Ordering::SeqCst);
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                })
                .await;
            assert_eq!(r, Err(Refused::OverBudget(Duration::from_millis(50))));
            // The slot comes back once the call notices.
            assert_eq!(pool.run(&CancellationToken::new(), || 2).await, Ok(2));
            assert!(saw.load(Ordering::SeqCst));
            assert!(!cancelled(), "no flag outside the pool");
        });
    }
}
