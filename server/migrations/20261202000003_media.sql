-- Uploaded images (article hero images, clinician photos): public content only. Each upload is
-- decoded by content, resized and re-encoded once; the bytes live here, not on a machine's disk,
-- because every portal process behind the load balancer must serve every image.
create table media_image
(
    -- SHA-256 (lowercase hex) of the stored full-size variant, not of the uploaded file: the key
    -- names exactly the bytes served under it, so its URLs can be cached forever; two uploads
    -- that differ only in stripped metadata (EXIF, location) become one image; and nothing
    -- derived from the original, which may carry a location, is kept.
    media_hash   text primary key check (media_hash ~ '^[0-9a-f]{64}$'),
    content_type text        not null check (content_type in ('image/jpeg', 'image/png')),
    -- The full-size variant's size; the smaller variants keep its aspect ratio.
    width        integer     not null check (width between 1 and 1600),
    height       integer     not null check (height between 1 and 16000),
    uploaded_by  uuid references account (account_id) on delete set null,
    created_at   timestamptz not null default now()
);

-- The resized copies of an image, by width: 1600, 800 and 400 pixels wide, never wider than the
-- upload (a small upload has fewer, the largest being its own width). Written once, never
-- changed: their URLs are served as immutable.
create table media_variant
(
    media_hash text    not null references media_image (media_hash) on delete cascade,
    width      integer not null check (width between 1 and 1600),
    height     integer not null check (height > 0),
    bytes      bytea   not null check (length(bytes) > 0),
    primary key (media_hash, width)
);

-- The hero image at the top of an article, with the text that describes it to people who cannot
-- see it. Revisions are never updated, so older ones simply have none.
alter table article_revision
    add column hero_image text
        constraint article_revision_hero_image_fkey references media_image (media_hash),
    add column hero_alt   text check (length(hero_alt) between 1 and 250),
    add constraint article_revision_hero_pair_check check ((hero_image is null) = (hero_alt is null));

alter table published_article
    add column hero_image text references media_image (media_hash),
    add column hero_alt   text,
    add constraint published_article_hero_pair_check check ((hero_image is null) = (hero_alt is null));
