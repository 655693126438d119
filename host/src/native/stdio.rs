//! The protocol owns stdout. A C library (llama.cpp, a TLS stack) that prints would
//! corrupt a frame, so at start-up we move the protocol onto a private duplicate of fd 1
//! and point fd 1 at stderr: anything printed later lands in the log, never in a frame.
//!
//! The only module allowed `unsafe` (the workspace denies it): the fd calls have no safe API.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;

/// Returns the protocol's private stdout. Call once, before any thread starts.
#[cfg(unix)]
pub fn take_protocol_stdout() -> io::Result<File> {
    use std::os::fd::FromRawFd;
    // SAFETY: plain descriptor syscalls on fds 1 and 2; the duplicate is owned by the File.
    unsafe {
        let private = libc::dup(libc::STDOUT_FILENO);
        if private < 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::fcntl(private, libc::F_SETFD, libc::FD_CLOEXEC) < 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(File::from_raw_fd(private))
    }
}

#[cfg(not(unix))]
pub fn take_protocol_stdout() -> io::Result<File> {
    // Windows: the handle swap is not done yet; stdout is used as it is.
    Err(io::Error::new(io::ErrorKind::Unsupported, "stdout redirection is unix-only"))
}
