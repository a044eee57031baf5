import type { PluginSlotName } from "../config/schema.ts";
import type { ActionSpec } from "./action-spec.ts";
import { type CommunicationAdapter, communicationActions, communicationAliases } from "./communication.ts";
import { type DocumentationAdapter, documentationActions } from "./documentation.ts";
import {
  type TaskManagementAdapter,
  taskManagementActions,
  taskManagementAliases,
} from "./task-management.ts";
import {
  type VersionControlAdapter,
  versionControlActions,
  versionControlAliases,
} from "./version-control.ts";

/** Slot → action → spec: what a workflow's `plugin` + `action` may name, checked when workflows load. */
export type PluginCatalog = Readonly<Record<string, Readonly<Record<string, ActionSpec>>>>;

export const pluginCatalog = {
  task_management: taskManagementActions,
  version_control: versionControlActions,
  documentation: documentationActions,
  communication: communicationActions,
} satisfies Record<PluginSlotName, Record<string, ActionSpec>>;

/** Slot → another name → the catalog's action name: the plan's names (update_task_status, …). */
export type ActionAliases = Readonly<Record<string, Readonly<Record<string, string>>>>;

export const pluginActionAliases = {
  task_management: taskManagementAliases,
  version_control: versionControlAliases,
  documentation: {},
  communication: communicationAliases,
} satisfies Record<PluginSlotName, Record<string, string>>;

/** The catalog's name for an action written either way; an unknown name comes back as it is. */
export function canonicalAction(
  slot: string,
  action: string,
  aliases: ActionAliases = pluginActionAliases,
): string {
  const names = Object.hasOwn(aliases, slot) ? aliases[slot] : undefined;
  return names && Object.hasOwn(names, action) ? (names[action] as string) : action;
}

/** The adapter each slot takes; real ones live in adapters/<service>/, tests pass recording fakes. */
export interface PluginAdapters {
  task_management: TaskManagementAdapter;
  version_control: VersionControlAdapter;
  documentation: DocumentationAdapter;
  communication: CommunicationAdapter;
}

export type PluginAdapter = PluginAdapters[PluginSlotName];

/** The spec of an action by its catalog name or an alias of it. */
export function findAction(catalog: PluginCatalog, slot: string, action: string): ActionSpec | undefined {
  const actions = Object.hasOwn(catalog, slot) ? catalog[slot] : undefined;
  const name = canonicalAction(slot, action);
  return actions && Object.hasOwn(actions, name) ? actions[name] : undefined;
}

/** What a message about an unknown action lists: each action, and the aliases that name it. */
export function describeActions(catalog: PluginCatalog, slot: string): string {
  const actions = Object.keys(catalog[slot] ?? {});
  const aliases = Object.entries(
    Object.hasOwn(pluginActionAliases, slot) ? pluginActionAliases[slot as PluginSlotName] : {},
  );
  const also = aliases.map(([alias, name]) => `${alias} (= ${name})`);
  return [...actions, ...also].join(", ");
}
