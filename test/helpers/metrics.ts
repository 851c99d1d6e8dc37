// Reading a broker's /metrics in tests: the Prometheus text format parsed into samples (name,
// labels, value), and sums over the samples of one name whose labels match.

export interface Sample { name: string; labels: Record<string, string>; value: number }

export async function scrape(metricsUrl: string): Promise<Sample[]> {
  const res = await fetch(`${metricsUrl}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The samples of a name whose labels include these. */
export function select(samples: Sample[], name: string, labels: Record<string, string | number> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === String(v)));
}

/** Their values added up (0 when there are none). */
export function total(samples: Sample[], name: string, labels: Record<string, string | number> = {}): number {
  return select(samples, name, labels).reduce((a, s) => a + s.value, 0);
}
