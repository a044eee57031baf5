import { type Kysely, sql } from "kysely";

// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  // A run executed by one process (a worker) shows live on another (the web process's dashboard): each
  // change a person would see is announced on one channel. The payload names the row only; the listener
  // reads what it shows, so nothing of a run's data travels in a notification. The schema is in the
  // payload because a PostgreSQL server's channels are shared by every schema on the database.
  await sql`
    create function ai_dev_notify_run_event() returns trigger language plpgsql as $$
    begin
      perform pg_notify('ai_dev_run_events', json_build_object(
        'schema', TG_TABLE_SCHEMA,
        'table', TG_TABLE_NAME,
        -- Through jsonb: PL/pgSQL would refuse NEW.run_id on runs, which has no such column.
        'run_id', coalesce(to_jsonb(NEW) ->> 'run_id', to_jsonb(NEW) ->> 'id')
      )::text);
      return null;
    end $$`.execute(db);
  // Lease renewals rewrite a running run every few seconds: only changes the dashboard shows notify.
  await sql`
    create trigger runs_notify_inserted after insert on runs
    for each row execute function ai_dev_notify_run_event()`.execute(db);
  await sql`
    create trigger runs_notify_changed after update on runs for each row
    when (old.status is distinct from new.status
      or old.cost_usd_micros is distinct from new.cost_usd_micros
      or old.pull_request_number is distinct from new.pull_request_number
      or old.error_message is distinct from new.error_message
      or old.cancel_requested_at is distinct from new.cancel_requested_at)
    execute function ai_dev_notify_run_event()`.execute(db);
  await sql`
    create trigger step_runs_notify after insert or update on step_runs
    for each row execute function ai_dev_notify_run_event()`.execute(db);
  // An agent step saves a checkpoint after every turn: the commands it ran so far.
  await sql`
    create trigger agent_checkpoints_notify after insert or update on agent_checkpoints
    for each row execute function ai_dev_notify_run_event()`.execute(db);
}
