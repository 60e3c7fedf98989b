/**
 * Reads a Dockerfile into stages and instructions (continuation lines joined), for the lint and
 * the engine-less smoke test, which both need the runtime stage's own words.
 */
export function parseDockerfile(text) {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const stages = [];
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, keyword, args] = match;
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    if (instruction.keyword === 'FROM') {
      const [image, , name] = instruction.args.split(/\s+/);
      stages.push({ image, name, instructions: [] });
    }
    stages[stages.length - 1]?.instructions.push(instruction);
  }
  return stages;
}

/** The JSON-array (exec) form of a HEALTHCHECK's CMD in the last stage. */
export function healthcheckCommand(stages) {
  const runtime = stages[stages.length - 1];
  const hc = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK');
  if (!hc) return undefined;
  const at = hc.args.indexOf('CMD');
  return at < 0 ? undefined : JSON.parse(hc.args.slice(at + 3).trim());
}
