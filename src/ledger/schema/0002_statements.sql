-- Patient statements sent (`claimkit statements`): when, and what they asked for.
CREATE TABLE statements (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL,
    statement_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    total_due_cents INTEGER NOT NULL,
    file TEXT,
    sent_at TEXT NOT NULL,
    UNIQUE (patient_id, statement_date)
);
CREATE INDEX statements_patient ON statements (patient_id);
