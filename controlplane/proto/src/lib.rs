//! The control protocol of Palisade, defined once and shared by the control
//! plane (`palisade serve`), the dataplane's control client and the
//! `palisade` CLI.
//!
//! Every message travels as one frame ([`frame`]): a 4-byte big-endian
//! length, a 2-byte protocol version, then the message as JSON. A frame
//! larger than [`MAX_FRAME_BYTES`] or of a version outside
//! [`MIN_VERSION`]..=[`VERSION`] is refused with a [`FrameError`] that says
//! why. Messages ([`Message`]) tolerate fields they do not know, so a newer
//! peer may add optional fields without breaking an older one.
//!
//! This crate does no I/O of its own beyond reading and writing frames on a
//! stream the caller opened.
#![forbid(unsafe_code)]

pub mod cli;
pub mod frame;
pub mod inventory;
pub mod message;
pub mod telemetry;

pub use cli::{
    DataplaneStats, DataplaneStatus, ErrorKind, EventQuery, Request, Response, StoredEvent,
    VersionInfo,
};
pub use frame::{
    decode, encode, read_frame, write_frame, FrameError, MAX_FRAME_BYTES, MIN_VERSION, VERSION,
};
pub use inventory::{
    spec_document, HostInventory, InventoryUpdate, MergedHost, SpecBinding, SpecSet, Welcome,
    FEATURE_INVENTORY, FEATURE_SPEC,
};
pub use message::{Ack, Events, Message, Register, RuleFile, Ruleset};
pub use telemetry::{Counters, Histogram, PortCounters, WorkerCounters};
