//! What happens between a socket becoming readable and the task's next poll.
//!
//! Run with: `cargo run --example readiness` (the timeline is on; add `--trace-json PATH`
//! for a Perfetto file).
//!
//! A server task waits to read from a loopback connection; `main` writes five bytes a
//! moment later. Look for the reactor's `unpark` with one I/O event, the `wake` whose cause
//! is `io(token N, readable|writable)` (epoll reports all the readiness the socket has, and
//! it is writable too), and the reader's next `poll`, in that order.

use std::process::ExitCode;
use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};
use tinyloop::cli::{Command, Out, Trace};

const COMMAND: Command<'static> = Command {
    name: "readiness",
    usage: "usage: readiness [--trace] [--trace-json PATH] [--trace-html PATH]",
    details: Trace::TIMELINE_DETAILS,
};

fn main() -> ExitCode {
    // The timeline is the point of this example, so it is always on; `--trace-json PATH`
    // adds the Chrome trace.
    let (rt, trace) = match Trace::timeline_runtime(&COMMAND) {
        Ok(started) => started,
        Err(status) => return status,
    };
    let received = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let mut client = TcpStream::connect_addr(listener.local_addr()?).await?;
        let (mut server, _) = listener.accept().await?;
        eprintln!("  | the server socket is token {}", server.token());
        let reader = runtime::spawn_named("reader", async move {
            let mut buf = [0u8; 5];
            server.read_exact(&mut buf).await.map(|()| buf)
        });
        runtime::time::sleep(Duration::from_millis(5)).await;
        eprintln!("  | main writes 5 bytes now");
        client.write_all(b"hello").await?;
        let bytes = reader.await.map_err(std::io::Error::other)??;
        Ok::<_, std::io::Error>(bytes)
    });
    drop(rt); // prints the per-task summary
    if let Err(e) = trace.finish() {
        return COMMAND.failed(e);
    }
    match received {
        Ok(bytes) => {
            let out = Out::new();
            out.line(format_args!(
                "reader got {:?}",
                String::from_utf8_lossy(&bytes)
            ));
            out.ended().unwrap_or(ExitCode::SUCCESS)
        }
        // A loopback socket refused: the system is out of sockets or ports.
        Err(e) => COMMAND.failed(format_args!("loopback I/O failed: {e}")),
    }
}
