-- A session started with the right password by an account that has a second factor waits for
-- its code: it signs nobody in (every check treats it as absent) except on the code step, and
-- it is replaced by a new session, with a new token, when the code is right.
alter table session add column awaiting_second_factor boolean not null default false;
