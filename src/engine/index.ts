/** The workflow engine: load workflows, create runs, execute and resume them. */
export type { AgentCallContext, AgentName, AgentPort } from "./agent-port.ts";
export { type CreateRunRequest, createRun } from "./create-run.ts";
export { executeRun, type RunError, type RunOutcome } from "./execute-run.ts";
export { type LoadWorkflowsOptions, loadWorkflows, workflowFilesIn } from "./load-workflows.ts";
export type { LoadedWorkflow, WorkflowRegistry } from "./loaded-workflow.ts";
export type { ModelPort, ModelStepRequest, ModelStepResult } from "./model-port.ts";
export type { ExecuteRunDeps } from "./run-execution.ts";
export type { RunStatus, StepPhase, StepRunStatus } from "./run-status.ts";
export { getRun, listStepRuns, type RunRecord, requestCancel, type StepRunRecord } from "./run-store.ts";
export { type ValidateOptions, validateWorkflowFiles } from "./validate-command.ts";
export { type WorkflowDefinition, workflowSchema } from "./workflow-schema.ts";
