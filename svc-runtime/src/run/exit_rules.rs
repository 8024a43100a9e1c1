//! The exit rules of a project, pure: which process ending shuts the whole project down, and with which exit
//! code (`restart: exit_on_failure`, `exit_on_end`, `exit_on_skipped`).

use svc_core::{RestartPolicy, ValidProject};

use crate::process::Status;
use crate::process::machine::State;

/// A process ended in a way that shuts the project down: its name and the code `up` exits with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExitRuleFired {
    /// The process whose rule fired.
    pub name: String,
    /// The exit code for the supervisor.
    pub code: i32,
}

/// What one process's availability says about its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    exit_on_failure: bool,
    exit_on_end: bool,
    exit_on_skipped: bool,
}

/// The exit rules of every process, each looked at once: when the process first becomes final.
#[derive(Debug, Clone)]
pub(crate) struct ExitRules {
    rules: Vec<Rule>,
    /// Whether the process was already seen final.
    seen: Vec<bool>,
}

impl ExitRules {
    /// The rules of `project`'s processes, in definition order.
    pub fn of(project: &ValidProject) -> Self {
        let rules: Vec<Rule> = project
            .processes()
            .values()
            .map(|p| Rule {
                exit_on_failure: p.availability.restart == RestartPolicy::ExitOnFailure,
                exit_on_end: p.availability.exit_on_end,
                exit_on_skipped: p.availability.exit_on_skipped,
            })
            .collect();
        ExitRules { seen: vec![false; rules.len()], rules }
    }

    /// Looks at process `index` (named `name`) with its current `status`: if it just became final and one of its
    /// rules fires, says so. A process is judged once, when it is first seen final.
    ///
    /// The code is the process's (128 + the signal if it was killed; at least 1 for a process that could not
    /// start or failed a probe; 1 for `exit_on_skipped`), except that an `exit_on_end` process that succeeded
    /// (0 or one of its `success_exit_codes`) gives 0, as process-compose does.
    pub fn observe(&mut self, index: usize, name: &str, status: &Status) -> Option<ExitRuleFired> {
        if self.seen[index] || !status.state.is_final() {
            return None;
        }
        self.seen[index] = true;
        let rule = self.rules[index];
        let code = match &status.state {
            State::Completed { exit } => Some(exit.shell_code()),
            State::Failed { exit, .. } => Some(exit.map_or(1, |e| e.shell_code()).max(1)),
            _ => None,
        };
        let fired = |code| Some(ExitRuleFired { name: name.to_owned(), code });
        match code {
            Some(code) if !status.succeeded && rule.exit_on_failure => return fired(code),
            Some(_) if rule.exit_on_end && status.succeeded => return fired(0),
            Some(code) if rule.exit_on_end => return fired(code),
            _ => {}
        }
        if matches!(status.state, State::Skipped { .. }) && rule.exit_on_skipped {
            return fired(1);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::child::ExitStatus;
    use svc_core::{Availability, Process, Project};

    fn project(availability: Availability) -> ValidProject {
        Project::new("p").process("p", Process::new("true").availability(availability)).validate().unwrap()
    }

    fn status(state: State, succeeded: bool) -> Status {
        Status { state, succeeded, ..Status::default() }
    }

    #[test]
    fn exit_rules_table() {
        let completed = |code| State::Completed { exit: ExitStatus::Code(code) };
        let killed = State::Completed { exit: ExitStatus::Signal(9) };
        let failed = |exit| State::Failed { reason: "readiness probe failed".into(), exit };
        let skipped = State::Skipped { why: "db failed".into() };
        let stopped = State::Stopped { exit: Some(ExitStatus::Signal(15)) };
        let on_failure = Availability::restart(RestartPolicy::ExitOnFailure);
        let on_end = Availability::default().exit_on_end(true);
        let on_skipped = Availability::default().exit_on_skipped(true);
        let none = Availability::default();
        // (rules, final state, succeeded, expected exit code if the project shuts down)
        let table: Vec<(&Availability, State, bool, Option<i32>)> = vec![
            (&on_failure, completed(3), false, Some(3)),
            (&on_failure, completed(0), true, None),
            (&on_failure, killed.clone(), false, Some(137)),
            (&on_failure, failed(None), false, Some(1)),
            (&on_failure, failed(Some(ExitStatus::Code(0))), false, Some(1)),
            (&on_failure, failed(Some(ExitStatus::Code(2))), false, Some(2)),
            (&on_failure, stopped.clone(), false, None),
            (&on_end, completed(0), true, Some(0)),
            (&on_end, completed(4), false, Some(4)),
            // 4 is one of its success_exit_codes: a success ends the project with 0.
            (&on_end, completed(4), true, Some(0)),
            (&on_end, stopped.clone(), false, None),
            (&on_end, skipped.clone(), false, None),
            (&on_skipped, skipped.clone(), false, Some(1)),
            (&on_skipped, completed(5), false, None),
            (&none, completed(5), false, None),
            (&none, skipped, false, None),
        ];
        for (availability, state, succeeded, expected) in table {
            let mut rules = ExitRules::of(&project(availability.clone()));
            let got = rules.observe(0, "p", &status(state.clone(), succeeded)).map(|fired| fired.code);
            assert_eq!(got, expected, "{availability:?} {state:?}");
        }
    }

    #[test]
    fn a_process_is_judged_once_and_only_when_final() {
        let mut rules = ExitRules::of(&project(Availability::default().exit_on_end(true)));
        assert_eq!(rules.observe(0, "p", &status(State::Running { pid: 7 }, false)), None);
        let done = status(State::Completed { exit: ExitStatus::Code(0) }, true);
        assert_eq!(rules.observe(0, "p", &done), Some(ExitRuleFired { name: "p".into(), code: 0 }));
        assert_eq!(rules.observe(0, "p", &done), None, "already judged");
    }
}
