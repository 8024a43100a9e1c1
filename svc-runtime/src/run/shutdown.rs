//! The ordered shutdown: a pure plan (who may be stopped now: those whose dependents are all final) and the
//! driver that follows it, sending stops as processes end, and kills everything on a second Ctrl-C or a kill
//! request.

use svc_core::ValidProject;

use super::changes::Changes;
use super::handle::{ProcessHandle, Requested};
use super::requests::{StopRequest, StopRequests};
use crate::child::signal::SIGINT;
use crate::logs::Logs;
use crate::process::Control;

/// Which processes to stop, and when: every process after its dependents (reverse dependency order),
/// independent branches in parallel. Incremental: a process becoming final releases only its own dependencies.
#[derive(Debug, Clone)]
pub(crate) struct ShutdownPlan {
    /// For each process (definition order), the processes it depends on.
    dependencies: Vec<Vec<usize>>,
    /// For each process, how many of its dependents are not final yet.
    waiting_dependents: Vec<usize>,
    /// For each process, whether it is final (as told to the plan).
    is_final: Vec<bool>,
    /// Whether the stop was already sent.
    stop_sent: Vec<bool>,
    /// Everything was killed: the plan is over.
    abandoned: bool,
}

impl ShutdownPlan {
    /// The plan for `project`, whose processes are all running (not final) until told otherwise.
    pub fn of(project: &ValidProject) -> Self {
        let processes = project.processes();
        let mut dependencies = vec![Vec::new(); processes.len()];
        let mut waiting_dependents = vec![0; processes.len()];
        for (index, process) in processes.values().enumerate() {
            for dependency in process.depends_on.keys() {
                if let Some(of) = processes.get_index_of(dependency)
                    && !dependencies[index].contains(&of)
                {
                    dependencies[index].push(of);
                    waiting_dependents[of] += 1;
                }
            }
        }
        let n = processes.len();
        ShutdownPlan {
            dependencies,
            waiting_dependents,
            is_final: vec![false; n],
            stop_sent: vec![false; n],
            abandoned: false,
        }
    }

    /// The processes to stop first, given which are final already: those with no dependent left running.
    pub fn start(&mut self, is_final: impl Fn(usize) -> bool) -> Vec<usize> {
        for index in 0..self.is_final.len() {
            if is_final(index) {
                self.mark_final(index);
            }
        }
        (0..self.is_final.len()).filter(|&index| self.release(index)).collect()
    }

    /// Process `index` became final: the processes to stop now (its dependencies that no dependent waits for).
    pub fn finished(&mut self, index: usize) -> Vec<usize> {
        if self.is_final[index] {
            return Vec::new();
        }
        self.mark_final(index);
        let dependencies = self.dependencies[index].clone();
        dependencies.into_iter().filter(|&d| self.release(d)).collect()
    }

    /// Everything is being killed: nothing waits for its dependents any more (and no stop is sent after the kill).
    pub fn abandon(&mut self) {
        self.stop_sent.iter_mut().for_each(|sent| *sent = true);
        self.abandoned = true;
    }

    fn mark_final(&mut self, index: usize) {
        if !self.is_final[index] {
            self.is_final[index] = true;
            for &d in &self.dependencies[index] {
                self.waiting_dependents[d] -= 1;
            }
        }
    }

    /// Whether process `index` is to be stopped now (and note that it is).
    fn release(&mut self, index: usize) -> bool {
        let now = !self.is_final[index] && !self.stop_sent[index] && self.waiting_dependents[index] == 0;
        if now {
            self.stop_sent[index] = true;
        }
        now
    }
}

/// Carries out `plan` until every process is final. A second SIGINT or a kill request through the run handle
/// sends SIGKILL to everything; SIGTERM and SIGHUP during the shutdown change nothing.
pub(crate) async fn drive(
    mut plan: ShutdownPlan,
    processes: &[ProcessHandle],
    requests: &mut StopRequests,
    changes: &mut Changes,
    logs: &Logs,
) {
    let mut killed = plan.abandoned;
    for index in plan.start(|index| changes.is_final(index)) {
        processes[index].send(Control::Stop);
    }
    while !changes.all_final() {
        tokio::select! {
            index = changes.next(processes) => {
                if changes.is_final(index) {
                    for stop in plan.finished(index) {
                        processes[stop].send(Control::Stop);
                    }
                }
            }
            request = requests.next(Requested::Shutdown), if !killed => {
                killed = matches!(request, StopRequest::Kill | StopRequest::Signal(SIGINT));
                if killed {
                    logs.status("killing every process group now (SIGKILL)");
                    kill_all(processes);
                    plan.abandon();
                }
            }
        }
    }
}

/// Sends SIGKILL to every process group at once.
pub(crate) fn kill_all(processes: &[ProcessHandle]) {
    for process in processes {
        process.send(Control::Kill);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use svc_core::{Condition, Process, Project};

    /// web -> api -> db, worker -> db, and a lone process.
    fn project() -> ValidProject {
        let after = |p: Process, dep: &str| p.depends_on(dep, Condition::ProcessStarted);
        Project::new("p")
            .process("db", Process::new("true"))
            .process("api", after(Process::new("true"), "db"))
            .process("web", after(Process::new("true"), "api"))
            .process("worker", after(Process::new("true"), "db"))
            .process("lone", Process::new("true"))
            .validate()
            .unwrap()
    }

    #[test]
    fn the_plan_stops_dependents_first_and_independent_branches_together() {
        let project = project();
        let names: Vec<&str> = project.processes().keys().map(String::as_str).collect();
        let mut plan = ShutdownPlan::of(&project);
        let mut round = plan.start(|_| false);
        let mut rounds: Vec<Vec<&str>> = Vec::new();
        while !round.is_empty() {
            rounds.push(round.iter().map(|i| names[*i]).collect());
            // Every process stopped in this round ends before the next.
            round = round.iter().flat_map(|&index| plan.finished(index)).collect();
        }
        assert_eq!(rounds, vec![vec!["web", "worker", "lone"], vec!["api"], vec!["db"]]);
    }

    #[test]
    fn a_stop_is_sent_once_and_a_process_final_already_is_not_stopped() {
        let project = project();
        let mut plan = ShutdownPlan::of(&project);
        // web already completed before the shutdown began.
        assert_eq!(plan.start(|index| index == 2), vec![1, 3, 4], "api, worker, lone");
        assert_eq!(plan.finished(2), Vec::<usize>::new(), "already known final");
        assert_eq!(plan.finished(3), Vec::<usize>::new(), "worker ended; db still waits for api");
        assert_eq!(plan.finished(1), vec![0], "db once api and worker are final");
        assert_eq!(plan.finished(1), Vec::<usize>::new(), "once");
        assert_eq!(plan.finished(0), Vec::<usize>::new());
    }

    #[test]
    fn after_a_kill_no_stop_is_sent() {
        let mut plan = ShutdownPlan::of(&project());
        plan.abandon();
        assert_eq!(plan.start(|_| false), Vec::<usize>::new());
        assert_eq!(plan.finished(2), Vec::<usize>::new());
    }
}
