-- What administrators change about an item beyond CMS's data (its plain-language names and
-- summaries, whether it is shoppable, and the shoppable service it is usually billed with),
-- kept as each version after the change: an edit never erases what was there before.
create table price_item_edit
(
    price_item_edit_id uuid primary key default gen_random_uuid(),
    price_item_id      uuid        not null references price_item on delete cascade,
    account_id         uuid        not null references account,
    name_en            text        not null,
    name_es            text        not null,
    summary_en         text        not null,
    summary_es         text        not null,
    shoppable          boolean     not null,
    ancillary_of       uuid,
    created_at         timestamptz not null default now()
);
create index price_item_edit_item_idx on price_item_edit (price_item_id, created_at desc);
