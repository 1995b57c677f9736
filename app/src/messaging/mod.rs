//! Secure messaging: a patient (or someone acting for them with the messages scope) writes to
//! the care team by topic; each conversation is a request whose status the patient follows —
//! received, in progress, waiting for you, done — with a timeline and the reply target of the
//! queue it sits in. Staff answer from queues (per team or location) and their own assignments.
//!
//! Invariants: messages are append-only and shown as text, never HTML; internal notes never
//! reach the patient's side (every patient-side query filters them, and the tests check it);
//! staff see only the conversations of their queues and those assigned to them; every read is
//! audited; a message's words never appear in emails, logs, URLs or notifications, which say
//! only that something is waiting; text that failed to send is kept as a draft; and attached
//! files are photos or PDFs by their content, downloaded only by those who may read them.
mod api;
pub mod attachment;
pub mod canned;
#[cfg(feature = "ssr")]
pub mod db;
mod domain;
pub mod live;
#[cfg(feature = "ssr")]
pub mod routing;
mod staff_ui;
mod ui;

pub use api::*;
pub use canned::{
    canned_replies_admin, delete_canned_reply, save_canned_reply, CannedRepliesAdmin,
    CannedRepliesPage, CannedReplyRow, DeleteCannedReply, SaveCannedReply,
};
pub use domain::*;
pub use staff_ui::{StaffConversationPage, StaffInboxPage};
pub(crate) use ui::status_name;
pub use ui::{
    ConversationPage, MessagesPage, NavigatorCard, NewMessagePage, NotificationsPage, OpenRequests,
};
