//! The workloads under our supervisor: reads the workload (`SVC_BENCH_SPEC`), builds a `svc_core::Project` from
//! it with the public builder API, and hands it to `svc_cli::run`, the same CLI entry a user's `main` calls
//! (no arguments: `up`).

use std::process::ExitCode;
use std::time::Duration;

use svc_bench::spec::{ProcSpec, Restart, Spec};
use svc_core::{Availability, Command, Condition, Probe, Process, Project, RestartPolicy};

fn main() -> ExitCode {
    let spec = match Spec::from_env() {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("ours: {e}");
            return ExitCode::from(2);
        }
    };
    let project =
        spec.processes.iter().fold(Project::new("bench"), |project, p| project.process(&p.name, process(p, &spec)));
    svc_cli::run(project)
}

/// The `Process` equivalent of a workload entry.
fn process(p: &ProcSpec, spec: &Spec) -> Process {
    let mut process = Process::from_command(Command::Exec(p.argv.clone()));
    for (key, value) in &p.env {
        process = process.env(key, value);
    }
    if let Restart::Always { backoff_ms } = p.restart {
        let mut availability = Availability::restart(RestartPolicy::Always);
        if let Some(ms) = backoff_ms {
            availability = availability.backoff(Duration::from_millis(ms));
        }
        process = process.availability(availability);
    }
    if let Some(probe) = &p.probe {
        process = process.readiness_probe(
            Probe::exec(Command::Exec(probe.argv.clone()))
                .initial_delay(Duration::from_millis(probe.initial_delay_ms))
                .period(Duration::from_millis(probe.period_ms)),
        );
    }
    for dep in &p.depends_on {
        // The baseline's rule: a dependency with a probe must be healthy, one without must have started.
        let has_probe = spec.index_of(dep).is_some_and(|i| spec.processes[i].probe.is_some());
        let condition = if has_probe { Condition::ProcessHealthy } else { Condition::ProcessStarted };
        process = process.depends_on(dep, condition);
    }
    process
}
