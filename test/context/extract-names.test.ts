import { describe, expect, it } from "vitest";
import { extractNames } from "../../src/context/extract-tags.ts";

const samples: [file: string, source: string, definitions: string[], uses: string[]][] = [
  [
    "jobs/queue.py",
    "RETRIES = 3\n\nclass Queue(Base):\n    def push(self, item):\n        return encode(item)\n",
    ["RETRIES", "Queue", "push"],
    ["Base", "encode", "item"],
  ],
  [
    "src/queue.ts",
    "export interface Job { id: string }\nexport type Id = Job['id'];\nexport enum State { Open }\nexport class Queue { size = 0; push(job: Job): void { this.store.save(job); } }\nexport function drain(q: Queue) {}\nexport const limit = 3;\n",
    ["Job", "Id", "State", "Queue", "size", "push", "drain", "limit"],
    ["store", "save", "Job"],
  ],
  [
    "src/badge.tsx",
    "export const Badge = ({ count }: Props) => <span>{format(count)}</span>;\n",
    ["Badge"],
    ["Props", "format"],
  ],
  [
    "lib/queue.js",
    "class Queue { push(job) { return save(job); } }\nfunction drain() {}\nmodule.exports.retry = function () {};\nconst helpers = { wait: () => 1 };\n",
    ["Queue", "push", "drain", "retry", "helpers", "wait"],
    ["save", "module", "exports"],
  ],
  [
    "queue/queue.go",
    "package queue\n\ntype Queue struct{}\n\nfunc (q *Queue) Push(j Job) { q.store.Save(j) }\n\nfunc Drain() {}\n\nconst Limit = 3\n",
    ["Queue", "Push", "Drain", "Limit"],
    ["Job", "store", "Save"],
  ],
  [
    "src/queue.rs",
    "pub struct Queue;\npub trait Store { fn save(&self); }\nimpl Queue { pub fn push(&self, job: Job) { job.run(); } }\nenum State { Open }\n",
    ["Queue", "Store", "save", "push", "State"],
    ["Job", "run"],
  ],
  [
    "src/Queue.java",
    "public class Queue { void push(Job job) { store.save(job); } }\ninterface Store {}\nenum State { OPEN }\n",
    ["Queue", "push", "Store", "State"],
    ["Job", "store", "save"],
  ],
  [
    "lib/queue.rb",
    "module Jobs\n  class Queue\n    def push(job)\n      store.save(job)\n    end\n    def self.drain; end\n  end\nend\n",
    ["Jobs", "Queue", "push", "drain"],
    ["store", "save"],
  ],
];

describe("names found by the tree-sitter queries", () => {
  for (const [file, source, definitions, uses] of samples) {
    it(`finds what ${file} defines and uses`, async () => {
      const names = await extractNames(file, source);
      expect(names?.definitions.map((d) => d.name)).toEqual(expect.arrayContaining(definitions));
      for (const name of uses) expect(names?.references.has(name), name).toBe(true);
      // A definition's own name node is not counted as a use of it.
      const firstDefinition = definitions[0] ?? "";
      expect(names?.references.get(firstDefinition) ?? 0).toBeLessThan(
        source.split(firstDefinition).length - 1,
      );
    });
  }

  it("has no grammar for a Markdown file: it is ranked by path", async () => {
    expect(await extractNames("docs/guide.md", "# Guide")).toBeUndefined();
  });
});
