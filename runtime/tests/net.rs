//! Sockets as a user sees them: a connection outlives the runtime that made it.

mod support;

use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};
use runtime::time::sleep;
use runtime::Runtime;
use support::bounded;

/// A connected pair made inside `rt`.
fn pair(rt: &Runtime) -> (TcpStream, TcpStream) {
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect_addr(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (client, server)
    })
}

/// Reads one byte in `rt` while a task there writes it a little later, so the read
/// must wait for the socket, and returns the outcome (`Err` is the stuck report).
fn wait_for_a_byte(
    rt: &Runtime,
    client: &mut TcpStream,
    server: &mut TcpStream,
) -> Result<u8, String> {
    rt.try_block_on(async {
        let mut byte = [0u8; 1];
        let read = server.read_exact(&mut byte);
        let write = async {
            sleep(Duration::from_millis(5)).await;
            client.write_all(b"!").await
        };
        let (read, write) = runtime::join(read, write).await;
        read.and(write).map(|()| byte[0])
    })
    .map(|result| result.unwrap())
    .map_err(|stuck| stuck.to_string())
}

#[test]
fn a_connection_made_in_a_dropped_runtime_is_woken_by_the_next_one() {
    bounded(|| {
        let first = Runtime::new().unwrap();
        let (mut client, mut server) = pair(&first);
        drop(first);
        let second = Runtime::new().unwrap();
        assert_eq!(wait_for_a_byte(&second, &mut client, &mut server), Ok(b'!'));
    });
}

#[test]
fn a_connection_moves_back_and_forth_between_two_live_runtimes() {
    bounded(|| {
        let (a, b) = (Runtime::new().unwrap(), Runtime::new().unwrap());
        let (mut client, mut server) = pair(&a);
        for rt in [&b, &a, &b] {
            assert_eq!(wait_for_a_byte(rt, &mut client, &mut server), Ok(b'!'));
        }
    });
}
