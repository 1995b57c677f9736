//! Health library: articles and condition guides that attract patients with trustworthy
//! content. Editors write in Markdown and every save keeps a revision; a medical reviewer who
//! neither wrote the article nor saved the revision approves it; an editor publishes the approved
//! revision now or at a set time; published articles fall due for re-review after an interval
//! (12 months by default). Each English article may have a Spanish version with its own review.
//!
//! Invariants: the public sees only `published_article` rows whose `visible_from` has passed,
//! rendered once through the one sanitiser in `markdown`; two editors saving at once never
//! overwrite each other silently (each save names the version it started from); every editorial
//! step checks the caller's role and second factor first and is audited; views are counted per
//! article per day with no cookie or personal data.

mod api;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
mod diff;
mod domain;
mod editor_ui;
mod live;
#[cfg(feature = "ssr")]
pub mod markdown;
mod ui;

pub use api::*;
pub use domain::*;
pub use editor_ui::{EditorArticlePage, EditorComparePage, EditorPage};
pub use live::{PreviewAsYouType, SearchAsYouType};
pub(crate) use ui::urlencode;
pub use ui::{
    site_origin, ArticlePage, Cards, LibraryPage, Pager, SearchForm, SearchPage, TagPage, TopicPage,
};
