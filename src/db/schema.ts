import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

/** The tables of the app's database, one interface per table; migrations in ./migrations create them. */
export interface Database {
  deliveries: DeliveriesTable;
}

export interface DeliveriesTable {
  id: string;
  source: string;
  event: string;
  installation_id: ColumnType<string | null, number | string | null | undefined, never>;
  repository: string | null;
  received_at: Generated<Date>;
}
export type Delivery = Selectable<DeliveriesTable>;
export type NewDelivery = Insertable<DeliveriesTable>;
