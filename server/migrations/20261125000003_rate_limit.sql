-- Request counts per key (e.g. one client address on the sign-in endpoints) in fixed one-minute
-- windows, shared by every server process. Unlogged: losing counts in a database crash only
-- resets limits, and it spares the write-ahead log a write per sign-in attempt. Windows older
-- than an hour are deleted by the daily housekeeping job.
create unlogged table rate_limit_window
(
    key          text        not null check (length(key) <= 200),
    window_start timestamptz not null,
    hits         integer     not null,
    primary key (key, window_start)
);
