//! The machine's rules as tables: restart policies, backoff, stops, restarts, probes, daemons, schedules and
//! watches.

use super::*;

fn rules(restart: RestartPolicy, max_restarts: u32) -> Rules {
    Rules {
        restart,
        max_restarts,
        backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(350),
        success_exit_codes: vec![130],
        daemon: false,
        scheduled: false,
        run_on_start: false,
    }
}

fn running(restart: RestartPolicy, max_restarts: u32) -> Machine {
    let mut m = Machine::new(rules(restart, max_restarts), false);
    assert_eq!(m.step(Event::DependenciesMet), vec![Action::Spawn]);
    assert_eq!(m.step(Event::Spawned(42)), vec![Action::StartProbes]);
    assert!(m.started);
    m
}

fn exit(code: i32) -> Event {
    Event::Exited { status: ExitStatus::Code(code), uptime: Duration::from_millis(5) }
}

#[test]
fn policy_table() {
    // (policy, exit code, restarts?)
    let table = [
        (RestartPolicy::No, 0, false),
        (RestartPolicy::No, 1, false),
        (RestartPolicy::Always, 0, true),
        (RestartPolicy::Always, 1, true),
        (RestartPolicy::OnFailure, 0, false),
        (RestartPolicy::OnFailure, 130, false),
        (RestartPolicy::OnFailure, 1, true),
        (RestartPolicy::ExitOnFailure, 1, false),
    ];
    for (policy, code, restarts) in table {
        let mut m = running(policy, 0);
        let actions = m.step(exit(code));
        assert_eq!(matches!(m.state, State::Restarting { .. }), restarts, "{policy:?} exit {code}");
        if !restarts {
            assert_eq!(m.state, State::Completed { exit: ExitStatus::Code(code) });
            assert_eq!(actions, vec![Action::StopProbes]);
        }
    }
}

#[test]
fn signals_are_failures_and_success_codes_are_not() {
    let r = rules(RestartPolicy::OnFailure, 0);
    assert!(r.is_success(ExitStatus::Code(0)));
    assert!(r.is_success(ExitStatus::Code(130)));
    assert!(!r.is_success(ExitStatus::Code(1)));
    assert!(!r.is_success(ExitStatus::Signal(crate::child::signal::SIGTERM)));
}

#[test]
fn backoff_doubles_up_to_the_cap_and_max_restarts_holds() {
    let mut m = running(RestartPolicy::Always, 4);
    let mut delays = Vec::new();
    for _ in 0..4 {
        m.step(exit(1));
        let State::Restarting { delay, .. } = m.state else { panic!("not restarting: {:?}", m.state) };
        delays.push(delay.as_millis());
        assert_eq!(m.step(Event::BackoffElapsed), vec![Action::Spawn]);
        m.step(Event::Spawned(43));
    }
    assert_eq!(delays, [100, 200, 350, 350]);
    assert_eq!(m.restarts, 4);
    m.step(exit(1));
    assert_eq!(m.state, State::Completed { exit: ExitStatus::Code(1) });
}

#[test]
fn a_long_run_resets_the_backoff() {
    let mut m = running(RestartPolicy::Always, 0);
    m.step(exit(1));
    m.step(Event::BackoffElapsed);
    m.step(Event::Spawned(2));
    m.step(exit(1));
    assert!(matches!(m.state, State::Restarting { attempt: 2, .. }));
    m.step(Event::BackoffElapsed);
    m.step(Event::Spawned(3));
    m.step(Event::Exited { status: ExitStatus::Code(1), uptime: crate::process::backoff::MIN_STABLE_UPTIME });
    assert_eq!(m.state, State::Restarting { attempt: 1, delay: Duration::from_millis(100) });
}

#[test]
fn stop_during_backoff_wins() {
    let mut m = running(RestartPolicy::Always, 0);
    m.step(exit(1));
    assert_eq!(m.step(Event::Stop), vec![Action::CancelTimer]);
    assert_eq!(m.state, State::Stopped { exit: None });
    assert_eq!(m.last_exit, Some(ExitStatus::Code(1)));
    // A late timer changes nothing.
    assert_eq!(m.step(Event::BackoffElapsed), vec![]);
    assert_eq!(m.state, State::Stopped { exit: None });
}

#[test]
fn stop_while_running_stays_stopped() {
    let mut m = running(RestartPolicy::Always, 0);
    assert_eq!(m.step(Event::Stop), vec![Action::StopProbes, Action::Terminate]);
    assert_eq!(m.step(exit(0)), vec![]);
    assert_eq!(m.state, State::Stopped { exit: Some(ExitStatus::Code(0)) });
}

#[test]
fn restart_requests_coalesce_and_stop_wins_over_restart() {
    let mut m = running(RestartPolicy::No, 0);
    assert_eq!(m.step(Event::Restart), vec![Action::StopProbes, Action::Terminate]);
    assert_eq!(m.step(Event::Restart), vec![]);
    assert_eq!(m.step(Event::ProbeFailed(ProbeKind::Liveness)), vec![]);
    assert_eq!(m.step(exit(0)), vec![Action::Spawn]);
    assert_eq!(m.state, State::Starting);

    let mut m = running(RestartPolicy::Always, 0);
    m.step(Event::Restart);
    m.step(Event::Stop);
    m.step(exit(0));
    assert_eq!(m.state, State::Stopped { exit: Some(ExitStatus::Code(0)) });
}

#[test]
fn probe_failures_count_as_failures() {
    // on-failure restarts even though SIGTERM made the process exit 0.
    let mut m = running(RestartPolicy::OnFailure, 2);
    assert_eq!(m.step(Event::ProbeFailed(ProbeKind::Readiness)), vec![Action::StopProbes, Action::Terminate]);
    m.step(exit(0));
    assert!(matches!(m.state, State::Restarting { .. }));
    // With no restarts left it is failed, not completed.
    let mut m = running(RestartPolicy::No, 0);
    m.step(Event::ProbeFailed(ProbeKind::Liveness));
    m.step(exit(0));
    assert!(matches!(m.state, State::Failed { exit: Some(ExitStatus::Code(0)), .. }), "{:?}", m.state);
}

#[test]
fn readiness_makes_healthy() {
    let mut m = running(RestartPolicy::No, 0);
    m.step(Event::ReadinessPassed);
    assert_eq!(m.state, State::Ready { pid: 42 });
    assert!(m.healthy);
    // A repeated pass changes nothing.
    assert_eq!(m.step(Event::ReadinessPassed), vec![]);
    assert_eq!(m.state, State::Ready { pid: 42 });
}

#[test]
fn losing_readiness_restarts_per_policy() {
    let lose = |policy| {
        let mut m = running(policy, 0);
        m.step(Event::ReadinessPassed);
        let actions = m.step(Event::ProbeFailed(ProbeKind::Readiness));
        assert_eq!(actions, vec![Action::StopProbes, Action::Terminate], "{policy:?}");
        assert_eq!(m.state, State::Stopping { pid: 42, then: AfterStop::Failure(ProbeKind::Readiness) });
        // Stopped by SIGTERM, it exits 0: still a failure.
        m.step(exit(0));
        m
    };
    for policy in [RestartPolicy::OnFailure, RestartPolicy::Always] {
        let m = lose(policy);
        assert!(matches!(m.state, State::Restarting { .. }), "{policy:?}: {:?}", m.state);
        // It was healthy once: dependents that started on it stay satisfied.
        assert!(m.healthy);
    }
    for policy in [RestartPolicy::No, RestartPolicy::ExitOnFailure] {
        let m = lose(policy);
        assert!(matches!(m.state, State::Failed { exit: Some(ExitStatus::Code(0)), .. }), "{policy:?}: {:?}", m.state);
    }
}

#[test]
fn waiting_skipping_and_spawn_failures() {
    let mut m = Machine::new(rules(RestartPolicy::Always, 0), false);
    m.step(Event::WaitFor(vec!["db".into()]));
    assert_eq!(m.state, State::Waiting { on: vec!["db".into()] });
    m.step(Event::DependencyImpossible("db failed".into()));
    assert_eq!(m.state, State::Skipped { why: "db failed".into() });
    assert!(m.is_final());
    assert!(!m.started);

    let mut m = Machine::new(rules(RestartPolicy::Always, 0), false);
    m.step(Event::DependenciesMet);
    m.step(Event::SpawnFailed("no such file".into()));
    assert!(matches!(m.state, State::Failed { exit: None, .. }));

    let mut m = Machine::new(rules(RestartPolicy::Always, 0), false);
    m.step(Event::Stop);
    assert_eq!(m.state, State::Stopped { exit: None });

    let m = Machine::new(rules(RestartPolicy::Always, 0), true);
    assert_eq!(m.state, State::Disabled);
    assert!(m.is_final());
}

fn daemon(restart: RestartPolicy) -> Machine {
    let mut m = Machine::new(Rules { daemon: true, ..rules(restart, 0) }, false);
    m.step(Event::DependenciesMet);
    m.step(Event::Spawned(42));
    m
}

#[test]
fn a_daemon_launcher_that_succeeds_launches_and_one_that_fails_is_a_failed_run() {
    let mut m = daemon(RestartPolicy::OnFailure);
    assert_eq!(m.step(exit(0)), vec![], "probes go on");
    assert_eq!(m.state, State::Launched { pgid: 42 });
    assert!(!m.is_final());
    assert_eq!(m.step(Event::ReadinessPassed), vec![]);
    assert!(m.healthy);
    assert_eq!(m.state, State::Launched { pgid: 42 });

    let mut m = daemon(RestartPolicy::OnFailure);
    m.step(exit(1));
    assert!(matches!(m.state, State::Restarting { .. }), "{:?}", m.state);
    let mut m = daemon(RestartPolicy::No);
    m.step(exit(1));
    assert_eq!(m.state, State::Completed { exit: ExitStatus::Code(1) });
}

#[test]
fn a_launched_daemon_stops_restarts_and_fails_its_probe_through_a_stop() {
    // (event while launched, actions, what the end of the stop leads to)
    let table: [(Event, State); 3] = [
        (Event::Stop, State::Stopped { exit: Some(ExitStatus::Code(0)) }),
        (Event::Restart, State::Starting),
        (Event::ProbeFailed(ProbeKind::Liveness), State::Restarting { attempt: 1, delay: Duration::from_millis(100) }),
    ];
    for (event, after) in table {
        let mut m = daemon(RestartPolicy::OnFailure);
        m.step(exit(0));
        assert_eq!(m.step(event.clone()), vec![Action::StopProbes, Action::Terminate], "{event:?}");
        assert!(matches!(m.state, State::Stopping { pid: 42, .. }), "{event:?}: {:?}", m.state);
        m.step(Event::DaemonStopped { uptime: Duration::from_millis(5) });
        assert_eq!(m.state, after, "{event:?}");
    }
}

#[test]
fn a_daemon_stopped_event_means_nothing_outside_a_stop() {
    let mut m = daemon(RestartPolicy::No);
    m.step(exit(0));
    assert_eq!(m.step(Event::DaemonStopped { uptime: Duration::ZERO }), vec![]);
    assert_eq!(m.state, State::Launched { pgid: 42 });
}

fn scheduled(run_on_start: bool, restart: RestartPolicy) -> Machine {
    let mut m = Machine::new(Rules { scheduled: true, run_on_start, ..rules(restart, 0) }, false);
    m.step(Event::WaitFor(vec!["db".into()]));
    m
}

#[test]
fn a_scheduled_process_waits_for_its_tick_unless_it_runs_on_start() {
    let mut m = scheduled(false, RestartPolicy::No);
    assert_eq!(m.step(Event::DependenciesMet), vec![]);
    assert_eq!(m.state, State::Scheduled { last: None });
    assert!(!m.is_final(), "a scheduled process keeps the project up");
    assert_eq!(m.step(Event::Tick), vec![Action::Spawn]);

    let mut m = scheduled(true, RestartPolicy::No);
    assert_eq!(m.step(Event::DependenciesMet), vec![Action::Spawn]);
}

#[test]
fn schedule_table() {
    // (state reached from a scheduled run, event, actions, next state)
    let code = |c| Some(ExitStatus::Code(c));
    let table: Vec<(&str, Event, Vec<Action>, State)> = vec![
        ("ran ok", exit(0), vec![Action::StopProbes], State::Scheduled { last: code(0) }),
        ("ran and failed", exit(3), vec![Action::StopProbes], State::Scheduled { last: code(3) }),
        ("tick while running", Event::Tick, vec![], State::Running { pid: 42 }),
        (
            "stop while running",
            Event::Stop,
            vec![Action::StopProbes, Action::Terminate],
            State::Stopping { pid: 42, then: AfterStop::Final },
        ),
    ];
    for (what, event, actions, next) in table {
        let mut m = scheduled(false, RestartPolicy::No);
        m.step(Event::DependenciesMet);
        m.step(Event::Tick);
        m.step(Event::Spawned(42));
        assert_eq!(m.step(event), actions, "{what}");
        assert_eq!(m.state, next, "{what}");
    }
    // A failed spawn waits for the next tick.
    let mut m = scheduled(true, RestartPolicy::No);
    m.step(Event::DependenciesMet);
    m.step(Event::SpawnFailed("no such file".into()));
    assert_eq!(m.state, State::Scheduled { last: None });
    // The restart policy still applies to a run: on_failure restarts a failed run, then it is scheduled again.
    let mut m = scheduled(true, RestartPolicy::OnFailure);
    m.step(Event::DependenciesMet);
    m.step(Event::Spawned(42));
    m.step(exit(1));
    assert!(matches!(m.state, State::Restarting { .. }), "{:?}", m.state);
    m.step(Event::BackoffElapsed);
    m.step(Event::Spawned(43));
    m.step(exit(0));
    assert_eq!(m.state, State::Scheduled { last: code(0) });
}

#[test]
fn stopping_pauses_the_schedule_and_a_restart_resumes_it() {
    let mut m = scheduled(false, RestartPolicy::No);
    m.step(Event::DependenciesMet);
    m.step(Event::Tick);
    m.step(Event::Spawned(42));
    m.step(exit(0));
    assert_eq!(m.step(Event::Stop), vec![]);
    assert_eq!(m.state, State::Stopped { exit: Some(ExitStatus::Code(0)) });
    assert!(m.is_final());
    assert_eq!(m.step(Event::Tick), vec![], "paused");
    assert_eq!(m.state, State::Stopped { exit: Some(ExitStatus::Code(0)) });
    // A restart runs it now; after that run it is scheduled again.
    assert_eq!(m.step(Event::Restart), vec![Action::Spawn]);
    m.step(Event::Spawned(43));
    m.step(exit(0));
    assert_eq!(m.state, State::Scheduled { last: Some(ExitStatus::Code(0)) });
    // A restart request while it waits runs it now too.
    assert_eq!(m.step(Event::Restart), vec![Action::Spawn]);
}

#[test]
fn a_tick_means_nothing_to_a_process_without_a_schedule() {
    let mut m = running(RestartPolicy::No, 0);
    m.step(exit(0));
    assert_eq!(m.step(Event::Tick), vec![]);
    assert_eq!(m.state, State::Completed { exit: ExitStatus::Code(0) });
}

#[test]
fn file_change_table() {
    let running = || running(RestartPolicy::No, 0);
    let completed = || {
        let mut m = running();
        m.step(exit(0));
        m
    };
    let restarting = || {
        let mut m = super::tests::running(RestartPolicy::Always, 0);
        m.step(exit(1));
        m
    };
    let stopped = || {
        let mut m = running();
        m.step(Event::Stop);
        m.step(exit(0));
        m
    };
    let waiting = || {
        let mut m = Machine::new(rules(RestartPolicy::No, 0), false);
        m.step(Event::WaitFor(vec!["db".into()]));
        m
    };
    let waiting_tick = || {
        let mut m = scheduled(false, RestartPolicy::No);
        m.step(Event::DependenciesMet);
        m
    };
    let restart = vec![Action::StopProbes, Action::Terminate];
    // (what, machine, actions on a change, state after)
    let table: Vec<(&str, Machine, Vec<Action>, State)> = vec![
        ("running", running(), restart.clone(), State::Stopping { pid: 42, then: AfterStop::Relaunch }),
        ("completed", completed(), vec![Action::Spawn], State::Starting),
        ("backing off", restarting(), vec![Action::CancelTimer, Action::Spawn], State::Starting),
        ("scheduled", waiting_tick(), vec![Action::Spawn], State::Starting),
        ("stopped: paused", stopped(), vec![], State::Stopped { exit: Some(ExitStatus::Code(0)) }),
        ("not started yet", waiting(), vec![], State::Waiting { on: vec!["db".into()] }),
        ("disabled", Machine::new(rules(RestartPolicy::No, 0), true), vec![], State::Disabled),
    ];
    for (what, mut m, actions, next) in table {
        assert_eq!(m.state.restarts_on_change(), !actions.is_empty(), "{what}");
        assert_eq!(m.step(Event::FilesChanged), actions, "{what}");
        assert_eq!(m.state, next, "{what}");
    }
}

#[test]
fn a_file_change_starts_the_restart_count_and_backoff_over() {
    let mut m = running(RestartPolicy::Always, 3);
    for pid in 0..2 {
        m.step(exit(1));
        m.step(Event::BackoffElapsed);
        m.step(Event::Spawned(pid));
    }
    assert_eq!(m.restarts, 2);
    m.step(Event::FilesChanged);
    assert_eq!(m.restarts, 0);
    assert_eq!(m.step(exit(0)), vec![Action::Spawn], "relaunched at once");
    m.step(Event::Spawned(9));
    m.step(exit(1));
    assert_eq!(m.state, State::Restarting { attempt: 1, delay: Duration::from_millis(100) }, "backoff from the start");
    // A stop under way wins over a change.
    let mut m = running(RestartPolicy::No, 0);
    m.step(Event::Stop);
    assert_eq!(m.step(Event::FilesChanged), vec![]);
    m.step(exit(0));
    assert_eq!(m.state, State::Stopped { exit: Some(ExitStatus::Code(0)) });
}

#[test]
fn a_disabled_process_starts_on_request_only() {
    let mut m = Machine::new(rules(RestartPolicy::No, 0), true);
    assert_eq!(m.state, State::Disabled);
    assert!(m.is_final());
    assert_eq!(m.step(Event::DependenciesMet), vec![], "never started by itself");
    assert_eq!(m.state, State::Disabled);
    assert_eq!(m.step(Event::Restart), vec![Action::Spawn]);
    assert_eq!(m.step(Event::Spawned(7)), vec![Action::StartProbes]);
    assert_eq!(m.state, State::Running { pid: 7 });
}
