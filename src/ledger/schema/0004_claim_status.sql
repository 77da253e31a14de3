-- Issue 18: claim status inquiries (276) and the payers' answers (277, 005010X212).

-- One 276 file written by `claimkit status-request` (one per receiver).
CREATE TABLE status_requests (
    id INTEGER PRIMARY KEY,
    receiver_id TEXT NOT NULL,          -- practice receiver id
    path TEXT NOT NULL,
    isa13 TEXT NOT NULL,
    gs06 TEXT NOT NULL,
    st02 TEXT NOT NULL,
    sender_id TEXT NOT NULL,            -- ISA06 (trimmed)
    receiver_isa_id TEXT NOT NULL,      -- ISA08 (trimmed)
    claim_count INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (sender_id, receiver_isa_id, isa13)
);

-- The claims a 276 asked about. The claim's trace number (TRN02) is its PCN.
CREATE TABLE status_request_claims (
    request_id INTEGER NOT NULL REFERENCES status_requests (id),
    pcn TEXT NOT NULL REFERENCES claims (pcn),
    PRIMARY KEY (request_id, pcn)
) WITHOUT ROWID;
CREATE INDEX status_request_claims_pcn ON status_request_claims (pcn);

-- One claim's status in a 277 response: category and status code as sent, and what they mean.
CREATE TABLE claim_status_responses (
    id INTEGER PRIMARY KEY,
    pcn TEXT REFERENCES claims (pcn),   -- NULL: the trace names none of our claims
    reference TEXT NOT NULL,            -- TRN02 as sent
    source_file TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    category TEXT NOT NULL,             -- STC01-1 (P1, F1, F2, A4...)
    status_code TEXT NOT NULL,          -- STC01-2
    codes TEXT NOT NULL,                -- every STC code as sent ("F2:88:QC")
    outcome TEXT NOT NULL CHECK (outcome = 'pending' OR outcome = 'paid' OR outcome = 'denied'
        OR outcome = 'not_found' OR outcome = 'other'),
    detail TEXT NOT NULL,               -- the codes in words, without patient data
    payer_claim_number TEXT,            -- REF*1K
    status_date TEXT,                   -- STC02
    charge TEXT,                        -- STC04
    paid TEXT,                          -- STC05
    received_at TEXT NOT NULL
);
CREATE INDEX claim_status_responses_pcn ON claim_status_responses (pcn, id);
