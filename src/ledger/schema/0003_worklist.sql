-- Issue 18: re-billing rejected claims, reopening requests and the worklist's state.

-- A claim billed again as a new original (`claimkit rebill`): a clearinghouse or payer rejected it
-- (TA1, 999, 277CA) or the payer returned it unprocessable (CLP02 4 with MA130). The rejected claim
-- stays as it was sent; the next build bills its encounter with a new CLM01 (new_pcn).
CREATE TABLE claim_rebills (
    pcn TEXT NOT NULL PRIMARY KEY REFERENCES claims (pcn),
    encounter_id TEXT NOT NULL REFERENCES encounters (id),
    reason TEXT NOT NULL,               -- why it may be billed again, without patient data
    requested_at TEXT NOT NULL,
    new_pcn TEXT REFERENCES claims (pcn)
) WITHOUT ROWID;
CREATE INDEX claim_rebills_encounter ON claim_rebills (encounter_id);

-- The claims in force for billing: every claim but those re-billed as new.
CREATE VIEW claims_not_rebilled AS
    SELECT c.* FROM claims c WHERE NOT EXISTS (SELECT 1 FROM claim_rebills r WHERE r.pcn = c.pcn);

-- Work a command opened rather than a posting: a reopening request for a payer that takes no
-- corrected claims (`corrections = "reopening"`).
CREATE TABLE worklist_requests (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind = 'reopening'),
    pcn TEXT NOT NULL REFERENCES claims (pcn),
    payer_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action = 'correct' OR action = 'void'),
    detail TEXT NOT NULL,               -- what changed, without patient data
    opened_at TEXT NOT NULL
);
CREATE INDEX worklist_requests_pcn ON worklist_requests (pcn);

-- What a biller did to a worklist item. An item's id is derived from its cause (the same on every
-- run while the cause stands); this table holds its state once someone acted on it.
CREATE TABLE worklist_items (
    id TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state = 'open' OR state = 'done'),
    assignee TEXT,
    snoozed_until TEXT,                 -- YYYY-MM-DD: hidden from the open list until then
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- Every action on an item: who, when, what, and the note given.
CREATE TABLE worklist_history (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES worklist_items (id),
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action = 'done' OR action = 'note' OR action = 'assign' OR action = 'snooze'),
    note TEXT
);
CREATE INDEX worklist_history_item ON worklist_history (item_id, id);
