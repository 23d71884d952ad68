-- pgbench script for the contention benchmark. It sends the transaction
-- careteam sends to reassign a PRIMARY: one statement with a fresh
-- idempotency key and no expected version. The patient is one of the
-- first :patients (B0000001 onwards) and the provider one of 2000000001 to
-- 2000000008, which share/bench/generate.sql gives a PRIMARY and keeps
-- active. bench-run passes org and patients with --define and runs it
-- with --protocol=extended, which sends the statement as careteam's
-- PQexecParams does.
\set patient random(1, :patients)
\set provider random(1, 8)
SELECT outcome
  FROM careteam.write('reassign_primary', :org,
                      'B' || lpad((:patient)::text, 7, '0'),
                      (2000000000 + :provider)::text,
                      'Benchmark reassignment', NULL, md5(random()::text));
