//! The pure signal table of [`crate::child::signal`] checked against `libc`: the pure layers use plain numbers,
//! this test makes sure they are the system's.

#[cfg(test)]
mod tests {
    use crate::child::signal;

    #[test]
    fn the_pure_signal_numbers_are_the_systems() {
        let system = [
            (libc::SIGHUP, "SIGHUP"),
            (libc::SIGINT, "SIGINT"),
            (libc::SIGQUIT, "SIGQUIT"),
            (libc::SIGILL, "SIGILL"),
            (libc::SIGABRT, "SIGABRT"),
            (libc::SIGBUS, "SIGBUS"),
            (libc::SIGFPE, "SIGFPE"),
            (libc::SIGKILL, "SIGKILL"),
            (libc::SIGUSR1, "SIGUSR1"),
            (libc::SIGSEGV, "SIGSEGV"),
            (libc::SIGUSR2, "SIGUSR2"),
            (libc::SIGPIPE, "SIGPIPE"),
            (libc::SIGALRM, "SIGALRM"),
            (libc::SIGTERM, "SIGTERM"),
        ];
        assert_eq!(signal::NAMED, system);
        for (number, name) in system {
            assert_eq!(signal::name(number), name);
        }
    }
}
