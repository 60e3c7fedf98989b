/**
 * Settings that only work together: once any of `triggers` (all of `keys` by default) is set,
 * every one of `keys` is required. One problem per missing setting, naming the ones that are
 * set, `for <what>` when given, and the setting's own hint.
 */
export function allOrNone<K extends string>(group: {
  keys: readonly K[];
  isSet: (key: K) => boolean;
  what?: string;
  triggers?: readonly K[];
  hints?: Partial<Record<K, string>>;
}): string[] {
  const { keys, isSet, what, triggers = keys } = group;
  const hints: Partial<Record<K, string>> = group.hints ?? {};
  if (!triggers.some(isSet)) return [];
  const given = keys.filter(isSet);
  const named = given.length === 1 ? `${given[0]} is set` : `${given.slice(0, -1).join(', ')} and ${given.at(-1)} are set`;
  return keys
    .filter((key) => !isSet(key))
    .map((key) => `${key}: required${what ? ` for ${what}` : ''} when ${named}${hints[key] ? ` (${hints[key]})` : ''}`);
}
