-- Shared pacing of outgoing mail: for each key (a provider, a workspace's campaigns) the time from
-- which the next send is free. A sender reserves its sends by pushing it forward and waits until its
-- own start, so every worker together keeps to the rate without talking to the others.
CREATE TABLE mail_send_slots (
    key text PRIMARY KEY,
    next_free timestamptz NOT NULL
);
