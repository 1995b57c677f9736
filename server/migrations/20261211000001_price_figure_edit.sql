-- An item's edit history must outlive re-imports: an import deletes and re-inserts the items
-- (keeping their ids), and the cascade on price_item_edit used to erase every edit with them.
alter table price_item_edit drop constraint price_item_edit_price_item_id_fkey;

-- Administrators correct a charge's figures (gross, cash, lowest and highest negotiated) or a
-- payer's rate (dollar amount, percentage) in the portal. Each changed figure is one row, with
-- its value before and after, so a correction never erases what was published before. Items
-- and charges are not referenced: an import replaces them, and the history stays.
create table price_figure_edit
(
    price_figure_edit_id uuid primary key default gen_random_uuid(),
    price_item_id        uuid        not null,
    account_id           uuid        not null references account,
    setting              text        not null check (setting in ('inpatient', 'outpatient', 'both')),
    modifiers            text[]      not null default '{}',
    -- The payer's plan for a rate's figures; null for the charge's own.
    price_plan_id        uuid references price_plan,
    figure               text        not null check (figure in ('gross', 'cash', 'min', 'max', 'dollar', 'percentage')),
    -- Money in cents, a percentage as written; null when the figure was (or became) blank.
    before_value         numeric,
    after_value          numeric,
    created_at           timestamptz not null default now(),
    check (before_value is distinct from after_value),
    check ((price_plan_id is null) = (figure in ('gross', 'cash', 'min', 'max')))
);
create index price_figure_edit_item_idx on price_figure_edit (price_item_id, created_at desc);
