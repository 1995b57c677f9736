//! Identity and access: accounts, their passwords and their signed-in sessions.
//!
//! Invariants: a password is stored only as an argon2id hash computed off the async threads, at
//! most two at a time; a session token exists only in the person's cookie, the database holds
//! its SHA-256; a session ends at sign-out, after its idle timeout, or at its absolute lifetime,
//! whichever comes first, and every check takes the current time as an argument so the rules are
//! tested with a controllable clock. Sign-in pages, second factors (authenticator apps and
//! passkeys), proxies and the authorization matrix build on this module.

#[cfg(feature = "ssr")]
pub mod access;
#[cfg(feature = "ssr")]
pub mod account;
mod api;
#[cfg(feature = "ssr")]
mod device;
mod enrol;
mod enrol_ui;
#[cfg(feature = "ssr")]
pub mod link_token;
#[cfg(feature = "ssr")]
pub mod passkey;
mod passkey_api;
mod passkey_ui;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod second_factor;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod session;
pub(crate) mod two_factor;
mod two_factor_ui;
mod ui;

pub use api::*;
pub use enrol::*;
pub use enrol_ui::{
    CheckEmailPage, ForgotPasswordPage, ResetPasswordPage, SignUpPage, VerifyEmailPage,
};
pub use passkey_api::*;
pub use passkey_ui::{PasskeyAdd, PasskeySignIn, PasskeyWords, PasskeysPage};
pub use two_factor::*;
pub use two_factor_ui::{SecondFactorPage, TwoFactorPage};
pub use ui::{AccountPage, SignInPage};
