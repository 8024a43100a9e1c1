//! Dependency conditions: whether a dependency's status satisfies a condition, will never satisfy it, or may
//! still. Pure, so the rules are table-tested.

use svc_core::Condition;

use crate::process::Status;
use crate::process::machine::State;

/// The verdict on one dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The condition is reached (conditions, once reached, stay reached).
    Met,
    /// Not yet.
    Pending,
    /// Never: the dependency ended without reaching it. The text says why.
    Impossible(String),
}

/// Evaluates `condition` on the status of dependency `name`.
pub fn evaluate(name: &str, condition: Condition, status: &Status) -> Verdict {
    let state = &status.state;
    let ended = || match state.exit() {
        Some(exit) => format!("{name} ended with {exit}"),
        None => format!("{name} is {}", describe(state)),
    };
    match condition {
        Condition::ProcessStarted if status.started => Verdict::Met,
        Condition::ProcessHealthy if status.healthy => Verdict::Met,
        Condition::ProcessLogReady if status.log_ready => Verdict::Met,
        Condition::ProcessCompleted if state.is_final() && state.exit().is_some() => Verdict::Met,
        // A scheduled process that has run once has completed (it waits for its next tick, not finished).
        Condition::ProcessCompleted if matches!(state, State::Scheduled { last: Some(_) }) => Verdict::Met,
        Condition::ProcessCompletedSuccessfully
            if matches!(state, State::Completed { .. } | State::Scheduled { last: Some(_) }) && status.succeeded =>
        {
            Verdict::Met
        }
        _ if !state.is_final() => Verdict::Pending,
        Condition::ProcessStarted => Verdict::Impossible(format!("{name} never started: {}", describe(state))),
        Condition::ProcessHealthy => Verdict::Impossible(format!("{} without becoming healthy", ended())),
        Condition::ProcessLogReady => Verdict::Impossible(format!("{} without printing its ready line", ended())),
        Condition::ProcessCompleted | Condition::ProcessCompletedSuccessfully => Verdict::Impossible(ended()),
    }
}

fn describe(state: &State) -> String {
    match state {
        State::Skipped { why } => format!("skipped ({why})"),
        State::Failed { reason, .. } => format!("failed ({reason})"),
        State::Stopped { .. } => "stopped".into(),
        State::Disabled => "disabled".into(),
        other => other.name().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::child::ExitStatus;

    fn status(state: State) -> Status {
        Status { state, ..Status::default() }
    }

    #[test]
    fn table() {
        let completed = |code, ok| Status {
            started: true,
            succeeded: ok,
            ..status(State::Completed { exit: ExitStatus::Code(code) })
        };
        let running = Status { started: true, ..status(State::Running { pid: 9 }) };
        let healthy = Status { started: true, healthy: true, ..status(State::Ready { pid: 9 }) };
        let log_ready = Status { started: true, log_ready: true, ..status(State::Running { pid: 9 }) };
        let skipped = status(State::Skipped { why: "x".into() });
        let spawn_failed = status(State::Failed { reason: "not found".into(), exit: None });
        let restarting =
            Status { started: true, ..status(State::Restarting { attempt: 1, delay: Default::default() }) };

        use Condition::*;
        let met = |c, s: &Status| evaluate("a", c, s) == Verdict::Met;
        let pending = |c, s: &Status| evaluate("a", c, s) == Verdict::Pending;
        let never = |c, s: &Status| matches!(evaluate("a", c, s), Verdict::Impossible(_));

        assert!(pending(ProcessStarted, &status(State::Waiting { on: vec![] })));
        assert!(met(ProcessStarted, &running));
        assert!(never(ProcessStarted, &skipped));
        assert!(never(ProcessStarted, &spawn_failed));

        assert!(pending(ProcessHealthy, &running));
        assert!(met(ProcessHealthy, &healthy));
        assert!(never(ProcessHealthy, &completed(0, true)));

        assert!(met(ProcessLogReady, &log_ready));
        assert!(never(ProcessLogReady, &completed(0, true)));

        assert!(pending(ProcessCompleted, &running));
        assert!(pending(ProcessCompleted, &restarting));
        assert!(met(ProcessCompleted, &completed(1, false)));
        assert!(never(ProcessCompleted, &skipped));

        assert!(met(ProcessCompletedSuccessfully, &completed(0, true)));
        assert!(met(ProcessCompletedSuccessfully, &completed(130, true)));
        assert!(never(ProcessCompletedSuccessfully, &completed(1, false)));
        assert!(pending(ProcessCompletedSuccessfully, &restarting));
        let scheduled = |last, ok| Status { succeeded: ok, ..status(State::Scheduled { last }) };
        assert!(pending(ProcessCompleted, &scheduled(None, false)));
        assert!(met(ProcessCompleted, &scheduled(Some(ExitStatus::Code(1)), false)));
        assert!(met(ProcessCompletedSuccessfully, &scheduled(Some(ExitStatus::Code(0)), true)));
        assert!(pending(ProcessCompletedSuccessfully, &scheduled(Some(ExitStatus::Code(1)), false)), "next run");

        assert_eq!(
            evaluate("a", ProcessCompletedSuccessfully, &completed(1, false)),
            Verdict::Impossible("a ended with exit code 1".into())
        );
    }
}
