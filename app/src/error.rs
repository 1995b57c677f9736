//! The one error type every server function returns, compiled for both targets so the UI can
//! `match` on it. Messages are written for patients: they never carry database text, internals or
//! health data. Details go to the server log, keyed by ids only.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("please sign in")]
    Unauthenticated,
    #[error("you don't have access to this")]
    Forbidden,
    /// A staff role's page, before the account has set up a second factor.
    #[error("set up two-step sign-in to use this")]
    SecondFactorRequired,
    #[error("not found")]
    NotFound,
    /// Field name → message in the request's language.
    #[error("please check the highlighted fields")]
    Validation(BTreeMap<String, String>),
    #[error("{0}")]
    Conflict(String),
    #[error("too many requests, please wait a minute and try again")]
    RateLimited,
    /// The database or another dependency did not answer; retrying later can work.
    #[error("the service is temporarily unavailable")]
    Unavailable,
    #[error("something went wrong on our side")]
    Internal,
    /// Encoding or network failure between browser and server. Only the kind is kept: the
    /// underlying text can echo request data.
    #[error("the request could not be completed")]
    Transport(String),
}

impl AppError {
    /// The HTTP status for this error; the only place that mapping lives.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated => 401,
            Self::Forbidden | Self::SecondFactorRequired => 403,
            Self::NotFound => 404,
            Self::Validation(_) => 422,
            Self::Conflict(_) => 409,
            Self::RateLimited => 429,
            Self::Unavailable => 503,
            Self::Internal => 500,
            Self::Transport(_) => 400,
        }
    }

    /// Sets the response status of the request being handled (a page or a server function).
    #[cfg(feature = "ssr")]
    pub fn set_response_status(&self) {
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(self.status()) {
                res.set_status(status);
            }
        }
    }
}

/// Gives a server function's error its HTTP status before returning it. Server functions wrap
/// their body in this, so the status mapping in [`AppError::status`] is applied everywhere.
///
/// A plain form post (no JavaScript) is the exception: server functions answer it with a
/// redirect back to the form, carrying the error in the address, and a status set here would
/// replace that redirect.
#[cfg(feature = "ssr")]
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        let form_post = leptos::prelude::use_context::<http::request::Parts>().is_some_and(|p| {
            p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        });
        if !form_post {
            e.set_response_status();
        }
    }
    result
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(e: ServerFnErrorErr) -> Self {
        let kind = match e {
            ServerFnErrorErr::Registration(_) => "registration",
            ServerFnErrorErr::UnsupportedRequestMethod(_) => "method",
            ServerFnErrorErr::Request(_) => "request",
            ServerFnErrorErr::ServerError(_) => "server",
            ServerFnErrorErr::MiddlewareError(_) => "middleware",
            ServerFnErrorErr::Deserialization(_) => "deserialization",
            ServerFnErrorErr::Serialization(_) => "serialization",
            ServerFnErrorErr::Args(_) => "arguments",
            ServerFnErrorErr::MissingArg(_) => "missing argument",
            ServerFnErrorErr::Response(_) => "response",
        };
        Self::Transport(kind.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(error = %e, "database unavailable");
                Self::Unavailable
            }
            e => {
                // `Debug` of a database error names the constraint or column, never row values.
                tracing::error!(error = ?e, "database error");
                Self::Internal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_a_client_or_server_status() {
        let all = [
            AppError::Unauthenticated,
            AppError::Forbidden,
            AppError::SecondFactorRequired,
            AppError::NotFound,
            AppError::Validation(BTreeMap::new()),
            AppError::Conflict("taken".into()),
            AppError::RateLimited,
            AppError::Unavailable,
            AppError::Internal,
            AppError::Transport("request".into()),
        ];
        for e in all {
            assert!((400..600).contains(&e.status()), "{e:?}");
        }
        assert_eq!(AppError::Unavailable.status(), 503);
    }

    #[test]
    fn transport_errors_do_not_echo_what_was_sent() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(
            "invalid value: diagnosis=diabetes".into(),
        ));
        assert!(!e.to_string().contains("diabetes"));
        assert_eq!(e, AppError::Transport("deserialization".into()));
    }

    #[test]
    fn errors_round_trip_through_json_for_the_browser() {
        let mut fields = BTreeMap::new();
        fields.insert("email".to_string(), "Enter an email address".to_string());
        let e = AppError::Validation(fields);
        let json = serde_json::to_string(&e).unwrap_or_default();
        let back: AppError = serde_json::from_str(&json).unwrap_or(AppError::Internal);
        assert_eq!(back, e);
    }
}
