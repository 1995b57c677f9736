-- Accounts an administrator creates get a link to choose their first password (valid 72 hours).
alter table account_token drop constraint account_token_purpose_check;
alter table account_token add constraint account_token_purpose_check
    check (purpose in ('verify_email', 'reset_password', 'set_password'));
