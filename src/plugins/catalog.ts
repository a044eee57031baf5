import type { PluginSlotName } from "../config/schema.ts";
import type { ActionSpec } from "./action-spec.ts";
import { type CommunicationAdapter, communicationActions } from "./communication.ts";
import { type DocumentationAdapter, documentationActions } from "./documentation.ts";
import { type TaskManagementAdapter, taskManagementActions } from "./task-management.ts";
import { type VersionControlAdapter, versionControlActions } from "./version-control.ts";

/** Slot → action → spec: what a workflow's `plugin` + `action` may name, checked when workflows load. */
export type PluginCatalog = Readonly<Record<string, Readonly<Record<string, ActionSpec>>>>;

export const pluginCatalog = {
  task_management: taskManagementActions,
  version_control: versionControlActions,
  documentation: documentationActions,
  communication: communicationActions,
} satisfies Record<PluginSlotName, Record<string, ActionSpec>>;

/** The adapter each slot takes; real ones live in adapters/<service>/, tests pass recording fakes. */
export interface PluginAdapters {
  task_management: TaskManagementAdapter;
  version_control: VersionControlAdapter;
  documentation: DocumentationAdapter;
  communication: CommunicationAdapter;
}

export type PluginAdapter = PluginAdapters[PluginSlotName];

export function findAction(catalog: PluginCatalog, slot: string, action: string): ActionSpec | undefined {
  const actions = Object.hasOwn(catalog, slot) ? catalog[slot] : undefined;
  return actions && Object.hasOwn(actions, action) ? actions[action] : undefined;
}
