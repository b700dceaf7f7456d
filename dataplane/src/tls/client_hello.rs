//! The ClientHello message (RFC 8446 section 4.1.2, and its TLS 1.0-1.2
//! forms), as a view over the message body.
//!
//! [`ClientHello::parse`] checks every length once. The fields and the
//! extension block keep the client's bytes and order; the extensions that
//! fingerprints and policies read (server name, ALPN, supported versions,
//! signature algorithms) are decoded as well.

use super::extension::{parse_server_name, AlpnList, ExtensionType, Extensions, U16List};
use super::reader::Reader;
use super::record::{HandshakeMessage, HandshakeType};
use super::{Error, Field};

const RANDOM_LEN: usize = 32;
const MAX_SESSION_ID_LEN: usize = 32;

/// A parsed ClientHello, borrowing the message bytes.
#[derive(Debug, Clone)]
pub struct ClientHello<'a> {
    /// `legacy_version` (0x0303 for TLS 1.2 and 1.3 clients).
    pub legacy_version: u16,
    /// The 32-byte client random.
    pub random: &'a [u8],
    /// `legacy_session_id`, 0 to 32 bytes.
    pub session_id: &'a [u8],
    /// Cipher suites in the client's order, GREASE included.
    pub cipher_suites: U16List<'a>,
    /// `legacy_compression_methods`.
    pub compression_methods: &'a [u8],
    /// Every extension in the client's order, GREASE included.
    pub extensions: Extensions<'a>,
    /// The first `host_name` of the `server_name` extension.
    pub server_name: Option<&'a [u8]>,
    /// The ALPN protocol names, when the extension is present.
    pub alpn: Option<AlpnList<'a>>,
    /// The `supported_versions` list, when the extension is present.
    pub supported_versions: Option<U16List<'a>>,
    /// The `signature_algorithms` list, when the extension is present.
    pub signature_algorithms: Option<U16List<'a>>,
}

impl<'a> ClientHello<'a> {
    /// Parses a handshake message that must be a ClientHello.
    pub fn from_message(message: &'a HandshakeMessage<'_>) -> Result<Self, Error> {
        match message.msg_type() {
            HandshakeType::ClientHello => Self::parse(message.body()),
            other => Err(Error::NotClientHello(other)),
        }
    }

    /// Parses a ClientHello body (the handshake header already removed).
    pub fn parse(body: &'a [u8]) -> Result<Self, Error> {
        let mut reader = Reader::new(body);
        let legacy_version = reader.u16(Field::Hello)?;
        let random = reader.take(RANDOM_LEN, Field::Hello)?;
        let session_id = reader.vec8(Field::SessionId)?;
        if session_id.len() > MAX_SESSION_ID_LEN {
            return Err(Error::SessionIdTooLong);
        }

        let cipher_suites = U16List::new(reader.vec16(Field::CipherSuites)?, Field::CipherSuites)?;
        let compression_methods = reader.vec8(Field::CompressionMethods)?;

        // Hellos before TLS 1.2 may end here, with no extension block.
        let extensions = match reader.is_empty() {
            true => Extensions::default(),
            false => Extensions::new(reader.vec16(Field::Extensions)?)?,
        };
        reader.finish(Field::Extensions)?;

        let mut hello = Self {
            legacy_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
            server_name: None,
            alpn: None,
            supported_versions: None,
            signature_algorithms: None,
        };
        hello.decode_known_extensions()?;
        Ok(hello)
    }

    /// True when the client sent a `server_name` extension.
    pub fn has_server_name_extension(&self) -> bool {
        self.extensions.find(ExtensionType::SERVER_NAME).is_some()
    }

    /// Decodes the first extension of each type this view exposes.
    fn decode_known_extensions(&mut self) -> Result<(), Error> {
        let extensions = self.extensions;
        if let Some(body) = extensions.find(ExtensionType::SERVER_NAME) {
            self.server_name = parse_server_name(body)?;
        }
        if let Some(body) = extensions.find(ExtensionType::ALPN) {
            self.alpn = Some(AlpnList::new(body)?);
        }

        let versions = extensions.find(ExtensionType::SUPPORTED_VERSIONS);
        if let Some(body) = versions {
            let list = U16List::prefixed(body, 1, Field::SupportedVersions)?;
            self.supported_versions = Some(list);
        }
        let schemes = extensions.find(ExtensionType::SIGNATURE_ALGORITHMS);
        if let Some(body) = schemes {
            let list = U16List::prefixed(body, 2, Field::SignatureAlgorithms)?;
            self.signature_algorithms = Some(list);
        }
        Ok(())
    }
}
