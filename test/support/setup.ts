import nock from "nock";
import { afterEach } from "vitest";

// No test reaches the internet: a request nobody mocked fails the test instead of leaving the machine.
// Local servers that tests start themselves (the app, fake APIs, git over HTTP) stay reachable.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);

afterEach(() => {
  nock.cleanAll();
});
