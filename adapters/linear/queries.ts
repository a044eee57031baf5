/**
 * The GraphQL documents the Linear adapter sends, each named so a log line (and a test) can tell them
 * apart. Field names are Linear's schema (the SDK's generated types: Issue, WorkflowState, Comment…).
 */
export const issueQuery = `query AiDevIssue($id: String!) {
  issue(id: $id) {
    id
    identifier
    title
    description
    url
    state { name }
    assignee { displayName name }
    labels { nodes { name } }
    comments { nodes { body createdAt user { displayName name } } }
  }
}`;

export const issueStatesQuery = `query AiDevIssueStates($id: String!) {
  issue(id: $id) {
    id
    identifier
    state { name }
    team { states { nodes { id name } } }
  }
}`;

export const issueTeamQuery = `query AiDevIssueTeam($id: String!) {
  issue(id: $id) { id identifier team { id } }
}`;

export const teamsByKeyQuery = `query AiDevTeamByKey($key: String!) {
  teams(filter: { key: { eq: $key } }) { nodes { id key } }
}`;

export const moveIssueMutation = `mutation AiDevMoveIssue($id: String!, $stateId: String!) {
  issueUpdate(id: $id, input: { stateId: $stateId }) { success issue { id state { name } } }
}`;

export const createCommentMutation = `mutation AiDevComment($input: CommentCreateInput!) {
  commentCreate(input: $input) { success comment { id url } }
}`;

export const createAttachmentMutation = `mutation AiDevAttachment($input: AttachmentCreateInput!) {
  attachmentCreate(input: $input) { success attachment { id url } }
}`;

export const createIssueMutation = `mutation AiDevCreateIssue($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}`;

export const commentByIdQuery = `query AiDevCommentById($id: String!) {
  comment(id: $id) { id url }
}`;
