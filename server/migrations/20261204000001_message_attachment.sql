-- Files attached to messages: photos (JPEG, PNG, WebP) and PDFs, recognised by their content
-- when posted. They are served only through /messages/attachments/{id}, as downloads, to whoever
-- may read the message (an internal note's files only to staff).
create table message_attachment
(
    attachment_id uuid primary key,
    message_id    uuid        not null references message on delete cascade,
    -- The order they were chosen in.
    position      smallint    not null check (position between 0 and 9),
    file_name     text        not null check (length(file_name) between 1 and 200),
    content_type  text        not null
        check (content_type in ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
    byte_size     integer     not null check (byte_size between 1 and 10485760),
    content       bytea       not null,
    created_at    timestamptz not null default now(),
    unique (message_id, position)
);
-- These formats are compressed already: storing them uncompressed saves the server the work.
alter table message_attachment alter column content set storage external;
