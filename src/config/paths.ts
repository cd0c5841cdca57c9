/** RFC 6265 §5.1.4 path-match: is `path` equal to or below `prefix`? */
export function isUnderPath(path: string, prefix: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** The longest path that path-matches both (RFC 6265 §5.1.4). */
export function commonPath(a: string, b: string): string {
  const left = a.split('/').filter(Boolean);
  const right = b.split('/').filter(Boolean);
  const shared: string[] = [];
  for (let i = 0; i < Math.min(left.length, right.length) && left[i] === right[i]; i++) shared.push(left[i] as string);
  return `/${shared.join('/')}`;
}

/**
 * The refresh cookie's Path: the refresh route, or in transparent mode the
 * narrowest Path that also reaches the API, where inline refreshes happen.
 */
export function refreshCookiePath(mode: 'endpoint' | 'transparent', apiPrefix: string, refreshRoute: string): string {
  if (mode === 'endpoint' || isUnderPath(apiPrefix, refreshRoute)) return refreshRoute;
  return commonPath(apiPrefix, refreshRoute);
}
