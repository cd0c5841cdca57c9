/** Browser and OS as a session list shows them; a rough reading of the User-Agent header. */
export interface DeviceDescription {
  browser: string;
  browserVersion: string;
  os: string;
  osVersion: string;
  deviceType: 'desktop' | 'mobile' | 'unknown';
}

// Order matters: Edge and Chrome also claim "Safari", Edge also claims "Chrome".
const BROWSERS: ReadonlyArray<[name: string, pattern: RegExp]> = [
  ['Edge', /Edg\/([\d.]+)/],
  ['Firefox', /Firefox\/([\d.]+)/],
  ['Chrome', /Chrome\/([\d.]+)/],
  ['Safari', /Version\/([\d.]+).*Safari\//],
  ['Node.js', /\bnode(?:\.js)?\/?v?([\d.]*)/i],
];

const SYSTEMS: ReadonlyArray<[name: string, pattern: RegExp]> = [
  ['Windows', /Windows NT ([\d.]+)/],
  ['iOS', /(?:iPhone|CPU) OS ([\d_]+)/],
  ['macOS', /Mac OS X ([\d_.]+)/],
  ['Android', /Android ([\d.]+)/],
  ['Linux', /Linux()/],
];

function firstMatch(
  userAgent: string,
  table: ReadonlyArray<[string, RegExp]>,
): { name: string; version: string } {
  for (const [name, pattern] of table) {
    const match = pattern.exec(userAgent);
    if (match) return { name, version: (match[1] ?? '').replace(/_/g, '.') };
  }
  return { name: '', version: '' };
}

export function describeUserAgent(userAgent: string): DeviceDescription {
  const browser = firstMatch(userAgent, BROWSERS);
  const os = firstMatch(userAgent, SYSTEMS);
  const deviceType = !userAgent ? 'unknown' : /Mobile|iPhone|Android/.test(userAgent) ? 'mobile' : 'desktop';
  return {
    browser: browser.name,
    browserVersion: browser.version,
    os: os.name,
    osVersion: os.version,
    deviceType,
  };
}
