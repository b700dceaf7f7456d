//! TLS connections: the client's first bytes are held (bounded) until the
//! ClientHello is whole, even when it spans records and TCP segments, then
//! read into a [`TlsInfo`] (SNI, ALPN, offered versions, JA4 and the class
//! of TLS stack) that the connection keeps for its later events.

use std::sync::Arc;

use palisade_rules::ClientClass;

use crate::bot::tls_class;
use crate::tls::{read_handshake, ClientHello, Error, Ja4};

/// Most client bytes held per connection while a ClientHello is
/// incomplete. Real hellos stay under 2 KiB (post-quantum key shares
/// included); the bound keeps connections that never finish theirs cheap.
const MAX_HELD: usize = 8 * 1024;

/// What a ClientHello told about a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    /// Versions offered in `supported_versions`, GREASE left out; the
    /// legacy version alone when the extension is absent.
    pub versions: Vec<u16>,
    pub ja4: Arc<str>,
    pub class: ClientClass,
}

impl TlsInfo {
    /// The highest version offered.
    pub fn version(&self) -> Option<u16> {
        self.versions.iter().copied().max()
    }

    fn of(hello: &ClientHello<'_>) -> Self {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let versions = match &hello.supported_versions {
            Some(list) => list.iter().filter(|v| !crate::tls::is_grease(*v)).collect(),
            None => vec![hello.legacy_version],
        };
        TlsInfo {
            sni: hello.server_name.map(text),
            alpn: hello.alpn.iter().flat_map(|l| l.iter()).map(text).collect(),
            versions,
            ja4: Arc::from(Ja4::of(hello).to_string()),
            class: tls_class(hello),
        }
    }
}

/// The name of a TLS version as EVE writes it.
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSLv3".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

/// The client bytes of a TLS connection until its ClientHello is read.
#[derive(Debug, Default)]
pub(super) struct HelloBuffer {
    held: Vec<u8>,
}

/// Where reading the ClientHello stands.
#[derive(Debug)]
pub(super) enum Hello {
    NeedMore,
    Read(TlsInfo),
    /// Not a ClientHello, malformed, or over the size bound.
    Failed,
}

impl HelloBuffer {
    /// Adds client bytes and tries to read the hello.
    pub(super) fn feed(&mut self, bytes: &[u8]) -> Hello {
        let room = MAX_HELD.saturating_sub(self.held.len());
        self.held.extend_from_slice(&bytes[..bytes.len().min(room)]);
        let outcome = read_handshake(&self.held).and_then(|message| {
            let hello = ClientHello::from_message(&message)?;
            Ok(TlsInfo::of(&hello))
        });
        match outcome {
            Ok(info) => Hello::Read(info),
            Err(Error::NeedMore) if self.held.len() < MAX_HELD => Hello::NeedMore,
            Err(_) => Hello::Failed,
        }
    }
}
