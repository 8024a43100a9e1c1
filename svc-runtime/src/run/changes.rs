//! Which processes changed, and how many are final: what the run's loops wait on. Each change names its process,
//! so a change costs the run one process's look, not a scan of all of them.

use tokio::sync::mpsc;

use super::handle::ProcessHandle;

/// The stream of changed processes, which of them are final, and which are done (final, and not kept up by a
/// watch that can start them again).
pub(crate) struct Changes {
    rx: mpsc::UnboundedReceiver<usize>,
    is_final: Vec<bool>,
    finals: usize,
    is_done: Vec<bool>,
    done: usize,
    done_rule: fn(&ProcessHandle) -> bool,
}

impl Changes {
    /// Tracks `processes` (their current states) through `rx`, where each process task sends its index at every
    /// change of its status; `done_rule` says whether a process is done as far as the end of the run goes.
    pub fn new(
        rx: mpsc::UnboundedReceiver<usize>,
        processes: &[ProcessHandle],
        done_rule: fn(&ProcessHandle) -> bool,
    ) -> Self {
        let is_final: Vec<bool> = processes.iter().map(ProcessHandle::is_final).collect();
        let finals = is_final.iter().filter(|f| **f).count();
        let is_done: Vec<bool> = processes.iter().map(done_rule).collect();
        let done = is_done.iter().filter(|f| **f).count();
        Changes { rx, is_final, finals, is_done, done, done_rule }
    }

    /// Whether every process is final.
    pub fn all_final(&self) -> bool {
        self.finals == self.is_final.len()
    }

    /// Whether every process is done: the run may end by itself.
    pub fn all_done(&self) -> bool {
        self.done == self.is_done.len()
    }

    /// Whether process `index` is final.
    pub fn is_final(&self, index: usize) -> bool {
        self.is_final[index]
    }

    /// Waits for the next change; returns the index of the process that changed (after noting whether it is
    /// final now). Never resolves once every task has ended.
    pub async fn next(&mut self, processes: &[ProcessHandle]) -> usize {
        let Some(index) = self.rx.recv().await else { return std::future::pending().await };
        self.update(index, processes[index].is_final());
        let done = (self.done_rule)(&processes[index]);
        if self.is_done[index] != done {
            self.is_done[index] = done;
            if done {
                self.done += 1;
            } else {
                self.done -= 1;
            }
        }
        index
    }

    /// Notes whether process `index` is final.
    fn update(&mut self, index: usize, is_final: bool) {
        if self.is_final[index] != is_final {
            self.is_final[index] = is_final;
            if is_final {
                self.finals += 1;
            } else {
                self.finals -= 1;
            }
        }
    }
}
