import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ProcessExecutionError } from '../../../../src/network/linux-net/errors.js';
import { namespaceExecutor, ProcessExecutor } from '../../../../src/network/linux-net/executor.js';

describe('ProcessExecutor', () => {
  const run = new ProcessExecutor();

  it('passes argv without a shell and feeds standard input', async () => {
    const r = await run.run(['cat'], { input: '$(echo no shell) ; `id`\n' });
    assert.equal(r.stdout, '$(echo no shell) ; `id`\n');
    assert.equal(r.exitCode, 0);
  });

  it('throws ProcessExecutionError on an exit code the caller does not accept, with the output', async () => {
    await assert.rejects(run.run(['sh', '-c', 'echo oops >&2; exit 3']), (err: unknown) => {
      assert.ok(err instanceof ProcessExecutionError);
      assert.equal(err.exitCode, 3);
      assert.equal(err.stderr, 'oops\n');
      assert.match(err.message, /sh -c echo oops >&2; exit 3: exit code 3: oops/);
      return true;
    });
    assert.equal((await run.run(['sh', '-c', 'exit 2'], { allowedExitCodes: [0, 2] })).exitCode, 2);
    assert.equal((await run.run(['false'], { allowedExitCodes: 'any' })).exitCode, 1);
  });

  it('reports a missing program and kills a command that outlives its timeout', async () => {
    await assert.rejects(run.run(['no-such-program-here']), /ENOENT/);
    await assert.rejects(run.run(['sleep', '5'], { timeoutMs: 50 }), /timed out after 50 ms/);
  });

  it('retries a failing command up to `attempts` times', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'executor-'));
    try {
      const counter = join(dir, 'n');
      const script = `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 3 ]`;
      await assert.rejects(run.run(['sh', '-c', script], { attempts: 2 }), ProcessExecutionError);
      rmSync(counter);
      await run.run(['sh', '-c', script], { attempts: 3 });
      assert.equal(readFileSync(counter, 'utf8').trim(), '3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts the namespace prefix in front of every command', () => {
    assert.deepEqual(namespaceExecutor('nova-test').prefix, ['ip', 'netns', 'exec', 'nova-test']);
  });
});
