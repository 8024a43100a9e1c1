//! Pseudo-terminals for `is_tty` processes: the child gets the terminal side as its controlling terminal and
//! standard streams (tools that check for a terminal keep their colours and line buffering); the supervisor reads
//! the master side line by line like a pipe.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The terminal size the child sees.
const COLUMNS: u16 = 120;
const ROWS: u16 = 40;

/// A pseudo-terminal pair: `master` (non-blocking, read by the supervisor) and `terminal` (the child's side).
pub(crate) struct Pty {
    pub master: OwnedFd,
    pub terminal: OwnedFd,
}

impl Pty {
    /// Opens a pair. Output post-processing (`\n` -> `\r\n`) is turned off, so that lines read back as written.
    pub(crate) fn open() -> io::Result<Pty> {
        // SAFETY: posix_openpt takes flags only and returns a new descriptor (or -1).
        let master = unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
        if master < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: posix_openpt returned a fresh descriptor that nobody else owns.
        let master = unsafe { OwnedFd::from_raw_fd(master) };
        let fd = master.as_raw_fd();
        // SAFETY: grantpt and unlockpt act on the master descriptor only.
        if unsafe { libc::grantpt(fd) } != 0 || unsafe { libc::unlockpt(fd) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut name = [0 as libc::c_char; 128];
        // SAFETY: ptsname_r writes a NUL-terminated path of at most `name.len()` bytes into `name`, a live local.
        if unsafe { libc::ptsname_r(fd, name.as_mut_ptr(), name.len()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `name` is NUL-terminated (ptsname_r succeeded).
        let terminal = unsafe { libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
        if terminal < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: open returned a fresh descriptor that nobody else owns.
        let terminal = unsafe { OwnedFd::from_raw_fd(terminal) };
        // SAFETY: termios is plain data; tcgetattr fills it in completely.
        let mut termios: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: tcgetattr writes into `termios`, a live local.
        if unsafe { libc::tcgetattr(terminal.as_raw_fd(), &mut termios) } != 0 {
            return Err(io::Error::last_os_error());
        }
        termios.c_oflag &= !libc::ONLCR;
        // Nobody types into it: no echo of what a program might write to its own terminal input.
        termios.c_lflag &= !(libc::ECHO | libc::ECHONL);
        // SAFETY: tcsetattr reads `termios`, a live local.
        if unsafe { libc::tcsetattr(terminal.as_raw_fd(), libc::TCSANOW, &termios) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let size = libc::winsize { ws_row: ROWS, ws_col: COLUMNS, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: TIOCSWINSZ reads a winsize from `size`, a live local.
        if unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &size) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fcntl on the master descriptor with plain flags: the supervisor reads it through epoll.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        // SAFETY: as above.
        if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Pty { master, terminal })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hangup_errno_the_log_reader_expects_is_the_systems() {
        assert_eq!(crate::logs::PTY_HANGUP_ERRNO, libc::EIO);
    }

    #[test]
    fn a_pair_opens_and_what_the_terminal_side_writes_reads_back_unchanged() {
        let pty = Pty::open().unwrap();
        // SAFETY: isatty on a live descriptor.
        assert_eq!(unsafe { libc::isatty(pty.terminal.as_raw_fd()) }, 1);
        let text = b"one\ntwo\n";
        // SAFETY: write reads `text`, a live local.
        let written = unsafe { libc::write(pty.terminal.as_raw_fd(), text.as_ptr().cast(), text.len()) };
        assert_eq!(written, text.len() as isize);
        let mut buf = [0u8; 64];
        let mut got = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while got.len() < text.len() && std::time::Instant::now() < deadline {
            // SAFETY: read writes at most `buf.len()` bytes into `buf`, a live local.
            let n = unsafe { libc::read(pty.master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n > 0 {
                got.extend_from_slice(&buf[..n as usize]);
            } else {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        assert_eq!(got, text, "no \\r added");
    }
}
