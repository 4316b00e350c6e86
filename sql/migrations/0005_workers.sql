-- Several ingestion workers on one store (a DuckLake): which share each run took, where it runs,
-- and a counter every write transaction bumps.

alter table runs add column worker varchar;          -- 'K/N' for `tracker ingest --worker K/N`; null for a whole run
alter table runs add column host varchar;            -- the machine and process of the run
alter table runs add column pid integer;
alter table runs add column heartbeat_at timestamp;  -- the run's last commit; a running run silent for long is dead

-- One row. Each write transaction adds one, so two workers committing at once conflict and the
-- later commit is retried against the earlier one's rows (DuckLake has no keys to do that).
create table store_commits (
    n bigint not null,
);
insert into store_commits values (0);
