-- Changing one's email address: the link goes to the new address and, once followed, the
-- account signs in with it.
alter table account_token drop constraint account_token_purpose_check;
alter table account_token add constraint account_token_purpose_check
    check (purpose in ('verify_email', 'reset_password', 'set_password', 'change_email'));
