-- Health library: articles and condition guides. Editors write revisions; a medical reviewer who
-- did not write the article approves one revision; an editor publishes it now or at a time; the
-- public only ever sees a published, reviewed revision, rendered once at publication.
create extension if not exists pg_trgm;

create table library_category
(
    category_id uuid primary key default gen_random_uuid(),
    slug        text        not null
        constraint library_category_slug_key unique
        check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
    name_en     text        not null check (length(name_en) between 1 and 80),
    name_es     text        not null check (length(name_es) between 1 and 80),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
select trigger_updated_at('library_category');

create table article
(
    article_id             uuid primary key,
    language               text        not null check (language in ('en', 'es')),
    -- The English article this one translates: one Spanish version each, reviewed on its own.
    translation_of         uuid references article (article_id) on delete set null
        constraint article_translation_key unique,
    kind                   text        not null check (kind in ('article', 'condition_guide')),
    slug                   text        not null
        check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 120),
    author_id              uuid        not null references account (account_id),
    -- Where the working copy (the newest revision) is in the workflow.
    status                 text        not null default 'draft'
        check (status in ('draft', 'in_review', 'approved', 'published')),
    -- The newest revision's number. A save names the version it started from, so a second
    -- editor saving the same article at once is told instead of overwriting silently.
    version                integer     not null default 1 check (version > 0),
    -- The revision a reviewer approved, by whom and when; cleared by the next save.
    approved_revision      integer,
    reviewed_by            uuid references account (account_id),
    reviewed_at            timestamptz,
    -- A reviewer's reason for sending the article back (shown to editors, not the public).
    review_note            text check (length(review_note) <= 2000),
    review_interval_months integer     not null default 12 check (review_interval_months between 1 and 60),
    featured               boolean     not null default false,
    created_at             timestamptz not null default now(),
    updated_at             timestamptz not null default now(),
    constraint article_language_slug_key unique (language, slug),
    check (translation_of is null or language = 'es'),
    check ((approved_revision is null) = (reviewed_by is null))
);
select trigger_updated_at('article');

-- The same article in the other language: an English article's Spanish version, or a Spanish
-- version's English original (one query for the public page, the sitemap and the editors).
create function article_counterpart(article_id uuid) returns uuid
    language sql stable parallel safe
as $$
select coalesce((select a.translation_of from article a where a.article_id = $1),
                (select t.article_id from article t where t.translation_of = $1))
$$;
create index article_status_idx on article (status, updated_at desc);

-- Every save keeps a revision; nothing here is ever updated or deleted (restoring an old
-- revision saves it again as the newest).
create table article_revision
(
    article_id  uuid        not null references article (article_id) on delete cascade,
    number      integer     not null check (number > 0),
    title       text        not null check (length(title) between 1 and 200),
    summary     text        not null check (length(summary) <= 500),
    body        text        not null check (length(body) <= 100000),
    category_id uuid references library_category (category_id),
    tags        text[]      not null default '{}',
    -- [{system, code, display}]: ICD-10-CM or SNOMED CT codes the article is about.
    conditions  jsonb       not null default '[]',
    -- [{title, url}]: the citations shown under the article.
    sources     jsonb       not null default '[]',
    saved_by    uuid        not null references account (account_id),
    saved_at    timestamptz not null default now(),
    -- Why this revision exists when it is not an ordinary save ("restored from revision 3").
    note        text check (length(note) <= 200),
    primary key (article_id, number)
);

-- array_to_string is only "stable" (it could depend on settings for some element types); for
-- text[] it cannot, so this wrapper may be used in the generated search column.
create function library_tags_text(tags text[]) returns text
    language sql immutable parallel safe
as $$ select array_to_string(tags, ' ') $$;

-- What the public reads: the approved revision rendered and sanitised once at publication, with
-- the names shown as trust signals. Visible from `visible_from`: a scheduled publication needs
-- no job, because every public query compares it with now().
create table published_article
(
    article_id       uuid primary key references article (article_id) on delete cascade,
    language         text        not null check (language in ('en', 'es')),
    slug             text        not null,
    kind             text        not null,
    revision         integer     not null,
    title            text        not null,
    summary          text        not null,
    body_html        text        not null,
    -- The body as plain text, for search and its snippets.
    body_text        text        not null,
    reading_minutes  integer     not null check (reading_minutes > 0),
    category_id      uuid references library_category (category_id),
    tags             text[]      not null default '{}',
    conditions       jsonb       not null default '[]',
    sources          jsonb       not null default '[]',
    author_name      text        not null,
    reviewer_name    text        not null,
    featured         boolean     not null default false,
    visible_from     timestamptz not null,
    last_reviewed_at timestamptz not null,
    review_due_at    timestamptz not null,
    search_document  tsvector generated always as (
        setweight(to_tsvector(case language when 'es' then 'spanish'::regconfig else 'english'::regconfig end,
                              title), 'A') ||
        setweight(to_tsvector(case language when 'es' then 'spanish'::regconfig else 'english'::regconfig end,
                              summary || ' ' || library_tags_text(tags)), 'B') ||
        setweight(to_tsvector(case language when 'es' then 'spanish'::regconfig else 'english'::regconfig end,
                              body_text), 'C')
        ) stored,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    constraint published_article_language_slug_key unique (language, slug)
);
-- No updated_at trigger: its whole-row WHEN cannot see generated columns. Publication sets it.
create index published_article_search_idx on published_article using gin (search_document);
-- Typo tolerance: titles matched by trigram word similarity when full-text search finds nothing.
create index published_article_title_trgm_idx on published_article using gin (lower(title) gin_trgm_ops);
create index published_article_latest_idx on published_article (language, visible_from desc);
create index published_article_category_idx on published_article (category_id, visible_from desc);
create index published_article_tags_idx on published_article using gin (tags);
create index published_article_review_due_idx on published_article (review_due_at);

-- Views per article per day: a counter, no cookie, no address, no person.
create table article_view_day
(
    article_id uuid    not null references article (article_id) on delete cascade,
    day        date    not null,
    views      integer not null default 0 check (views >= 0),
    primary key (article_id, day)
);

-- The words published articles use, per language: a search that finds nothing is retried with
-- each unknown word replaced by its closest known word ("diabetis" → "diabetes").
create table library_word
(
    language text not null check (language in ('en', 'es')),
    word     text not null check (length(word) between 3 and 40),
    primary key (language, word)
);
create index library_word_trgm_idx on library_word using gin (word gin_trgm_ops);

-- What an editor typed when a save was refused (a problem in the form, or someone else saved
-- first), kept so the form comes back whole even without JavaScript. Only its author reads it.
create table article_form_draft
(
    draft_id   uuid primary key,
    account_id uuid        not null references account (account_id) on delete cascade,
    article_id uuid references article (article_id) on delete cascade,
    form       jsonb       not null,
    created_at timestamptz not null default now()
);
create index article_form_draft_account_idx on article_form_draft (account_id, created_at);
