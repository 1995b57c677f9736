-- An appointment email carries the visit as an iCalendar file (RFC 5545): when, where and with
-- whom, never the reason. It is cleared with the bodies a week after delivery.
alter table email_outbox
    add column calendar        text check (length(calendar) <= 20000),
    -- The iTIP method, which the attachment's content type names: REQUEST or CANCEL.
    add column calendar_method text check (calendar_method in ('REQUEST', 'CANCEL')),
    add check ((calendar is null) or (calendar_method is not null));
