//! The traffic the HTTP benchmarks replay, and what they share: realistic
//! API exchanges (JSON requests and responses of about 0.5 to 2 KB,
//! keep-alive connections, some chunked and some gzip-compressed
//! responses) built in memory from a fixed seed, delivered in 1448-byte
//! segments, and the no-rules parse pass every figure is compared with.
//! Included by `benches/http.rs` and `benches/rules.rs`.

use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use flate2::write::GzEncoder;
use palisade_dataplane::flow::Direction;
use palisade_dataplane::http::{HttpConfig, HttpConnection, HttpObserver, Transaction};

/// Connections in the traffic set, and transactions on each.
pub const CONNECTIONS: usize = 64;
pub const PER_CONNECTION: usize = 32;
/// Bytes per delivered segment (a typical MSS with timestamps).
pub const SEGMENT: usize = 1448;
/// One connection: its transactions' request and response bytes, and the
/// decoded response body sizes expected.
pub struct Conn {
    pub exchanges: Vec<(Vec<u8>, Vec<u8>)>,
    pub body_bytes: u64,
}

/// Runs `pass` until `secs` have been measured; passes per second.
pub fn measure(secs: f64, mut pass: impl FnMut()) -> f64 {
    pass();
    let start = Instant::now();
    let mut passes = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        pass();
        passes += 1;
    }
    passes as f64 / start.elapsed().as_secs_f64()
}

/// Counts transactions and decoded response bytes.
#[derive(Default)]
struct Count {
    txs: usize,
    body_bytes: u64,
}

impl HttpObserver for Count {
    fn transaction(&mut self, tx: Transaction) {
        self.txs += 1;
        self.body_bytes += tx.response_body.decoded_len;
        black_box(&tx);
    }
}

/// Feeds one connection's exchanges through a fresh parser in segments,
/// request then response, and closes it.
pub fn replay(conn: &Conn, config: &HttpConfig, obs: &mut impl HttpObserver) {
    let mut http = HttpConnection::new(config);
    for (i, (req, resp)) in conn.exchanges.iter().enumerate() {
        let now = i as u64 * 1_000;
        for seg in req.chunks(SEGMENT) {
            http.data(Direction::ToResponder, seg, now, obs);
        }
        for seg in resp.chunks(SEGMENT) {
            http.data(Direction::ToInitiator, seg, now + 500, obs);
        }
    }
    http.close(1 << 40, obs);
}

pub fn parse_all(traffic: &[Conn]) {
    let config = HttpConfig::default();
    for conn in traffic {
        let mut count = Count::default();
        replay(conn, &config, &mut count);
        assert_eq!(
            count.txs,
            conn.exchanges.len(),
            "every transaction finishes"
        );
        assert_eq!(
            count.body_bytes, conn.body_bytes,
            "every body is decoded whole"
        );
    }
}

/// Seeded generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn traffic() -> Vec<Conn> {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    (0..CONNECTIONS)
        .map(|_| {
            let mut body_bytes = 0;
            let exchanges = (0..PER_CONNECTION)
                .map(|_| {
                    let (req, resp, decoded) = exchange(&mut rng);
                    body_bytes += decoded;
                    (req, resp)
                })
                .collect();
            Conn {
                exchanges,
                body_bytes,
            }
        })
        .collect()
}

/// One request and its response, and the response body's decoded size.
fn exchange(rng: &mut Rng) -> (Vec<u8>, Vec<u8>, u64) {
    let id = 1000 + rng.below(90_000);
    match rng.below(100) {
        0..=39 => {
            let req = request(
                "GET",
                &format!("/api/v1/users/{id}?fields=name,email&include=orders"),
                None,
            );
            let body = json_object(rng, 500, 1500);
            (req, response(200, &body, Shape::Length), body.len() as u64)
        }
        40..=69 => {
            let sent = json_object(rng, 500, 1000);
            let req = request("POST", "/api/v1/orders", Some(&sent));
            let body = json_object(rng, 500, 300);
            (req, response(201, &body, Shape::Length), body.len() as u64)
        }
        70..=84 => {
            let sent = json_object(rng, 500, 500);
            let req = request("PUT", &format!("/api/v1/users/{id}/profile"), Some(&sent));
            let body = json_object(rng, 800, 400);
            (req, response(200, &body, Shape::Chunked), body.len() as u64)
        }
        85..=94 => {
            let page = rng.below(40);
            let req = request(
                "GET",
                &format!("/api/v1/products?page={page}&limit=50"),
                None,
            );
            let body = json_object(rng, 1500, 500);
            (req, response(200, &body, Shape::Gzip), body.len() as u64)
        }
        _ => {
            let req = request("DELETE", &format!("/api/v1/sessions/{id}"), None);
            (req, response(204, b"", Shape::Length), 0)
        }
    }
}

pub fn request(method: &str, target: &str, body: Option<&[u8]>) -> Vec<u8> {
    let mut out = format!(
        "{method} {target} HTTP/1.1\r\nHost: api.example.com\r\n\
         User-Agent: shop-client/4.2 (python-requests/2.31)\r\nAccept: application/json\r\n\
         Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\
         Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSIsInNjb3BlIjoic2hvcCJ9.c2lnbmF0dXJl\r\n\
         X-Request-Id: 7f1c0a52-3b9e-4d21-a1f0-2c7e9d1b5a44\r\n"
    )
    .into_bytes();
    if let Some(body) = body {
        write!(
            out,
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        )
        .ok();
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.unwrap_or_default());
    out
}

#[derive(Clone, Copy)]
enum Shape {
    Length,
    Chunked,
    Gzip,
}

fn response(status: u16, body: &[u8], shape: Shape) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        _ => "No Content",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nServer: gunicorn\r\nDate: Fri, 04 Dec 2026 18:00:00 GMT\r\n\
         Content-Type: application/json\r\nCache-Control: no-store\r\n"
    )
    .into_bytes();
    match shape {
        Shape::Length if status == 204 => out.extend_from_slice(b"\r\n"),
        Shape::Length => {
            write!(out, "Content-Length: {}\r\n\r\n", body.len()).ok();
            out.extend_from_slice(body);
        }
        Shape::Chunked => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for chunk in body.chunks(512) {
                write!(out, "{:x}\r\n", chunk.len()).ok();
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
        }
        Shape::Gzip => {
            let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(body).ok();
            let packed = gz.finish().unwrap_or_default();
            write!(
                out,
                "Content-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                packed.len()
            )
            .ok();
            out.extend_from_slice(&packed);
        }
    }
    out
}

/// A JSON object of `base` bytes plus up to `spread` more, with API-like
/// fields.
pub fn json_object(rng: &mut Rng, base: usize, spread: u64) -> Vec<u8> {
    let size = base + rng.below(spread) as usize;
    let mut out = String::from("{");
    let mut i = 0;
    while out.len() < size {
        if i > 0 {
            out.push(',');
        }
        match i % 4 {
            0 => out.push_str(&format!("\"id_{i}\":{}", rng.below(1_000_000))),
            1 => out.push_str(&format!(
                "\"name_{i}\":\"item {} of the catalogue\"",
                rng.below(999)
            )),
            2 => out.push_str(&format!(
                "\"tags_{i}\":[\"a{}\",\"b{}\"]",
                rng.below(9),
                rng.below(9)
            )),
            _ => out.push_str(&format!(
                "\"price_{i}\":{{\"amount\":{}.{:02},\"currency\":\"EUR\"}}",
                rng.below(500),
                rng.below(100)
            )),
        }
        i += 1;
    }
    out.push('}');
    out.into_bytes()
}
