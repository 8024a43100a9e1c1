//! The ordered shutdown: a pure plan (who may be stopped now: those whose dependents are all final) and the
//! driver that follows it, sending stops as processes end, and kills everything on a second Ctrl-C or a kill
//! request.

use svc_core::ValidProject;
use tokio::sync::watch;

use super::handle::{ProcessHandle, Requested};
use super::requests::{StopRequest, StopRequests};
use crate::child::signal::SIGINT;
use crate::logs::Logs;
use crate::process::Control;

/// Which processes to stop, and when: every process after its dependents (reverse dependency order),
/// independent branches in parallel.
#[derive(Debug, Clone)]
pub(crate) struct ShutdownPlan {
    /// For each process (definition order), the processes that depend on it.
    dependents: Vec<Vec<usize>>,
    /// Whether the stop was already sent.
    stop_sent: Vec<bool>,
    /// Everything was killed: the plan is over.
    abandoned: bool,
}

impl ShutdownPlan {
    /// The plan for `project`.
    pub fn of(project: &ValidProject) -> Self {
        let processes = project.processes();
        let mut dependents = vec![Vec::new(); processes.len()];
        for (index, process) in processes.values().enumerate() {
            for dependency in process.depends_on.keys() {
                if let Some(of) = processes.get_index_of(dependency) {
                    dependents[of].push(index);
                }
            }
        }
        ShutdownPlan { stop_sent: vec![false; processes.len()], dependents, abandoned: false }
    }

    /// Given which processes are final now, the processes to stop now (each once). `None` once every process is
    /// final: the shutdown is over.
    pub fn next(&mut self, is_final: &[bool]) -> Option<Vec<usize>> {
        if is_final.iter().all(|done| *done) {
            return None;
        }
        let mut now = Vec::new();
        for index in 0..is_final.len() {
            if is_final[index] || self.stop_sent[index] {
                continue;
            }
            if self.dependents[index].iter().all(|d| is_final[*d]) {
                self.stop_sent[index] = true;
                now.push(index);
            }
        }
        Some(now)
    }

    /// Everything is being killed: nothing waits for its dependents any more (and no stop is sent after the kill).
    pub fn abandon(&mut self) {
        self.stop_sent.iter_mut().for_each(|sent| *sent = true);
        self.abandoned = true;
    }
}

/// Carries out `plan` until every process is final. A second SIGINT or a kill request through the run handle
/// sends SIGKILL to everything; SIGTERM and SIGHUP during the shutdown change nothing.
pub(crate) async fn drive(
    mut plan: ShutdownPlan,
    processes: &[ProcessHandle],
    requests: &mut StopRequests,
    changes: &mut watch::Receiver<u64>,
    logs: &Logs,
) {
    let mut killed = plan.abandoned;
    loop {
        let is_final: Vec<bool> = processes.iter().map(ProcessHandle::is_final).collect();
        let Some(stop_now) = plan.next(&is_final) else { break };
        for index in stop_now {
            processes[index].send(Control::Stop);
        }
        tokio::select! {
            _ = changes.changed() => {}
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
        let mut is_final = vec![false; names.len()];
        let mut rounds: Vec<Vec<&str>> = Vec::new();
        while let Some(now) = plan.next(&is_final) {
            assert!(!now.is_empty(), "a round that stops nothing would wait forever here");
            // Every process stopped in this round ends before the next.
            for index in &now {
                is_final[*index] = true;
            }
            rounds.push(now.iter().map(|i| names[*i]).collect());
        }
        assert_eq!(rounds, vec![vec!["web", "worker", "lone"], vec!["api"], vec!["db"]]);
    }

    #[test]
    fn a_stop_is_sent_once_and_a_process_final_already_is_not_stopped() {
        let project = project();
        let mut plan = ShutdownPlan::of(&project);
        // web already completed before the shutdown began.
        let mut is_final = vec![false, false, true, false, false];
        assert_eq!(plan.next(&is_final), Some(vec![1, 3, 4]), "api, worker, lone");
        assert_eq!(plan.next(&is_final), Some(vec![]), "nothing new until one of them ends");
        is_final[3] = true; // worker ended; db still waits for api
        assert_eq!(plan.next(&is_final), Some(vec![]));
        is_final[1] = true;
        assert_eq!(plan.next(&is_final), Some(vec![0]), "db once api and worker are final");
        is_final[0] = true;
        is_final[4] = true;
        assert_eq!(plan.next(&is_final), None);
    }

    #[test]
    fn after_a_kill_no_stop_is_sent() {
        let mut plan = ShutdownPlan::of(&project());
        plan.abandon();
        assert_eq!(plan.next(&[false; 5]), Some(vec![]));
        assert_eq!(plan.next(&[true; 5]), None);
    }
}
