//! The runs this server started: their phase (queued, running, finished) and their progress
//! events, kept so that a client can follow a run as server-sent events from the start (or
//! from `Last-Event-ID`) while it executes, and poll it. Finished runs stay here for a while;
//! after that (and for runs of other processes) the journal is the source.
//!
//! Invariant: an event is appended to the history and broadcast under one lock, and a
//! subscriber snapshots the history and subscribes under the same lock, so a follower sees
//! every event exactly once, in order.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Value, json};
use tokio::sync::{Notify, broadcast};

use crate::executor::Progress;

/// Finished runs kept in memory; older ones are answered from their journals.
const KEEP_FINISHED: usize = 256;
/// Events kept per run for late followers; later ones are only broadcast.
const KEEP_EVENTS: usize = 10_000;
/// Events a slow follower may fall behind before it is told it missed some.
const CHANNEL_CAPACITY: usize = 1024;

/// One server-sent event: `id`, `event` and JSON `data`.
#[derive(Debug, Clone)]
pub struct RunEvent {
    pub seq: u64,
    pub event: String,
    pub data: Value,
}

impl RunEvent {
    /// The last event of every run.
    pub fn is_terminal(&self) -> bool {
        self.event == "run_finished"
    }
}

/// Where a tracked run is.
#[derive(Debug, Clone)]
pub enum Phase {
    /// Waiting for a run slot.
    Queued,
    Running,
    /// The executor returned; `summary` is what `run_finished` carried.
    Finished {
        summary: Value,
    },
}

struct Progressing {
    phase: Phase,
    events: Vec<RunEvent>,
    dropped: u64,
    next_seq: u64,
}

/// A run started by this server.
pub struct TrackedRun {
    pub run_id: String,
    pub graph_id: String,
    pub dry_run: bool,
    pub submitted_at: String,
    state: Mutex<Progressing>,
    tx: broadcast::Sender<RunEvent>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TrackedRun {
    pub fn phase(&self) -> Phase {
        lock(&self.state).phase.clone()
    }

    pub fn set_running(&self) {
        lock(&self.state).phase = Phase::Running;
        self.push(
            "run_started",
            json!({ "run_id": self.run_id, "graph_id": self.graph_id, "dry_run": self.dry_run }),
        );
    }

    /// Records one progress event of the executor.
    pub fn progress(&self, p: &Progress) {
        let name = match p {
            Progress::NodeStarted { .. } => "node_started",
            Progress::NodeFinished { .. } => "node_finished",
            Progress::NodeSkipped { .. } => "node_skipped",
            Progress::RollbackStarted { .. } => "rollback_started",
            Progress::NodeRolledBack { .. } => "node_rolled_back",
            Progress::Log { .. } => "log",
        };
        self.push(name, serde_json::to_value(p).unwrap_or(Value::Null));
    }

    /// Ends the run's stream with `run_finished`, carrying `summary` (`status`, `success`, ...).
    pub fn finish(&self, mut summary: Value) {
        if let Some(map) = summary.as_object_mut() {
            map.insert("run_id".into(), Value::String(self.run_id.clone()));
        }
        let mut state = lock(&self.state);
        state.phase = Phase::Finished {
            summary: summary.clone(),
        };
        Self::push_locked(&mut state, &self.tx, "run_finished", summary);
    }

    fn push(&self, event: &str, data: Value) {
        let mut state = lock(&self.state);
        Self::push_locked(&mut state, &self.tx, event, data);
    }

    fn push_locked(
        state: &mut Progressing,
        tx: &broadcast::Sender<RunEvent>,
        event: &str,
        data: Value,
    ) {
        state.next_seq += 1;
        let item = RunEvent {
            seq: state.next_seq,
            event: event.to_owned(),
            data,
        };
        // The terminal event is always kept, so a late follower still learns the outcome.
        if state.events.len() < KEEP_EVENTS || item.is_terminal() {
            state.events.push(item.clone());
        } else {
            state.dropped += 1;
        }
        // No receivers is fine: nobody is following right now.
        let _ = tx.send(item);
    }

    /// The events after `after` so far, and a receiver for the ones to come.
    pub fn follow(&self, after: u64) -> (Vec<RunEvent>, broadcast::Receiver<RunEvent>) {
        let state = lock(&self.state);
        let past = state
            .events
            .iter()
            .filter(|e| e.seq > after)
            .cloned()
            .collect();
        (past, self.tx.subscribe())
    }

    /// What a poll shows of a run that has no journal yet (queued) or that failed before it.
    pub fn snapshot(&self) -> Value {
        let state = lock(&self.state);
        let (status, summary) = match &state.phase {
            Phase::Queued => ("queued", Value::Null),
            Phase::Running => ("running", Value::Null),
            Phase::Finished { summary } => (
                summary
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("finished"),
                summary.clone(),
            ),
        };
        json!({
            "run_id": self.run_id,
            "graph_id": self.graph_id,
            "dry_run": self.dry_run,
            "submitted_at": self.submitted_at,
            "status": status,
            "finished": matches!(state.phase, Phase::Finished { .. }),
            "error": summary.get("error"),
            "events": state.next_seq,
        })
    }
}

/// Every run this server started that is still remembered.
#[derive(Default)]
pub struct Tracker {
    inner: Mutex<TrackerInner>,
    activity: Arc<Activity>,
}

#[derive(Default)]
struct TrackerInner {
    runs: HashMap<String, Arc<TrackedRun>>,
    finished: VecDeque<String>,
}

/// How many runs and rollbacks are under way, and a wake-up for when none are.
#[derive(Default)]
struct Activity {
    active: AtomicUsize,
    idle: Notify,
}

/// Counts a run as active until dropped (also when its task panics).
pub struct ActiveGuard(Arc<Activity>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        if self.0.active.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Tracker {
    /// Registers a new run under a fresh id (`None` when `run_id` is already tracked).
    pub fn register(&self, run_id: &str, graph_id: &str, dry_run: bool) -> Option<Arc<TrackedRun>> {
        let mut inner = lock(&self.inner);
        if inner.runs.contains_key(run_id) {
            return None;
        }
        let (tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        let run = Arc::new(TrackedRun {
            run_id: run_id.to_owned(),
            graph_id: graph_id.to_owned(),
            dry_run,
            submitted_at: crate::now_rfc3339(),
            state: Mutex::new(Progressing {
                phase: Phase::Queued,
                events: Vec::new(),
                dropped: 0,
                next_seq: 0,
            }),
            tx,
        });
        inner.runs.insert(run_id.to_owned(), run.clone());
        Some(run)
    }

    /// Marks a run active; it stays so until the guard drops.
    pub fn activate(&self) -> ActiveGuard {
        self.activity.active.fetch_add(1, Ordering::SeqCst);
        ActiveGuard(self.activity.clone())
    }

    /// Remembers that `run_id` finished, forgetting the oldest finished runs beyond the limit.
    pub fn retire(&self, run_id: &str) {
        let mut inner = lock(&self.inner);
        inner.finished.push_back(run_id.to_owned());
        while inner.finished.len() > KEEP_FINISHED {
            if let Some(old) = inner.finished.pop_front() {
                inner.runs.remove(&old);
            }
        }
    }

    pub fn get(&self, run_id: &str) -> Option<Arc<TrackedRun>> {
        lock(&self.inner).runs.get(run_id).cloned()
    }

    /// Tracked runs that have not finished, oldest first.
    pub fn unfinished(&self) -> Vec<Arc<TrackedRun>> {
        let mut runs: Vec<Arc<TrackedRun>> = lock(&self.inner)
            .runs
            .values()
            .filter(|r| !matches!(r.phase(), Phase::Finished { .. }))
            .cloned()
            .collect();
        runs.sort_by(|a, b| a.run_id.cmp(&b.run_id));
        runs
    }

    pub fn active(&self) -> usize {
        self.activity.active.load(Ordering::SeqCst)
    }

    pub async fn wait_idle(&self) {
        loop {
            let notified = self.activity.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.active() == 0 {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_follower_sees_every_event_once_in_order() {
        let tracker = Tracker::default();
        let run = tracker.register("run-1", "g", true).unwrap();
        assert!(
            tracker.register("run-1", "g", true).is_none(),
            "ids are unique"
        );
        run.set_running();
        run.progress(&Progress::NodeStarted {
            node_id: "a".into(),
            node_type: "noop".into(),
        });
        let (past, mut rx) = run.follow(0);
        run.finish(json!({ "status": "completed", "success": true }));
        let live = rx.try_recv().unwrap();
        let seqs: Vec<u64> = past
            .iter()
            .chain(std::iter::once(&live))
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert!(live.is_terminal());
        assert_eq!(live.data["run_id"], "run-1");
        let (after, _) = run.follow(2);
        assert_eq!(after.len(), 1, "Last-Event-ID skips what was seen");
    }

    #[test]
    fn finished_runs_beyond_the_limit_are_forgotten_oldest_first() {
        let tracker = Tracker::default();
        for i in 0..=KEEP_FINISHED {
            let id = format!("run-{i:04}");
            tracker.register(&id, "g", true).unwrap();
            tracker.retire(&id);
        }
        assert!(tracker.get("run-0000").is_none());
        assert!(tracker.get(&format!("run-{KEEP_FINISHED:04}")).is_some());
    }
}
