-- Issue 19: eligibility inquiries (270) and the payers' answers (271).

-- One inquiry per coverage of an encounter not yet billed. The trace is the 270's TRN02: the 271
-- echoes it, and that is how an answer finds its inquiry.
CREATE TABLE eligibility_requests (
    trace INTEGER PRIMARY KEY,
    encounter_id TEXT NOT NULL REFERENCES encounters (id),
    coverage_order TEXT NOT NULL CHECK (coverage_order IN ('P', 'S', 'T')),
    payer_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    service_date TEXT NOT NULL,         -- the date asked about (DTP*291)
    receiver_id TEXT NOT NULL,
    file_name TEXT NOT NULL,            -- <receiver>-<ISA13>.270
    requested_on TEXT NOT NULL          -- BHT04 of the inquiry
);
CREATE INDEX eligibility_requests_encounter ON eligibility_requests (encounter_id);

-- One answer per inquiry and 271 file (a file posted twice is recognised by its content first).
CREATE TABLE eligibility_answers (
    trace INTEGER NOT NULL REFERENCES eligibility_requests (trace),
    file_sha256 TEXT NOT NULL,
    answered_on TEXT NOT NULL,          -- BHT04 of the 271
    outcome TEXT NOT NULL CHECK (outcome IN ('active', 'inactive', 'other_coverage', 'not_found')),
    reject_reason TEXT,                 -- AAA03 of a member not found (72, 73, 75, 71...)
    other_payer_id TEXT,                -- other coverage the payer reported (EB*R, 2120C)
    other_payer_name TEXT,
    other_member_id TEXT,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (trace, file_sha256)
) WITHOUT ROWID;
